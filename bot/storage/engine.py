"""Engines and errors: the per-database settings, and database errors as one-line StorageErrors.

SQLite gets foreign keys, WAL and a busy timeout, and real transactions (BEGIN emitted by
SQLAlchemy, so savepoints and DDL are transactional). MariaDB/MySQL get utf8mb4. Every engine
pings connections before use. Messages never contain a password.
"""
from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from bot.errors import StorageConfigError, StorageError

FORMS = "sqlite:///PATH, postgresql://USER@HOST/DB or mysql+pymysql://USER@HOST/DB"
WHERE = "([database] url or $IBANBOT_DATABASE_URL)"


def safe_url(url: str | URL) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


def one_line(exc: BaseException) -> str:
    """The first line of the driver's own message (the SQL and parameters left out)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip() or type(orig).__name__
    return text.splitlines()[0].strip()


def make_engine(url: str | URL) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageConfigError(f"invalid database URL {safe_url(url)!r} {WHERE}; use "
                                 f"{FORMS}") from exc
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if backend in ("mysql", "mariadb"):
        if "charset" not in parsed.query:
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
        kwargs["pool_recycle"] = 3600
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        check_sqlite_folder(safe_url(url), Path(parsed.database))
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError as exc:
        raise StorageConfigError(
            f"database URL {safe_url(url)} {WHERE}: unknown database driver "
            f"{parsed.drivername!r}; use {FORMS}") from exc
    except ImportError as exc:
        raise StorageConfigError(
            f"database URL {safe_url(url)} {WHERE}: its driver is not installed "
            f"({one_line(exc)}); install the package with its `postgresql` or `mysql` extra"
        ) from exc
    except ArgumentError as exc:
        raise StorageError(f"cannot use database {safe_url(parsed)}: {one_line(exc)}") from exc
    if backend == "sqlite":
        _configure_sqlite(engine, memory=parsed.database in (None, "", ":memory:"))
    return engine


def check_sqlite_folder(url: str, path: Path) -> None:
    """SQLite writes the file and its -wal and -shm files beside it: the folder must exist
    and be writable by the bot's user (checked with a temporary file, so root sees /proc)."""
    folder = path.parent
    where = f"database URL {url} {WHERE}"
    if not folder.exists():
        raise StorageConfigError(f"{where}: folder {folder} does not exist; create it or fix "
                                 "the URL")
    if not folder.is_dir():
        raise StorageConfigError(f"{where}: {folder} is not a folder; fix the URL")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".ibanbot-write-test-"):
            pass
    except OSError as exc:
        raise StorageConfigError(
            f"{where}: the bot cannot write in folder {folder} ({exc.strerror}); give its user "
            "write access to the folder (SQLite writes -wal and -shm files there) or fix the "
            "URL") from None
    if path.exists() and not path.is_file():
        raise StorageConfigError(f"{where}: {path} is not a file; fix the URL")


def _configure_sqlite(engine: Engine, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


@contextlib.contextmanager
def storage_errors(engine: Engine, what: str) -> Iterator[None]:
    """Turn SQLAlchemy errors into a one-line StorageError naming the database (no password)."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise StorageError(f"{what} failed on {safe_url(engine.url)}: {one_line(exc)}") from exc
