"""Reads from a wiki off the request's thread, so that no page waits on a slow or dead wiki.

A page asks for a read (`Waits.get(key, read)`) and waits `page_wait_seconds` at most; past
that it renders without the answer and says what it could not fetch (`StillReading`). The
read goes on in the background, bounded by the readers' own timeout (`wiki_timeout_seconds`):
a diff it brings is kept with its item (bot.web.diffs), so the next view shows it. A finished
read (its answer or its error) is remembered for `keep_seconds`, so a page asked again soon
answers at once, and one read per key runs at a time however many pages ask for it.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from bot.errors import IbanbotError

T = TypeVar("T")
WORKERS = 4  # reads under way at once per process; more wait their turn (pages do not)


class StillReading(IbanbotError):
    """The wiki did not answer within the page's wait; the read goes on in the background."""


class Waits:
    def __init__(self, wait_seconds: float, keep_seconds: float = 30.0) -> None:
        self.wait, self.keep = wait_seconds, keep_seconds
        self._lock = threading.Lock()
        self._reads: dict[Hashable, tuple[Future, list[float]]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """`read()`'s answer (or its exception) if it comes within the wait; StillReading if
        not. A read of the same key already under way or finished lately is not repeated."""
        future = self._future(key, read)
        try:
            return future.result(timeout=self.wait)
        except FutureTimeout:
            raise StillReading(f"the wiki did not answer within {self.wait:g} s") from None

    def _future(self, key: Hashable, read: Callable[[], Any]) -> Future:
        now = time.monotonic()
        with self._lock:
            self._forget_old(now)
            found = self._reads.get(key)
            if found is not None:
                return found[0]
            future = self._executor().submit(read)
            finished: list[float] = []  # when it finished (set by the callback)
            self._reads[key] = (future, finished)
            future.add_done_callback(lambda _: finished.append(time.monotonic()))
            return future

    def _forget_old(self, now: float) -> None:
        old = [k for k, (_, done) in self._reads.items() if done and now - done[0] > self.keep]
        for key in old:
            del self._reads[key]

    def _executor(self) -> ThreadPoolExecutor:
        """One pool per process: a WSGI server that forks after loading gets its own."""
        if self._pool is None or self._pid != os.getpid():
            self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="ibanbot-web-read")
            self._pid, self._reads = os.getpid(), {}
        return self._pool

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._reads.pop(key, None)
