"""Progress of long jobs (backfills, `bans check`): a bar on a terminal, plain lines in logs.

On a terminal (stderr is a TTY, and logs are not JSON) one line with a bar is redrawn in
place; otherwise a plain INFO log line (counts, no bar; `done`, `total` and the caller's
`fields`, such as `wiki`, as structured fields) is written at most every `every` seconds and
once at the end. Lines carry counts only, never names, so they are safe at INFO; the label
must not name a confidential ban.
"""
from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from bot import logformat

log = logging.getLogger("bot.pipeline.progress")
WIDTH = 24


@dataclass
class Counts:
    """Per wiki: what a backfill has done so far."""

    events: int = 0      # events read
    analysed: int = 0    # edits and log actions analysed against the ban
    queued: int = 0      # new queue items

    def fields(self, wiki: str) -> dict[str, object]:
        """The structured fields of a log line about these counts."""
        return {"wiki": wiki, "events": self.events, "analysed": self.analysed,
                "queued": self.queued}

    def text(self) -> str:
        return (f"{self.events} events read, {self.analysed} edits analysed, "
                f"{self.queued} items queued")


class Progress:
    """`update(done, total, detail)` as often as you like; `finish()` once."""

    def __init__(self, label: str, stream: TextIO | None = None, every: float = 10.0,
                 clock: Callable[[], float] = time.monotonic, tty: bool | None = None,
                 fields: Mapping[str, object] | None = None) -> None:
        self.label, self.stream, self.every, self.clock = label, stream or sys.stderr, every, clock
        self.tty = self.stream.isatty() and not logformat.is_json() if tty is None else tty
        self.fields = dict(fields or {})
        self._last = float("-inf")
        self._line = ""
        self._drawn = False

    def update(self, done: int, total: int | None = None, detail: str = "") -> None:
        self.fields.update(done=done, total=total)
        if self.tty:
            self._line = self._render(done, total, detail, bar=True)
            self.stream.write("\r\x1b[K" + self._line)
            self.stream.flush()
            self._drawn = True
        else:
            self._line = self._render(done, total, detail, bar=False)
            now = self.clock()
            if now - self._last >= self.every:
                self._last = now
                log.info("%s", self._line, extra=self.fields)

    def finish(self, detail: str | None = None) -> None:
        if detail is not None:
            self._line = f"{self.label}: {detail}"
        if self.tty:
            if self._drawn or self._line:
                self.stream.write("\r\x1b[K" + self._line + "\n")
                self.stream.flush()
        elif self._line:
            log.info("%s (done)", self._line, extra=self.fields)

    def _render(self, done: int, total: int | None, detail: str, bar: bool) -> str:
        if total and bar:
            filled = min(WIDTH, WIDTH * done // total)
            shown = f"[{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}"
        else:
            shown = f"{done}/{total}" if total else f"{done}"
        return f"{self.label}: {shown}" + (f" {detail}" if detail else "")
