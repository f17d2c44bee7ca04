"""Coverage rows (bot.pipeline.coverage): per wiki, stream and ban, the spans of stream positions
read
with the ban loaded, merged as they grow, on schema's MetaData (table `ban_coverage`).

A position is (UTC datetime, row id), compared as a tuple. `extend` runs inside the transaction
that saves a batch's items and cursor (`Store.save_batch`), so coverage never claims more than
was saved. Rows of ban id `*` (no ban id can be that) record that the stream was read at all:
the first of them says when tracking began.

A batch's bans are written once per run, not once per batch: the open span of each wiki and
stream is one row of `coverage_runs` with its set of bans (`coverage_run_bans`, written when the
run starts), and a batch with the same bans that continues it moves only that row's end. When
the bans change (a reload) or the stream jumps, the run is folded into each ban's own rows of
`ban_coverage` (and the stream's `*` row) and a new one starts: whatever the number of bans, a
save costs two statements; a reload, one pass over the bans.
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)

from bot.storage.records import from_db_time, to_db_time
from bot.storage.schema import (
    BAN,
    KEY,
    MYSQL_TABLE,
    WIKI,
    check_lengths,
    metadata,
    new_id,
    utc_datetime,
)

WIKI_WIDE = "*"
Point = tuple[datetime, int]  # (timestamp, row id): a stream position

ban_coverage = Table(
    "ban_coverage", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("wiki", String(WIKI), nullable=False),
    Column("stream", String(KEY), nullable=False),
    Column("ban_id", String(BAN), nullable=False),
    Column("start_at", utc_datetime(), nullable=False),
    Column("start_id", BigInteger, nullable=False),
    Column("end_at", utc_datetime(), nullable=False),
    Column("end_id", BigInteger, nullable=False),
    Column("updated_at", utc_datetime(), nullable=False),
    Index(None, "wiki", "stream", "ban_id", "end_at"),
    **MYSQL_TABLE,
)


coverage_runs = Table(  # the open span of a wiki's stream, with the bans of coverage_run_bans
    "coverage_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("wiki", String(WIKI), nullable=False),
    Column("stream", String(KEY), nullable=False),
    Column("bans_key", String(64), nullable=False),  # sha256 of the sorted ban ids
    Column("start_at", utc_datetime(), nullable=False),
    Column("start_id", BigInteger, nullable=False),
    Column("end_at", utc_datetime(), nullable=False),
    Column("end_id", BigInteger, nullable=False),
    Column("updated_at", utc_datetime(), nullable=False),
    Index(None, "wiki", "stream"),
    **MYSQL_TABLE,
)

coverage_run_bans = Table(
    "coverage_run_bans", metadata,
    Column("run_id", Integer, ForeignKey("coverage_runs.id", ondelete="CASCADE"),
           primary_key=True),
    Column("ban_id", String(BAN), primary_key=True),
    **MYSQL_TABLE,
)


@dataclass(frozen=True, slots=True)
class Covered:
    """A saved batch's claim: these bans were loaded while the stream was read from start
    to end."""
    ban_ids: frozenset[str]
    start: Point
    end: Point


@dataclass(frozen=True, slots=True)
class StoredSpan:
    start: Point
    end: Point


def extend(conn: Connection, wiki: str, stream: str, covered: Covered, at: datetime) -> None:
    """A saved batch: add [start, end] to the stream's coverage and its bans' (in the batch's
    transaction, which has written already): the end of the stream's open run moves when the
    batch continues it with the same bans; otherwise the run is folded and a new one starts."""
    if covered.end < covered.start:
        return
    key = bans_key(covered.ban_ids)
    c = coverage_runs.c
    runs = conn.execute(select(coverage_runs).where(c.wiki == wiki, c.stream == stream)
                        .order_by(c.id).with_for_update()).all()
    run = runs[-1] if runs else None
    if run is not None and len(runs) == 1 and run.bans_key == key and \
            _start(run) <= covered.start <= _end(run):
        if _end(run) < covered.end:
            conn.execute(update(coverage_runs).where(c.id == run.id).values(
                end_at=to_db_time(covered.end[0]), end_id=covered.end[1],
                updated_at=to_db_time(at)))
        return
    for old in runs:
        _fold(conn, old, at)
    _start_run(conn, wiki, stream, key, covered, at)


@functools.lru_cache(maxsize=64)  # the same bans batch after batch: sorted and hashed once
def bans_key(ban_ids: frozenset[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ban_ids)).encode("utf-8")).hexdigest()


def _start_run(conn: Connection, wiki: str, stream: str, key: str, covered: Covered,
               at: datetime) -> None:
    longest = max(covered.ban_ids, key=len, default=WIKI_WIDE)  # the one that may not fit
    check_lengths("ban_coverage", {"wiki": wiki, "stream": stream, "ban_id": longest},
                  "coverage")
    run_id = new_id(conn.execute(insert(coverage_runs).values(
        wiki=wiki, stream=stream, bans_key=key, **_values(covered.start, covered.end, at))))
    if covered.ban_ids:
        conn.execute(insert(coverage_run_bans),
                     [{"run_id": run_id, "ban_id": b} for b in sorted(covered.ban_ids)])


def _fold(conn: Connection, run, at: datetime) -> None:
    """A run that ends: its span goes to each of its bans' own rows and to the stream's (`*`),
    and it is deleted."""
    b = coverage_run_bans.c
    ids = {WIKI_WIDE, *conn.execute(select(b.ban_id).where(b.run_id == run.id)).scalars()}
    _extend_rows(conn, run.wiki, run.stream, ids, Covered(frozenset(ids), _start(run),
                                                           _end(run)), at)
    conn.execute(delete(coverage_run_bans).where(b.run_id == run.id))
    conn.execute(delete(coverage_runs).where(coverage_runs.c.id == run.id))


def _extend_rows(conn: Connection, wiki: str, stream: str, ids: set[str], covered: Covered,
                 at: datetime) -> None:
    """Add [start, end] to the rows of these bans, merging with the rows it touches."""
    c = ban_coverage.c
    rows = conn.execute(select(ban_coverage).where(
        c.wiki == wiki, c.stream == stream, c.ban_id.in_(sorted(ids)),
        c.end_at >= to_db_time(covered.start[0]),
        c.start_at <= to_db_time(covered.end[0])).order_by(c.id).with_for_update()).all()
    touching: dict[str, list] = {}
    for r in rows:
        if _end(r) >= covered.start and _start(r) <= covered.end:
            touching.setdefault(r.ban_id, []).append(r)
    grown, new = [], []  # the usual case, in one statement each: a row grows at its end; none
    for ban_id in sorted(ids):
        found = touching.get(ban_id, [])
        if not found:
            new.append(ban_id)
        elif len(found) == 1 and _start(found[0]) <= covered.start and \
                _end(found[0]) <= covered.end:
            if _end(found[0]) < covered.end:  # an idle poll's batch ends where it began
                grown.append(found[0].id)
        else:
            _merge_one(conn, covered, found, at)
    if grown:
        conn.execute(update(ban_coverage).where(c.id.in_(grown)).values(
            end_at=to_db_time(covered.end[0]), end_id=covered.end[1], updated_at=to_db_time(at)))
    if new:
        conn.execute(insert(ban_coverage), [
            {"wiki": wiki, "stream": stream, "ban_id": ban_id, **_values(covered.start,
                                                                         covered.end, at)}
            for ban_id in new])


def add_span(conn: Connection, wiki: str, stream: str, ban_id: str, covered: Covered,
             at: datetime) -> None:
    """A backfill's coverage of one ban, merged with the rows it touches. The row is inserted
    first: on SQLite the transaction then writes from its start, so another writer's commit
    cannot make it fail ("database is locked") as a read followed by a write could."""
    check_lengths("ban_coverage", {"wiki": wiki, "stream": stream, "ban_id": ban_id},
                  "coverage")
    if covered.end < covered.start:
        return
    row_id = new_id(conn.execute(insert(ban_coverage).values(
        wiki=wiki, stream=stream, ban_id=ban_id, **_values(covered.start, covered.end, at))))
    c = ban_coverage.c
    rows = [r for r in conn.execute(select(ban_coverage).where(
        c.wiki == wiki, c.stream == stream, c.ban_id == ban_id, c.id != row_id,
        c.end_at >= to_db_time(covered.start[0]), c.start_at <= to_db_time(covered.end[0])))
        if _end(r) >= covered.start and _start(r) <= covered.end]
    if rows:
        start = min([covered.start, *(_start(r) for r in rows)])
        end = max([covered.end, *(_end(r) for r in rows)])
        conn.execute(update(ban_coverage).where(c.id == row_id).values(_values(start, end, at)))
        conn.execute(delete(ban_coverage).where(c.id.in_([r.id for r in rows])))


def _merge_one(conn: Connection, covered: Covered, rows: list, at: datetime) -> None:
    """Rows the span overlaps or bridges become one."""
    start = min([covered.start, *(_start(r) for r in rows)])
    end = max([covered.end, *(_end(r) for r in rows)])
    c = ban_coverage.c
    conn.execute(update(ban_coverage).where(c.id == rows[0].id).values(
        _values(start, end, at)))
    extra = [r.id for r in rows[1:]]
    if extra:
        conn.execute(delete(ban_coverage).where(c.id.in_(extra)))


def _values(start: Point, end: Point, at: datetime) -> dict[str, object]:
    return {"start_at": to_db_time(start[0]), "start_id": start[1],
            "end_at": to_db_time(end[0]), "end_id": end[1], "updated_at": to_db_time(at)}


def spans(conn: Connection, wiki: str, ban_ids: Iterable[str] | None = None
          ) -> dict[tuple[str, str], tuple[StoredSpan, ...]]:
    """(ban id, stream) -> its spans in order (ban id `*`: the stream read at all): its own
    rows and the open runs it is in, merged."""
    wanted = None if ban_ids is None else sorted(set(ban_ids) | {WIKI_WIDE})
    c = ban_coverage.c
    query = select(ban_coverage).where(c.wiki == wiki)
    if wanted is not None:
        query = query.where(c.ban_id.in_(wanted))
    found: dict[tuple[str, str], list[StoredSpan]] = {}
    for r in conn.execute(query):
        found.setdefault((r.ban_id, r.stream), []).append(StoredSpan(_start(r), _end(r)))
    r_, b = coverage_runs.c, coverage_run_bans.c
    for r in conn.execute(select(coverage_runs).where(r_.wiki == wiki)):  # the streams read
        found.setdefault((WIKI_WIDE, r.stream), []).append(StoredSpan(_start(r), _end(r)))
    runs = select(r_.stream, r_.start_at, r_.start_id, r_.end_at, r_.end_id, b.ban_id).join(
        coverage_run_bans, b.run_id == r_.id).where(r_.wiki == wiki)
    if wanted is not None:
        runs = runs.where(b.ban_id.in_(wanted))
    for r in conn.execute(runs):
        found.setdefault((r.ban_id, r.stream), []).append(StoredSpan(_start(r), _end(r)))
    return {key: _merged(value) for key, value in found.items()}


def _merged(spans_: list[StoredSpan]) -> tuple[StoredSpan, ...]:
    out: list[StoredSpan] = []
    for span in sorted(spans_, key=lambda x: (x.start, x.end)):
        if out and span.start <= out[-1].end:
            out[-1] = StoredSpan(out[-1].start, max(out[-1].end, span.end))
        else:
            out.append(span)
    return tuple(out)


def _start(r) -> Point:
    return (from_db_time(r.start_at), int(r.start_id))


def _end(r) -> Point:
    return (from_db_time(r.end_at), int(r.end_id))
