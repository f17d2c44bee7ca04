"""The EventStreams source: one `recentchange` connection for every configured wiki.

Each event is routed to its configured wiki, prefiltered by actor (a dictionary lookup: events of
unrestricted users cost nothing more; decided once per event), and the watched ones are
enriched from the wiki (user id, tags, sha1: the stream has none) by the read that also fetches
the texts the analysis needs (each revision once), and analysed by that wiki's Pipeline. The
findings, the stream's last event id and each wiki's polling cursors move in ONE transaction, so:

- a restart resumes from the last saved event id (`Last-Event-ID`);
- before every (re)connection each wiki is polled from its cursors up to now, which fills any
  gap the stream left (a disconnect, a restart too old to resume, a wiki down); events the poll
  already handled are skipped by their (timestamp, id) when the stream delivers them again.

Thanks reach the stream as log events (they are not in `list=recentchanges`); they move the
wiki's `log:thanks` cursor, everything else its `recentchanges` cursor.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.errors import IbanbotError
from bot.pipeline.join import RECENT_CHANGES, THANKS, Fetched, Pipeline, PollResult
from bot.pipeline.metrics import NoMetrics
from bot.storage.coverage import Covered
from bot.wiki.cursor import OVERLAP, Position
from bot.wiki.eventstreams import Message, Routes, StreamClient, event_from_stream, rc_id
from detectors.model import Detection, Event, EventType

if TYPE_CHECKING:
    from bot.storage import Store

log = logging.getLogger(__name__)
STREAM_KEY = ("*eventstreams", "recentchange")  # the cursor row holding the last event id
MAX_BATCH = 1000
ALIVE_SECONDS = 10.0
EVENTSTREAMS = "eventstreams"  # the metrics' stream label of events read from EventStreams


@dataclass
class StreamResult:
    events: int = 0  # messages read
    ours: int = 0  # events of configured wikis
    watched: int = 0  # by restricted users
    unreadable: int = 0
    skipped: int = 0  # already handled by polling
    connections: int = 0
    polled: int = 0  # events read by gap-filling polls
    new_items: list[int] = field(default_factory=list)


@dataclass
class _Batch:
    last_id: str | None = None
    watched: dict[str, list[Event]] = field(default_factory=lambda: defaultdict(list))
    size: int = 0
    opened: float = field(default_factory=time.monotonic)
    loaded: dict[str, frozenset[str]] = field(default_factory=dict)  # wiki -> bans loaded for
    # every event of it in the batch (coverage)
    seen: dict[str, frozenset[str]] = field(default_factory=dict)  # wiki -> the ban ids last
    # folded into `loaded` (the same object while the registry stays: nothing to intersect)

    def load(self, wiki: str, ids: frozenset[str]) -> None:
        """An event of `wiki` was read with these bans loaded: O(1) while they stay."""
        if self.seen.get(wiki) is ids:
            return
        held = self.loaded.get(wiki)
        self.loaded[wiki] = ids if held is None else held & ids
        self.seen[wiki] = ids

    def loaded_now(self, wiki: str, ids: frozenset[str]) -> frozenset[str]:
        """The bans loaded for every event of `wiki` in the batch and still loaded (`ids`)."""
        held = self.loaded.get(wiki, frozenset())
        return held if self.seen.get(wiki) is ids else held & ids


class StreamRunner:
    def __init__(self, client: StreamClient, pipelines: Mapping[str, Pipeline], routes: Routes,
                 store: Store, now: Callable[[], datetime], batch_seconds: float = 1.0,
                 reconnect_seconds: float = 5.0, stop: threading.Event | None = None,
                 fill: Callable[[str], PollResult | None] | None = None,
                 alive: Callable[[], None] | None = None, metrics: NoMetrics | None = None,
                 holding: Callable[[], bool] | None = None) -> None:
        """`fill(wiki)` polls one wiki (default: its Pipeline; `ibanbot run` passes the
        Supervisor's, with locks and health); None or an error means the gap stays open.
        `alive()` is called after saves, at most every ALIVE_SECONDS (health). `holding()`
        False ends the reading: this process lost the stream's lock (its saves fail too)."""
        self.client, self.pipelines, self.routes, self.store = client, pipelines, routes, store
        self.holding = holding or (lambda: True)
        self.fill, self.alive, self._alive_at = fill, alive, 0.0
        self.metrics = metrics if metrics is not None else NoMetrics()
        self._unfilled: set[str] = set()  # wikis whose last gap filling failed
        self._refilled_at = time.monotonic()
        self.now, self.batch_seconds, self.reconnect_seconds = now, batch_seconds, reconnect_seconds
        self.stop = stop or threading.Event()
        self.result = StreamResult()
        self._positions: dict[tuple[str, str], Position | None] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._since: dict[tuple[str, str], Position] = {}
        self._batch = _Batch()
        self._filled_at = now()

    # -- the loop ----------------------------------------------------------------------------
    def run(self, once: bool = False) -> StreamResult:
        """Fill gaps and read until stopped (`once`: one pass, up to the time it started)."""
        started = self.now()
        while not self.stop.is_set() and self.holding():
            failed = False
            try:
                self.fill_gap(raise_errors=once)
                self._read(started if once else None)
            except IbanbotError as exc:
                if once:
                    raise
                log.error("%s", exc)
                failed = True
            except Exception:  # a bug must not end the reader thread: `run` would go silent
                if once:
                    raise
                log.exception("eventstreams: reading failed; the cursors stay where they were")
                failed = True
            if once:
                break
            if not self.holding():
                log.warning("eventstreams: lost the reading lock; standing by")
            elif not self.stop.is_set():
                log.warning("eventstreams: connection ended; filling the gap by polling, "
                            "then reconnecting")
                self.stop.wait(self.reconnect_seconds if failed else 0.2)
        return self.result

    def close(self) -> None:
        """Stop from another thread (a signal handler): ends the blocked read."""
        self.stop.set()
        self.client.close()

    def fill_gap(self, raise_errors: bool = True) -> None:
        """Poll every wiki from its cursors up to now (the gap a stream may have left).

        A wiki whose polling fails keeps its polling cursors where they are (the stream does
        not move them) until a later filling succeeds, so its gap is never skipped."""
        self._filled_at = self.now()
        for wiki in self.pipelines:
            self._fill_one(wiki, raise_errors)
        self._positions.clear()
        self._dirty.clear()
        self._since.clear()

    def _fill_one(self, wiki: str, raise_errors: bool) -> None:
        try:
            polled = self.fill(wiki) if self.fill else self.pipelines[wiki].poll()
        except IbanbotError as exc:
            if raise_errors:
                raise
            log.error("%s", exc)
            polled = None
        if polled is None:
            self._unfilled.add(wiki)
            return
        self._unfilled.discard(wiki)
        self.result.polled += polled.events
        self.result.new_items.extend(polled.new_items)
        log.debug("eventstreams: wiki %s: gap filled by polling %d events", wiki, polled.events)

    def _refill(self) -> None:
        """Wikis whose gap filling failed are tried again while the stream goes on (at most
        every `reconnect_seconds`), not only at the next reconnection, which may be days away.
        The stream has not moved their polling cursors, so no cached position needs dropping."""
        if not self._unfilled or time.monotonic() - self._refilled_at < self.reconnect_seconds:
            return
        self._refilled_at = time.monotonic()
        for wiki in sorted(self._unfilled):
            self._fill_one(wiki, raise_errors=False)

    def _read(self, until: datetime | None) -> None:
        last_id = self.store.get_cursor(*STREAM_KEY)
        since = None if last_id else self._filled_at - OVERLAP
        self.result.connections += 1
        self._batch = _Batch()
        try:
            for message in self.client.read(last_id, since):
                reached = self._take(message)
                if self._due():
                    self.flush()
                if self.stop.is_set() or (until is not None and reached and reached >= until):
                    break
        finally:
            self.flush()

    def _due(self) -> bool:
        batch = self._batch
        return bool(batch.watched) or batch.size >= MAX_BATCH or (
            batch.size > 0 and time.monotonic() - batch.opened >= self.batch_seconds)

    # -- one message -------------------------------------------------------------------------
    def _take(self, message: Message) -> datetime | None:
        """Route, dedupe and prefilter one message; the event's time (None: not ours)."""
        batch, data = self._batch, message.data
        batch.last_id, batch.size = message.id or batch.last_id, batch.size + 1
        self.result.events += 1
        if data is None:
            self.result.unreadable += 1
            log.warning("eventstreams: skipped an event that is not a JSON object (id %s)",
                        message.id[:200])
            return None
        wiki = self.routes.wiki_of(data)
        event = event_from_stream(wiki, data) if wiki else None
        if event is None:
            return None
        self.result.ours += 1
        if not self._is_new(event, data):
            self.result.skipped += 1
            return event.timestamp
        pipeline = self.pipelines[event.wiki]
        if event.type is EventType.LOG and event.log_type == "renameuser" and pipeline.on_rename:
            self.flush()
            pipeline.on_rename(event)
        registry = pipeline.registry()
        ids = pipeline.ban_ids(registry)
        batch.load(event.wiki, ids)
        watched = registry.is_watched(event.wiki, event.actor)
        if watched:
            self.result.watched += 1
            batch.watched[event.wiki].append(event)
        self.metrics.polled(event.wiki, EVENTSTREAMS, 1, int(watched))
        return event.timestamp

    def _is_new(self, event: Event, data: Mapping) -> bool:
        """Not yet handled by polling; moves the wiki's polling cursor over it."""
        thanks = event.type is EventType.LOG and event.log_type == "thanks"
        key, row_id = (event.wiki, THANKS if thanks else RECENT_CHANGES), \
            (event.logid if thanks else rc_id(data))
        if not row_id or event.wiki in self._unfilled:
            return True
        position = self._position(*key)
        if position is not None and not position.is_after(event.timestamp, row_id):
            return False
        if key not in self._dirty:  # where this batch began reading the key's stream
            self._since[key] = position or Position(event.timestamp, row_id)
        self._positions[key] = position.advance(event.timestamp, row_id) if position \
            else Position(event.timestamp, row_id)
        self._dirty.add(key)
        return True

    def _position(self, wiki: str, stream: str) -> Position | None:
        if (wiki, stream) not in self._positions:
            saved = self.store.get_cursor(wiki, stream)
            self._positions[(wiki, stream)] = Position.parse(saved) if saved else None
        return self._positions[(wiki, stream)]

    # -- saving ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Analyse the batch's watched events; save findings and positions in one transaction."""
        batch = self._batch
        if not batch.size:
            return
        detections: list[Detection] = []
        for wiki, events in batch.watched.items():
            pipeline = self.pipelines[wiki]
            fetched = pipeline.read_revisions(events)  # once, texts included: enrich, analyse
            detections.extend(pipeline.analyse(enrich(events, fetched), fetched=fetched))
        cursors = {k: p.format() for k in self._dirty if (p := self._positions.get(k))}
        if batch.last_id:
            cursors[STREAM_KEY] = batch.last_id
        new = self.store.save_batch_cursors(cursors, detections, self.now(),
                                            covered=self._covered(batch))
        self.result.new_items.extend(new)
        if new:
            self._count_queued(detections, new)
        log.debug("eventstreams: saved %d events, %d watched, %d detections", batch.size,
                  sum(len(v) for v in batch.watched.values()), len(detections))
        self._dirty.clear()
        self._since.clear()
        self._batch = _Batch()
        self._refill()
        if self.alive is not None and time.monotonic() - self._alive_at >= ALIVE_SECONDS:
            self._alive_at = time.monotonic()
            self.alive()


    def _covered(self, batch: _Batch) -> dict[tuple[str, str], Covered]:
        """The coverage each moved polling cursor claims: the bans loaded for every event of
        its wiki in the batch and still loaded now (the analysis used the current ones)."""
        out = {}
        for key in self._dirty:
            until, since = self._positions.get(key), self._since.get(key)
            if until is None or since is None:
                continue
            pipeline = self.pipelines[key[0]]
            loaded = batch.loaded_now(key[0], pipeline.ban_ids(pipeline.registry()))
            out[key] = Covered(loaded, (since.timestamp, since.last_id),
                               (until.timestamp, until.last_id))
        return out

    def _count_queued(self, detections: list[Detection], new: list[int]) -> None:
        """New items per wiki and finding kind, for the metrics."""
        if len(new) == len(detections):  # all new (the usual case)
            items = [(d.wiki, d.findings) for d in detections]
        else:  # some were queued already: read the new ones back
            items = [(i.wiki, i.findings) for i in map(self.store.get_item, new)]
        for wiki, findings in items:
            self.metrics.queued(wiki, Counter({getattr(f.kind, "value", f.kind)
                                               for f in findings}))


def enrich(events: Sequence[Event], fetched: Fetched) -> list[Event]:
    """Fill what the stream lacks (user id, tags, sha1) from the revisions read for them
    (Pipeline.read_revisions: one batched read, with the texts the analysis then uses)."""
    revisions = fetched.revisions
    out = []
    for event in events:
        rev = revisions.get(event.revid) if event.is_edit else None
        if rev is not None:
            actor = rev.user if rev.user.name else event.actor
            event = replace(event, actor=actor, tags=rev.tags,
                            sha1=rev.sha1)
        out.append(event)
    return out

