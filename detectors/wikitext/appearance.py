"""Changes to how signed comments appear, their words unchanged: struck, hatted or collapsed,
made small, put in a quote box, moved to another section, re-indented, added to this page
from elsewhere (moved or copied from another page), or removed from it (deleted, or moved to
another page).

A comment is followed from the old text to the new by its closing signature (author and
timestamp); one whose signature occurs more than once on either side is ambiguous and left
alone. Only the changed middle of the two texts is parsed, from the start of the section
holding it (at most `max_bytes` of each), so the cost follows the size of the change.

What wraps a comment is counted, in each text, from that section start to the end of the
comment's signature: an inline wrapper (`<s>`, `<strike>`, `<del>`, `<small>`, `{{small}}`,
`{{tq}}`, ...) counts when it is open where the signature's line starts or opens on that
line; a block wrapper (`{{hat}}`/`{{hab}}`, `{{collapse top}}`/`{{collapse bottom}}`,
`{{archive top}}`/`{{archive bottom}}`, `{{quote box}}`, `<blockquote>`) when it is open where
the comment's signature starts (an unclosed one runs to the end of the section). A comment
more wrapped after the edit than before was changed. A comment is re-indented when the
indentation of its signature's line changed within its section; an edit that only puts a new
comment between it and its parent does not re-indent it.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from detectors.model import SiteInfo, normalize_user_name
from detectors.wikitext.comments import DEFAULT_MAX_BYTES, changed_region, words_before_signature
from detectors.wikitext.signatures import Signature
from detectors.wikitext.threads import (
    HEADING,
    Comment,
    closing_signature,
    indent,
    parse_comments,
    section_start,
)

STRUCK = "struck"
HATTED = "hatted"
SMALL = "small"
QUOTED = "quoted"
MOVED = "moved"
REINDENTED = "re-indented"
MOVED_IN = "moved-in"
REMOVED = "removed"

_T = r"\{\{\s*(?:template\s*:\s*)?"
# form -> (opening pattern, closing pattern or None for an inline template that closes itself)
_INLINE: dict[str, tuple[re.Pattern[str], re.Pattern[str] | None]] = {
    STRUCK: (re.compile(r"<(?:s|strike|del)(?:\s[^<>]*)?>|" + _T + r"(?:strike|s)\s*\|",
                        re.IGNORECASE), re.compile(r"</(?:s|strike|del)\s*>", re.IGNORECASE)),
    SMALL: (re.compile(r"<small(?:\s[^<>]*)?>|" + _T + r"(?:small|smaller)\s*\|", re.IGNORECASE),
            re.compile(r"</small\s*>", re.IGNORECASE)),
    QUOTED: (re.compile(_T + r"(?:tq|talk ?quote(?: inline)?|tqi|quote)\s*\|", re.IGNORECASE),
             None),
}
_BLOCK: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    HATTED: (re.compile(_T + r"(?:hat|hidden archive top|collapse top|cot|archive top|atop|"
                        r"discussion top|closed rfc top)\s*[|}]", re.IGNORECASE),
             re.compile(_T + r"(?:hab|hidden archive bottom|collapse bottom|cob|archive bottom|"
                        r"abot|discussion bottom|closed rfc bottom)\s*[|}]", re.IGNORECASE)),
    QUOTED: (re.compile(_T + r"(?:quote box|quotebox|quotation|talk quote block|tqb)\s*\||"
                        r"<blockquote(?:\s[^<>]*)?>", re.IGNORECASE),
             re.compile(r"</blockquote\s*>|^\s*\}\}\s*$", re.IGNORECASE | re.MULTILINE)),
}
HOW = {STRUCK: "struck", SMALL: "made small", QUOTED: "put in a quote",
       HATTED: "hatted (collapsed)"}


@dataclass(frozen=True, slots=True)
class Placed:
    """A signed comment as one text shows it."""

    comment: Comment
    signature: Signature  # its closing signature (the writer's)
    line: int  # start of its signature's line
    wrapped: tuple[tuple[str, int], ...]  # (form, how many wrappers of that form)
    parent: str  # author of the comment it answers ("" at the top level)


@dataclass(frozen=True, slots=True)
class AppearanceChange:
    """What an edit did to one comment (`before` is None for MOVED_IN, `after` for REMOVED)."""

    form: str
    author: str
    before: Placed | None
    after: Placed | None

    @property
    def placed(self) -> Placed:
        """The comment as the edit left it (as it was, when removed)."""
        shown = self.after or self.before
        if shown is None:
            raise ValueError("an appearance change without its comment")
        return shown


class _Marks:
    """Where each wrapper opens and closes in text[lo:hi], for depth look-ups by bisection
    (one scan per form, whatever the number of comments)."""

    def __init__(self, text: str, lo: int, hi: int) -> None:
        self.inline: dict[str, tuple[list[int], list[int], list[int]]] = {}
        self.block: dict[str, tuple[list[int], list[int]]] = {}
        for form, (opening, closing) in _INLINE.items():
            opens = [m.start() for m in opening.finditer(text, lo, hi)]
            self.inline[form] = (opens, *self._depths(opens, closing, text, lo, hi))
        for form, (opening, closing) in _BLOCK.items():
            opens = [m.start() for m in opening.finditer(text, lo, hi)]
            self.block[form] = self._depths(opens, closing, text, lo, hi)

    @staticmethod
    def _depths(opens: list[int], closing: re.Pattern[str] | None, text: str, lo: int,
                hi: int) -> tuple[list[int], list[int]]:
        """(positions, depth after each): opening +1, closing -1, never below 0."""
        if closing is None:
            return [], []
        marks = sorted([(p, 1) for p in opens]
                       + [(m.start(), -1) for m in closing.finditer(text, lo, hi)])
        positions, depths, depth = [], [], 0
        for pos, step in marks:
            depth = max(0, depth + step)
            positions.append(pos)
            depths.append(depth)
        return positions, depths

    @staticmethod
    def _at(marks: tuple[list[int], list[int]], pos: int) -> int:
        i = bisect.bisect_left(marks[0], pos)
        return marks[1][i - 1] if i else 0

    def wrapped(self, line: int, sig: Signature) -> tuple[tuple[str, int], ...]:
        """The wrappers of the comment whose signature `sig` is on the line starting at
        `line` (the line, not the comment's first: what a comment spans changes when an
        undated comment is added before it)."""
        found: Counter[str] = Counter()
        for form, (opens, *depths) in self.inline.items():
            inside = bisect.bisect_left(opens, sig.end) - bisect.bisect_left(opens, line)
            found[form] += inside + self._at((depths[0], depths[1]), line)
        for form, marks in self.block.items():
            found[form] += self._at(marks, sig.start)
        return tuple(sorted((f, n) for f, n in found.items() if n))


def _placed(text: str, site: SiteInfo, lo: int, hi: int) -> dict[tuple[str, str], list[Placed]]:
    comments = parse_comments(text, site, lo, hi)
    sigs = [closing_signature(text, c, site) for c in comments]
    marks = _Marks(text, lo, hi)
    out: dict[tuple[str, str], list[Placed]] = defaultdict(list)
    for c, sig in zip(comments, sigs):
        line = text.rfind("\n", 0, sig.start) + 1
        parent = sigs[c.parent].author if c.parent is not None else ""
        out[sig.key].append(Placed(c, sig, line, marks.wrapped(line, sig), parent))
    return out


def _span(text: str, lo: int, hi: int, max_bytes: int) -> tuple[int, int]:
    """From the start of the section holding `lo` to the end of the one holding `hi` (an
    unclosed wrapper runs to there), at most about `max_bytes`."""
    start = section_start(text, lo, max_bytes)
    limit = min(len(text), start + max_bytes)
    heading = HEADING.search(text, max(hi, lo + 1), limit) if hi < limit else None
    end = heading.start() if heading else limit
    return start, max(end, min(hi, limit))


def _signs_a_line_of(old: str, span: tuple[int, int], new: str, now: Placed) -> bool:
    """The comment is a line of `old` with a signature added: `{{unsigned}}` or `~~~~` put
    on an existing unsigned comment, not a comment brought from elsewhere."""
    words = words_before_signature(new[now.line:now.signature.start])
    return bool(words) and any(words_before_signature(line) == words
                               for line in old[span[0]:span[1]].split("\n"))


def _only_lines(old: str, new: str) -> str | None:
    """The lines added or removed when the change (two whole-line regions) only adds lines
    or only removes them; None when it changes a line."""
    short, long = (old, new) if len(old) <= len(new) else (new, old)
    if long.endswith(short) and long[:len(long) - len(short)].endswith("\n"):
        return long[:len(long) - len(short)]
    if long.startswith(short) and (not short or short.endswith("\n")):
        return long[len(short):]
    return None


_MARKS = [p for pair in (*_INLINE.values(), *_BLOCK.values()) for p in pair if p is not None]


def _marked(text: str) -> bool:
    return any(p.search(text) for p in _MARKS)


def _mentions(text: str, lo: int, hi: int, names: Collection[str]) -> bool:
    region = text[lo:hi].casefold()
    return any(n.casefold() in region or n.replace(" ", "_").casefold() in region
               for n in names)


def appearance_changes(old: str | None, new: str | None, site: SiteInfo | None = None,
                       max_bytes: int = DEFAULT_MAX_BYTES, authors: Collection[str] = ()
                       ) -> list[AppearanceChange]:
    """What `new` does to how the signed comments of `old` appear, in the order of `new`.
    With `authors`, nothing is parsed unless one of those names occurs near the change."""
    site = site or SiteInfo()
    old, new = old or "", new or ""
    a_lo, a_hi, b_lo, b_hi = changed_region(old, new)
    if a_lo == a_hi and b_lo == b_hi:
        return []
    piece = _only_lines(old[a_lo:a_hi], new[b_lo:b_hi])
    if piece is not None and not _marked(piece) and not (
            authors and _mentions(piece, 0, len(piece), authors)):
        return []  # lines only added or only removed, none of them a wrapper or theirs
    old_span, new_span = _span(old, a_lo, a_hi, max_bytes), _span(new, b_lo, b_hi, max_bytes)
    if authors and not (_mentions(old, *old_span, authors) or _mentions(new, *new_span, authors)):
        return []
    before = _placed(old, site, *old_span)
    after = _placed(new, site, *new_span)
    wanted = {normalize_user_name(a) for a in authors}
    out = []
    for key, now in after.items():
        was = before.get(key, [])
        if not was and len(now) == 1 and old and (not wanted or key[0] in wanted) \
                and not _signs_a_line_of(old, old_span, new, now[0]):
            out.append(AppearanceChange(MOVED_IN, now[0].signature.author, None, now[0]))
        if len(was) == 1 and len(now) == 1:
            out.extend(_compared(old, new, was[0], now[0]))
    out += [AppearanceChange(REMOVED, was[0].signature.author, was[0], None)
            for key, was in before.items() if len(was) == 1 and key not in after]
    return sorted(out, key=lambda ch: ch.placed.comment.start)


def _compared(old: str, new: str, was: Placed, now: Placed) -> list[AppearanceChange]:
    author = now.signature.author
    out = []
    had = dict(was.wrapped)
    for form, n in now.wrapped:
        if n > had.get(form, 0):
            out.append(AppearanceChange(form, author, was, now))
    if was.comment.section != now.comment.section:
        out.append(AppearanceChange(MOVED, author, was, now))
    elif indent(old, was.line) != indent(new, now.line):
        out.append(AppearanceChange(REINDENTED, author, was, now))
    return out
