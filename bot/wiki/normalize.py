"""API answers -> domain values (Event, Revision, SiteInfo). Pure: no pywikibot, no I/O.

Rows the API marks as hidden (revision deletion, suppression) keep their place with empty
values; a row that lacks what identifies it (timestamp, id) yields None, and the caller logs it.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from bot.wiki.cursor import parse_ts
from detectors.model import (
    DEFAULT_PING_TEMPLATES,
    NS_USER,
    Event,
    EventType,
    Namespace,
    Revision,
    SiteInfo,
    UserRef,
)

_USER_TARGETED_LOGS = {"block", "rights", "renameuser", "thanks", "newusers", "gblblock",
                       "gblrights", "globalauth", "usermerge"}
_RC_TYPES = {"edit": EventType.EDIT, "new": EventType.NEW, "log": EventType.LOG}


def _user(row: Mapping[str, Any]) -> UserRef:
    if row.get("userhidden") or "user" not in row:
        return UserRef(0, "")
    return user_ref(row)


def user_ref(row: Mapping[str, Any], name_key: str = "user") -> UserRef:
    """The user of an API row, with its `temp` (temporary account) and `anon` (IP) flags.

    formatversion 2 writes a flag as `true` and leaves it out when false; formatversion 1
    writes it as an empty string: a present key that is not `false` is set. A temporary
    account keeps its user id; an IP has none. Neither is read from the name's shape.
    """
    return UserRef(int(row.get("userid") or 0), str(row.get(name_key, "")),
                   temp=_flag(row, "temp"), anon=_flag(row, "anon"))


def _flag(row: Mapping[str, Any], key: str) -> bool:
    return key in row and row[key] is not False and row[key] is not None


def _target(title: str, ns: int, log_type: str, params: Mapping[str, Any]) -> UserRef | None:
    if log_type == "renameuser" and params.get("olduser"):
        return UserRef(0, str(params.get("newuser") or params["olduser"]))
    if log_type in _USER_TARGETED_LOGS and ns == NS_USER and title:
        return UserRef(0, title.partition(":")[2].partition("/")[0])
    return None


def _flat_params(params: Any) -> Mapping[str, object]:
    return MappingProxyType(dict(params) if isinstance(params, Mapping) else {})


def _readable(convert):
    """Rows with missing or mistyped fields give None (the caller logs their ids), never raise."""
    def safe(wiki: str, row: Mapping[str, Any]) -> Any:
        try:
            return convert(wiki, row) if isinstance(row, Mapping) else None
        except (KeyError, ValueError, TypeError, AttributeError):
            return None
    safe.__doc__, safe.__name__ = convert.__doc__, convert.__name__
    return safe


@_readable
def event_from_rc(wiki: str, row: Mapping[str, Any]) -> Event | None:
    """A `list=recentchanges` row -> Event, or None when the row cannot be one."""
    kind = _RC_TYPES.get(str(row.get("type")))
    if kind is None or "rcid" not in row:
        return None
    ts = parse_ts(str(row["timestamp"]))
    title, ns = str(row.get("title", "")), int(row.get("ns") or 0)
    params = _flat_params(row.get("logparams"))
    log_type = str(row.get("logtype", "")) if kind is EventType.LOG else ""
    return Event(
        wiki=wiki, type=kind, timestamp=ts, actor=_user(row), title=title, namespace=ns,
        page_id=int(row.get("pageid") or 0), revid=int(row.get("revid") or 0),
        old_revid=int(row.get("old_revid") or 0), logid=int(row.get("logid") or 0),
        log_type=log_type, log_action=str(row.get("logaction", "")) if log_type else "",
        target=_target(title, ns, log_type, params) if log_type else None,
        comment="" if row.get("commenthidden") else str(row.get("comment", "")),
        tags=tuple(str(t) for t in row.get("tags") or ()),
        sha1="" if row.get("sha1hidden") else str(row.get("sha1", "")),
        size=int(row.get("newlen") or 0), old_size=int(row.get("oldlen") or 0), params=params)


@_readable
def event_from_log(wiki: str, row: Mapping[str, Any]) -> Event | None:
    """A `list=logevents` row -> Event (type LOG), or None when the row cannot be one."""
    ts = parse_ts(str(row["timestamp"]))
    title, ns = str(row.get("title", "")), int(row.get("ns") or 0)
    log_type, params = str(row["type"]), _flat_params(row.get("params"))
    return Event(
        wiki=wiki, type=EventType.LOG, timestamp=ts, actor=_user(row), title=title,
        namespace=ns, page_id=int(row.get("pageid") or 0), logid=int(row["logid"]),
        log_type=log_type, log_action=str(row.get("action", "")),
        target=_target(title, ns, log_type, params),
        comment="" if row.get("commenthidden") else str(row.get("comment", "")),
        tags=tuple(str(t) for t in row.get("tags") or ()), params=params)


def revision_from_api(rev: Mapping[str, Any]) -> Revision | None:
    """A `prop=revisions` entry (formatversion 2) -> Revision. Hidden parts stay empty."""
    return _revision("", rev)


@_readable
def _revision(_: str, rev: Mapping[str, Any]) -> Revision | None:
    slot = (rev.get("slots") or {}).get("main") or {}
    text = None if slot.get("texthidden") or "content" not in slot else str(slot["content"])
    return Revision(
        revid=int(rev["revid"]), parentid=int(rev.get("parentid") or 0), user=_user(rev),
        timestamp=parse_ts(str(rev["timestamp"])),
        sha1="" if rev.get("sha1hidden") else str(rev.get("sha1", "")),
        size=int(rev.get("size") or 0),
        comment="" if rev.get("commenthidden") else str(rev.get("comment", "")),
        tags=tuple(str(t) for t in rev.get("tags") or ()), text=text)


def site_info_from_api(query: Mapping[str, Any], ping_templates: tuple[str, ...] | None
                       ) -> SiteInfo:
    """`meta=siteinfo` (namespaces, namespacealiases, specialpagealiases) -> SiteInfo."""
    aliases: dict[int, list[str]] = {}
    for alias in query.get("namespacealiases") or ():
        aliases.setdefault(int(alias["id"]), []).append(str(alias.get("alias") or alias.get("*")))
    namespaces = tuple(
        Namespace(int(ns["id"]), str(ns.get("canonical", "")),
                  str(ns.get("name", ns.get("*", ""))), tuple(aliases.get(int(ns["id"]), ())))
        for ns in (query.get("namespaces") or {}).values())
    specials = {str(s["realname"]): tuple(str(a) for a in s.get("aliases") or ())
                for s in query.get("specialpagealiases") or ()
                if s.get("realname") in ("Contributions", "Diff")}
    return SiteInfo(namespaces=namespaces or SiteInfo().namespaces,
                    ping_templates=(DEFAULT_PING_TEMPLATES if ping_templates is None
                                    else tuple(ping_templates)),
                    special_aliases=MappingProxyType(specials or dict(SiteInfo().special_aliases)))
