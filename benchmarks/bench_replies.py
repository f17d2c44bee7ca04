"""Benchmark: the `reply` detector on a one-comment reply, 20 KB page vs 2 MB page.

Pages are built by concatenating the real enwiki talk pages of the shared data folder
(`IBANBOT_SHARED_DATA`, default ../shared/data). The reply goes under a comment in the
middle of the page. Prints both times (best of several runs), their ratio, and the goals
(ratio < 3, < 50 ms on 2 MB).

    python benchmarks/bench_replies.py
"""
from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.bans import Ban, Person, Restriction
from detectors.base import Context
from detectors.model import Event, EventType, UserRef
from detectors.replies import DETECTOR
from detectors.wikitext.comments import changed_region
from detectors.wikitext.threads import parse_comments

SHARED = Path(os.environ.get("IBANBOT_SHARED_DATA")
              or Path(__file__).resolve().parents[2] / "shared" / "data")
WHEN = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
RUNS = 15


def build_page(size: int) -> str:
    texts = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "talk-pages").rglob("*.txt"))]
    if not texts:
        raise SystemExit(f"no talk pages under {SHARED}")
    out, total, i = [], 0, 0
    while total < size:
        text = texts[i % len(texts)]
        out.append(text)
        total += len(text) + 1
        i += 1
    return "\n".join(out)[:size].rsplit("\n", 1)[0] + "\n"


def reply_edit(page: str) -> tuple[str, str, str]:
    """(old, new, parent author): a reply under the comment nearest the page's middle."""
    comments = parse_comments(page)
    target = min(comments, key=lambda c: abs(c.start - len(page) // 2))
    line_end = page.find("\n", target.end)
    indent = ":" * target.level
    reply = f"\n{indent}I disagree. [[User:Alice|Alice]] 10:20, 20 November 2026 (UTC)"
    return page, page[:line_end] + reply + page[line_end:], target.author


def time_detect(old: str, new: str, parent: str) -> tuple[float, int]:
    restriction = Restriction(Ban("B", ("Alice",), (parent,), WHEN), Person(2, "Alice"),
                              (Person(3, parent),))
    context = Context(restriction, old_text=old, new_text=new)
    event = Event("w", EventType.EDIT, WHEN, UserRef(2, "Alice"), "Talk:X", revid=2)
    best, found = float("inf"), 0
    for _ in range(RUNS):
        started = time.perf_counter()
        found = len(DETECTOR.detect(event, context))
        best = min(best, time.perf_counter() - started)
    return best, found


def _timed(func, *args) -> float:
    started = time.perf_counter()
    func(*args)
    return time.perf_counter() - started


def main() -> None:
    results = {}
    for label, size in (("20 KB", 20_000), ("2 MB", 2_000_000)):
        old, new, parent = reply_edit(build_page(size))
        seconds, found = time_detect(old, new, parent)
        results[label] = seconds
        region = min(_timed(changed_region, old, new) for _ in range(RUNS))
        print(f"{label:>6} page ({len(new):>9,} chars): {seconds * 1000:7.2f} ms, "
              f"{found} finding(s) (reply to {parent}); of which {region * 1000:.2f} ms "
              f"finding the changed region (C-speed compare of the two texts)")
    ratio = results["2 MB"] / results["20 KB"]
    print(f" ratio 2 MB / 20 KB: {ratio:.2f} (goal < 3)")
    print(f"  2 MB under 50 ms: {'yes' if results['2 MB'] < 0.05 else 'NO'}")


if __name__ == "__main__":
    main()
