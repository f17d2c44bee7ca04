"""Operations: poll leases (one polling process per wiki), poll health, retention purge.

Tables (migration 0003_ops) live on schema's MetaData. `Ops(engine)` (also `Store.ops`) is the
API; every public method is one transaction, and database failures are one-line StorageErrors.

- A lease row per polling lock (a wiki, `*eventstreams`, `*member:<token>`): who holds it and
  until when it was renewed. The locks themselves, which die with their holder, and the rows'
  writes are bot.storage.locks; here they are only read (`ibanbot status`).
- A health row per (wiki, stream): last attempt, last success, consecutive failures, last error.
- Purge: decided items (confirmed, dismissed) whose last decision is older than the cutoff are
  deleted with their findings, decisions and kept diffs; one audit row per item keeps who
  decided what and when (wiki, ban id, decision, reviewer, time), never the evidence or the
  names involved.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)

from bot.storage import audit as _audit
from bot.storage.engine import storage_errors, writing
from bot.storage.itemdiffs import item_diffs
from bot.storage.records import from_db_time, to_db_time
from bot.storage.schema import (
    INDEXED_NAME,
    KEY,
    MYSQL_TABLE,
    WIKI,
    check_lengths,
    decisions,
    findings,
    long_text,
    metadata,
    queue_items,
    utc_datetime,
)

PURGEABLE = ("confirmed", "dismissed")
PURGE_ACTOR = "ibanbot"

leases = Table(
    "leases", metadata,
    Column("wiki", String(WIKI), primary_key=True),
    Column("holder", String(INDEXED_NAME), nullable=False),
    Column("acquired_at", utc_datetime(), nullable=False),
    Column("expires_at", utc_datetime(), nullable=False),
    **MYSQL_TABLE,
)

poll_health = Table(
    "poll_health", metadata,
    Column("wiki", String(WIKI), primary_key=True),
    Column("stream", String(KEY), primary_key=True),
    Column("last_attempt", utc_datetime(), nullable=False),
    Column("last_success", utc_datetime(), nullable=True),
    Column("failures", Integer, nullable=False),  # consecutive, 0 after a success
    Column("last_error", long_text(), nullable=True),
    Column("last_error_at", utc_datetime(), nullable=True),
    **MYSQL_TABLE,
)


@dataclass(frozen=True)
class Lease:
    wiki: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class StreamHealth:
    wiki: str
    stream: str
    last_attempt: datetime
    last_success: datetime | None
    failures: int
    last_error: str | None
    last_error_at: datetime | None


@dataclass(frozen=True)
class PurgeResult:
    items: int
    cutoff: datetime
    sign_in_attempts: int = 0  # of the review UI, made before the cutoff
    reports: int = 0  # received before the cutoff and held by no queue item any more


def _opt(when: datetime | None) -> datetime | None:
    return None if when is None else from_db_time(when)


class Ops:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- leases (taken and renewed by bot.storage.locks) ---------------------------------
    def leases(self) -> list[Lease]:
        with storage_errors(self.engine, "reading leases"), self.engine.connect() as conn:
            rows = conn.execute(select(leases).order_by(leases.c.wiki)).mappings().all()
        return [Lease(r["wiki"], r["holder"], from_db_time(r["acquired_at"]),
                      from_db_time(r["expires_at"])) for r in rows]

    # -- health ------------------------------------------------------------------------------
    def record_poll(self, wiki: str, stream: str, at: datetime, error: str | None = None) -> None:
        """A poll attempt of one stream: a success (error None) or a failure."""
        check_lengths("poll_health", {"wiki": wiki, "stream": stream},
                      f"health {wiki[:64]}/{stream[:64]}")
        c = poll_health.c
        key = (c.wiki == wiki, c.stream == stream)
        if error is None:
            values = {"last_attempt": to_db_time(at), "last_success": to_db_time(at),
                      "failures": 0}
        else:
            values = {"last_attempt": to_db_time(at), "failures": c.failures + 1,
                      "last_error": error[:2000], "last_error_at": to_db_time(at)}
        with storage_errors(self.engine, f"recording poll health of {wiki}/{stream}"):
            with writing(self.engine) as conn:
                if conn.execute(update(poll_health).where(*key).values(values)).rowcount:
                    return
                first = {**values, "failures": 0 if error is None else 1}
                conn.execute(insert(poll_health).values(wiki=wiki, stream=stream, **first))

    def health(self) -> list[StreamHealth]:
        c = poll_health.c
        with storage_errors(self.engine, "reading poll health"), self.engine.connect() as conn:
            rows = conn.execute(select(poll_health).order_by(c.wiki, c.stream)).mappings().all()
        return [StreamHealth(r["wiki"], r["stream"], from_db_time(r["last_attempt"]),
                             _opt(r["last_success"]), int(r["failures"]), r["last_error"],
                             _opt(r["last_error_at"])) for r in rows]

    # -- retention ---------------------------------------------------------------------------
    def purge_decided(self, cutoff: datetime, now: datetime) -> PurgeResult:
        """Delete decided items whose last decision is older than `cutoff`; audit each one."""
        with storage_errors(self.engine, "purging decided queue items"), \
                writing(self.engine) as conn:
            rows = _purgeable(conn, cutoff)
            ids = [r["id"] for r in rows]
            for r in rows:
                _audit.record_audit(conn, PURGE_ACTOR, "purge", r["id"], _purge_detail(r), now)
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                conn.execute(delete(findings).where(findings.c.item_id.in_(chunk)))
                conn.execute(delete(decisions).where(decisions.c.item_id.in_(chunk)))
                conn.execute(delete(item_diffs).where(item_diffs.c.item_id.in_(chunk)))
                conn.execute(delete(queue_items).where(queue_items.c.id.in_(chunk)))
        return PurgeResult(len(ids), cutoff)


def _purgeable(conn: Connection, cutoff: datetime) -> list:
    q, d = queue_items.c, decisions.c
    last = (select(d.item_id, func.max(d.decided_at).label("decided_at"))
            .group_by(d.item_id).subquery())
    stmt = (select(q.id, q.wiki, q.ban_id, q.status, last.c.decided_at)
            .join(last, last.c.item_id == q.id)
            .where(q.status.in_(PURGEABLE), last.c.decided_at < to_db_time(cutoff))
            .order_by(q.id))
    rows = conn.execute(stmt).mappings().all()
    out = []
    for r in rows:
        who = conn.execute(select(d.reviewer).where(
            d.item_id == r["id"], d.decided_at == r["decided_at"]).order_by(d.id.desc())
            .limit(1)).scalar_one_or_none()
        out.append({**r, "reviewer": who or "?"})
    return out


def _purge_detail(r: dict) -> str:
    when = from_db_time(r["decided_at"]).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f"retention purge: wiki {r['wiki']}, ban {r['ban_id']}, {r['status']} by "
            f"{r['reviewer']} at {when}; evidence deleted")
