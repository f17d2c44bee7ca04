"""The tables, as SQLAlchemy Core metadata. Migration 0001 creates exactly this (a test checks).

Portable across SQLite, PostgreSQL and MariaDB/MySQL:
- indexed strings stay within MariaDB's limits (utf8mb4: at most 191 characters per indexed
  VARCHAR; composite keys within 3072 bytes);
- on MariaDB every table is utf8mb4 with the binary collation, so names compare exactly as on
  PostgreSQL and SQLite ("Bob" != "bob", "Ünïcødé" != "Unicode");
- datetimes are naive UTC columns (microseconds kept on MariaDB too); the code converts.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    CursorResult,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql, postgresql, sqlite

from bot.config.bansfile import MAX_BAN_ID
from bot.errors import StorageError


def new_id(result: CursorResult[Any]) -> int:
    """The primary key (one integer column) of the row an INSERT made."""
    key = result.inserted_primary_key
    if key is None:
        raise StorageError("the database returned no id for a new row")
    return int(key[0])


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}
MYSQL_TABLE: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin",
               "mysql_engine": "InnoDB"}

WIKI = 64  # our name for a wiki
KEY = 64  # event keys, streams, statuses, kinds, actions
BAN = MAX_BAN_ID  # ban ids: as long as the bans file allows (migration 0013_ban_id_length)
NAME = 255  # MediaWiki user names (255 bytes)
TITLE = 512  # page titles with their namespace prefix (never indexed)
INDEXED_NAME = 191  # a user name that is part of a key

metadata = MetaData(naming_convention=NAMING)


def utc_datetime() -> DateTime:
    """A naive UTC datetime; DATETIME(6) on MariaDB/MySQL so microseconds survive."""
    return DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def long_text() -> Text:
    """Unbounded text; MEDIUMTEXT (16 MiB) on MariaDB/MySQL, where TEXT stops at 64 KiB."""
    return Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


queue_items = Table(
    "queue_items", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("wiki", String(WIKI), nullable=False),
    Column("ban_id", String(BAN), nullable=False),
    Column("event_key", String(KEY), nullable=False),
    Column("actor", String(NAME), nullable=False),
    Column("actor_id", BigInteger, nullable=False),
    Column("target", String(NAME), nullable=False),
    Column("page", String(TITLE), nullable=False),
    Column("revid", BigInteger, nullable=False),
    Column("logid", BigInteger, nullable=False),
    Column("event_time", utc_datetime(), nullable=False),
    Column("detected_at", utc_datetime(), nullable=False),
    Column("status", String(KEY), nullable=False),
    Column("source", String(KEY), nullable=False),
    UniqueConstraint("wiki", "event_key", "ban_id"),
    Index(None, "status"),
    Index(None, "ban_id"),
    Index(None, "event_time", "id"),
    **MYSQL_TABLE,
)

findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("queue_items.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("kind", String(KEY), nullable=False, index=True),
    Column("confidence", Double, nullable=False),
    Column("evidence", long_text(), nullable=False),
    Column("target", String(NAME), nullable=False),
    **MYSQL_TABLE,
)

decisions = Table(
    "decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("queue_items.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("decision", String(KEY), nullable=False),
    Column("reviewer", String(NAME), nullable=False),
    Column("note", long_text(), nullable=False),
    Column("decided_at", utc_datetime(), nullable=False),
    **MYSQL_TABLE,
)

# No foreign key on item_id: the audit trail outlives purged queue items.
audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", utc_datetime(), nullable=False, index=True),
    Column("actor", String(NAME), nullable=False),
    Column("action", String(KEY), nullable=False),
    Column("item_id", Integer, nullable=True, index=True),
    Column("detail", long_text(), nullable=False),
    **MYSQL_TABLE,
)

cursors = Table(
    "cursors", metadata,
    Column("wiki", String(WIKI), primary_key=True),
    Column("stream", String(KEY), primary_key=True),
    Column("value", long_text(), nullable=False),
    Column("updated_at", utc_datetime(), nullable=False),
    **MYSQL_TABLE,
)

identities = Table(
    "identities", metadata,
    Column("wiki", String(WIKI), primary_key=True),
    Column("name", String(INDEXED_NAME), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("current_name", String(NAME), nullable=False),
    Column("resolved_at", utc_datetime(), nullable=False),
    **MYSQL_TABLE,
)

settings = Table(
    "settings", metadata,
    Column("key", String(INDEXED_NAME), primary_key=True),
    Column("value", long_text(), nullable=False),
    **MYSQL_TABLE,
)


def check_lengths(table_name: str, values: dict[str, Any], label: str) -> None:
    """The same answer on every database (SQLite would store an over-long string silently)."""
    for column in metadata.tables[table_name].columns:
        length = getattr(column.type, "length", None)
        value = values.get(column.name)
        if length and isinstance(value, str) and len(value) > length:
            raise StorageError(f"{label}: {column.name} is longer than {length} characters")


def upsert(conn: Connection, table: Table, key: dict[str, Any], values: dict[str, Any]) -> None:
    """Insert the row of `key`, or update its `values` when it exists: one statement, so two
    writers of a new key at once cannot both insert (a SELECT ... FOR UPDATE locks no row
    that does not exist yet)."""
    dialect = conn.dialect.name
    if dialect in ("mysql", "mariadb"):
        mine = mysql.insert(table).values(**key, **values)
        conn.execute(mine.on_duplicate_key_update(**values))
        return
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table).values(**key, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=values))
