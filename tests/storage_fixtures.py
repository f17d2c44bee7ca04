"""Database fixtures for the storage tests (and for any test that needs a real Store).

Import them in a conftest (`from tests.storage_fixtures import *` or
`pytest_plugins = ["tests.storage_fixtures"]`) or in a test module:

- `db_url` (session, parametrized over sqlite, postgresql, mariadb): the URL of a database
  created for this test session (`ibanbot_t_<random>` on the servers, a temporary file for
  SQLite), dropped at the end. Server URLs: IBANBOT_TEST_POSTGRES_URL / IBANBOT_TEST_MARIADB_URL
  (any database on the server; we create our own next to it). Defaults: PostgreSQL
  127.0.0.1:5432 as `postgres` (else `root`), MariaDB 127.0.0.1:3306 as `root`.
  IBANBOT_TEST_DATABASES=sqlite,postgresql limits the backends (default: all three).
  A server that cannot be reached FAILS the tests that need it; nothing is skipped.
- `empty_store`: a Store on that database with every table dropped (no schema at all).
- `store`: `empty_store` upgraded to the head revision.
- `T0` and `detection(...)`: a fixed aware UTC time and a Detection builder.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import URL, MetaData, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from bot.storage import Store
from detectors.model import Detection, Finding, Kind, UserRef

BACKENDS = ("sqlite", "postgresql", "mariadb")
SERVER_ENV = {"postgresql": "IBANBOT_TEST_POSTGRES_URL", "mariadb": "IBANBOT_TEST_MARIADB_URL"}
SERVER_DEFAULTS = {
    "postgresql": ("postgresql+psycopg://postgres@127.0.0.1:5432/test",
                   "postgresql+psycopg://root@127.0.0.1:5432/test"),
    "mariadb": ("mysql+pymysql://root@127.0.0.1:3306/test",),
}
T0 = datetime(2026, 11, 27, 17, 15, 42, tzinfo=UTC)


def selected_backends() -> list[str]:
    wanted = os.environ.get("IBANBOT_TEST_DATABASES", "")
    names = [n.strip() for n in wanted.split(",") if n.strip()] or list(BACKENDS)
    unknown = set(names) - set(BACKENDS)
    if unknown:
        raise pytest.UsageError(f"IBANBOT_TEST_DATABASES: unknown {sorted(unknown)}")
    return names


def _admin_url(backend: str) -> URL:
    """The first server URL that answers; pytest.fail (not skip) when none does."""
    env = os.environ.get(SERVER_ENV[backend])
    candidates = (env,) if env else SERVER_DEFAULTS[backend]
    problems = []
    for raw in candidates:
        url = make_url(raw)
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return url
        except SQLAlchemyError as exc:
            first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            problems.append(f"{url.render_as_string(hide_password=True)}: {first}")
        finally:
            engine.dispose()
    pytest.fail(f"{backend} database server unreachable ({'; '.join(problems)}); "
                f"start it or set {SERVER_ENV[backend]}", pytrace=False)


def _server_sql(url: URL, sql: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def _server_database(backend: str) -> Iterator[str]:
    admin = _admin_url(backend)
    name = f"ibanbot_t_{secrets.token_hex(4)}"
    if backend == "postgresql":
        create, drop = f'CREATE DATABASE "{name}"', f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    else:
        create = f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        drop = f"DROP DATABASE IF EXISTS `{name}`"
    _server_sql(admin, create)
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        _server_sql(admin, drop)


@pytest.fixture(scope="session", params=selected_backends())
def db_url(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own for this session, on each selected backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'ibanbot.sqlite3'}"
        return
    yield from _server_database(request.param)


def drop_everything(store: Store) -> None:
    with store.engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn)
        meta.drop_all(conn)


@pytest.fixture
def empty_store(db_url: str) -> Iterator[Store]:
    store = Store(db_url)
    drop_everything(store)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def store(empty_store: Store) -> Store:
    empty_store.upgrade()
    return empty_store


def detection(event_key: str = "rev:1234", *, wiki: str = "devwiki", ban_id: str = "IB-2026-001",
              actor: str = "Alice", actor_id: int = 7, target: str = "Bob",
              page: Any = "Talk:Foo", when: datetime = T0, kinds: tuple[Kind, ...] = (Kind.REPLY,),
              source: str = "detector", **extra: Any) -> Detection:
    findings = tuple(Finding(k, 0.9, f"{k.value} evidence about {target}", target) for k in kinds)
    revid = int(event_key.split(":")[1]) if event_key.startswith("rev:") else 0
    logid = int(event_key.split(":")[1]) if event_key.startswith("log:") else 0
    return Detection(wiki=wiki, ban_id=ban_id, event_key=event_key,
                     actor=UserRef(actor_id, actor), target=target, page=page, timestamp=when,
                     findings=findings, revid=extra.pop("revid", revid),
                     logid=extra.pop("logid", logid), source=source, **extra)


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)
