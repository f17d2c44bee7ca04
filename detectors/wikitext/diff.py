"""Line diff of two revisions, with cost that follows the size of the change.

The common prefix and suffix of the two line lists are cut first (a reply on a 2 MB talk
page compares lines, a C-speed loop, and hands difflib only the changed middle). Lines that
were removed in one place and added in another count as moved, not added.
"""
from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass

_MAX_MIDDLE_LINES = 5_000  # beyond this, difflib's quadratic worst case is not worth it


@dataclass(frozen=True, slots=True)
class Hunk:
    """A changed block: old lines [old_start, old_end) became new lines [new_start, new_end)."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int


@dataclass(frozen=True)
class LineDiff:
    old_lines: tuple[str, ...]
    new_lines: tuple[str, ...]
    hunks: tuple[Hunk, ...]

    def added(self) -> list[tuple[int, str]]:
        """(index in new_lines, line) for every added line that is not moved from elsewhere."""
        removed = Counter(_key(line) for line in self.removed_lines())
        out = []
        for h in self.hunks:
            for i in range(h.new_start, h.new_end):
                key = _key(self.new_lines[i])
                if removed[key] > 0 and key:
                    removed[key] -= 1
                    continue
                out.append((i, self.new_lines[i]))
        return out

    def removed_lines(self) -> list[str]:
        return [self.old_lines[i] for h in self.hunks for i in range(h.old_start, h.old_end)]

    def added_text(self) -> str:
        return "\n".join(line for _, line in self.added())


def line_key(line: str) -> str:
    """A line as the diff compares moved lines: its words, whitespace collapsed."""
    return " ".join(line.split())


_key = line_key


def diff_lines(old: str | None, new: str | None) -> LineDiff:
    """Diff `old` and `new` by lines. `None` counts as an empty page."""
    a = tuple((old or "").split("\n")) if old else ()
    b = tuple((new or "").split("\n")) if new else ()
    lo, hi_a, hi_b = 0, len(a), len(b)
    while lo < hi_a and lo < hi_b and a[lo] == b[lo]:
        lo += 1
    while hi_a > lo and hi_b > lo and a[hi_a - 1] == b[hi_b - 1]:
        hi_a -= 1
        hi_b -= 1
    if lo == hi_a and lo == hi_b:
        return LineDiff(a, b, ())
    if hi_a - lo > _MAX_MIDDLE_LINES or hi_b - lo > _MAX_MIDDLE_LINES or lo == hi_a or lo == hi_b:
        return LineDiff(a, b, (Hunk(lo, hi_a, lo, hi_b),))
    matcher = difflib.SequenceMatcher(None, a[lo:hi_a], b[lo:hi_b], autojunk=False)
    hunks = tuple(
        Hunk(lo + i1, lo + i2, lo + j1, lo + j2)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    return LineDiff(a, b, hunks)
