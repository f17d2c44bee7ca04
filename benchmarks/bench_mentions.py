"""Edits per second of the `mention` detector over the shared talk pages.

Each page is an edit adding its last signed line (old text = the page without it), with the
most frequent other signer as the protected user. Run: python benchmarks/bench_mentions.py
"""
from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.bans import Ban, Person, Restriction
from detectors.base import Context
from detectors.mentions import DETECTOR
from detectors.model import Event, EventType, UserRef
from tests.unit.detectors.test_talk_pages_robustness import (
    PAGES,
    other_signer,
    split_last_signed,
    talk_pages,
)

T = datetime(2026, 11, 10, tzinfo=UTC)


def cases() -> list[tuple[Event, Context]]:
    out = []
    for path in talk_pages():
        text = path.read_text(encoding="utf-8", errors="replace")
        old, line, actor = split_last_signed(text)
        protected = other_signer(text, actor)
        r = Restriction(Ban("B", (actor,), (protected,), T), Person(1, actor),
                        (Person(2, protected),))
        event = Event("w", EventType.EDIT, T, UserRef(1, actor), title="Talk:X", comment=line[:80])
        out.append((event, Context(r, old_text=old, new_text=text)))
    return out


def main(seconds: float = 3.0) -> None:
    todo = cases()
    if not todo:
        raise SystemExit(f"no talk pages in {PAGES}")
    done, found, start = 0, 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for event, context in todo:
            found += len(DETECTOR.detect(event, context))
            done += 1
    elapsed = time.perf_counter() - start
    size = sum(len(c.new_text or "") for _, c in todo) / len(todo)
    print(f"mention: {done / elapsed:,.0f} edits/s over {len(todo)} talk pages "
          f"(mean {size / 1000:.0f} KB), {found / done:.2f} findings/edit")


if __name__ == "__main__":
    main()
