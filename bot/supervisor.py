"""Polls that survive outages: a lease per wiki, health per stream, bounded backoff.

`Supervisor.poll(wiki)` is what the scheduler (and `run --once`) calls for each wiki:

- **Lease.** Only the process holding the wiki's lease in the database polls it; the lease is
  renewed before every stream and expires `lease_seconds` after its holder stops renewing (a
  process killed with -9), so another process then takes over. The other processes wait,
  saying so once.
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
import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from bot.app import App
from bot.errors import IbanbotError, StorageError
from bot.pipeline import STREAMS, PollResult

log = logging.getLogger(__name__)


def default_holder() -> str:
    """`host:pid:random`: unique per process, readable by staff in `ibanbot status`."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{secrets.token_hex(3)}"


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
    def __init__(self, app: App, holder: str | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 on_fatal: Callable[[IbanbotError], None] | None = None,
                 once: bool = False) -> None:
        self.app, self.holder, self.clock = app, holder or default_holder(), clock
        self.on_fatal, self.once = on_fatal, once  # once: the caller reports each failure
        self.contacted: set[str] = set()  # wikis polled successfully in this process
        self.ops = app.settings.operations
        self.outages: dict[str, Outage] = {}
        self.next_try: dict[str, float] = {}
        self.waiting: set[str] = set()

    # -- one wiki ----------------------------------------------------------------------------
    def poll(self, wiki: str, raise_errors: bool = False) -> PollResult | None:
        """Poll `wiki` if it is time and we hold its lease; None when skipped or failed."""
        if self.clock() < self.next_try.get(wiki, 0.0):
            self._keep_lease(wiki)  # backing off is not dying: other processes keep waiting
            return None
        try:
            if not self._take_lease(wiki):
                return None
            result = self._poll_streams(wiki)
        except Exception as exc:  # keep the scheduler alive; the next try catches up
            self._failed(wiki, exc)
            if raise_errors:
                raise
            return None
        self._recovered(wiki)
        log.info("wiki %s: polled %d events", wiki, result.events)
        log.debug("wiki %s: %d by restricted users, %d new queue items", wiki, result.watched,
                  len(result.new_items))
        return result

    def _poll_streams(self, wiki: str) -> PollResult:
        pipeline = self.app.pipeline(wiki)
        try:
            if wiki not in self.app.ready:  # first contact, or identities lost to an outage
                self.app.prepare_wiki(wiki)
            self.app.backfills.check_gap(wiki)  # recent changes expired past the cursor?
        except Exception as exc:
            for stream in STREAMS:  # `status` shows FAILING from the first try
                self._record(wiki, stream, describe(exc))
            raise
        total = PollResult(wiki)
        for stream in STREAMS:
            if not self._take_lease(wiki):
                break
            try:
                part = pipeline.poll((stream,))
            except Exception as exc:
                self._record(wiki, stream, describe(exc))
                raise
            self._record(wiki, stream, None)
            total.events += part.events
            total.watched += part.watched
            total.renames += part.renames
            total.new_items.extend(part.new_items)
        return total

    def stream_alive(self) -> None:
        """EventStreams delivered and saved data for every wiki: keep the leases and record
        healthy streams, as a successful poll would (`ibanbot status`). A wiki whose gap
        filling is failing stays failing: a stretch of it has not been read yet."""
        for wiki in self.app.gateways:
            try:
                if self._take_lease(wiki) and wiki not in self.outages:
                    for stream in STREAMS:
                        self._record(wiki, stream, None)
            except StorageError as exc:
                log.debug("wiki %s: stream health not recorded: %s", wiki, exc)

    # -- lease -------------------------------------------------------------------------------
    def _take_lease(self, wiki: str) -> bool:
        now = self.app.now()
        until = now + timedelta(seconds=self.ops.lease_seconds)
        if self.app.store.ops.acquire_lease(wiki, self.holder, now, until):
            if wiki in self.waiting:
                self.waiting.discard(wiki)
                log.info("wiki %s: took over the polling lease", wiki)
            return True
        if wiki not in self.waiting:
            self.waiting.add(wiki)
            log.info("wiki %s: another process holds the polling lease; waiting", wiki)
        return False

    def _keep_lease(self, wiki: str) -> None:
        try:
            self._take_lease(wiki)
        except StorageError as exc:  # the database may be the outage; the next try says so
            log.debug("wiki %s: lease not renewed: %s", wiki, exc)

    def release(self) -> None:
        """Give up every lease we hold (on a clean exit), so another process need not wait."""
        for wiki in self.app.gateways:
            try:
                self.app.store.ops.release_lease(wiki, self.holder)
            except StorageError as exc:
                log.debug("wiki %s: could not release the lease: %s", wiki, exc)

    # -- outages -----------------------------------------------------------------------------
    def backoff(self, tries: int, wiki: str) -> float:
        poll = self.app.settings.wiki(wiki).poll_seconds
        return float(min(poll * 2 ** max(tries - 1, 0), self.ops.max_backoff_seconds))

    def _failed(self, wiki: str, exc: Exception) -> None:
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
            log.warning("wiki %s: poll failed, retrying with backoff (up to %d s; logged again "
                        "when it recovers): %s", wiki, self.ops.max_backoff_seconds, error,
                        exc_info=not isinstance(exc, IbanbotError))
        else:
            log.debug("wiki %s: still failing (try %d): %s", wiki, outage.tries + 1, error)
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
            log.warning("wiki %s: recovered after %.0f s and %d failed tries; caught up",
                        wiki, self.clock() - outage.started, outage.tries)

    def _record(self, wiki: str, stream: str, error: str | None) -> None:
        try:
            self.app.store.ops.record_poll(wiki, stream, self.app.now(), error)
        except StorageError as exc:  # the database may be the outage
            log.debug("wiki %s: poll health not recorded: %s", wiki, exc)
