"""Backfills: check bans against what recent changes no longer (or never) showed the bot.

Four cases read the restricted users' own contributions and log actions (`bot.wiki.history`)
and run them through the pipeline's detection, saving with `Store.save_batch` (the queue's
unique key makes any overlap with live polling harmless):

- a ban registered late (its start before the wiki's cursor), found at start-up or on a reload
  of the bans file: checked from its start, once per version of the ban (`sync_bans`);
- `ibanbot backfill --ban ID [--since DATE]` on demand (`backfill_ban`);
- a hole in a ban's coverage (bot.pipeline.coverage: a bans file read half-written, a ban removed
and
  added back), whenever bans are (re)loaded and before each poll (`fill_holes`);
- an outage longer than recent changes keep (`check_gap`): the cursor is older than the oldest
  row recent changes still hold. Every ban in force during the gap is backfilled over it and
  staff get a warning in the queue.

Progress per stream is kept in the ledger (fingerprint of the ban, position reached), so an
interrupted backfill resumes and a second one reads only what is new. Logs at INFO carry counts
and never name a confidential ban.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.pipeline import coverage
from bot.pipeline.coverage import Span
from bot.pipeline.join import RECENT_CHANGES, STREAMS, queued_kinds
from bot.pipeline.metrics import NoMetrics
from bot.pipeline.ports import BackfillApp
from bot.pipeline.progress import Counts
from bot.storage.backfill import Ledger, StreamState
from bot.storage.coverage import Covered
from bot.wiki.cursor import Position, format_ts
from bot.wiki.gateway import Page
from bot.wiki.history import UserHistory
from detectors.bans import Ban, Person

log = logging.getLogger(__name__)
DONE = "ban"                     # the ledger stream marking a whole ban done
RECHECK_AGE = timedelta(hours=1)  # re-check for a gap when the cursor is older than this
OnProgress = Callable[[str, Counts], None]


def fingerprint(ban: Ban) -> str:
    """What decides which events a ban flags (not its note or confidentiality), hashed."""
    data = {"banned": ban.banned, "protected": ban.protected, "two_way": ban.two_way,
            "wikis": ban.wikis, "start": ban.start.isoformat(),
            "expires": ban.expires.isoformat() if ban.expires else None,
            "exempt": ban.exempt_pages, "aliases": ban.aliases}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def ban_label(ban: Ban) -> str:
    """How logs name a ban: its id, or nothing that identifies a confidential one."""
    return "a confidential ban" if ban.confidential else f"ban {ban.id}"


@dataclass(frozen=True)
class Window:
    ban: Ban
    wiki: str
    since: datetime
    until: datetime
    resume: bool  # continue from the ledger's positions (False: read the whole window)


class Backfills:
    """Backfills for one app (`BackfillApp`: gateways, store, registry, pipeline(), now, bans,
    metrics)."""

    def __init__(self, app: BackfillApp) -> None:
        self.app = app
        self.ledger = Ledger(app.store)
        self._spans: dict[str, timedelta] = {}  # wiki -> how far back recent changes reached
        self._guard = threading.Lock()
        self._filling: dict[str, threading.Lock] = {}  # wiki -> held while its holes are filled

    # -- on demand ------------------------------------------------------------------------
    def backfill_ban(self, ban: Ban, since: datetime | None = None,
                     wikis: Iterable[str] | None = None,
                     on_progress: OnProgress | None = None) -> dict[str, Counts]:
        """Check `ban` from `since` (default: its start, resuming) to now, on its wikis."""
        now = self.app.now()
        out: dict[str, Counts] = {}
        for wiki in self._wikis(ban, wikis):
            cursors = self._cursors(wiki)
            window = Window(ban, wiki, since or ban.start, now, resume=since is None)
            out[wiki] = self.run_window(window, on_progress)
            self._cover(ban, wiki, since or ban.start, cursors)
            self._mark_done(ban, wiki, now)
        return out

    def _wikis(self, ban: Ban, only: Iterable[str] | None) -> list[str]:
        wanted = set(only) if only else None
        return [w for w in self.app.gateways if ban.covers_wiki(w)
                and (wanted is None or w in wanted)]

    # -- bans registered late ---------------------------------------------------------------
    def sync_bans(self, bans: Iterable[Ban], wikis: Iterable[str] | None = None
                  ) -> dict[str, Counts]:
        """Backfill every ban (or changed ban) whose start lies before its wiki's cursor
        (on `wikis`, default every wiki)."""
        totals: dict[str, Counts] = {}
        only = list(wikis) if wikis is not None else None
        for ban in bans:
            for wiki in self._wikis(ban, only):
                counts = self._sync_one(ban, wiki)
                if counts is not None:
                    total = totals.setdefault(wiki, Counts())
                    total.events += counts.events
                    total.analysed += counts.analysed
                    total.queued += counts.queued
        return totals

    def _sync_one(self, ban: Ban, wiki: str) -> Counts | None:
        marker = self.ledger.states(wiki, ban.id).get(DONE)
        if marker and marker.done and marker.fingerprint == fingerprint(ban):
            return None
        now = self.app.now()
        cursor = self.app.store.get_cursor(wiki, RECENT_CHANGES)
        if cursor is None or ban.start >= Position.parse(cursor).timestamp:
            self._mark_done(ban, wiki, now)  # live polling covers it from its start
            return None
        log.info("wiki %s: %s starts before the bot's cursor; backfilling from its start",
                 wiki, ban_label(ban), extra={"wiki": wiki})
        cursors = self._cursors(wiki)
        counts = self.run_window(Window(ban, wiki, ban.start, now, resume=True), _log_progress)
        self._cover(ban, wiki, ban.start, cursors)
        self._mark_done(ban, wiki, now)
        return counts

    def _cursors(self, wiki: str) -> dict[str, Position]:
        """Each stream's cursor now: what live polling has read (coverage reaches there)."""
        out = {}
        for stream in STREAMS:
            saved = self.app.store.get_cursor(wiki, stream)
            if saved:
                out[stream] = Position.parse(saved)
        return out

    def _cover(self, ban: Ban, wiki: str, since: datetime, cursors: dict[str, Position]
               ) -> None:
        """A backfill of `ban` from `since` that finished covers it up to the cursors read
        before it began (live polling had the ban loaded from then on)."""
        for stream, cursor in cursors.items():
            start = Position(since)
            if start < cursor:
                self.app.store.record_coverage(wiki, stream, Covered(
                    frozenset({ban.id}), (start.timestamp, 0),
                    (cursor.timestamp, cursor.last_id)), self.app.now())

    # -- holes in coverage (bot.pipeline.coverage) -------------------------------------------------
    def fill_holes(self, wiki: str) -> Counts | None:
        """Backfill every span of `wiki` a ban in force was not watched over since its start
        (a bans file read half-written, a ban removed and added back, ...). Each span done
        records its coverage; a failure raises and leaves the rest open for the next try.
        None when there was none, or another thread (a reload, a poll) is filling them."""
        with self._guard:
            busy = self._filling.setdefault(wiki, threading.Lock())
        if not busy.acquire(blocking=False):
            return None
        try:
            return self._fill_holes(wiki)
        finally:
            busy.release()

    def _fill_holes(self, wiki: str) -> Counts | None:
        found: dict[str, list[tuple[str, Span]]] = {}
        bans = {b.id: b for b in self.app.bans}
        for ban, stream, span in coverage.ban_holes(self.app.store, bans.values(), wiki):
            found.setdefault(ban.id, []).append((stream, span))
        if not found:
            return None
        total = Counts()
        for ban_id, holes in found.items():
            for period in coverage.time_spans(hole for _, hole in holes):
                self._fill_span(bans[ban_id], wiki, period, holes, total)
        return total

    def _fill_span(self, ban: Ban, wiki: str, span: Span, holes: list[tuple[str, Span]],
                   total: Counts) -> None:
        log.info("wiki %s: %s was not watched from %s to %s; backfilling that span",
                 wiki, ban_label(ban), format_ts(span.start), format_ts(span.end),
                 extra={"wiki": wiki})
        counts = self.run_window(Window(ban, wiki, span.start, span.end, resume=False),
                                 _log_progress)
        total.events += counts.events
        total.analysed += counts.analysed
        total.queued += counts.queued
        for stream, hole in holes:
            if span.start <= hole.start.timestamp and hole.end.timestamp <= span.end:
                self.app.store.record_coverage(wiki, stream, Covered(
                    frozenset({ban.id}), (hole.start.timestamp, hole.start.last_id),
                    (hole.end.timestamp, hole.end.last_id)), self.app.now())

    def _mark_done(self, ban: Ban, wiki: str, at: datetime) -> None:
        self.ledger.save_state(wiki, ban.id, DONE, fingerprint(ban), Position(at).format(),
                               True, at)

    # -- outages longer than recent changes keep --------------------------------------------
    def check_gap(self, wiki: str) -> Counts | None:
        """Before a poll: backfill and warn staff if recent changes no longer reach the cursor.

        Checked at the first poll, then only while the cursor is older than RECHECK_AGE and
        within RECHECK_AGE of how far back recent changes reached at the last check: a quiet
        wiki's old cursor costs no request per poll, a catch-up near the edge is watched."""
        pipeline = self.app.pipeline(wiki)
        start = pipeline.start_position(RECENT_CHANGES)
        now = self.app.now()
        span = self._spans.get(wiki)
        if span is not None and (start.timestamp >= now - RECHECK_AGE
                                 or start.timestamp >= now - span + RECHECK_AGE):
            return None
        history = UserHistory(self.app.gateways[wiki])
        oldest = history.oldest_recent_change()
        counts = None
        if oldest is not None and oldest.timestamp > start.timestamp and not (
                start.last_id and oldest.last_id <= start.last_id + 1):
            # something after the cursor (a processed row's second excluded) that recent
            # changes no longer hold? Not so on a young wiki whose whole history they hold.
            first = history.first_revision_since(
                start.timestamp + timedelta(seconds=1 if start.last_id else 0))
            if first is not None and first < oldest.timestamp:
                counts = self._backfill_gap(wiki, start.timestamp, oldest.timestamp)
        # only once done: a failed backfill is tried again; an empty table reaches nowhere
        self._spans[wiki] = now - oldest.timestamp if oldest is not None else timedelta(0)
        return counts

    def _backfill_gap(self, wiki: str, since: datetime, until: datetime) -> Counts:
        bans = [b for b in self.app.bans if b.covers_wiki(wiki) and b.start < until
                and (b.expires is None or b.expires > since)]
        log.warning("wiki %s: recent changes no longer reach back to %s (oldest %s); "
                    "backfilling %d ban(s) from contributions and logs", wiki,
                    format_ts(since), format_ts(until), len(bans),
                    extra={"wiki": wiki, "bans": len(bans)})
        total = Counts()
        for ban in bans:
            window = Window(ban, wiki, max(since, ban.start), until, resume=False)
            counts = self.run_window(window, _log_progress)
            total.events += counts.events
            total.analysed += counts.analysed
            total.queued += counts.queued
        self.ledger.add_warning(wiki, "gap", gap_message(wiki, since, until, len(bans), total),
                                self.app.now())
        return total

    # -- the work ---------------------------------------------------------------------------
    def run_window(self, window: Window, on_progress: OnProgress | None = None) -> Counts:
        metrics = self.app.metrics
        metrics.backfill(window.wiki, running=1)
        try:
            return self._run_window(window, on_progress, metrics)
        finally:
            metrics.backfill(window.wiki, running=-1)

    def _run_window(self, window: Window, on_progress: OnProgress | None, metrics: NoMetrics
                    ) -> Counts:
        counts = Counts()
        states = self.ledger.states(window.wiki, window.ban.id) if window.resume else {}
        fp = fingerprint(window.ban)
        for stream, pages in self._streams(window, states, fp):
            for page in pages:
                before = (counts.events, counts.queued)
                self._save_page(window, page, counts)
                metrics.backfill(window.wiki, counts.events - before[0],
                                 counts.queued - before[1])
                self.ledger.save_state(window.wiki, window.ban.id, stream, fp,
                                       page.position.format(), False, self.app.now())
                if on_progress:
                    on_progress(window.wiki, counts)
        if on_progress:
            on_progress(window.wiki, counts)
        return counts

    def _streams(self, window: Window, states: dict[str, StreamState], fp: str
                 ) -> Iterator[tuple[str, Iterator[Page]]]:
        history = UserHistory(self.app.gateways[window.wiki])
        until = min(window.until, window.ban.expires or window.until)
        for person in self._restricted(window):
            for stream in (f"contribs:{person.user_id}", f"logs:{person.user_id}"):
                state = states.get(stream)
                pos = Position(window.since)
                if state is not None and state.fingerprint == fp:
                    pos = max(pos, Position.parse(state.position), key=lambda p: p.timestamp)
                if stream.startswith("contribs:"):
                    yield stream, history.contributions(person.user_id, pos, until)
                else:
                    yield stream, history.log_actions(person.name, pos, until)

    def _restricted(self, window: Window) -> list[Person]:
        ban, registry = window.ban, self.app.registry
        names = ban.banned + (ban.protected if ban.two_way else ())
        people = [registry.person(window.wiki, n, ban) for n in names]
        if any(not p.user_id for p in people):
            log.warning("wiki %s: %s: a restricted name is not resolved to an account; "
                        "its history is not backfilled", window.wiki, ban_label(ban))
        return [p for p in people if p.user_id]

    def _save_page(self, window: Window, page: Page, counts: Counts) -> None:
        registry, wiki, ban_id = self.app.registry, window.wiki, window.ban.id
        events = page.events
        counts.events += len(events)
        counts.analysed += sum(1 for e in events if any(
            r.ban.id == ban_id for r in registry.restrictions(wiki, e.actor, e.timestamp)))
        detections = [d for d in self.app.pipeline(wiki).analyse(events) if d.ban_id == ban_id]
        if detections:
            new = self.app.store.save_batch(wiki, f"backfill:{ban_id}", None, detections,
                                            self.app.now())
            counts.queued += len(new)
            self.app.metrics.queued(wiki, queued_kinds(self.app.store, detections, new))


def gap_message(wiki: str, since: datetime, until: datetime, bans: int, counts: Counts) -> str:
    return (f"wiki {wiki}: the bot did not read recent changes from {format_ts(since)} to "
            f"{format_ts(until)} (an outage longer than the wiki keeps them). {bans} ban(s) "
            f"were backfilled from the restricted users' contributions and logs "
            f"({counts.text()}). Not covered in that span: edits on pages deleted since, and "
            f"revisions or log entries hidden since.")


def _log_progress(wiki: str, counts: Counts) -> None:
    log.debug("wiki %s: backfill: %s", wiki, counts.text(), extra=counts.fields(wiki))
