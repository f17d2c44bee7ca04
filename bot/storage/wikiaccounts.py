"""Wiki accounts a reviewer may sign in with (MediaWiki OAuth), and sign-ins under way.

`reviewer_wiki_accounts` is the allow-list behind "Sign in with <wiki>": a wiki account
signs in as the reviewer it is linked to, and only if that reviewer is enabled. The wiki's
user id (OAuth's `sub`) is pinned when the link is made (`reviewers link`), so an account
that later takes the same name (after a rename) is refused. A sign-in's `state` is signed
(the key is in `settings`), so nothing is stored when one starts; `oauth_requests` keeps
the SHA-256 of each state the wiki answered, for ten minutes, so that an answer is taken
once (the `verifier` column is unused: the verifier is derived from the state and the key).
Migration 0006_oauth creates both tables.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Engine, Row, String, Table, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.errors import NotFound, UsageError
from bot.storage.cursors import get_setting
from bot.storage.engine import storage_errors, writing
from bot.storage.records import from_db_time, to_db_time
from bot.storage.reviewers import AuditNote, _note, _require, reviewers, token_hash
from bot.storage.schema import (
    INDEXED_NAME,
    MYSQL_TABLE,
    check_lengths,
    metadata,
    settings,
    utc_datetime,
)

reviewer_wiki_accounts = Table(
    "reviewer_wiki_accounts", metadata,
    Column("wiki", String(64), primary_key=True),
    Column("username", String(INDEXED_NAME), primary_key=True),
    Column("reviewer", String(INDEXED_NAME), nullable=False, index=True),
    Column("central_id", String(64), nullable=True),
    Column("linked_at", utc_datetime(), nullable=False),
    **MYSQL_TABLE,
)

oauth_requests = Table(
    "oauth_requests", metadata,
    Column("state_hash", String(64), primary_key=True),
    Column("wiki", String(64), nullable=False),
    Column("verifier", String(128), nullable=False),
    Column("created_at", utc_datetime(), nullable=False, index=True),
    **MYSQL_TABLE,
)
STATE_KEY = "web.oauth_state_key"  # in `settings`: hex of 32 random bytes


@dataclass(frozen=True, slots=True)
class WikiAccount:
    reviewer: str
    wiki: str
    username: str
    # the wiki's user id, pinned by `reviewers link` (None: linked before 0.2)
    central_id: str | None
    linked_at: datetime


def _account(row: Row[Any]) -> WikiAccount:
    m = row._mapping
    return WikiAccount(m["reviewer"], m["wiki"], m["username"], m["central_id"],
                       from_db_time(m["linked_at"]))


class WikiAccountStore:
    """Links between reviewers and wiki accounts, and pending OAuth sign-ins."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- the allow-list -----------------------------------------------------------------
    def link(self, reviewer: str, wiki: str, username: str, central_id: str, at: datetime,
             note: AuditNote | None = None) -> WikiAccount:
        """Let the account `central_id` (now named `username`) on `wiki` sign in as `reviewer`
        (one account per reviewer and wiki)."""
        values = {"wiki": wiki, "username": username, "reviewer": reviewer,
                  "central_id": central_id, "linked_at": to_db_time(at)}
        check_lengths("reviewer_wiki_accounts", values, f"wiki account {username[:40]!r}")
        a = reviewer_wiki_accounts.c
        with storage_errors(self.engine, "linking a wiki account"), writing(self.engine) as conn:
            _require(conn, reviewer)
            taken = conn.execute(select(a.reviewer).where(
                a.wiki == wiki, (a.username == username) | (a.central_id == central_id))
                .where(a.reviewer != reviewer)).scalar()
            if taken is not None:
                raise UsageError(f"{username!r} on {wiki} is already linked to reviewer "
                                 f"{taken!r}")
            conn.execute(delete(reviewer_wiki_accounts).where(
                a.wiki == wiki, a.reviewer == reviewer))
            conn.execute(insert(reviewer_wiki_accounts).values(values))
            _note(conn, note)
        return WikiAccount(reviewer, wiki, username, central_id, at)

    def unlink(self, reviewer: str, wiki: str, note: AuditNote | None = None) -> None:
        a = reviewer_wiki_accounts.c
        with storage_errors(self.engine, "unlinking a wiki account"), \
                writing(self.engine) as conn:
            gone = conn.execute(delete(reviewer_wiki_accounts).where(
                a.wiki == wiki, a.reviewer == reviewer)).rowcount
            if not gone:
                raise NotFound(f"reviewer {reviewer!r} has no account linked on {wiki}")
            _note(conn, note)

    def accounts(self) -> list[WikiAccount]:
        a = reviewer_wiki_accounts.c
        stmt = select(reviewer_wiki_accounts).order_by(a.reviewer, a.wiki)
        with storage_errors(self.engine, "listing wiki accounts"), self.engine.connect() as conn:
            return [_account(r) for r in conn.execute(stmt)]

    def match(self, wiki: str, central_id: str) -> str | None:
        """The enabled reviewer the wiki account `central_id` signs in as, or None.

        The id was pinned by `reviewers link`; the name the account has now does not count
        (an account that took a linked name is refused; a renamed reviewer still signs in).
        Links made before ids were pinned at link time (central_id NULL) match nothing.
        """
        if not central_id:
            return None
        a, r = reviewer_wiki_accounts.c, reviewers.c
        stmt = (select(a.reviewer).join(reviewers, r.name == a.reviewer)
                .where(a.wiki == wiki, a.central_id == central_id[:64],
                       r.disabled_at.is_(None)))
        with storage_errors(self.engine, "checking a wiki account"), \
                self.engine.connect() as conn:
            return conn.execute(stmt).scalar()

    # -- sign-ins under way -------------------------------------------------------------
    def state_key(self) -> bytes:
        """The secret that signs OAuth states, made at the first use and kept in `settings`.

        Every process on the database (several WSGI workers) signs with the same key.
        """
        with storage_errors(self.engine, "reading the sign-in key"):
            with self.engine.connect() as conn:
                found = get_setting(conn, STATE_KEY)
            if found is None:
                try:
                    with writing(self.engine) as conn:
                        conn.execute(insert(settings).values(key=STATE_KEY,
                                                             value=secrets.token_hex(32)))
                except IntegrityError:
                    pass  # another process made it first: use that one
                with self.engine.connect() as conn:
                    found = get_setting(conn, STATE_KEY)
        return bytes.fromhex(str(found))

    def use_once(self, state: str, wiki: str, at: datetime, stale_before: datetime) -> bool:
        """Record an answered (validly signed) state; False if it was answered already.

        Only answers are recorded, never starts: a row per start would let anyone fill the
        table. States answered before `stale_before` are forgotten (they have expired).
        """
        o = oauth_requests.c
        with storage_errors(self.engine, "recording a wiki sign-in"):
            with writing(self.engine) as conn:
                conn.execute(delete(oauth_requests).where(
                    o.created_at < to_db_time(stale_before)))
            try:
                with writing(self.engine) as conn:
                    conn.execute(insert(oauth_requests).values(
                        state_hash=token_hash(state), wiki=wiki, verifier="",
                        created_at=to_db_time(at)))
            except IntegrityError:
                return False
            return True

    def pending(self) -> int:
        """How many answered states are remembered (to refuse a second answer)."""
        with storage_errors(self.engine, "counting wiki sign-ins"), \
                self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(oauth_requests))
                       .scalar_one())
