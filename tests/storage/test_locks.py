"""Issue 13: polling locks that die with their holder (bot.storage.locks), on all three databases.

PostgreSQL session advisory locks, MariaDB GET_LOCK and SQLite flock; the lease row says who
holds each lock, and is the fence of every save that moves a cursor.
"""
from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from bot.errors import LockLost
from bot.storage import Store
from tests.botprocess import REPO, wait_for
from tests.storage_fixtures import T0, detection

HOLD = """
import sys, time
from datetime import datetime, timezone
from bot.storage import Store
locks = Store(sys.argv[1]).poll_locks(sys.argv[2], 120, lambda: datetime.now(timezone.utc))
assert all(locks.acquire(name) for name in sys.argv[3:])
print("held", flush=True)
time.sleep(600)
"""


def _locks(store: Store, holder: str):
    return store.poll_locks(holder, 120, lambda: T0)


def _holder_process(db_url: str, holder: str, *names: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, db_url, holder, *names], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_lock_is_exclusive_and_says_who_holds_it(store: Store) -> None:
    a, b = _locks(store, "hostA:1:aa"), _locks(Store(store.engine.url), "hostB:2:bb")
    try:
        assert a.acquire("w") and a.acquire("w")  # held: taking it again is a no-op
        assert not b.acquire("w") and b.holder_of("w") == "hostA:1:aa"
        assert b.acquire("other") and a.holds("w") and not a.holds("other")
        a.release("w")
        assert b.holder_of("w") is None and b.acquire("w") and b.holder_of("w") == "hostB:2:bb"
        assert not a.acquire("w")
    finally:
        a.release_all()
        b.release_all()


def test_a_lock_dies_with_a_process_killed_with_minus_9(store: Store, db_url: str) -> None:
    proc = _holder_process(db_url, "dead:42:cc", "w", "*member:cc")
    ours = _locks(store, "live:1:dd")
    try:
        assert not ours.acquire("w") and ours.holder_of("w") == "dead:42:cc"
        assert ours.acquire("*member:dd") and ours.members() == 2
        proc.kill()
        proc.wait(10)
        started = time.monotonic()
        wait_for(lambda: ours.acquire("w"), 10, "the dead process's lock")
        print(f"lock of a killed process taken over after {time.monotonic() - started:.2f} s")
        assert ours.holder_of("w") == "live:1:dd"  # its lease row is taken over at once
        assert ours.members() == 1 and ours.holder_of("*member:cc") is None
    finally:
        proc.kill()
        ours.release_all()


def _cut(store: Store, victim) -> None:
    """What a network partition does to the victim's lock: the server ends its session (or,
    on SQLite, its file lock is gone), and the victim has not noticed yet."""
    backend = victim.backend
    if store.engine.dialect.name == "sqlite":
        for fd in list(backend.fds.values()):
            import os
            os.close(fd)
        backend.fds.clear()
        return
    session_id = backend.session_id()
    with store.engine.connect() as conn:
        sql = "SELECT pg_terminate_backend(:p)" if store.engine.dialect.name == "postgresql" \
            else "KILL :p"
        conn.execute(text(sql), {"p": session_id})


def test_a_poll_that_lost_its_lock_saves_nothing(store: Store) -> None:
    a, b = _locks(store, "hostA:1:aa"), _locks(Store(store.engine.url), "hostB:2:bb")
    try:
        assert a.acquire("w")
        assert store.save_batch("w", "recentchanges", "c1", [detection("rev:1", wiki="w")], T0)
        _cut(store, a)
        wait_for(lambda: b.acquire("w"), 30, "the lock freed by the cut")
        with pytest.raises(LockLost, match="polling lock"):
            store.save_batch("w", "recentchanges", "c2", [detection("rev:2", wiki="w")], T0)
        assert [i.event_key for i in store.list_items()] == ["rev:1"]
        assert store.get_cursor("w", "recentchanges") == "c1"
        assert not a.holds("w") and b.holds("w")
    finally:
        a.release_all()
        b.release_all()
