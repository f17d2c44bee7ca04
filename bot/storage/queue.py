"""Queue items with their findings and decisions: insert (idempotent), list, get, decide.

Functions take a Connection inside a transaction the Store opened; none commits.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from bot.errors import DecisionConflict, IbanbotError, NotFound
from bot.storage.records import (
    STATUSES,
    Decision,
    ItemKey,
    QueueItem,
    from_db_time,
    to_db_time,
)
from bot.storage.schema import check_lengths, decisions, findings, new_id, queue_items
from detectors.model import Detection, Finding, Kind

CHUNK = 500  # ids per IN (...) when loading findings and decisions
MAX_ID = 2**63 - 1  # larger ids exist nowhere (and SQLite cannot even take them as parameters)


def _require_id(item_id: int) -> None:
    if not 0 < item_id <= MAX_ID:
        raise NotFound(f"queue item {item_id} does not exist")


def find_item_id(conn: Connection, wiki: str, event_key: str, ban_id: str) -> int | None:
    q = queue_items.c
    stmt = select(q.id).where(q.wiki == wiki, q.event_key == event_key, q.ban_id == ban_id)
    return conn.execute(stmt).scalar_one_or_none()


def _item_values(d: Detection, detected_at: datetime) -> dict[str, Any]:
    return {
        "wiki": d.wiki, "ban_id": d.ban_id, "event_key": d.event_key, "actor": d.actor.name,
        "actor_id": d.actor.id, "target": d.target, "page": d.page, "revid": d.revid,
        "logid": d.logid, "event_time": to_db_time(d.timestamp),
        "detected_at": to_db_time(detected_at), "status": "new", "source": d.source,
    }


def _insert_new(conn: Connection, d: Detection, detected_at: datetime) -> int:
    item_id = new_id(conn.execute(insert(queue_items).values(_item_values(d, detected_at))))
    rows = [{"item_id": item_id, "position": n, "kind": Kind(f.kind).value,
             "confidence": float(f.confidence), "evidence": f.evidence, "target": f.target}
            for n, f in enumerate(d.findings)]
    for row in rows:
        check_lengths("findings", row, f"detection {d.event_key}")
    if rows:
        conn.execute(insert(findings), rows)
    return int(item_id)


def insert_detection(conn: Connection, d: Detection, detected_at: datetime) -> int | None:
    """Store one detection; None when its (wiki, event_key, ban_id) is already queued.

    Select first; insert on a savepoint so a concurrent writer's duplicate (IntegrityError on
    the unique key) is rolled back alone and the surrounding batch goes on. Any other
    integrity error propagates and fails the batch.
    """
    check_lengths("queue_items", _item_values(d, detected_at), f"detection {d.event_key}")
    if find_item_id(conn, d.wiki, d.event_key, d.ban_id) is not None:
        return None
    try:
        with conn.begin_nested():
            return _insert_new(conn, d, detected_at)
    except IntegrityError:
        if find_item_id(conn, d.wiki, d.event_key, d.ban_id) is not None:
            return None
        raise


def _filters(status: str | None, ban_id: str | None, wiki: str | None,
             kind: str | Kind | None, source: str | None) -> list[ColumnElement[bool]]:
    q = queue_items.c
    where: list[ColumnElement[bool]] = []
    for column, value in ((q.status, status), (q.ban_id, ban_id), (q.wiki, wiki),
                          (q.source, source)):
        if value is not None:
            where.append(column == value)
    if kind is not None:
        kind_value = kind.value if isinstance(kind, Kind) else kind
        where.append(q.id.in_(select(findings.c.item_id).where(findings.c.kind == kind_value)))
    return where


def list_items(conn: Connection, *, status: str | None = None, ban_id: str | None = None,
               wiki: str | None = None, kind: str | Kind | None = None,
               source: str | None = None, limit: int | None = None,
               offset: int = 0) -> list[QueueItem]:
    """Newest first: by event time, then id (both descending; _list_order)."""
    stmt = (select(queue_items).where(*_filters(status, ban_id, wiki, kind, source))
            .order_by(*_list_order(True)).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    return _with_children(conn, conn.execute(stmt).mappings().all())


def _list_order(down: bool) -> list[Any]:
    """The queue list's order (down: as the list reads; else the reverse), shared by the list
    and by neighbours(), so that "next" on an item page is the next row of its list."""
    q = queue_items.c
    return [q.event_time.desc(), q.id.desc()] if down else [q.event_time.asc(), q.id.asc()]


def _beyond(row: Any, down: bool) -> ColumnElement[bool]:
    """Rows after `row` in the list's order (down) or before it."""
    q, at = queue_items.c, row["event_time"]
    if down:
        return or_(q.event_time < at, and_(q.event_time == at, q.id < row["id"]))
    return or_(q.event_time > at, and_(q.event_time == at, q.id > row["id"]))


def neighbours(conn: Connection, item_id: int, *, status: str | None = None,
               ban_id: str | None = None, wiki: str | None = None,
               kind: str | Kind | None = None,
               source: str | None = None) -> tuple[int | None, int | None]:
    """(previous, next): the ids around the item in the list with these filters, by the
    item's place in the order whether or not it still matches them (once decided, a `new`
    item leaves the `new` list, and "next" is still the one that followed it)."""
    _require_id(item_id)
    q = queue_items.c
    row = conn.execute(select(q.id, q.event_time).where(q.id == item_id)).mappings().first()
    if row is None:
        raise NotFound(f"queue item {item_id} does not exist")
    where = _filters(status, ban_id, wiki, kind, source)
    found = [conn.execute(select(q.id).where(*where, _beyond(row, down))
                          .order_by(*_list_order(down)).limit(1)).scalar_one_or_none()
             for down in (False, True)]
    return found[0], found[1]


def get_item(conn: Connection, item_id: int) -> QueueItem:
    _require_id(item_id)
    rows = conn.execute(select(queue_items).where(queue_items.c.id == item_id)).mappings().all()
    if not rows:
        raise NotFound(f"queue item {item_id} does not exist")
    return _with_children(conn, rows)[0]


def count_by_status(conn: Connection) -> dict[str, int]:
    """Every known status (0 when none), plus any other status found in the table."""
    stmt = select(queue_items.c.status, func.count()).group_by(queue_items.c.status)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: int(n) for status, n in conn.execute(stmt).all()})
    return counts


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _findings_of(conn: Connection, ids: Sequence[int]) -> dict[int, list[Finding]]:
    out: dict[int, list[Finding]] = {}
    f = findings.c
    for chunk in _chunks(ids):
        stmt = select(findings).where(f.item_id.in_(chunk)).order_by(f.item_id, f.position)
        for r in conn.execute(stmt).mappings():
            out.setdefault(r["item_id"], []).append(
                Finding(Kind(r["kind"]), float(r["confidence"]), r["evidence"], r["target"]))
    return out


def _decisions_of(conn: Connection, ids: Sequence[int]) -> dict[int, list[Decision]]:
    out: dict[int, list[Decision]] = {}
    d = decisions.c
    for chunk in _chunks(ids):
        stmt = select(decisions).where(d.item_id.in_(chunk)).order_by(d.decided_at, d.id)
        for r in conn.execute(stmt).mappings():
            out.setdefault(r["item_id"], []).append(decision_record(r))
    return out


def decision_record(r: Any) -> Decision:
    return Decision(r["id"], r["item_id"], r["decision"], r["reviewer"], r["note"],
                    from_db_time(r["decided_at"]))


def _with_children(conn: Connection, rows: Sequence[Any]) -> list[QueueItem]:
    ids = [r["id"] for r in rows]
    found, decided = _findings_of(conn, ids), _decisions_of(conn, ids)
    return [QueueItem(
        id=r["id"], wiki=r["wiki"], ban_id=r["ban_id"], event_key=r["event_key"],
        actor=r["actor"], actor_id=int(r["actor_id"]), target=r["target"], page=r["page"],
        revid=int(r["revid"]), logid=int(r["logid"]), timestamp=from_db_time(r["event_time"]),
        detected_at=from_db_time(r["detected_at"]), status=r["status"], source=r["source"],
        findings=tuple(found.get(r["id"], ())), decisions=tuple(decided.get(r["id"], ())),
    ) for r in rows]


FREE = ("new", "needs-info")  # decided without force; confirmed and dismissed need it


def record_decision(conn: Connection, item_id: int, decision: str, reviewer: str,
                    note: str, at: datetime, *, seen: str | None = None,
                    force: bool = False) -> str:
    """Set the item's status and add the decision row; returns the previous status.

    One compare-and-set: the status changes only from an allowed one (`seen` when given,
    else any; without `force` only `new` or `needs-info`). The row is locked before it is
    read (a write first: SQLite's write lock, taken before any read, so no stale snapshot;
    FOR UPDATE: the current row on PostgreSQL and MariaDB), so of two reviewers at once the
    second sees the first's decision. DecisionConflict when not allowed; nothing is written.
    """
    _require_id(item_id)
    allowed = [s for s in STATUSES if (seen is None or s == seen) and (force or s in FREE)]
    q = queue_items.c
    conn.execute(update(queue_items).where(q.id == item_id).values(status=q.status))
    old = conn.execute(select(q.status).where(q.id == item_id).with_for_update()
                       ).scalar_one_or_none()
    changed = conn.execute(update(queue_items).where(q.id == item_id, q.status.in_(allowed))
                           .values(status=decision)).rowcount if allowed else 0
    if changed != 1:
        raise _conflict(conn, item_id)
    conn.execute(insert(decisions).values(item_id=item_id, decision=decision, reviewer=reviewer,
                                          note=note, decided_at=to_db_time(at)))
    return str(old)


def lock_statuses(conn: Connection, item_ids: Sequence[int]) -> dict[int, str]:
    """The items' statuses, read after locking their rows (see record_decision), by id;
    NotFound names the first id that does not exist."""
    ids = sorted(set(item_ids))
    for item_id in ids:
        _require_id(item_id)
    q, found = queue_items.c, {}
    for chunk in _chunks(ids):
        conn.execute(update(queue_items).where(q.id.in_(chunk)).values(status=q.status))
        rows = conn.execute(select(q.id, q.status).where(q.id.in_(chunk)).with_for_update())
        found.update({int(r.id): str(r.status) for r in rows})
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"queue item {missing[0]} does not exist")
    return {i: found[i] for i in ids}


def _conflict(conn: Connection, item_id: int) -> IbanbotError:
    status = conn.execute(select(queue_items.c.status).where(queue_items.c.id == item_id)
                          ).scalar_one_or_none()
    if status is None:
        return NotFound(f"queue item {item_id} does not exist")
    d = decisions.c
    last = conn.execute(select(decisions).where(d.item_id == item_id)
                        .order_by(d.decided_at.desc(), d.id.desc()).limit(1)).mappings().first()
    return DecisionConflict(item_id, str(status), last["reviewer"] if last else None,
                            from_db_time(last["decided_at"]) if last else None)


def item_keys(conn: Connection, *, wiki: str | None = None, ban_id: str | None = None,
              target: str | None = None) -> list[ItemKey]:
    """Every item's grouping key (whatever its status), oldest first (event time, then id)."""
    q = queue_items.c
    where = [c == v for c, v in ((q.wiki, wiki), (q.ban_id, ban_id), (q.target, target))
             if v is not None]
    stmt = (select(q.id, q.wiki, q.ban_id, q.actor_id, q.actor, q.target, q.event_time,
                   q.status).where(*where).order_by(q.event_time, q.id))
    return [ItemKey(r.id, r.wiki, r.ban_id or "", int(r.actor_id), r.actor, r.target,
                    from_db_time(r.event_time), r.status) for r in conn.execute(stmt)]
