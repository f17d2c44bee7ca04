"""Writers at the same time (the bot, the web UI, a CLI command) on one database: a
transaction that reads before it writes waits for the others instead of failing, and two
writers of a new key do not both insert it (settings, backfill state, identities, cursors).
On SQLite a deferred BEGIN failed at once with "database is locked" (910 of 2,400 such
writes from four threads); writes now begin IMMEDIATE there (bot.storage.engine.writing). On
PostgreSQL two new keys at once failed with a duplicate key: they are upserts now."""
from __future__ import annotations

import threading

import pytest

from bot.storage import Ledger, Store
from detectors.bans import Identity
from tests.storage_fixtures import T0

pytestmark = pytest.mark.db
THREADS, ROUNDS = 4, 60


def test_read_then_write_transactions_never_fail_under_contention(db_url: str,
                                                                  store: Store) -> None:
    errors: list[str] = []

    def work(n: int) -> None:
        own = Store(db_url)
        ledger = Ledger(own)
        try:
            for i in range(ROUNDS):
                try:
                    ledger.save_state("w", "IB-1", f"s{i % 3}", "fp", f"p{n}-{i}", False, T0)
                    own.set_setting(f"k{i % 5}", f"v{n}-{i}")
                    own.save_identity(Identity("w", f"User {i % 4}", i % 4 + 1, f"U{n}"), T0)
                    own.set_cursor("w", f"stream {i % 3}", f"c{n}-{i}", T0)
                except Exception as exc:  # every failure is counted, none may happen
                    errors.append(str(exc))
        finally:
            own.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [], f"{len(errors)} failed writes, the first: {errors[0]}"
    assert {store.get_setting(f"k{i}") is not None for i in range(5)} == {True}
    assert len(store.identities("w")) == 4
    assert {store.get_cursor("w", f"stream {i}") is not None for i in range(3)} == {True}
