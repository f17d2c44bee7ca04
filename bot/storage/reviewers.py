"""Staff accounts of the review web UI: reviewers, their sign-in sessions, login attempts.

The tables live on schema.metadata (bot/storage/__init__.py imports this module, so every
place that assembles the metadata sees them); migration 0004_web creates them.
Passwords arrive here already hashed; sessions are stored by the SHA-256 of their token,
so a copy of the database does not let anyone sign in.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    Row,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)

from bot.errors import NotFound, UsageError
from bot.storage import audit as _audit
from bot.storage.engine import storage_errors, writing
from bot.storage.records import from_db_time, to_db_time
from bot.storage.schema import (
    INDEXED_NAME,
    MYSQL_TABLE,
    check_lengths,
    metadata,
    new_id,
    utc_datetime,
)

reviewers = Table(
    "reviewers", metadata,
    Column("name", String(INDEXED_NAME), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", utc_datetime(), nullable=False),
    Column("disabled_at", utc_datetime(), nullable=True),
    **MYSQL_TABLE,
)

login_attempts = Table(
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(INDEXED_NAME), nullable=False),
    Column("remote", String(64), nullable=False),
    Column("at", utc_datetime(), nullable=False),
    Column("ok", Boolean, nullable=False),
    Index(None, "name", "at"),
    Index(None, "remote", "at"),
    **MYSQL_TABLE,
)

web_sessions = Table(
    "web_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("reviewer", String(INDEXED_NAME), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", utc_datetime(), nullable=False),
    Column("expires_at", utc_datetime(), nullable=False, index=True),
    **MYSQL_TABLE,
)


@dataclass(frozen=True, slots=True)
class Reviewer:
    name: str
    password_hash: str
    created_at: datetime
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)  # "": signs in with a linked wiki account only


@dataclass(frozen=True, slots=True)
class WebSession:
    reviewer: str
    csrf: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AuditNote:
    """The audit row written in the same transaction as an account or session change."""

    actor: str
    action: str
    detail: str
    at: datetime


def _note(conn: Connection, note: AuditNote | None) -> None:
    if note is not None:
        _audit.record_audit(conn, note.actor, note.action, None, note.detail, note.at)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _reviewer(r: Row[Any]) -> Reviewer:
    m = r._mapping
    disabled = m["disabled_at"]
    return Reviewer(m["name"], m["password_hash"], from_db_time(m["created_at"]),
                    from_db_time(disabled) if disabled is not None else None)


class ReviewerStore:
    """Reviewers, sessions and login attempts; every public method is one transaction.

    A change given an AuditNote writes its audit row in that transaction: both or neither.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- reviewers ----------------------------------------------------------------------
    def add(self, name: str, password_hash: str, at: datetime,
            note: AuditNote | None = None) -> Reviewer:
        values = {"name": name, "password_hash": password_hash, "created_at": to_db_time(at),
                  "disabled_at": None}
        check_lengths("reviewers", values, f"reviewer {name[:40]!r}")
        with storage_errors(self.engine, "adding a reviewer"), writing(self.engine) as conn:
            if _get(conn, name) is not None:
                raise UsageError(f"reviewer {name!r} already exists")
            conn.execute(insert(reviewers).values(values))
            _note(conn, note)
            return _require(conn, name)

    def get(self, name: str) -> Reviewer | None:
        with storage_errors(self.engine, "reading a reviewer"), self.engine.connect() as conn:
            return _get(conn, name)

    def all(self) -> list[Reviewer]:
        with storage_errors(self.engine, "listing reviewers"), self.engine.connect() as conn:
            rows = conn.execute(select(reviewers).order_by(reviewers.c.name)).all()
            return [_reviewer(r) for r in rows]

    def set_password(self, name: str, password_hash: str,
                     note: AuditNote | None = None) -> None:
        with storage_errors(self.engine, "changing a password"), writing(self.engine) as conn:
            _require(conn, name)
            conn.execute(update(reviewers).where(reviewers.c.name == name)
                         .values(password_hash=password_hash))
            conn.execute(delete(web_sessions).where(web_sessions.c.reviewer == name))
            _note(conn, note)

    def disable(self, name: str, at: datetime, note: AuditNote | None = None) -> None:
        """Disable the account and end every session it has."""
        with storage_errors(self.engine, "disabling a reviewer"), writing(self.engine) as conn:
            _require(conn, name)
            conn.execute(update(reviewers).where(reviewers.c.name == name)
                         .values(disabled_at=to_db_time(at)))
            conn.execute(delete(web_sessions).where(web_sessions.c.reviewer == name))
            _note(conn, note)

    def enable(self, name: str, note: AuditNote | None = None) -> None:
        with storage_errors(self.engine, "enabling a reviewer"), writing(self.engine) as conn:
            _require(conn, name)
            conn.execute(update(reviewers).where(reviewers.c.name == name)
                         .values(disabled_at=None))
            _note(conn, note)

    # -- login attempts -----------------------------------------------------------------
    def record_attempt(self, name: str, remote: str, ok: bool, at: datetime) -> None:
        with storage_errors(self.engine, "recording a login attempt"), \
                writing(self.engine) as conn:
            conn.execute(insert(login_attempts).values(
                name=name[:INDEXED_NAME], remote=remote[:64], ok=ok, at=to_db_time(at)))

    def open_attempt(self, name: str, remote: str, at: datetime) -> int:
        """Record an attempt as failed before its password is checked; its id.

        Counted at once, so requests racing each other cannot all slip under the limit;
        `settle_attempt` marks it a success, `drop_attempt` removes one refused unchecked.
        """
        with storage_errors(self.engine, "recording a login attempt"), \
                writing(self.engine) as conn:
            return new_id(conn.execute(insert(login_attempts).values(
                name=name[:INDEXED_NAME], remote=remote[:64], ok=False, at=to_db_time(at))))

    def settle_attempt(self, attempt_id: int) -> None:
        with storage_errors(self.engine, "recording a login attempt"), \
                writing(self.engine) as conn:
            conn.execute(update(login_attempts).where(login_attempts.c.id == attempt_id)
                         .values(ok=True))

    def drop_attempt(self, attempt_id: int) -> None:
        with storage_errors(self.engine, "recording a login attempt"), \
                writing(self.engine) as conn:
            conn.execute(delete(login_attempts).where(login_attempts.c.id == attempt_id))

    def failures_since(self, since: datetime, name: str | None = None,
                       remote: str | None = None) -> int:
        """Failed attempts since `since` for this name or from this address."""
        a = login_attempts.c
        stmt = select(func.count()).where(a.ok.is_(False), a.at >= to_db_time(since))
        if name is not None:
            stmt = stmt.where(a.name == name[:INDEXED_NAME])
        if remote is not None:
            stmt = stmt.where(a.remote == remote[:64])
        with storage_errors(self.engine, "counting login attempts"), \
                self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def purge_attempts(self, before: datetime, now: datetime) -> int:
        """Forget sign-in attempts (names, addresses) made before `before`, and sessions that
        expired before `now`; how many attempts went."""
        with storage_errors(self.engine, "purging sign-in records"), \
                writing(self.engine) as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < to_db_time(now)))
            return int(conn.execute(delete(login_attempts).where(
                login_attempts.c.at < to_db_time(before))).rowcount or 0)

    # -- sessions -----------------------------------------------------------------------
    def open_session(self, token: str, reviewer: str, csrf: str, at: datetime,
                     lifetime: timedelta, note: AuditNote | None = None) -> None:
        with storage_errors(self.engine, "opening a session"), writing(self.engine) as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < to_db_time(at)))
            conn.execute(insert(web_sessions).values(
                token_hash=token_hash(token), reviewer=reviewer, csrf=csrf,
                created_at=to_db_time(at), expires_at=to_db_time(at + lifetime)))
            _note(conn, note)

    def session(self, token: str, at: datetime) -> WebSession | None:
        """The live session of this token whose reviewer is still enabled, else None."""
        s, r = web_sessions.c, reviewers.c
        stmt = (select(web_sessions).join(reviewers, r.name == s.reviewer)
                .where(s.token_hash == token_hash(token), s.expires_at > to_db_time(at),
                       r.disabled_at.is_(None)))
        with storage_errors(self.engine, "reading a session"), self.engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        if row is None:
            return None
        return WebSession(row["reviewer"], row["csrf"], from_db_time(row["created_at"]),
                          from_db_time(row["expires_at"]))

    def close_session(self, token: str, note: AuditNote | None = None) -> None:
        with storage_errors(self.engine, "closing a session"), writing(self.engine) as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash(token)))
            _note(conn, note)


def _get(conn: Connection, name: str) -> Reviewer | None:
    row = conn.execute(select(reviewers).where(reviewers.c.name == name)).first()
    return _reviewer(row) if row is not None else None


def _require(conn: Connection, name: str) -> Reviewer:
    found = _get(conn, name)
    if found is None:
        raise NotFound(f"reviewer {name!r} does not exist")
    return found
