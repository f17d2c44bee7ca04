"""Stream positions: where a poll of one stream (recent changes, a log type) stopped.

A position is the (timestamp, id) of the last row processed, written `2026-11-27T17:15:42Z|1234`
in the database. Rows are re-read from `timestamp - overlap` and skipped by id: MediaWiki ids
grow in insertion order, so a row committed late with an older timestamp is still caught.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from bot.errors import StorageError

OVERLAP = timedelta(seconds=120)


_TS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


@lru_cache(maxsize=4096)
def parse_ts(value: str) -> datetime:
    """MediaWiki's `2026-11-27T17:15:42Z` -> an aware UTC datetime (ValueError otherwise).

    Cached, and without strptime: it runs twice per recent change (benchmarks/bench_prefilter).
    """
    if not isinstance(value, str) or not _TS.fullmatch(value):
        raise ValueError(f"time data {value!r} does not match format '%Y-%m-%dT%H:%M:%SZ'")
    return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)


def format_ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, order=True)
class Position:
    timestamp: datetime
    last_id: int = 0

    @classmethod
    def parse(cls, text: str) -> Position:
        try:
            ts, _, last = text.partition("|")
            return cls(parse_ts(ts), int(last or 0))
        except ValueError as exc:
            raise StorageError(f"stored cursor {text!r} is not a position: {exc}") from None

    def format(self) -> str:
        return f"{format_ts(self.timestamp)}|{self.last_id}"

    def read_from(self) -> datetime:
        """Where the next query starts: a little before, to catch rows committed late."""
        return self.timestamp - OVERLAP if self.last_id else self.timestamp

    def is_after(self, timestamp: datetime, row_id: int) -> bool:
        """Is the row (timestamp, row_id) new for this position?"""
        if self.last_id:
            return row_id > self.last_id
        return timestamp >= self.timestamp

    def advance(self, timestamp: datetime, row_id: int) -> Position:
        return Position(max(self.timestamp, timestamp), max(self.last_id, row_id))
