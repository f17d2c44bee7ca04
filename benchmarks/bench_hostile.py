"""Hostile wikitext: time and peak memory of every detector per pathological input.

    python benchmarks/bench_hostile.py          # the report
    python benchmarks/bench_hostile.py --check  # also fail (exit 1) past the hard limits

mwparserfromhell has known hangs and memory blow-ups on some inputs; the detectors bound what
they parse (`limits.max_parse_bytes`) and scan. The hard limits below are a hang/blow-up guard
for tests/integration/test_hostile_input.py, not speed targets.
"""
from __future__ import annotations

import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors import catalog
from detectors.bans import Ban, Person, Restriction
from detectors.base import Context
from detectors.model import Event, EventType, Revision, UserRef

HARD_SECONDS = 60.0
HARD_MEGABYTES = 1024
T = datetime(2026, 11, 10, tzinfo=UTC)
OLD = "Hello [[User:Bob|Bob]] 12:00, 1 November 2026 (UTC)\n"
CASES = {
    "nested templates x20k": "{{" * 20000 + "x" + "}}" * 20000,
    "unclosed {{{ x30k": "{{{" * 30000,
    "unclosed [[ x50k": "[[" * 50000,
    "nested tables x5k": "{|\n" * 5000,
    "nested <div> x20k": "<div>" * 20000,
    "mixed unclosed x3k": "{{a|[[b|{{c|<ref>" * 3000,
    "unclosed <!-- x100k": "<!--" * 100000,
    "ping templates x100k": "{{ping|Bob}}" * 100000,
    "5 MB signed lines": ("Bob was here. [[User:Carol]] ~~~~\n" * 150000)[:5_000_000],
    "5 MB one line": "x" * 5_000_000,
    "3 MB of threads": "== h ==\n: [[User:Bob|Bob]] (UTC)\n" * 100000,
    "external links x100k": "[http://x.org " * 100000,
    "mention forms x70k": "Lorem ipsum [[User:Carol|Carol]] {{ping|Dave}} "
                          "https://x.org/wiki/User:Erin Bob. " * 70000,
    "small templates x400k": "{{a}}" * 400000,
}


def run_case(text: str) -> tuple[float, float, int]:
    restriction = Restriction(Ban("IB-T", ("Alice",), ("Bob",), T), Person(11, "Alice"),
                              (Person(12, "Bob", (), ("Nick",)),))
    event = Event("devwiki", EventType.EDIT, T, UserRef(11, "Alice"), title="Talk:X",
                  namespace=1, revid=100, old_revid=99, comment="x")
    context = Context(restriction, old_text=OLD, new_text=OLD + text,
                      history=(Revision(99, 98, UserRef(12, "Bob"), T, text=OLD),))
    tracemalloc.start()
    start = time.perf_counter()
    findings = sum(len(list(d.detect(event, context))) for d in catalog.ALL)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, peak, findings


def main(argv: list[str]) -> int:
    check = "--check" in argv
    failed = 0
    print(f"{'case':<24} {'bytes':>9} {'seconds':>8} {'peak MB':>8} findings")
    for name, text in CASES.items():
        seconds, peak, findings = run_case(text)
        bad = seconds > HARD_SECONDS or peak > HARD_MEGABYTES
        failed += bad
        print(f"{name:<24} {len(text):>9} {seconds:>8.2f} {peak:>8.1f} {findings:>3} "
              f"{'OVER LIMIT' if bad else 'ok'} ", flush=True)
    return 1 if check and failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
