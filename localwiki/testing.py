"""Helpers for the test suite: a session-wide real wiki, users and logged-in clients.

The main tests/conftest.py uses them like this::

    from localwiki.testing import wiki_fixture, make_user   # noqa: F401
    local_wiki = wiki_fixture()            # session-scoped fixture named `local_wiki`

and a test asks for `local_wiki` (a started, freshly reset LocalWiki with account Admin, a
sysop). Nothing here ever skips: a wiki that cannot be installed or started raises.
"""
from __future__ import annotations

import atexit
import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .client import WikiClient
from .errors import LocalWikiError
from .process import free_port
from .wiki import ADMIN, ADMIN_PASSWORD, LocalWiki

DEFAULT_PASSWORD = "Test-password-1234"


@dataclass(frozen=True)
class WikiUser:
    name: str
    password: str
    user_id: int


def wikis_dir() -> Path:
    """$LOCALWIKI_TEST_DIR, else <repo>/var/test-wikis (else ./var/test-wikis)."""
    if os.environ.get("LOCALWIKI_TEST_DIR"):
        return Path(os.environ["LOCALWIKI_TEST_DIR"]).absolute()
    repo = Path(__file__).resolve().parent.parent
    base = repo if (repo / "pyproject.toml").is_file() else Path.cwd()
    return base / "var" / "test-wikis"


def _lock(root: Path) -> IO[str] | None:
    root.parent.mkdir(parents=True, exist_ok=True)
    handle = open(root.parent / f".{root.name}.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _claim_folder(base: Path, name: str, tries: int = 8) -> tuple[Path, IO[str]]:
    """<base>/<name>, or <name>-2, -3 ... when concurrent sessions hold the earlier ones."""
    for number in range(1, tries + 1):
        root = base / (name if number == 1 else f"{name}-{number}")
        lock = _lock(root)
        if lock is not None:
            return root, lock
    raise LocalWikiError(f"all {tries} folders for test wiki {name!r} in {base} are in use")


@contextmanager
def running_wiki(name: str = "testwiki", port: int | None = None, base: Path | None = None,
                 language: str = "en", timezone: str = "UTC") -> Iterator[LocalWiki]:
    """A started, pristine wiki under <base>/<name> (created once, reused); stopped afterwards.

    Concurrent sessions get folders <name>-2, <name>-3 ... (each also created once).
    """
    root, lock = _claim_folder(base or wikis_dir(), name)
    wiki = LocalWiki(root, port or free_port(), name, language=language, timezone=timezone)
    atexit.register(wiki.stop)
    try:
        wiki.stop()          # a server left over by a killed session
        wiki.create()
        wiki.reset()
        wiki.start()
        yield wiki
    finally:
        try:
            wiki.stop()
        finally:
            atexit.unregister(wiki.stop)
            lock.close()


def make_user(wiki: LocalWiki, name: str, password: str = DEFAULT_PASSWORD,
              groups: Iterable[str] = ()) -> WikiUser:
    """Create (or update) an account on `wiki`."""
    return WikiUser(name, password, wiki.create_user(name, password, groups))


def admin(wiki: LocalWiki) -> WikiUser:
    user_id = wiki.user_id(ADMIN)
    if user_id is None:
        raise LocalWikiError(f"{wiki} has no {ADMIN} account")
    return WikiUser(ADMIN, wiki.admin_password or ADMIN_PASSWORD, user_id)


def client(wiki: LocalWiki, user: WikiUser) -> WikiClient:
    """A WikiClient logged in as `user`."""
    return WikiClient(wiki.api_url, user.name, user.password)


def wiki_fixture(name: str = "testwiki", scope: str = "session") -> Callable[..., Any]:
    """A pytest fixture (default: session scope) yielding a running, reset LocalWiki."""
    import pytest

    @pytest.fixture(scope=scope)  # type: ignore[call-overload,misc]
    def local_wiki() -> Iterator[LocalWiki]:
        with running_wiki(name) as wiki:
            yield wiki

    return local_wiki
