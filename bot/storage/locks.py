"""Polling locks that die with their holder, and the lease rows that say who holds them.

`Locks(engine, holder, lease_seconds, now)` is one process's set of named locks (a wiki's name,
`*eventstreams`, `*member:<token>`). The lock itself is one the database or the operating
system releases when the holding process dies, so a restart or another process takes over at
once, never after an expiry:

- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a dedicated connection the
  process keeps open. The server drops it when the session ends: at once when the process dies
  (its socket is closed), and after TCP keepalive (set on the session: about 25 s) when the
  connection is cut without a word (a network partition).
- MariaDB/MySQL: `GET_LOCK(name, 0)` on a dedicated connection, released by the server when the
  session ends; a cut connection ends after `wait_timeout` (set to 60 s on the session; the
  process talks on it every few seconds while it lives).
- SQLite: an exclusive `fcntl.flock` on a file in `<database>.locks/` beside the database,
  released by the kernel when the process dies. In-memory SQLite: a process-local lock.

The `leases` row of each lock (holder `host:pid:random`, acquired, expires) says who polls what
(`ibanbot status`, "skipped, polled by HOST:PID"); whoever takes the lock overwrites it. It is
also the fence of every save: `fence(conn, name)` runs in the saving transaction and fails it
(LockLost) unless the row still names this process, which holds the lock. A process that lost
its lock (a partition ended its session, and another process took the lock and the row) thus
stops before it saves, and a save that started before the takeover commits before the new
holder reads the cursors (the takeover waits on the row).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import (
    Connection,
    Engine,
    NullPool,
    create_engine,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.errors import LockLost, StorageError
from bot.storage.engine import one_line, safe_url, storage_errors, writing
from bot.storage.ops import leases
from bot.storage.records import to_db_time
from bot.storage.schema import check_lengths

MEMBER = "*member:"
PG_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
                "keepalives_count": 3}


class _Backend:
    """The lock primitive of one database kind; every method may raise SQLAlchemyError/OSError."""

    def try_lock(self, name: str) -> bool:
        raise NotImplementedError

    def unlock(self, name: str) -> None:
        raise NotImplementedError

    def is_free(self, name: str) -> bool:
        raise NotImplementedError

    def check(self) -> None:
        """Raise when the locks held so far may be gone (their connection failed)."""

    def close(self) -> None:
        """Give up every lock."""

    def discard(self, name: str) -> None:
        """A process's member lock, once it is gone: remove its traces."""


class _ServerLocks(_Backend):
    """PostgreSQL advisory locks or MariaDB GET_LOCK on one dedicated connection."""

    def __init__(self, engine: Engine) -> None:
        self.pg = engine.dialect.name == "postgresql"
        args = dict(PG_KEEPALIVE) if self.pg and engine.dialect.driver.startswith("psycopg") \
            else {}
        self.engine = create_engine(engine.url, poolclass=NullPool, connect_args=args)
        self.db = engine.url.database or ""
        self.conn: Connection | None = None

    def _conn(self) -> Connection:
        if self.conn is None:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if self.pg:
                conn.execute(text("SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval"
                                  " = 5; SET tcp_keepalives_count = 3"))
            else:
                conn.execute(text("SET SESSION wait_timeout = 60"))
            self.conn = conn
        return self.conn

    def _key(self, name: str) -> int | str:
        digest = hashlib.sha256(f"{self.db}\0{name}".encode()).digest()
        if self.pg:  # advisory locks are per database already; the name picks the key
            return int.from_bytes(digest[:8], "big", signed=True)
        return "ibanbot:" + digest.hex()[:48]  # GET_LOCK names are per server, <= 64 chars

    def _one(self, sql: str, name: str):
        return self._conn().execute(text(sql), {"k": self._key(name)}).scalar()

    def try_lock(self, name: str) -> bool:
        return bool(self._one("SELECT pg_try_advisory_lock(:k)" if self.pg
                              else "SELECT GET_LOCK(:k, 0)", name))

    def unlock(self, name: str) -> None:
        self._one("SELECT pg_advisory_unlock(:k)" if self.pg else "SELECT RELEASE_LOCK(:k)", name)

    def is_free(self, name: str) -> bool:
        if self.pg:
            return not self._one("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                 "AND database = (SELECT oid FROM pg_database WHERE datname = "
                                 "current_database()) AND objsubid = 1 AND "
                                 "((classid::bigint << 32) | objid::bigint) = :k", name)
        return bool(self._one("SELECT IS_FREE_LOCK(:k)", name))

    def check(self) -> None:
        self._conn().execute(text("SELECT 1")).scalar()

    def session_id(self) -> int:
        """The server's id of the lock session (tests cut it as a partition would)."""
        sql = "SELECT pg_backend_pid()" if self.pg else "SELECT CONNECTION_ID()"
        return int(self._conn().execute(text(sql)).scalar_one())

    def close(self) -> None:
        conn, self.conn = self.conn, None
        try:
            if conn is not None:
                conn.close()  # the session ends: the server drops its locks
        finally:
            self.engine.dispose()


class _FileLocks(_Backend):
    """flock on one file per name in `<database>.locks/` (SQLite)."""

    def __init__(self, database: str) -> None:
        self.folder = Path(database).absolute().with_name(Path(database).name + ".locks")
        self.fds: dict[str, int] = {}

    def _path(self, name: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:60]
        return self.folder / f"{safe}.{hashlib.sha256(name.encode()).hexdigest()[:10]}.lock"

    def _open(self, name: str) -> int:
        self.folder.mkdir(exist_ok=True)
        return os.open(self._path(name), os.O_RDWR | os.O_CREAT, 0o600)

    def try_lock(self, name: str) -> bool:
        fd = self._open(name)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fds[name] = fd
        return True

    def unlock(self, name: str) -> None:
        fd = self.fds.pop(name, None)
        if fd is not None:
            os.close(fd)  # closing the file releases its flock

    def is_free(self, name: str) -> bool:
        if not self._path(name).exists():
            return True
        if self.try_lock(name):
            self.unlock(name)
            return True
        return False

    def close(self) -> None:
        for name in list(self.fds):
            self.unlock(name)

    def discard(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)  # a process's member file, once it is gone


class _LocalLocks(_Backend):
    """In-memory SQLite: the database lives in this process, so do its locks."""

    table: dict[tuple[int, str], int] = {}
    guard = threading.Lock()

    def __init__(self, engine: Engine) -> None:
        self.space, self.me = id(engine), id(self)

    def try_lock(self, name: str) -> bool:
        with self.guard:
            return self.table.setdefault((self.space, name), self.me) == self.me

    def unlock(self, name: str) -> None:
        with self.guard:
            if self.table.get((self.space, name)) == self.me:
                del self.table[(self.space, name)]

    def is_free(self, name: str) -> bool:
        with self.guard:
            return (self.space, name) not in self.table

    def close(self) -> None:
        with self.guard:
            for key in [k for k, v in self.table.items() if v == self.me]:
                del self.table[key]


def _backend(engine: Engine) -> _Backend:
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        return _LocalLocks(engine) if database in (None, "", ":memory:") else _FileLocks(database)
    return _ServerLocks(engine)


class Locks:
    """One process's polling locks (thread-safe). Names: wiki names, `*eventstreams`,
    `*member:<token>`. Database failures are one-line StorageErrors; a lock found lost is
    forgotten (held() no longer lists it) and its fence fails.

    `_mutex` orders taking and giving up locks; `_conn` guards the lock connection. A saving
    thread (fence) only ever waits on `_conn`, whose holders never wait on the database's row
    locks, so a save holding the lease row cannot deadlock with renew() or release()."""

    def __init__(self, engine: Engine, holder: str, lease_seconds: int,
                 now: Callable[[], datetime]) -> None:
        check_lengths("leases", {"holder": holder}, "polling lock holder")
        self.engine, self.holder, self.lease_seconds, self.now = engine, holder, lease_seconds, now
        self.backend = _backend(engine)
        self._held: set[str] = set()
        self._mutex, self._conn = threading.RLock(), threading.RLock()

    # -- the locks ---------------------------------------------------------------------------
    def acquire(self, name: str) -> bool:
        """Take the lock on `name` (True: held now, maybe already) and its lease row."""
        check_lengths("leases", {"wiki": name}, f"polling lock {name[:64]}")
        with self._mutex:
            if name in self._held:
                return True
            if not self._call(f"taking the polling lock on {name}", self.backend.try_lock, name):
                return False
            try:
                self._take_row(name)
            except StorageError:
                self._forget(name)
                raise
            self._held.add(name)
            return True

    def release(self, name: str) -> None:
        """Give the lock up (its lease row goes too); never raises."""
        with self._mutex:
            if name not in self._held:
                return
            self._held.discard(name)
            try:
                with writing(self.engine) as conn:
                    conn.execute(delete(leases).where(leases.c.wiki == name,
                                                      leases.c.holder == self.holder))
            except SQLAlchemyError:
                pass  # the next holder overwrites the row
            self._forget(name)
            if name.startswith(MEMBER):
                self._discard(name)

    def drop(self, name: str) -> None:
        """Forget a lock found lost (its fence failed); nothing is written."""
        with self._mutex:
            self._forget(name)

    def release_all(self) -> None:
        with self._mutex:
            for name in sorted(self._held):
                self.release(name)
            with self._conn:
                try:
                    self.backend.close()
                except (SQLAlchemyError, OSError):
                    pass

    def held(self) -> frozenset[str]:
        return frozenset(self._held)

    def holds(self, name: str) -> bool:
        """True while the lock on `name` is ours (the lock's connection answers)."""
        return name in self._held and self.alive()

    def alive(self) -> bool:
        """Check the locks' connection; when it failed, every lock is forgotten (False)."""
        try:
            self.check_connection()
            return True
        except (StorageError, LockLost):
            return False

    def check_connection(self) -> None:
        """The locks' connection failed: every lock is forgotten (the server drops the locks of
        a session that is gone); LockLost when the database answers a new session (the
        session was cut, as in a partition), StorageError when it does not (an outage)."""
        with self._conn:
            try:
                self.backend.check()
                return
            except (SQLAlchemyError, OSError) as exc:
                self._lost_connection()
                error = exc
            try:
                self.backend.check()  # a new session: the database answers, the locks are gone
            except (SQLAlchemyError, OSError):
                self._lost_connection()
                raise StorageError(f"the polling locks' connection to "
                                   f"{safe_url(self.engine.url)} failed: {one_line(error)}; "
                                   "the locks are taken again once it answers") from error
            raise LockLost(f"the polling locks' session ended ({one_line(error)}); "
                           "nothing saved") from error

    def check(self, name: str) -> None:
        """Before a stream: StorageError when the connection failed, LockLost when `name` is
        not (or no longer) ours."""
        self.check_connection()
        if name not in self._held:
            raise LockLost(f"polling lock on {name} lost; nothing saved")

    def renew(self) -> list[str]:
        """Move the held rows' expiry on (`ibanbot status` reads it); the names of locks
        whose row another process took over (lost). StorageError when the connection failed."""
        before = set(self._held)
        try:
            self.check_connection()
        except LockLost:
            return sorted(before)
        for name in sorted(before):
            try:
                with writing(self.engine) as conn:
                    self.fence(conn, name)
            except LockLost:
                self._forget(name)
            except SQLAlchemyError as exc:
                raise StorageError(f"renewing the polling lock on {name} failed on "
                                   f"{safe_url(self.engine.url)}: {one_line(exc)}") from exc
        return sorted(before - self._held)

    def holder_of(self, name: str) -> str | None:
        """The lease row's holder (`host:pid:random`), None when there is none."""
        with storage_errors(self.engine, f"reading the polling lease of {name}"), \
                self.engine.connect() as conn:
            return conn.execute(select(leases.c.holder).where(leases.c.wiki == name)).scalar()

    # -- the fence ---------------------------------------------------------------------------
    def fence(self, conn: Connection, name: str) -> None:
        """In a saving transaction: fail it (LockLost) unless we still hold `name`
        (StorageError when the locks' connection failed)."""
        self.check(name)
        renewed = conn.execute(update(leases).where(
            leases.c.wiki == name, leases.c.holder == self.holder).values(
            expires_at=to_db_time(self.now() + timedelta(seconds=self.lease_seconds))))
        if renewed.rowcount != 1:
            self._held.discard(name)
            raise LockLost(f"polling lock on {name} taken over by another process; "
                           "nothing saved")

    # -- members (live processes, for sharing the wikis) -------------------------------------
    def members(self) -> int:
        """Live `ibanbot run` processes (their member locks held); rows of dead ones go."""
        with storage_errors(self.engine, "reading the polling processes"), \
                self.engine.connect() as conn:
            rows = conn.execute(select(leases.c.wiki, leases.c.holder).where(
                leases.c.wiki.like(MEMBER + "%"))).all()
        live = 0
        for name, holder in rows:
            if name in self._held:
                live += 1
            elif self._call("checking a polling process", self.backend.is_free, name):
                with storage_errors(self.engine, "removing a dead polling process"), \
                        writing(self.engine) as conn:
                    conn.execute(delete(leases).where(leases.c.wiki == name,
                                                      leases.c.holder == holder))
                self._discard(name)
            else:
                live += 1
        return live

    # -- helpers -----------------------------------------------------------------------------
    def _take_row(self, name: str) -> None:
        now = self.now()
        values = {"holder": self.holder, "acquired_at": to_db_time(now),
                  "expires_at": to_db_time(now + timedelta(seconds=self.lease_seconds))}
        with storage_errors(self.engine, f"taking the polling lease of {name}"):
            for _ in range(3):
                with writing(self.engine) as conn:
                    if conn.execute(update(leases).where(leases.c.wiki == name)
                                    .values(values)).rowcount:
                        return
                try:
                    with writing(self.engine) as conn:
                        conn.execute(insert(leases).values(wiki=name, **values))
                    return
                except IntegrityError:  # a dead holder's row came back meanwhile: update it
                    continue

    def _forget(self, name: str) -> None:
        self._held.discard(name)
        with self._conn:
            try:
                self.backend.unlock(name)
            except (SQLAlchemyError, OSError):
                self._lost_connection()

    def _discard(self, name: str) -> None:
        try:
            self.backend.discard(name)
        except OSError:
            pass

    def _lost_connection(self) -> None:
        """The lock connection failed: the server drops (or has dropped) its locks."""
        self._held.clear()
        try:
            self.backend.close()
        except (SQLAlchemyError, OSError):
            pass

    def _call(self, what: str, method, name: str):
        with self._conn:
            try:
                return method(name)
            except (SQLAlchemyError, OSError) as exc:
                self._lost_connection()
                raise StorageError(f"{what} failed on {safe_url(self.engine.url)}: "
                                   f"{one_line(exc)}") from exc
