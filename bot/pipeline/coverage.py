"""Coverage: the spans of each wiki's streams that the bot read with a ban loaded (issue 13.2).

A ban is *covered* on a wiki's stream (`recentchanges`, `log:thanks`) over a closed span of
stream positions (timestamp, row id) when the bot saved a batch of that stream, items and
cursor, while the ban was loaded; or when a backfill of the ban over that span finished.
Everything between the ban's start and the stream's cursor that is not covered is a *hole*: a
bans file read half-written, a ban removed and added back, a wiki down longer than recent changes
keep, a process stopped for a week. Holes are backfilled whenever a ban is (re)loaded.

The interval maths here is pure (merge, subtract, holes) and works on any ordered values.
`open_holes(app)` is the one function here that reads the store: the holes still open, for
`ibanbot status` (a confidential ban written as such) and the web UI's staff pages.

Holes are looked for only from when coverage tracking began on the wiki's stream (the first
batch saved after migration 0010): before that, the ledger of late-ban backfills
(`bot.pipeline.backfill.Backfills.sync_bans`) is what vouches for a ban, so an upgrade backfills
nothing.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from bot.pipeline.join import STREAMS
from bot.wiki.cursor import Position, format_ts

if TYPE_CHECKING:
    from bot.pipeline.ports import CoverageApp
    from bot.storage import Store
    from detectors.bans import Ban


class _Ordered(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...
    def __le__(self, other: Any, /) -> bool: ...
    def __gt__(self, other: Any, /) -> bool: ...
    def __ge__(self, other: Any, /) -> bool: ...


T = TypeVar("T", bound=_Ordered)  # a timestamp or a stream position
WIKI_WIDE = "*"  # the coverage row of a wiki's stream itself: read at all, whatever the bans


@dataclass(frozen=True, order=True)
class Span(Generic[T]):
    """The closed span [start, end] (start <= end)."""
    start: T
    end: T

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"span ends before it starts: {self.start} > {self.end}")


def merge(spans: Iterable[Span[T]]) -> tuple[Span[T], ...]:
    """The union as disjoint spans in order; spans that overlap or touch become one."""
    out: list[Span[T]] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if out and span.start <= out[-1].end:
            if span.end > out[-1].end:
                out[-1] = Span(out[-1].start, span.end)
        else:
            out.append(span)
    return tuple(out)


def subtract(domain: Span[T], covered: Iterable[Span[T]]) -> tuple[Span[T], ...]:
    """What of `domain` the covered spans leave out, as closed spans that share their ends with
    the covered ones (a backfill of a hole reads its ends again: harmless, the queue's unique key
    drops a second detection). Where two covered spans touch there is no hole."""
    holes: list[Span[T]] = []
    start = domain.start
    for span in merge(covered):
        if span.end <= start:
            continue
        if span.start >= domain.end:
            break
        if span.start > start:
            holes.append(Span(start, span.start))
        start = span.end
        if start >= domain.end:
            return tuple(holes)
    if start < domain.end:
        holes.append(Span(start, domain.end))
    return tuple(holes)


def domain(ban_start: datetime, ban_expires: datetime | None, tracked_since: Position | None,
           cursor: Position | None) -> Span[Position] | None:
    """Where a ban must be covered on one stream: from its start (not before tracking began) to
    the stream's cursor (not after its expiry); None when that is empty."""
    if tracked_since is None or cursor is None:
        return None
    start = max(Position(ban_start), tracked_since)
    end = cursor if ban_expires is None else min(cursor, Position(ban_expires))
    return Span(start, end) if start < end else None


def holes(ban_start: datetime, ban_expires: datetime | None, tracked_since: Position | None,
          cursor: Position | None, covered: Sequence[Span[Position]]) -> tuple[Span[Position], ...]:
    """The spans of one stream a ban was not watched over, between its start and the cursor."""
    where = domain(ban_start, ban_expires, tracked_since, cursor)
    return () if where is None else subtract(where, covered)


def time_spans(spans: Iterable[Span[Position]]) -> tuple[Span[datetime], ...]:
    """The holes of several streams as time spans to backfill (contributions and logs are read
    by time): overlapping ones read once."""
    return merge(Span(s.start.timestamp, s.end.timestamp) for s in spans)


@dataclass(frozen=True)
class Hole:
    """An open hole. `status` writes a confidential ban as such, without its id (its output
    may go to monitoring); the web UI's staff pages may show it (`reveal=True`)."""
    wiki: str
    stream: str
    ban_id: str
    confidential: bool
    start: datetime
    end: datetime

    def to_json(self, reveal: bool = False) -> dict[str, object]:
        shown = self.ban_id if reveal or not self.confidential else None
        return {"wiki": self.wiki, "stream": self.stream, "ban_id": shown,
                "confidential": self.confidential, "from": format_ts(self.start),
                "to": format_ts(self.end)}

    def text(self, reveal: bool = False) -> str:
        who = f"ban {self.ban_id}" if reveal or not self.confidential else "a confidential ban"
        secret = " (confidential)" if reveal and self.confidential else ""
        return f"{who}{secret} not watched from {format_ts(self.start)} to {format_ts(self.end)}"


def open_holes(app: CoverageApp, wiki: str | None = None) -> list[Hole]:
    """Every hole still open for the bans in force (the web UI's bans page calls this):
    `app` is what it reads of the app (its bans, settings and store)."""
    out: list[Hole] = []
    for name in [w.name for w in app.settings.wikis if wiki in (None, w.name)]:
        for ban, stream, span in ban_holes(app.store, app.bans, name):
            out.append(Hole(name, stream, ban.id, ban.confidential, span.start.timestamp,
                            span.end.timestamp))
    return out


def ban_holes(store: Store, bans: Iterable[Ban], wiki: str
              ) -> list[tuple[Ban, str, Span[Position]]]:
    """(ban, stream, hole) for every ban covering `wiki`, from the store's coverage rows."""
    rows = store.coverage(wiki)
    out = []
    for stream in STREAMS:
        cursor_text = store.get_cursor(wiki, stream)
        cursor = Position.parse(cursor_text) if cursor_text else None
        tracked = rows.get((WIKI_WIDE, stream), ())
        since = Position(*tracked[0].start) if tracked else None
        for ban in bans:
            if not ban.covers_wiki(wiki):
                continue
            covered = [Span(Position(*s.start), Position(*s.end))
                       for s in rows.get((ban.id, stream), ())]
            for span in holes(ban.start, ban.expires, since, cursor, covered):
                out.append((ban, stream, span))
    return out


def watched_at_last_save(store: Store, wikis: Iterable[str]) -> set[str]:
    """The ids of the bans loaded when each stream's cursor was last saved: their coverage
    reaches the cursor (what `run` watched before it stopped)."""
    out: set[str] = set()
    for wiki in wikis:
        rows = store.coverage(wiki)
        for stream in STREAMS:
            cursor_text = store.get_cursor(wiki, stream)
            if not cursor_text:
                continue
            cursor = Position.parse(cursor_text)
            out.update(ban_id for (ban_id, s), spans in rows.items()
                       if s == stream and ban_id != WIKI_WIDE and spans
                       and Position(*spans[-1].end) == cursor)
    return out
