"""Coverage's cost on polling: milliseconds per saved batch (items, cursor and coverage in one
transaction) with 0, 50 and 500 bans loaded on the wiki, on SQLite (a file in a temporary
folder). Idle batches (a poll that read nothing) and batches that move the cursor alternate.

    python benchmarks/bench_coverage.py [BATCHES]
"""
from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage import Store
from bot.storage.coverage import Covered

T = datetime(2026, 12, 1, tzinfo=UTC)


def per_batch(store: Store, wiki: str, bans: int, batches: int) -> float:
    ids = frozenset(f"IB-{n}" for n in range(bans))
    start = time.perf_counter()
    for n in range(batches):
        since, until = (T + timedelta(seconds=n), n), (T + timedelta(seconds=n + n % 2), n + 1)
        store.save_batch(wiki, "recentchanges", f"{until[0]:%Y-%m-%dT%H:%M:%SZ}|{until[1]}", [],
                         until[0], covered=Covered(ids, since, until))
    return (time.perf_counter() - start) * 1000 / batches


def main(argv: list[str]) -> int:
    batches = int(argv[0]) if argv else 200
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{folder}/bench.sqlite3")
        store.upgrade()
        for bans in (0, 50, 500):
            ms = per_batch(store, f"w{bans}", bans, batches)
            print(f"coverage: {ms:.2f} ms per saved batch with {bans} bans loaded "
                  f"({batches} batches, SQLite)")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
