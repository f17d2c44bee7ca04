"""Alembic, run programmatically: the `migrations` package is found with importlib."""
from __future__ import annotations

import importlib.util
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine

from bot.errors import StorageError
from bot.storage.engine import WRITE_OPTION, storage_errors

log = logging.getLogger(__name__)


def migrations_dir() -> Path:
    spec = importlib.util.find_spec("migrations")
    if spec is None or not spec.submodule_search_locations:
        raise StorageError("the `migrations` package is not installed next to `bot`")
    return Path(next(iter(spec.submodule_search_locations)))


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def head_revisions() -> tuple[str, ...]:
    return tuple(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))


def head_revision() -> str | None:
    """The head (several heads, while branches are being merged, are joined with '+')."""
    return "+".join(head_revisions()) or None


def current_revisions(engine: Engine) -> tuple[str, ...]:
    with storage_errors(engine, "reading the schema revision"), engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def current_revision(engine: Engine) -> str | None:
    return "+".join(current_revisions(engine)) or None


def _run(engine: Engine, what: str, action: str, revision: str) -> None:
    config = alembic_config()
    with storage_errors(engine, what), engine.connect() as conn, _no_cascades(conn):
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            before = _broken_references(conn)
            config.attributes["connection"] = conn
            try:
                getattr(command, action)(config, revision)
            except CommandError as exc:
                raise StorageError(f"{what}: {str(exc).splitlines()[0]}") from exc
            _check_references(before, _broken_references(conn), what)


@contextmanager
def _no_cascades(conn: Connection) -> Iterator[None]:
    """SQLite alters a column by rebuilding its table, and dropping the old table with
    foreign keys on deletes every row that refers to it (ON DELETE CASCADE). Foreign keys are
    off while migrations run (a pragma that only takes effect outside a transaction), and
    checked before the migration commits (_check_references)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None  # nosec B101: an open connection has its DBAPI connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _broken_references(conn: Connection) -> Counter[tuple[str, str]]:
    """SQLite: how many rows of each table refer to a missing row of which table."""
    if conn.dialect.name != "sqlite":
        return Counter()
    rows = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    return Counter((str(r[0]), str(r[2])) for r in rows)


def _check_references(before: Counter[tuple[str, str]], after: Counter[tuple[str, str]],
                      what: str) -> None:
    """Rows left without what they refer to by this migration undo it; rows that were so
    before (written with foreign keys off, by hand) are left as they are."""
    new = after - before
    if new:
        (table, parent), count = next(iter(new.items()))
        raise StorageError(f"{what}: {count} row(s) of table {table} would refer to rows of "
                           f"{parent} that do not exist; nothing was changed")
    if before:
        (table, parent), count = next(iter(before.items()))
        log.warning("%s: %d row(s) of table %s refer to rows of %s that do not exist (they did "
                    "before the upgrade; left as they are)", what, count, table, parent)


def upgrade(engine: Engine, revision: str = "heads") -> None:
    _run(engine, f"upgrading the database to {revision}", "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, f"downgrading the database to {revision}", "downgrade", revision)


def check_schema(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise StorageError(f"database is at revision {current or 'none'}; "
                           "run `ibanbot db upgrade`")
