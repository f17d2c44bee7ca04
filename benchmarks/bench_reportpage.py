"""Report page cost: parsing sections and diffs, attributing sections over 100 revisions.

Also: one section of nested `{{IBAN report|diff=` templates (depth 10 to 40).
A busy report page (the kill switch off for a while, so sections pile up) of N sections,
each a report of ~600 characters with several diff links:
    python benchmarks/bench_reportpage.py
"""
from __future__ import annotations

import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detectors import reportpage as rp
from detectors.model import Revision, UserRef

T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOST = "wiki.example.org"


def section(n: int) -> str:
    return (f"== Report {n} ==\n{{{{IBAN report|diff={1000 + n}|diff2=Special:Diff/{n}/{2000 + n}"
            f"|comment=went to the talk page again}}}}\n"
            f"Also https://{HOST}/w/index.php?diff={3000 + n}&oldid={n} and "
            f"[[Special:Diff/{4000 + n}]]. " + "Some explanation of what happened. " * 12
            + f"[[User:Reporter{n}|Reporter{n}]] 12:00, 1 January 2026 (UTC)\n")


def page(n: int) -> str:
    return "Instructions for reporters.\n" + "".join(section(i) for i in range(n))


def measure(n: int) -> tuple[float, float, float, int]:
    text = page(n)
    history = [Revision(10_000 + k, 1, UserRef(k, f"Reporter{k}"), T0, text=page(n - k))
               for k in range(min(n, 100))]
    tracemalloc.start()
    began = time.perf_counter()
    sections = rp.split_sections(text)
    diffs = [rp.extract_diffs(s.text, HOST) for s in sections]
    parsed = time.perf_counter() - began
    began = time.perf_counter()
    rp.attribute(sections, history)
    attributed = time.perf_counter() - began
    rp.rewrite(text, [rp.Replacement(s, f"<!--ibanbot:R-{i:x}-->r") for i, s in
                      enumerate(sections)])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert all(len(d.revids) == 4 for d in diffs)
    return parsed, attributed, peak / 2**20, len(text)


def nested(depth: int) -> float:
    """Seconds to read one section of `depth` nested `{{IBAN report|diff=` (security issue,
    finding 1: 54 s at depth 20 before the one-pass reader)."""
    text = "== H ==\n" + "{{IBAN report|diff=" * depth + "1" + "}}" * depth
    began = time.perf_counter()
    rp.read_reports(text, HOST, ("Diff",), 5000)
    return time.perf_counter() - began


def main() -> None:
    print("nested {{IBAN report|diff= ... }}: " + ", ".join(
        f"depth {d} {nested(d) * 1000:.2f} ms" for d in (10, 20, 30, 40)))
    print(f"{'sections':>8} {'page KB':>8} {'parse+diffs ms':>15} {'attribute(100 revs) ms':>23}"
          f" {'peak MiB':>9}")
    for n in (10, 50, 200):
        parsed, attributed, peak, size = measure(n)
        print(f"{n:>8} {size / 1024:>8.0f} {parsed * 1000:>15.1f} {attributed * 1000:>23.1f}"
              f" {peak:>9.1f}")


if __name__ == "__main__":
    main()
