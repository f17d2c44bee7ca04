"""The comments an edit adds to a talk page, and the comments they reply to.

The cost follows the size of the change, not of the page: the common head and tail of the
two texts are cut with C-speed slice comparisons, only the changed middle is line-diffed,
and only the section(s) holding new comments are scanned, from their heading down to the
last new comment. A comment is added when its signature (author, timestamp; with the line's
last signature, so that one appended to someone's line counts) occurs more often in the new
lines than in the removed ones (a moved or edited comment is not added);
among equal signatures the ones on genuinely added lines, then the lowest, are taken, as
DiscussionTools does.

Reusable pieces: `parse_comments` (threads.py) for a whole page or a range of it,
`find_signatures` (signatures.py) for signatures in any text, `added_comments` here.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from detectors.model import SiteInfo
from detectors.wikitext.diff import LineDiff, diff_lines
from detectors.wikitext.diff import line_key as _key
from detectors.wikitext.signatures import Signature, find_signatures
from detectors.wikitext.threads import (
    HEADING,
    Comment,
    closing_signature,
    parse_comments,
    section_start,
    thread_title,
)

__all__ = ["AddedComment", "Comment", "added_comments", "changed_region", "COPIED_AFTER",
           "copied_comment_spans", "line_changes", "words_before_signature",
           "parse_comments"]

COPIED_AFTER = timedelta(days=1)  # a comment dated this much before the edit is copied text
_CHUNK = 4096
_MAX_CHUNK = 1 << 16
DEFAULT_MAX_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class AddedComment:
    """A comment new in the edit; `parent` is None for a top-level comment."""

    comment: Comment
    parent: Comment | None


def _common_prefix(a: str, b: str, limit: int) -> int:
    """len of the common prefix (at most `limit`), by growing chunks compared in C."""
    i, j, step = 0, 0, _CHUNK
    while i < limit:
        j = min(limit, i + step)
        if not a.startswith(b[i:j], i):
            break
        i, step = j, min(step * 2, _MAX_CHUNK)
    else:
        return limit
    while j - i > 1:  # a[:i] == b[:i]; they differ before j
        mid = (i + j) // 2
        if a.startswith(b[i:mid], i):
            i = mid
        else:
            j = mid
    return i


def _common_suffix(a: str, b: str, limit: int) -> int:
    """len of the common suffix (at most `limit`)."""
    la, lb = len(a), len(b)
    n, m, step = 0, 0, _CHUNK
    while n < limit:
        m = min(limit, n + step)
        if not a.endswith(b[lb - m:lb - n], 0, la - n):
            break
        n, step = m, min(step * 2, _MAX_CHUNK)
    else:
        return limit
    while m - n > 1:
        mid = (n + m) // 2
        if a.endswith(b[lb - mid:lb - n], 0, la - n):
            n = mid
        else:
            m = mid
    return n


def changed_region(old: str, new: str) -> tuple[int, int, int, int]:
    """(a_lo, a_hi, b_lo, b_hi): old[a_lo:a_hi] became new[b_lo:b_hi], whole lines, the
    rest of both texts being equal."""
    limit = min(len(old), len(new))
    pre = _common_prefix(old, new, limit)
    lo = old.rfind("\n", 0, pre) + 1
    suf = _common_suffix(old, new, limit - lo)
    newline = old.find("\n", len(old) - suf)  # the first line break inside the common tail
    a_hi = len(old) if newline < 0 else newline + 1
    return lo, a_hi, lo, a_hi + len(new) - len(old)


def _clip(text: str, lo: int, hi: int, max_bytes: int) -> int:
    if hi - lo <= max_bytes:
        return hi
    return text.rfind("\n", lo, lo + max_bytes) + 1 or lo + max_bytes


def _line_starts(base: int, lines: tuple[str, ...]) -> list[int]:
    starts, pos = [], base
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    return starts


def _line_sigs(line: str, site: SiteInfo) -> tuple[Signature, Signature] | None:
    """The first and the last signature of a line (the same one when it has only one)."""
    if ":" not in line or "(" not in line:
        return None
    sigs = find_signatures(line, site)
    return (sigs[0], sigs[-1]) if sigs else None


# (thread title, author, timestamp of the line's first signature, and of its last): a
# signature appended to someone's line (an inline reply) makes the line a new comment
_Key = tuple[str, ...]


def _signed_lines(text: str, lines: tuple[str, ...], starts: list[int], span: tuple[int, int],
                  site: SiteInfo, limit: int) -> list[tuple[_Key, int, Signature]]:
    """(key, line start, first signature) for lines[span[0]:span[1]] of `text`; the thread
    is found once for the span, then followed through its headings."""
    lo, hi = span
    if lo >= hi:
        return []
    thread = thread_title(text, starts[lo], limit)
    out: list[tuple[_Key, int, Signature]] = []
    for i in range(lo, hi):
        line = lines[i]
        if line.startswith("="):
            heading = HEADING.fullmatch(line)
            if heading and min(len(heading[1]), len(heading[3])) <= 2:
                thread = heading[2].strip(" \t=")
            continue
        sigs = _line_sigs(line, site)
        if sigs is not None:
            out.append(((thread, *sigs[0].key, *sigs[1].key), starts[i], sigs[0]))
    return out


def _pick_added(old: str, new: str, diff: LineDiff, starts: tuple[list[int], list[int]],
                site: SiteInfo, limit: int) -> list[tuple[int, Signature]]:
    """DiscussionTools' rule: per (thread, author, timestamp), as many comments as the count
    grew by; preferring lines that are genuinely added (not moved), then the lowest."""
    removed: Counter[_Key] = Counter()
    found: dict[_Key, list[tuple[int, Signature]]] = defaultdict(list)
    unsigned = _unsigned_removed(diff, site)
    for h in diff.hunks:
        for key, _, _ in _signed_lines(old, diff.old_lines, starts[0], (h.old_start, h.old_end),
                                       site, limit):
            removed[key] += 1
        for key, pos, sig in _signed_lines(new, diff.new_lines, starts[1],
                                           (h.new_start, h.new_end), site, limit):
            if not _signs(new, pos, sig, unsigned):
                found[key].append((pos, sig))
    truly_added = {starts[1][i] for i, _ in diff.added()}
    picked = []
    for key, items in found.items():
        count = len(items) - removed[key]
        if count > 0:
            items.sort(key=lambda f: (f[0] not in truly_added, -f[0]))
            picked.extend(items[:count])
    return sorted(picked, key=lambda f: f[0])


Changes = tuple[LineDiff, list[int], list[int]]  # see line_changes
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_SIG_GAP = " \t-\u2014\u2013~"


# the head of a signature before the link its timestamp follows ("[[User:X|X]] ([[User talk:X|")
_SIG_HEAD = re.compile(r"(?:\[\[[^\[\]]*\]\][\s()\u2022\u00b7|\-\u2014\u2013~]*)+$")


def words_before_signature(line: str) -> str:
    """A line's words without the signature head it ends with (for comparing a line before
    and after a signature was added to it)."""
    return _key(_SIG_HEAD.sub("", _HTML_COMMENT.sub("", line).rstrip(" (["))).rstrip(_SIG_GAP)


def _unsigned_removed(diff: LineDiff, site: SiteInfo) -> set[str]:
    """The removed lines that carried no signature, as `words_before_signature` keys."""
    return {words_before_signature(line) for line in diff.removed_lines()
            if line.strip() and _line_sigs(line, site) is None}


def _signs(new: str, line_start: int, sig: Signature, unsigned: set[str]) -> bool:
    """The line is a removed unsigned line with a signature appended: the edit signs an
    existing comment (`~~~~` added later, a signing bot's `{{unsigned}}`); it adds none."""
    words = words_before_signature(new[line_start:line_start + sig.start])
    return bool(words) and words in unsigned


def line_changes(old: str | None, new: str | None, max_bytes: int = DEFAULT_MAX_BYTES
                 ) -> Changes | None:
    """The line diff of the changed middle of `old` -> `new` (at most `max_bytes` of it), with
    the offset of each of its old and new lines; None when nothing was added or changed."""
    old, new = old or "", new or ""
    a_lo, a_hi, b_lo, b_hi = changed_region(old, new)
    if b_hi <= b_lo:
        return None
    a_hi, b_hi = _clip(old, a_lo, a_hi, max_bytes), _clip(new, b_lo, b_hi, max_bytes)
    diff = diff_lines(old[a_lo:a_hi], new[b_lo:b_hi])
    return diff, _line_starts(a_lo, diff.old_lines), _line_starts(b_lo, diff.new_lines)


def added_comments(old: str | None, new: str | None, site: SiteInfo | None = None,
                   max_bytes: int = DEFAULT_MAX_BYTES,
                   changes: Changes | None = None) -> list[AddedComment]:
    """The comments `new` adds to `old` (None: an empty page), in page order.

    At most `max_bytes` of the change and of each section are looked at. Never raises on
    odd wikitext. `changes`: `line_changes(old, new, max_bytes)`, when already computed.
    """
    site = site or SiteInfo()
    old, new = old or "", new or ""
    changes = changes or line_changes(old, new, max_bytes)
    if changes is None:
        return []
    diff, *starts = changes
    picked = _pick_added(old, new, diff, (starts[0], starts[1]), site, max_bytes)
    sections: dict[int, list[int]] = defaultdict(list)
    for start, sig in picked:
        sections[section_start(new, start, max_bytes)].append(start + sig.start)
    out: list[AddedComment] = []
    for sec, sig_starts in sections.items():
        out.extend(_resolve(new, site, sec, sig_starts))
    return sorted(out, key=lambda a: a.comment.start)


def _resolve(new: str, site: SiteInfo, sec: int, sig_starts: list[int]) -> list[AddedComment]:
    comments = parse_comments(new, site, sec, _line_end(new, max(sig_starts)))
    wanted = set(sig_starts)
    return [AddedComment(c, comments[c.parent] if c.parent is not None else None)
            for c in comments if c.signature.start in wanted]


def _line_end(text: str, pos: int) -> int:
    newline = text.find("\n", pos)
    return len(text) if newline < 0 else newline


def copied_comment_spans(text: str, site: SiteInfo, before: datetime,
                         writers: Collection[str] = ()) -> list[tuple[int, int]]:
    """(start, end of line) of the comments in `text` copied from elsewhere: in each section
    of `text` whose signatures are all dated before `before` (an archived or moved thread),
    every signed comment but those of `writers` (normalized names), whose words stay theirs
    whatever their date. A section with a later or undated signature is being written in:
    what it quotes stays its writer's, and nothing of it is returned."""
    comments = parse_comments(text, site)
    if not comments:
        return []
    headings = [m.start() for m in HEADING.finditer(text)]
    sections: dict[int, list[tuple[Comment, Signature]]] = defaultdict(list)
    for c in comments:
        sections[bisect.bisect_right(headings, c.start)].append(
            (c, closing_signature(text, c, site)))
    spans = []
    for group in sections.values():
        if all(s.timestamp is not None and s.timestamp < before for _, s in group):
            spans += [(c.start, _line_end(text, c.end)) for c, s in group
                      if s.author not in writers]
    return spans
