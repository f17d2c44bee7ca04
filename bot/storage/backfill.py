"""Backfill progress per (wiki, ban, stream) and staff warnings, on schema's MetaData.

`Ledger(store)` reads and writes both. A backfill stream row holds the ban's fingerprint (a
changed ban starts over) and the position reached, so an interrupted backfill resumes and a
finished one is not read again. Staff warnings are shown above the queue and by
`ibanbot warnings`; they are for staff only (never logged at INFO, never put on-wiki).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    update,
)

from bot.errors import NotFound
from bot.storage.audit import record_audit
from bot.storage.cursors import set_setting
from bot.storage.engine import storage_errors, writing
from bot.storage.records import from_db_time, json_time, to_db_time
from bot.storage.schema import (
    BAN,
    KEY,
    MYSQL_TABLE,
    NAME,
    WIKI,
    check_lengths,
    long_text,
    metadata,
    new_id,
    upsert,
    utc_datetime,
)

backfill_state = Table(
    "backfill_state", metadata,
    Column("wiki", String(WIKI), primary_key=True),
    Column("ban_id", String(BAN), primary_key=True),
    Column("stream", String(KEY), primary_key=True),
    Column("fingerprint", String(KEY), nullable=False),
    Column("position", String(KEY), nullable=False),
    Column("done", Boolean, nullable=False),
    Column("updated_at", utc_datetime(), nullable=False),
    **MYSQL_TABLE,
)

staff_warnings = Table(
    "staff_warnings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("wiki", String(WIKI), nullable=False),
    Column("kind", String(KEY), nullable=False),
    Column("ban_id", String(BAN), nullable=True),
    Column("message", long_text(), nullable=False),
    Column("created_at", utc_datetime(), nullable=False),
    Column("acknowledged_by", String(NAME), nullable=True),
    Column("acknowledged_at", utc_datetime(), nullable=True),
    Index(None, "acknowledged_at", "id"),
    **MYSQL_TABLE,
)


@dataclass(frozen=True, slots=True)
class StreamState:
    wiki: str
    ban_id: str
    stream: str
    fingerprint: str
    position: str
    done: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StaffWarning:
    id: int
    wiki: str
    kind: str  # "gap" (an outage longer than recent changes keep), "backfill", "unanalysed",
    # "bans-dropped" (a reload dropped most bans: bot.pipeline.reload.BanDrops), ...
    ban_id: str | None
    message: str
    created_at: datetime
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "wiki": self.wiki, "kind": self.kind, "ban_id": self.ban_id,
                "message": self.message, "created_at": json_time(self.created_at),
                "acknowledged_by": self.acknowledged_by,
                "acknowledged_at": json_time(self.acknowledged_at)
                if self.acknowledged_at else None}


class Ledger:
    """Backfill states and staff warnings in the store's database (one transaction per call)."""

    def __init__(self, store) -> None:  # a bot.storage.Store
        self.engine = store.engine

    # -- backfill state ---------------------------------------------------------------------
    def states(self, wiki: str, ban_id: str) -> dict[str, StreamState]:
        c = backfill_state.c
        with storage_errors(self.engine, "reading backfill state"), \
                self.engine.connect() as conn:
            rows = conn.execute(select(backfill_state).where(c.wiki == wiki, c.ban_id == ban_id))
            return {r.stream: StreamState(r.wiki, r.ban_id, r.stream, r.fingerprint, r.position,
                                          bool(r.done), from_db_time(r.updated_at))
                    for r in rows}

    def save_state(self, wiki: str, ban_id: str, stream: str, fingerprint: str,
                   position: str, done: bool, at: datetime) -> None:
        values = {"fingerprint": fingerprint, "position": position, "done": done,
                  "updated_at": to_db_time(at)}
        key = {"wiki": wiki, "ban_id": ban_id, "stream": stream}
        check_lengths("backfill_state", {**key, **values}, f"backfill state {stream[:64]}")
        with storage_errors(self.engine, "saving backfill state"), writing(self.engine) as conn:
            upsert(conn, backfill_state, key, values)

    # -- staff warnings ---------------------------------------------------------------------
    def add_warning(self, wiki: str, kind: str, message: str, at: datetime,
                    ban_id: str | None = None) -> int:
        check_lengths("staff_warnings", {"wiki": wiki, "kind": kind, "ban_id": ban_id},
                      "staff warning")
        with storage_errors(self.engine, "saving a staff warning"), writing(self.engine) as conn:
            result = conn.execute(insert(staff_warnings).values(
                wiki=wiki, kind=kind, ban_id=ban_id, message=message,
                created_at=to_db_time(at)))
            return new_id(result)

    def add_noted_warning(self, wiki: str, kind: str, message: str, at: datetime, key: str,
                          note: Callable[[int], str]) -> int:
        """A warning and the setting `key` = `note(its id)`, in one transaction (on SQLite the
        insert comes first: the transaction writes from its start, so no other writer's commit
        can make it fail as "database is locked")."""
        check_lengths("staff_warnings", {"wiki": wiki, "kind": kind}, "staff warning")
        with storage_errors(self.engine, "saving a staff warning"), writing(self.engine) as conn:
            result = conn.execute(insert(staff_warnings).values(
                wiki=wiki, kind=kind, ban_id=None, message=message, created_at=to_db_time(at)))
            warning_id = new_id(result)
            set_setting(conn, key, note(warning_id))
            return warning_id

    def warnings(self, include_acknowledged: bool = False) -> list[StaffWarning]:
        c = staff_warnings.c
        query = select(staff_warnings).order_by(c.id)
        if not include_acknowledged:
            query = query.where(c.acknowledged_at.is_(None))
        with storage_errors(self.engine, "reading staff warnings"), \
                self.engine.connect() as conn:
            return [_warning(r) for r in conn.execute(query)]

    def pending_count(self) -> int:
        """How many warnings wait for staff (the web UI's banner)."""
        c = staff_warnings.c
        with storage_errors(self.engine, "counting staff warnings"), \
                self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(staff_warnings).where(
                c.acknowledged_at.is_(None))).scalar_one())

    def get(self, warning_id: int) -> StaffWarning:
        c = staff_warnings.c
        with storage_errors(self.engine, f"reading staff warning {warning_id}"), \
                self.engine.connect() as conn:
            row = conn.execute(select(staff_warnings).where(c.id == warning_id)).first()
        if row is None:
            raise NotFound(f"no staff warning {warning_id}")
        return _warning(row)

    def acknowledge(self, warning_id: int, reviewer: str, at: datetime) -> StaffWarning:
        """Who read it first, and when (with an audit row); a second acknowledgment changes
        nothing and adds no audit row."""
        c = staff_warnings.c
        with storage_errors(self.engine, f"acknowledging warning {warning_id}"), \
                writing(self.engine) as conn:
            changed = conn.execute(update(staff_warnings).where(
                c.id == warning_id, c.acknowledged_at.is_(None)).values(
                acknowledged_by=reviewer, acknowledged_at=to_db_time(at))).rowcount
            row = conn.execute(select(staff_warnings).where(c.id == warning_id)).first()
            if row is None:
                raise NotFound(f"no staff warning {warning_id}")
            if changed:
                record_audit(conn, reviewer, "acknowledge", None,
                             f"staff warning {warning_id} ({row.kind}, wiki {row.wiki})", at)
            return _warning(row)


def _warning(r) -> StaffWarning:
    return StaffWarning(r.id, r.wiki, r.kind, r.ban_id, r.message, from_db_time(r.created_at),
                        r.acknowledged_by,
                        from_db_time(r.acknowledged_at) if r.acknowledged_at else None)
