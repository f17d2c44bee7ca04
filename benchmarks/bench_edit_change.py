"""edit-change cost per edit on a generated page with 5,000 revisions.

Time per edit follows the attribution window (`history_revisions`), not the history length:
    python benchmarks/bench_edit_change.py
"""
from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detectors.bans import Ban, Person, Restriction
from detectors.base import Context, DetectorLimits
from detectors.changes import DETECTOR
from detectors.model import Event, EventType, Revision, UserRef

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = ("river town bridge north south old new long short wide built known named first "
         "century king church market road valley hill castle museum station school").split()
USERS = [UserRef(20, "Bob")] + [UserRef(100 + i, f"Editor{i}") for i in range(9)]
ALICE = UserRef(10, "Alice")


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."


def mutate(rng: random.Random, lines: list[str]) -> list[str]:
    lines = list(lines)
    i = rng.randrange(len(lines))
    roll = rng.random()
    if roll < 0.4:
        words = lines[i].split()
        words[rng.randrange(len(words))] = rng.choice(WORDS)
        lines[i] = " ".join(words)
    elif roll < 0.7 or len(lines) < 60:
        lines.insert(i, sentence(rng) + " " + sentence(rng))
    else:
        del lines[i]
    return lines


def generate(n: int, seed: int = 7) -> list[Revision]:
    rng = random.Random(seed)
    lines = [sentence(rng) + " " + sentence(rng) for _ in range(80)]
    revs = []
    for k in range(n):
        if k:
            lines = mutate(rng, lines)
        revs.append(Revision(k + 1, k, rng.choice(USERS), T0 + timedelta(minutes=k),
                             sha1=f"s{k}", text="\n".join(lines)))
    return revs


def per_edit(revs: list[Revision], history_len: int, window: int, edits: int = 20) -> float:
    history = tuple(reversed(revs[-history_len:]))
    ban = Ban("IB-1", ("Alice",), ("Bob",), start=T0)
    restriction = Restriction(ban, Person(10, "Alice"), (Person(20, "Bob"),))
    limits = DetectorLimits(history_revisions=window)
    rng = random.Random(window * 7919 + history_len)
    old = history[0].text or ""
    start = time.perf_counter()
    for e in range(edits):
        new = "\n".join(mutate(rng, old.split("\n")))
        event = Event("w", EventType.EDIT, T0 + timedelta(days=9), ALICE, title="Foo",
                      revid=10_000 + e, old_revid=history[0].revid, sha1=f"e{e}")
        DETECTOR.detect(event, Context(restriction, old_text=old, new_text=new,
                                       history=history, limits=limits))
    return (time.perf_counter() - start) / edits


def main() -> None:
    t = time.perf_counter()
    revs = generate(5_000)
    size = len(revs[-1].text or "")
    print(f"generated 5000 revisions in {time.perf_counter() - t:.1f}s; page {size} chars, "
          f"{(revs[-1].text or '').count(chr(10)) + 1} lines")
    print(f"{'history':>8} {'window':>7} {'ms/edit':>9}")
    for window in (25, 50, 100):
        print(f"{5000:>8} {window:>7} {per_edit(revs, 5000, window) * 1000:>9.1f}")
    for history_len in (100, 1000, 5000):
        print(f"{history_len:>8} {50:>7} {per_edit(revs, history_len, 50) * 1000:>9.1f}")


if __name__ == "__main__":
    main()
