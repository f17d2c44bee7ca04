"""Interaction timeline of two users (as Wikimedia's Interaction Timeline tool shows it).

Pure: it takes both users' contributions over a range and returns the pages both edited and,
oldest first, every edit either made to those pages with the time since the other user's
previous edit there or anywhere on those pages.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


class Edit(Protocol):
    revid: int
    title: str
    timestamp: datetime
    comment: str


@dataclass(frozen=True)
class TimelineRow:
    side: int  # 0: the first user, 1: the second
    title: str
    revid: int
    timestamp: datetime
    comment: str
    since_other: timedelta | None  # since the other user's latest earlier edit (common pages)


@dataclass(frozen=True)
class Timeline:
    users: tuple[str, str]
    start: datetime
    end: datetime
    pages: tuple[str, ...]  # edited by both, in natural order (natural_key)
    rows: tuple[TimelineRow, ...]  # oldest first
    truncated: bool = False  # a user had more edits in the range than were read

    @property
    def edit_counts(self) -> tuple[int, int]:
        return (sum(1 for r in self.rows if r.side == 0), sum(1 for r in self.rows if r.side == 1))


def build(users: tuple[str, str], start: datetime, end: datetime,
          first: Sequence[Edit], second: Sequence[Edit], truncated: bool = False) -> Timeline:
    common = {e.title for e in first} & {e.title for e in second}
    tagged = sorted([(e.timestamp, e.revid, 0, e) for e in first if e.title in common]
                    + [(e.timestamp, e.revid, 1, e) for e in second if e.title in common],
                    key=lambda t: (t[0], t[1], t[2]))
    last: list[datetime | None] = [None, None]
    rows = []
    for when, _, side, edit in tagged:
        other = last[1 - side]
        rows.append(TimelineRow(side, edit.title, edit.revid, when, edit.comment,
                                when - other if other is not None else None))
        last[side] = when
    return Timeline(users, start, end, tuple(sorted(common, key=natural_key)), tuple(rows),
                    truncated)


_DIGITS = re.compile(r"(\d+)")


def natural_key(title: str) -> tuple[tuple[tuple[int, int | str], ...], str]:
    """Sorts titles as people do: `Archive 2` before `Archive 10`, case aside (`apple`
    before `Banana`); titles that differ only in case keep a fixed order (by their text)."""
    parts = _DIGITS.split(title)
    return tuple((0, int(p)) if i % 2 else (1, p.casefold())
                 for i, p in enumerate(parts) if p), title


def format_gap(gap: timedelta | None) -> str:
    """`3 d 4 h`, `2 h 5 min`, `7 min 3 s`, `12 s`; '' for None."""
    if gap is None:
        return ""
    seconds = int(gap.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
