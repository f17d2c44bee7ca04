"""Domain values shared by every detector: events, revisions, findings, site facts.

Everything here is a frozen dataclass or an enum; nothing does I/O or reads the clock.
Timestamps are timezone-aware UTC datetimes.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import cached_property
from types import MappingProxyType

from detectors.wikitext.timestamps import ENGLISH, TimestampFormat


class Kind(str, Enum):
    """The finding kinds of DESIGN.md (their values are the queue JSON's `kind`)."""

    USERSPACE = "userspace"
    REPLY = "reply"
    MENTION = "mention"
    REVERT = "revert"
    EDIT_CHANGE = "edit-change"
    THANKS = "thanks"
    LOG_ACTION = "log-action"


class EventType(str, Enum):
    EDIT = "edit"  # an edit to an existing page
    NEW = "new"  # a page creation
    LOG = "log"  # a log entry (move, block, delete, thanks, renameuser, ...)


def normalize_user_name(name: str) -> str:
    """MediaWiki's form of a user name: underscores as spaces, trimmed, first letter upper case."""
    name = " ".join(name.replace("_", " ").split())
    return name[:1].upper() + name[1:]


@dataclass(frozen=True, slots=True)
class UserRef:
    """A user as an event names them. `id` is 0 for IPs and unknown users.

    `anon`: the API marked the edit as made by an IP address (id 0). `temp`: a temporary
    account (`~2025-12345-67`: an account with an id, made for a logged-out editor, its IP
    hidden). The two never mean the same thing, and neither is ever taken for a registered
    account: identities are user ids (or, before an id is known, exact names).
    """

    id: int
    name: str
    temp: bool = False
    anon: bool = False


@dataclass(frozen=True)
class Event:
    """One normalized thing that happened on a wiki (a recent change or a log entry).

    `key` identifies it within its wiki (`rev:<revid>` or `log:<logid>`); the queue's unique
    key is (wiki, key, ban). `target` is the user a log entry acts on (thanks recipient,
    blocked user, renamed user); `params` carries the log's extra parameters.
    """

    wiki: str
    type: EventType
    timestamp: datetime
    actor: UserRef
    title: str = ""
    namespace: int = 0
    page_id: int = 0
    revid: int = 0
    old_revid: int = 0
    logid: int = 0
    log_type: str = ""
    log_action: str = ""
    target: UserRef | None = None
    comment: str = ""
    tags: tuple[str, ...] = ()
    sha1: str = ""
    size: int = 0
    old_size: int = 0
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def key(self) -> str:
        return f"log:{self.logid}" if self.type is EventType.LOG else f"rev:{self.revid}"

    @property
    def is_edit(self) -> bool:
        return self.type in (EventType.EDIT, EventType.NEW)


@dataclass(frozen=True, slots=True)
class Revision:
    """A revision of a page. `text` is None when not fetched or hidden (revision-deleted)."""

    revid: int
    parentid: int
    user: UserRef
    timestamp: datetime
    sha1: str = ""
    size: int = 0
    comment: str = ""
    tags: tuple[str, ...] = ()
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One suspected breach found in an event. `target` names the protected user concerned."""

    kind: Kind
    confidence: float
    evidence: str
    target: str


@dataclass(frozen=True, slots=True)
class Namespace:
    id: int
    canonical: str  # English canonical name ("User talk"); "" for the main namespace
    name: str  # the wiki's local name
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for n in (self.name, self.canonical, *self.aliases) if n))


NS_USER = 2
NS_USER_TALK = 3
NS_PROJECT = 4
NS_SPECIAL = -1

_DEFAULT_NAMESPACES = (
    Namespace(-2, "Media", "Media"),
    Namespace(-1, "Special", "Special"),
    Namespace(0, "", ""),
    Namespace(1, "Talk", "Talk"),
    Namespace(2, "User", "User"),
    Namespace(3, "User talk", "User talk"),
    Namespace(4, "Project", "Project"),
    Namespace(5, "Project talk", "Project talk"),
    Namespace(6, "File", "File", ("Image",)),
    Namespace(7, "File talk", "File talk", ("Image talk",)),
    Namespace(8, "MediaWiki", "MediaWiki"),
    Namespace(9, "MediaWiki talk", "MediaWiki talk"),
    Namespace(10, "Template", "Template"),
    Namespace(11, "Template talk", "Template talk"),
    Namespace(12, "Help", "Help"),
    Namespace(13, "Help talk", "Help talk"),
    Namespace(14, "Category", "Category"),
    Namespace(15, "Category talk", "Category talk"),
)

DEFAULT_PING_TEMPLATES = (
    "ping", "reply to", "replyto", "re", "u", "user", "noping", "hidden ping", "yo", "mention",
)


@dataclass(frozen=True)
class SiteInfo:
    """What detectors need to know about a wiki: namespace names and ping-style templates.

    `special_aliases` maps canonical special page names ("Contributions", "Diff") to the
    local aliases the wiki accepts. `timestamps` is how its signatures write dates (learned
    from the wiki by the adapter). Built from `meta=siteinfo` by the wiki adapter; the
    default is an English wiki on UTC whose project namespace is called "Project".
    """

    namespaces: tuple[Namespace, ...] = _DEFAULT_NAMESPACES
    ping_templates: tuple[str, ...] = DEFAULT_PING_TEMPLATES
    special_aliases: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({"Contributions": ("Contributions",),
                                                  "Diff": ("Diff",)}))
    timestamps: TimestampFormat = ENGLISH

    @cached_property
    def namespace_index(self) -> dict[str, int]:
        """Every accepted namespace name (case-folded, spaces for underscores) -> its id."""
        return {n.replace("_", " ").casefold(): ns.id for ns in self.namespaces for n in ns.names}

    def namespace(self, ns_id: int) -> Namespace | None:
        return next((ns for ns in self.namespaces if ns.id == ns_id), None)

    def split_title(self, title: str) -> tuple[int, str]:
        """('User talk:Bob/x' | 'user_talk:bob/x' | 'UT:Bob') -> (3, 'Bob/x').

        Main namespace -> 0."""
        title = " ".join(title.replace("_", " ").split()).lstrip(":")
        prefix, sep, rest = title.partition(":")
        if sep:
            ns_id = self.namespace_index.get(prefix.strip().casefold())
            if ns_id is not None:
                rest = rest.strip()
                return ns_id, rest[:1].upper() + rest[1:]
        return 0, title[:1].upper() + title[1:]

    def normalize_title(self, title: str) -> str:
        """The canonical (English) spelling of a title, for comparisons and glob matching."""
        ns_id, rest = self.split_title(title)
        ns = self.namespace(ns_id)
        return f"{ns.canonical}:{rest}" if ns and ns.canonical else rest


@dataclass(frozen=True)
class Detection:
    """What the pipeline hands to storage: one per (wiki, event, ban), with its findings.

    `actor` is the name at the time of the event; `target` the protected user's current name.
    """

    wiki: str
    ban_id: str
    event_key: str
    actor: UserRef
    target: str
    page: str
    timestamp: datetime
    findings: tuple[Finding, ...]
    revid: int = 0
    logid: int = 0
    source: str = "detector"
