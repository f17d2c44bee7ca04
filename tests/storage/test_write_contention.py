"""Writers at the same time (the bot, the web UI, a CLI command) on one database: a
transaction that reads before it writes waits for the others instead of failing. On SQLite a
deferred BEGIN failed at once with "database is locked" (910 of 2,400 such writes from four
threads); writes now begin IMMEDIATE there (bot.storage.engine.writing)."""
from __future__ import annotations

import threading

import pytest

from bot.storage import Ledger, Store
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
