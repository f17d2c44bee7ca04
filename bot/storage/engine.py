"""Engines and errors: the per-database settings, and database errors as one-line StorageErrors.

SQLite gets foreign keys, WAL and a busy timeout, and real transactions (BEGIN emitted by
SQLAlchemy, so savepoints and DDL are transactional); a new database file is created mode 600
(SQLite gives its -wal and -shm the same mode), its folder created 700 if missing,
whatever the umask.
MariaDB/MySQL get utf8mb4. Every engine pings connections before use. Messages never contain
a password, even one with an unencoded `@` (such a URL is refused: it names another host).
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from bot.errors import StorageConfigError, StorageError

FORMS = "sqlite:///PATH, postgresql://USER@HOST/DB or mysql+pymysql://USER@HOST/DB"
WHERE = "([database] url or $IBANBOT_DATABASE_URL)"

log = logging.getLogger(__name__)
# scheme://user:PASSWORD@ up to the LAST @: a password may hold an unencoded @ (or /)
_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/@]*:).*@", re.DOTALL)


def mask_password(url: str) -> str:
    """The URL's text with everything between `user:` and its last `@` replaced by ***."""
    return _PASSWORD.sub(r"\1***@", url)


def safe_url(url: str | URL) -> str:
    """The URL with any password masked, for messages and logs."""
    if isinstance(url, str):
        return mask_password(url)
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
    if "@" in (parsed.host or "") or "@" in (parsed.username or ""):
        raise StorageConfigError(f"invalid database URL {safe_url(url)!r}: the password (or "
                                 "user) has an unencoded '@'; write it as %40")
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
        memory = parsed.database in (None, "", ":memory:") or \
            str(parsed.database).startswith("file:")
        if not memory:
            _private_file(Path(str(parsed.database)))
        _configure_sqlite(engine, memory=memory)
    return engine


def _private_file(path: Path) -> None:
    """Create the database file (mode 600) before SQLite does (its folder was checked, and
    made 700 when only it was missing, by check_sqlite_folder)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("the database file %s may be read by other users (mode %o); "
                        "run: chmod 600 %s", path, mode, path)
    except OSError:
        pass
def check_sqlite_folder(url: str, path: Path) -> None:
    """SQLite writes the file and its -wal and -shm files beside it: the folder must exist
    and be writable by the bot's user (checked with a temporary file, so root sees /proc)."""
    folder = path.parent
    where = f"database URL {url} {WHERE}"
    if not folder.exists() and folder.parent.is_dir():
        folder.mkdir(mode=0o700, exist_ok=True)  # only the last folder missing: made private
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
        # a write takes the write lock first, waiting busy_timeout for it; a deferred BEGIN
        # that has read and then writes fails at once ("database is locked") when another
        # connection wrote meanwhile
        immediate = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WRITE_OPTION = "ibanbot_write"


@contextlib.contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction (committed at the end, rolled back on an error), like
    `engine.begin()`; on SQLite it begins IMMEDIATE, so that a transaction that reads before
    it writes waits for other writers instead of failing."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


@contextlib.contextmanager
def storage_errors(engine: Engine, what: str) -> Iterator[None]:
    """Turn SQLAlchemy errors into a one-line StorageError naming the database (no password)."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise StorageError(f"{what} failed on {safe_url(engine.url)}: {one_line(exc)}") from exc
