"""Polls that survive outages and crashes: a lock per wiki, health per stream, bounded backoff.

`Supervisor.poll(wiki)` is what the scheduler (and `run --once`) calls for each wiki:

- **Lock.** Only the process holding the wiki's polling lock polls it (bot.storage.locks: a
  lock the database or the OS drops when its holder dies, with a lease row saying who holds
  it). `tick()`, every `lock_retry_seconds`, renews the held rows, counts the live `ibanbot
  run` processes and evens the wikis out among them: each takes unheld wikis up to its share
  (polled at once) and gives up idle ones above it. A dead process's wikis are thus taken over
  within a tick. A poll whose lock was lost (a partition, a takeover) stops before it saves:
  every save is fenced by the lock. With EventStreams, the process holding `*eventstreams`
  reads the stream and holds every wiki; the others stand by.
- **Outages.** A failed poll (wiki unreachable, HTTP 500, maxlag, database down, ...) leaves the
  stream's cursor where it was (the pipeline saves items and cursor in one transaction), so the
  next successful poll catches up with nothing missed. Tries are spaced by a doubling backoff
  bounded by `max_backoff_seconds`; an outage is logged once when it starts and once when it
  ends, never once per try.
- **Start-up.** A wiki is prepared (ban identities resolved, late bans backfilled) at its first
  poll, under its lease: a wiki down at start-up is an outage like any other, the others are
  polled at once. Only an `api` URL that is no MediaWiki API at a wiki's first contact is
  fatal (`on_fatal`: `run` exits 2; a restart cannot help).
- **Health.** Every stream's attempt is recorded (last success, consecutive failures, last
  error) for `ibanbot status`. Recording is best effort: with the database down, it is skipped.
"""
from __future__ import annotations

import logging
import math
import os
import secrets
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from bot.app import App
from bot.errors import IbanbotError, LockLost, StorageError
from bot.pipeline.join import STREAMS, PollResult

log = logging.getLogger(__name__)
STREAM_LOCK = "*eventstreams"
MEMBER = "*member:"


def default_holder() -> str:
    """`host:pid:random`: unique per process, readable by staff in `ibanbot status`."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{secrets.token_hex(3)}"


def short_holder(holder: str | None) -> str:
    """`host:pid` of a lease row's `host:pid:random`."""
    return holder.rsplit(":", 1)[0] if holder and holder.count(":") >= 2 else (
        holder or "another process")


def describe(exc: BaseException) -> str:
    """One line, no secrets: our errors are written that way; others get type and first line."""
    if isinstance(exc, IbanbotError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    first = str(exc).strip().splitlines()
    return f"unexpected {type(exc).__name__}: {first[0][:300] if first else ''}"


@dataclass
class Outage:
    started: float  # monotonic
    tries: int
    error: str


class Supervisor:
    """`greedy` (the default, and `run --once`): poll() takes every wiki it can; `run` shares
    them instead (greedy=False: its scheduler calls `tick`)."""

    def __init__(self, app: App, holder: str | None = None,
                 clock: Callable[[], float] = time.monotonic, greedy: bool = True,
                 streaming: bool = False,
                 on_fatal: Callable[[IbanbotError], None] | None = None,
                 once: bool = False) -> None:
        self.app, self.holder, self.clock = app, holder or default_holder(), clock
        self.on_fatal, self.once = on_fatal, once  # once: the caller reports each failure
        self.contacted: set[str] = set()  # wikis polled successfully in this process
        self.ops = app.settings.operations
        self.greedy, self.streaming = greedy, streaming
        self.locks = app.store.poll_locks(self.holder, self.ops.lease_seconds, app.now)
        self.member = MEMBER + self.holder.rsplit(":", 1)[-1]
        self.outages: dict[str, Outage] = {}
        self.next_try: dict[str, float] = {}
        self.standing_by: set[str] = set()
        self.busy = {wiki: threading.Lock() for wiki in app.gateways}
        self.on_acquired: Callable[[str], None] = lambda wiki: None
        self._tick_failed = False

    @property
    def reading(self) -> bool:
        """This process reads EventStreams (it holds the stream's lock)."""
        return STREAM_LOCK in self.locks.held()

    # -- one wiki ----------------------------------------------------------------------------
    def poll(self, wiki: str, raise_errors: bool = False) -> PollResult | None:
        """Poll `wiki` if it is time and we hold its lock; None when skipped or failed."""
        if self.clock() < self.next_try.get(wiki, 0.0):
            return None
        with self.busy[wiki]:  # never given up (tick) while a poll of it runs
            try:
                if not self.claim(wiki):
                    return None
                result = self._poll_streams(wiki)
            except LockLost as exc:
                self._lost(wiki, exc)
                return None
            except Exception as exc:  # keep the scheduler alive; the next try catches up
                self._failed(wiki, exc, reported=raise_errors)  # the caller says it: not twice
                if raise_errors:
                    raise
                return None
            self._recovered(wiki)
            _log_poll(result)
        return result

    def _poll_streams(self, wiki: str) -> PollResult:
        pipeline = self.app.pipeline(wiki)
        try:
            if wiki not in self.app.ready:  # first contact, or identities lost to an outage
                self.app.prepare_wiki(wiki)
            self.app.backfills.check_gap(wiki)  # recent changes expired past the cursor?
            self.app.fill_holes(wiki)  # a span a ban was not watched over (a reload's race)
        except Exception as exc:
            for stream in STREAMS:  # `status` shows FAILING from the first try
                self._record(wiki, stream, describe(exc))
            raise
        total = PollResult(wiki)
        for stream in STREAMS:
            self.locks.check(wiki)  # LockLost, or StorageError: the database is down
            try:
                part = pipeline.poll((stream,))
            except LockLost:
                raise
            except Exception as exc:
                self._record(wiki, stream, describe(exc))
                self.app.metrics.failed(wiki, stream)
                raise
            self._record(wiki, stream, None)
            self.app.metrics.polled(wiki, stream, part.events, part.watched)
            self.app.metrics.queued(wiki, part.kinds)
            total.events += part.events
            total.watched += part.watched
            total.renames += part.renames
            total.new_items.extend(part.new_items)
            total.kinds.update(part.kinds)
        return total

    def stream_alive(self) -> None:
        """EventStreams delivered and saved data for every wiki: record healthy streams, as a
        successful poll would (`ibanbot status`). A wiki whose gap filling is failing stays
        failing: a stretch of it has not been read yet."""
        held = self.locks.held()
        for wiki in self.app.gateways:
            try:
                if wiki in held and wiki not in self.outages:
                    for stream in STREAMS:
                        self._record(wiki, stream, None)
                        self.app.metrics.polled(wiki, stream, 0, 0)  # health, as polled
            except StorageError as exc:
                log.debug("wiki %s: stream health not recorded: %s", wiki, exc)

    # -- locks -------------------------------------------------------------------------------
    def claim(self, wiki: str) -> bool:
        """Hold the wiki's lock: already held, or taken now when greedy (run --once, the
        stream reader); sharing processes take wikis in tick()."""
        if wiki in self.locks.held() and self.locks.alive():  # else the lock died with its
            return True  # connection (a database restart): take it again
        if not (self.greedy or self.reading) or not self._take(wiki):
            self._stand_by(wiki)
            return False
        return True

    def polled_by(self, wiki: str) -> str:
        """`host:pid` of the process polling `wiki` (its lease row)."""
        return short_holder(self.locks.holder_of(wiki))

    def _take(self, wiki: str) -> bool:
        if not self.locks.acquire(wiki):
            return False
        self.standing_by.discard(wiki)
        # who polls what matters in `run` (several processes); `run --once` takes every lock
        log.log(logging.DEBUG if self.once else logging.INFO, "wiki %s: took the polling lock",
                wiki)
        return True

    def _stand_by(self, wiki: str) -> None:
        if wiki not in self.standing_by and not self.greedy:
            self.standing_by.add(wiki)
            try:
                who = self.polled_by(wiki)
            except StorageError:
                who = "another process"
            log.info("wiki %s: held by %s; standing by (taken over if it stops)", wiki, who)

    def _lost(self, wiki: str, exc: Exception) -> None:
        self.locks.drop(wiki)
        log.warning("wiki %s: lost the polling lock; the poll stopped before saving (%s)",
                    wiki, exc)

    def tick(self) -> None:
        """Renew our rows, then take our share of the unheld wikis and give up the rest (or, with
        EventStreams, take the stream and every wiki). Never raises."""
        try:
            self._tick()
            if self._tick_failed:
                self._tick_failed = False
                log.info("polling locks: the database answers again")
        except StorageError as exc:
            if not self._tick_failed:
                log.warning("polling locks: %s (retried every %d s)", exc,
                            self.ops.lock_retry_seconds)
            self._tick_failed = True

    def _tick(self) -> None:
        for name in self.locks.renew():
            log.warning("%s: lost the polling lock (its database connection or lease row was "
                        "lost); another process may take it over",
                        "eventstreams" if name == STREAM_LOCK else f"wiki {name}")
        self.locks.acquire(self.member)
        if self.streaming and not self.reading:
            if not self.locks.acquire(STREAM_LOCK):
                return self._stand_by_stream()
            log.info("eventstreams: took the reading lock")
        wikis = self._order(list(self.app.gateways))
        share = len(wikis) if self.streaming else math.ceil(
            len(wikis) / max(1, self.locks.members()))
        held = [w for w in wikis if w in self.locks.held()]
        for wiki in reversed(held[share:]):
            self._give_up(wiki, held)
        for wiki in wikis:
            if len(held) >= share:
                break
            if wiki not in held:
                if self._take(wiki):
                    held.append(wiki)
                    self.on_acquired(wiki)
                else:
                    self._stand_by(wiki)

    def _stand_by_stream(self) -> None:
        if STREAM_LOCK not in self.standing_by:
            self.standing_by.add(STREAM_LOCK)
            log.info("eventstreams: held by %s; standing by (taken over if it stops)",
                     short_holder(self.locks.holder_of(STREAM_LOCK)))

    def _order(self, wikis: list[str]) -> list[str]:
        """Every process starts at a wiki of its own, so they rarely race for the same one."""
        start = zlib.crc32(self.holder.encode()) % len(wikis) if wikis else 0
        return wikis[start:] + wikis[:start]

    def _give_up(self, wiki: str, held: list[str]) -> None:
        if not self.busy[wiki].acquire(timeout=self.ops.lock_retry_seconds):
            return  # a long poll: given up at a later tick
        try:
            self.locks.release(wiki)
            held.remove(wiki)
            log.info("wiki %s: gave up the polling lock (shared with the other processes)",
                     wiki)
        finally:
            self.busy[wiki].release()

    def release(self) -> None:
        """Give up every lock we hold (on a clean exit), so another process need not wait."""
        self.locks.release_all()

    # -- outages -----------------------------------------------------------------------------
    def backoff(self, tries: int, wiki: str) -> float:
        poll = self.app.settings.wiki(wiki).poll_seconds
        return float(min(poll * 2 ** max(tries - 1, 0), self.ops.max_backoff_seconds))

    def _failed(self, wiki: str, exc: Exception, reported: bool = False) -> None:
        error = describe(exc)
        outage = self.outages.get(wiki)
        if self._fatal(wiki, exc):
            return
        if outage is None and self.once:  # `run --once` names every failed wiki at its end
            log.debug("wiki %s: poll failed: %s", wiki, error,
                      exc_info=not isinstance(exc, IbanbotError))
            self.outages[wiki] = Outage(self.clock(), 1, error)
            return
        if outage is None:
            outage = self.outages[wiki] = Outage(self.clock(), 0, error)
            log.log(logging.DEBUG if reported else logging.WARNING,
                    "wiki %s: poll failed, retrying with backoff (up to %d s; logged again "
                    "when it recovers): %s", wiki, self.ops.max_backoff_seconds, error,
                    exc_info=not isinstance(exc, IbanbotError), extra={"wiki": wiki})
        else:
            log.debug("wiki %s: still failing (try %d): %s", wiki, outage.tries + 1, error,
                      extra={"wiki": wiki, "tries": outage.tries + 1})
        outage.tries += 1
        outage.error = error
        self.next_try[wiki] = self.clock() + self.backoff(outage.tries, wiki)

    def _fatal(self, wiki: str, exc: Exception) -> bool:
        """A configuration error at a wiki's first contact (its `api` is no MediaWiki API):
        retrying cannot help; `on_fatal` stops the process (exit 2)."""
        if not (isinstance(exc, IbanbotError) and exc.exit_code == 2) or wiki in self.contacted:
            return False
        if self.on_fatal is None:
            return False
        self.on_fatal(exc)
        return True

    def _recovered(self, wiki: str) -> None:
        self.contacted.add(wiki)
        self.next_try.pop(wiki, None)
        outage = self.outages.pop(wiki, None)
        if outage is not None:
            seconds = self.clock() - outage.started
            log.warning("wiki %s: recovered after %.0f s and %d failed tries; caught up",
                        wiki, seconds, outage.tries,
                        extra={"wiki": wiki, "tries": outage.tries, "seconds": round(seconds)})

    def _record(self, wiki: str, stream: str, error: str | None) -> None:
        try:
            self.app.store.ops.record_poll(wiki, stream, self.app.now(), error)
        except StorageError as exc:  # the database may be the outage
            log.debug("wiki %s: poll health not recorded: %s", wiki, exc)


def _log_poll(result: PollResult) -> None:
    """What a poll read and queued: at INFO when it read or queued something, else DEBUG."""
    queued = len(result.new_items)
    log.log(logging.INFO if result.events or queued else logging.DEBUG,
            "wiki %s: polled %d events, %d by restricted users, %d item(s) queued",
            result.wiki, result.events, result.watched, queued,
            extra={"wiki": result.wiki, "events": result.events, "watched": result.watched,
                   "queued": queued})
