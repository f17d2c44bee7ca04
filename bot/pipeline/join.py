"""One poll of one wiki: cursor -> fetch -> prefilter -> enrich -> detect -> store.

The prefilter (a dictionary lookup on the actor's user id) drops every event whose actor
is restricted by no ban on this wiki; only the rest cost API calls, limited to what the
detectors declare they need and batched across API pages (one contents request per 25 watched
edits, 250 with apihighlimits). Findings and the stream's new cursor are
saved in one transaction after each batch (and every SAVE_EVERY pages, and at the end), so a crash
re-reads at most a few pages and the queue's unique key makes that harmless. The same
transaction records the coverage of the bans loaded while the whole batch was read
(bot.pipeline.coverage).
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.pipeline.guard import Guard
from bot.storage.coverage import Covered
from bot.wiki.cursor import Position
from detectors import exceptions
from detectors.bans import BanRegistry, Person, Restriction
from detectors.base import Context, Detector, DetectorLimits, Need
from detectors.model import Detection, Event, EventType, Revision, SiteInfo, UserRef

if TYPE_CHECKING:
    from bot.storage import Store

log = logging.getLogger(__name__)

RECENT_CHANGES = "recentchanges"
THANKS = "log:thanks"
STREAMS = (RECENT_CHANGES, THANKS)
CREATOR_LOGS = {"delete", "move", "protect", "suppress", "stable"}
_UNSET = object()
SAVE_EVERY = 10  # pages without findings between two cursor saves (a crash re-reads them)


class Gateway(Protocol):
    name: str

    def site_info(self) -> SiteInfo: ...
    def recent_changes(self, position: Position, limit: int = 500,
                       keep: Callable[[UserRef, str], bool] | None = None) -> Iterator: ...
    def log_events(self, log_type: str, position: Position, limit: int = 500,
                   keep: Callable[[UserRef, str], bool] | None = None) -> Iterator: ...
    def revisions(self, revids: Iterable[int], with_text: bool = True) -> dict[int, Revision]: ...
    def history(self, title: str, from_revid: int, limit: int, with_text: bool = False,
                max_bytes: int = 0) -> tuple[Revision, ...]: ...
    def page_creator(self, title: str) -> str | None: ...


Contributors = Mapping[str, Sequence[UserRef]]  # title -> who edited it


# Optional gateway capabilities (bot.wiki.gateway.WikiGateway has all three; a test or
# benchmark gateway may lack them): checked with isinstance, never reached through getattr.
@runtime_checkable
class Batching(Protocol):
    def batch_size(self) -> int: ...


@runtime_checkable
class ContributorLookup(Protocol):
    def contributors(self, titles: Iterable[str]) -> Contributors | None: ...


@runtime_checkable
class CombinedLookup(Protocol):
    def revisions_with_contributors(self, revids: Iterable[int]
                                    ) -> tuple[dict[int, Revision], Contributors | None]: ...


@dataclass(frozen=True)
class Fetched:
    """Revisions read once for a batch of edits (`revids` asked; those missing are hidden or
    gone), with their texts when the detectors need them, and their pages' contributors when
    read in the same requests (else _UNSET). The EventStreams source reads them to fill what
    the stream lacks and hands them to the analysis: each revision is fetched once."""
    revisions: Mapping[int, Revision]
    revids: frozenset[int]
    with_text: bool
    contributors: Contributors | None | object = _UNSET


@dataclass
class PollResult:
    wiki: str
    events: int = 0
    watched: int = 0
    new_items: list[int] = field(default_factory=list)
    renames: int = 0
    kinds: Counter = field(default_factory=Counter)  # new items per finding kind (metrics)


@dataclass(frozen=True)
class Batch:
    """Pages read from `since` to `until` with the bans `loaded` all along (coverage)."""
    since: Position
    until: Position
    loaded: frozenset[str]


@dataclass(frozen=True)
class Work:
    event: Event
    restriction: Restriction


class Pipeline:
    def __init__(self, gateway: Gateway, store: Store, registry: Callable[[], BanRegistry],
                 detectors: Sequence[Detector], limits: DetectorLimits,
                 now: Callable[[], datetime], on_rename: Callable[[Event], None] | None = None,
                 guard: Guard | None = None,
                 on_unanalysed: Callable[[Event, Restriction], None] | None = None):
        self.gateway, self.store, self.registry = gateway, store, registry
        self.detectors, self.limits, self.now = tuple(detectors), limits, now
        self.on_rename, self.on_unanalysed = on_rename, on_unanalysed
        self.guard = guard or Guard()
        self.wiki = gateway.name
        self._ids: tuple[object, frozenset[str]] = (None, frozenset())

    def poll(self, streams: Sequence[str] = STREAMS) -> PollResult:
        result = PollResult(self.wiki)
        for stream in streams:
            self._poll_stream(stream, result)
        return result

    def start_position(self, stream: str) -> Position:
        saved = self.store.get_cursor(self.wiki, stream)
        if saved:
            return Position.parse(saved)
        start = self.registry().earliest_start(self.wiki)
        return Position(start if start and start < self.now() else self.now())

    def _pages(self, stream: str, position: Position, keep: Prefilter) -> Iterator:
        if stream == RECENT_CHANGES:
            return self.gateway.recent_changes(position, keep=keep)
        return self.gateway.log_events(stream.partition(":")[2], position, keep=keep)

    def _poll_stream(self, stream: str, result: PollResult) -> None:
        """Read the stream; analyse its watched events in batches that fill one contents
        request (across API pages), saving findings and cursor together after each batch."""
        pending: list[Event] = []  # watched events of pages read, not analysed yet
        unsaved, position = 0, None  # pages read since the cursor was last saved
        keep = Prefilter(self.registry, self.wiki)
        since = self.start_position(stream)  # where the unsaved pages began
        loaded: frozenset[str] | None = None  # bans loaded for every unsaved page
        for page in self._pages(stream, since, keep):
            if page.unreadable:
                log.warning("wiki %s: %s: skipped unreadable rows: %s", self.wiki, stream,
                            ", ".join(page.unreadable[:20]),
                            extra={"wiki": self.wiki, "stream": stream,
                                   "rows": len(page.unreadable)})
            watched = [e for e in page.events if keep.watched(e.actor)]  # decided once
            result.renames += self._note_renames(page.events)
            ids = self.ban_ids(keep.current)  # the registry that judged this page's rows
            loaded = ids if loaded is None else loaded & ids
            keep.refresh()  # a reloaded bans file or a rename counts from the next page on
            result.events += len(page.events) + getattr(page, "dropped", 0)
            result.watched += len(watched)
            pending.extend(watched)
            position, unsaved = page.position, unsaved + 1
            if len(pending) >= self._batch_events() or unsaved >= SAVE_EVERY:
                self._save(stream, Batch(since, position, loaded or frozenset()), pending,
                           result)
                pending, unsaved, since, loaded = [], 0, position, None
        if unsaved and position is not None:
            self._save(stream, Batch(since, position, loaded or frozenset()), pending, result)

    def _batch_events(self) -> int:
        """Watched events per analysis: an edit needs two revisions (new and parent)."""
        size = self.gateway.batch_size() if isinstance(self.gateway, Batching) else 50
        return max(1, size // 2)

    def _save(self, stream: str, batch: Batch, events: list[Event],
              result: PollResult) -> None:
        """Findings, cursor and coverage (the bans loaded all along: bot.pipeline.coverage) at
        once."""
        registry = self.registry()
        detections = self.analyse(events, registry) if events else []
        loaded = batch.loaded & self.ban_ids(registry)
        covered = Covered(loaded, (batch.since.timestamp, batch.since.last_id),
                          (batch.until.timestamp, batch.until.last_id))
        new = self.store.save_batch(self.wiki, stream, batch.until.format(), detections,
                                    self.now(), covered=covered)
        result.new_items.extend(new)
        result.kinds.update(queued_kinds(self.store, detections, new))

    def _note_renames(self, events: Sequence[Event]) -> int:
        """Renames refresh every identity of the wiki: once per page, however many it holds."""
        renames = [e for e in events if e.type is EventType.LOG and e.log_type == "renameuser"]
        if renames and self.on_rename is not None:
            self.on_rename(renames[-1])
        return len(renames)

    def ban_ids(self, registry: BanRegistry) -> frozenset[str]:
        """The ids of the registry's bans on this wiki (computed once per registry)."""
        if self._ids[0] is not registry:
            self._ids = (registry, frozenset(b.id for b in registry.bans
                                             if b.covers_wiki(self.wiki)))
        return self._ids[1]

    def analyse(self, events: Sequence[Event], registry: BanRegistry | None = None,
                fetched: Fetched | None = None) -> list[Detection]:
        """Findings for these events (one Detection per event and ban with findings), with
        `registry` (default: the current one). The events were prefiltered already (their
        sources decide once per event); the restrictions in force decide what is analysed.
        `fetched`: their revisions, read already (read_revisions)."""
        registry = registry or self.registry()
        work = [Work(e, r) for e in events
                for r in registry.restrictions(self.wiki, e.actor, e.timestamp)]
        if not work:
            return []
        site = self.gateway.site_info()
        work = [w for w in work if not w.restriction.ban.is_exempt(w.event.title, site)]
        if not work:
            return []
        contents = Contents(self.gateway, self.limits, self._needs())
        protected: dict[str, list[Person]] = {}
        for w in work:
            protected.setdefault(w.event.key, []).extend(w.restriction.protected)
        contents.prefetch([w.event for w in work], protected, fetched)
        return [d for w in work if (d := self._detect(w, site, contents)) is not None]

    def examine(self, event: Event, history_bytes: int = 0
                ) -> list[tuple[Restriction, Detection | None]]:
        """A reported event: each restriction on its actor then (exempt pages left out), with
        the detectors' Detection for it, or None when they found nothing
        (bot.pipeline.reportintake).
        `history_bytes` bounds the page history read for it (0: the usual limit)."""
        site = self.gateway.site_info()
        restrictions = [r for r in self.registry().restrictions(self.wiki, event.actor,
                                                                event.timestamp)
                        if not r.ban.is_exempt(event.title, site)]
        if not restrictions:
            return []
        limits = self.limits if not history_bytes else replace(
            self.limits, history_bytes=min(self.limits.history_bytes, history_bytes))
        contents = Contents(self.gateway, limits, self._needs())
        contents.prefetch([event])
        return [(r, self._detect(Work(event, r), site, contents)) for r in restrictions]

    def _needs(self) -> frozenset[Need]:
        return frozenset(n for d in self.detectors for n in d.needs)

    def read_revisions(self, events: Sequence[Event]) -> Fetched:
        """The revisions of these edits in one batched read: with the texts (and the pages'
        contributors) the detectors need, so that analyse(..., fetched=) reads them no more."""
        contents = Contents(self.gateway, self.limits, self._needs())
        return contents.read([e for e in events if e.is_edit and e.revid], combined=True)

    def _detect(self, work: Work, site: SiteInfo, contents: Contents) -> Detection | None:
        event, restriction = work.event, work.restriction
        event, ctx = contents.context(event, restriction, site)
        findings = self.guard.run(self.detectors, event, ctx)
        if findings is None:  # stopped by the time or memory bound: staff must look
            # no event key: it would name a party of a (maybe confidential) ban by number;
            # the staff warning carries it
            log.warning("wiki %s: the analysis of an event was stopped by its time or memory "
                        "bound; see `ibanbot warnings list`", self.wiki,
                        extra={"wiki": self.wiki})
            if self.on_unanalysed is not None:
                self.on_unanalysed(event, restriction)
            return None
        if not findings:
            return None
        findings = exceptions.annotate(findings, event, ctx)  # claimed exceptions go first
        return Detection(
            wiki=self.wiki, ban_id=restriction.ban.id, event_key=event.key, actor=event.actor,
            target=findings[0].target, page=event.title, timestamp=event.timestamp,
            findings=tuple(findings), revid=event.revid, logid=event.logid)


def queued_kinds(store: Store, detections: Sequence[Detection], new: Sequence[int]
                 ) -> Counter[str]:
    """The new items per finding kind (an item counts once for each kind it has)."""
    if not new:
        return Counter()
    if len(new) == len(detections):  # all new (the usual case): no need to read them back
        found = [d.findings for d in detections]
    else:
        found = [store.get_item(i).findings for i in new]
    return Counter(kind for findings in found
                   for kind in {getattr(f.kind, "value", f.kind) for f in findings})


class Prefilter:
    """The prefilter on raw rows: restricted actors, and renames (they refresh identities).

    The gateway judges each API page's rows as it reads the page; `refresh()` between pages
    takes the current registry, so bans reloaded (or identities refreshed) during a long poll
    count from the next page on instead of being missed until the next poll."""

    def __init__(self, registry: Callable[[], BanRegistry], wiki: str) -> None:
        self._registry, self.wiki = registry, wiki
        self.current = registry()
        self._decided: dict[UserRef, bool] = {}  # actor -> watched, by the current registry

    def refresh(self) -> None:
        self.current, self._decided = self._registry(), {}

    def watched(self, actor: UserRef) -> bool:
        """The prefilter's decision on this actor: made once, then remembered until refresh()."""
        found = self._decided.get(actor)
        if found is None:
            found = self._decided[actor] = self.current.is_watched(self.wiki, actor)
        return found

    def __call__(self, actor: UserRef, log_type: str) -> bool:
        return self.watched(actor) or log_type == "renameuser"


class Contents:
    """Revision texts, histories and log details for the watched events of one API page."""

    def __init__(self, gateway: Gateway, limits: DetectorLimits, needs: frozenset[Need]):
        self.gateway, self.limits, self.needs = gateway, limits, needs
        self.texts: dict[int, Revision] = {}
        self.histories: dict[int, tuple[Revision, ...]] = {}
        self.extras: dict[str, dict[str, object]] = {}
        # title -> contributors, when read with the texts (None: too busy to tell)
        self.contributors: Contributors | None | object = _UNSET
        self.creators: dict[str, str | None] = {}  # title -> who created it (one read a title)

    def _history_needed(self) -> bool:
        return Need.HISTORY in self.needs or Need.HISTORY_TEXT in self.needs

    def read(self, edits: Sequence[Event], combined: bool) -> Fetched:
        """The edits' revisions in one batched read: with their parents' and the texts when
        the detectors need text; with the pages' contributors when `combined`, histories are
        needed and the gateway reads both at once."""
        text = Need.TEXT in self.needs
        ids = [e.revid for e in edits] + ([e.old_revid for e in edits if e.old_revid]
                                          if text else [])
        if not ids:
            return Fetched({}, frozenset(), text)
        if text and combined and self._history_needed() and \
                isinstance(self.gateway, CombinedLookup):
            revisions, people = self.gateway.revisions_with_contributors(ids)  # one request
            return Fetched(revisions, frozenset(ids), True, people)
        return Fetched(self.gateway.revisions(ids, with_text=text), frozenset(ids), text)

    def prefetch(self, events: Sequence[Event],
                  protected: Mapping[str, Sequence[Person]] | None = None,
                  fetched: Fetched | None = None) -> None:
        """Fetch what the detectors need; `protected` (event key -> people) lets histories be
        skipped on pages none of them ever edited (one batched request instead of one each).
        `fetched`: revisions read already (with their texts), not read again."""
        edits = [e for e in events if e.is_edit and e.revid]
        history = self._history_needed()
        if Need.TEXT in self.needs and edits:
            self._texts(edits, protected is not None, fetched)
        if history:
            for e in self._touched([e for e in edits if e.old_revid], protected):
                if e.revid not in self.histories:
                    self.histories[e.revid] = self._history(e)
        for e in events:
            if e.type is EventType.LOG:
                self.extras[e.key] = self._log_details(e)

    def _texts(self, edits: Sequence[Event], combined: bool, fetched: Fetched | None) -> None:
        """The texts of the edits and of their parents: those in `fetched` as they are, the
        rest (none, when `fetched` came from the same events) in one read."""
        if fetched is None or not fetched.with_text:
            fetched = self.read(edits, combined)
        else:
            ids = [e.revid for e in edits] + [e.old_revid for e in edits if e.old_revid]
            missing = [i for i in ids if i not in fetched.revids]
            if missing:
                fetched = replace(fetched, revisions={
                    **fetched.revisions, **self.gateway.revisions(missing, with_text=True)})
        self.texts, self.contributors = dict(fetched.revisions), fetched.contributors

    def _touched(self, edits: list[Event], protected: Mapping[str, Sequence[Person]] | None
                 ) -> list[Event]:
        """The edits on pages a protected user has edited: only their history can hold a
        revert of them or text they wrote. All edits when that cannot be told cheaply."""
        if not edits or protected is None:
            return edits
        found = self.contributors
        if found is _UNSET:
            if not isinstance(self.gateway, ContributorLookup):
                return edits
            found = self.gateway.contributors(e.title for e in edits)
        if not isinstance(found, Mapping):  # None: too busy to tell
            return edits
        return [e for e in edits if e.title not in found or any(
            p.is_user(u) for p in protected.get(e.key, ()) for u in found[e.title])]

    def _history(self, event: Event) -> tuple[Revision, ...]:
        # mwreverts' window: radius + 1 revisions back, so that `radius` can be reverted
        with_text = Need.HISTORY_TEXT in self.needs
        limit = max(self.limits.revert_radius + 1,
                    self.limits.history_revisions if with_text else 0)
        return self.gateway.history(event.title, event.old_revid, limit, with_text=with_text,
                                    max_bytes=self.limits.history_bytes if with_text else 0)

    def _log_details(self, event: Event) -> dict[str, object]:
        """What log-action needs beyond the log row: the page's creator, deleted revisions'
        authors."""
        extra: dict[str, object] = {}
        if event.log_type in CREATOR_LOGS and event.title and event.log_action != "revision":
            if event.title not in self.creators:
                self.creators[event.title] = self.gateway.page_creator(event.title)
            creator = self.creators[event.title]
            if creator:
                extra["page_creator"] = creator
        ids = event.params.get("ids")
        if event.log_action in ("revision", "event") and isinstance(ids, (list, tuple)):
            revids = [int(i) for i in ids if str(i).isdigit()]
            revs = self.gateway.revisions(revids, with_text=False) if revids else {}
            extra["revision_authors"] = sorted({r.user.name for r in revs.values() if r.user.name})
        return extra

    def context(self, event: Event, restriction: Restriction, site: SiteInfo
                ) -> tuple[Event, Context]:
        old = self.texts.get(event.old_revid)
        new = self.texts.get(event.revid)
        if self.extras.get(event.key):
            event = replace(event, params=MappingProxyType({**event.params,
                                                            **self.extras[event.key]}))
        return event, Context(restriction=restriction, site=site,
                              old_text=old.text if old else None,
                              new_text=new.text if new else None,
                              history=self.histories.get(event.revid, ()), limits=self.limits)
