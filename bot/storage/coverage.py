"""Coverage rows (bot.coverage): per wiki, stream and ban, the spans of stream positions read
with the ban loaded, merged as they grow, on schema's MetaData (table `ban_coverage`).

A position is (UTC datetime, row id), compared as a tuple. `extend` runs inside the transaction
that saves a batch's items and cursor (`Store.save_batch`), so coverage never claims more than
was saved. Rows of ban id `*` (no ban id can be that) record that the stream was read at all:
the first of them says when tracking began.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
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
    Column("ban_id", String(KEY), nullable=False),
    Column("start_at", utc_datetime(), nullable=False),
    Column("start_id", BigInteger, nullable=False),
    Column("end_at", utc_datetime(), nullable=False),
    Column("end_id", BigInteger, nullable=False),
    Column("updated_at", utc_datetime(), nullable=False),
    Index(None, "wiki", "stream", "ban_id", "end_at"),
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
    """A saved batch: add [start, end] to each ban's coverage and to the stream's own (`*`),
    merging with the rows it touches (in the batch's transaction, which has written already)."""
    if covered.end < covered.start:
        return
    ids = set(covered.ban_ids) | {WIKI_WIDE}
    for ban_id in ids:
        check_lengths("ban_coverage", {"wiki": wiki, "stream": stream, "ban_id": ban_id},
                      "coverage")
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
    """(ban id, stream) -> its spans in order (ban id `*`: the stream read at all)."""
    c = ban_coverage.c
    query = select(ban_coverage).where(c.wiki == wiki)
    if ban_ids is not None:
        query = query.where(c.ban_id.in_(sorted(set(ban_ids) | {WIKI_WIDE})))
    out: dict[tuple[str, str], list[StoredSpan]] = {}
    for r in conn.execute(query.order_by(c.start_at, c.start_id, c.id)):
        out.setdefault((r.ban_id, r.stream), []).append(StoredSpan(_start(r), _end(r)))
    return {key: tuple(value) for key, value in out.items()}


def _start(r) -> Point:
    return (from_db_time(r.start_at), int(r.start_id))


def _end(r) -> Point:
    return (from_db_time(r.end_at), int(r.end_id))
