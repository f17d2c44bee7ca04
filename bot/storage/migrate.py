"""Alembic, run programmatically: the `migrations` package is found with importlib."""
from __future__ import annotations

import importlib.util
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
            config.attributes["connection"] = conn
            try:
                getattr(command, action)(config, revision)
            except CommandError as exc:
                raise StorageError(f"{what}: {str(exc).splitlines()[0]}") from exc
            _check_references(conn, what)


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


def _check_references(conn: Connection, what: str) -> None:
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise StorageError(f"{what}: {len(broken)} row(s) of table {broken[0][0]} refer "
                               "to rows that do not exist; nothing was changed")


def upgrade(engine: Engine, revision: str = "heads") -> None:
    _run(engine, f"upgrading the database to {revision}", "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, f"downgrading the database to {revision}", "downgrade", revision)


def check_schema(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise StorageError(f"database is at revision {current or 'none'}; "
                           "run `ibanbot db upgrade`")
