"""Comments an edit adds that carry no timestamp: signed with `~~~` (user links, no date),
signed with a bare name, or not signed at all.

DiscussionTools finds comments by their timestamps and so ignores these; the revision tells
which lines were added. A run of consecutive added lines (no blank line, heading or signature
between them; not moved from elsewhere on the page, not an edit of a line it replaces) that a
signed added line does not close is one undated comment, written by the edit's author whatever
it ends with. Its parent is found by DiscussionTools' rule (threads.attach) over what precedes
it in its section: the signed comments (`parse_comments`) and every line no signed comment
covers, each a comment of its own whose author is the user its trailing link names, if any
(`~~~`); an unsigned line by an unknown author is a parent nobody can be accused of replying to.

The cost is that of `added_comments`: the changed middle of the two texts is line-diffed, and
only the section before each undated comment is scanned (at most `max_bytes` of it), for the
first MAX_UNDATED undated comments of the edit.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from detectors.model import SiteInfo, normalize_user_name
from detectors.wikitext.comments import DEFAULT_MAX_BYTES, Changes, line_changes
from detectors.wikitext.diff import Hunk, LineDiff, line_key
from detectors.wikitext.signatures import Signature, find_signatures, user_link_pattern
from detectors.wikitext.threads import (
    HEADING,
    OUTDENT,
    VIA_OUTDENT,
    attach,
    closing_signature,
    indent,
    parse_comments,
    section_start,
)

UNSIGNED = "unsigned"  # nothing after the words
NO_DATE = "no date"  # user links and no timestamp: `~~~`, or a signature typed by hand
BARE_NAME = "bare name"  # the editor's name as plain text at the end
DATED = "dated"  # a dated signature (`below_undated`: the parent is the undated one)

_STRUCTURAL = re.compile(  # templates that are layout, not words
    r"\{\{\s*(?:outdent|od\d?|out|unindent|deindent|unsigned\w*|hat|hab|hidden archive \w+|"
    r"collapse \w+|cot|cob|archive \w+|atop|abot|reflist-talk|clear)\s*(?:\|[^{}]*)?\}\}",
    re.IGNORECASE)
_MARKUP = re.compile(r"<!--.*?(?:-->|$)|</?[a-zA-Z][^<>]*>|^[:*#;\s]+")
_LINK = re.compile(r"\[\[[^\[\]]*\]\]")
_WORD = re.compile(r"\w+")
_SIMILAR = 0.5  # a line sharing this share of its words with a replaced line is an edit of it
_MAX_COMPARED = 50  # replaced lines a new line is compared with, at most
MAX_UNDATED = 100  # undated comments looked at in one edit (a page of them is no reply)


@dataclass(frozen=True, slots=True)
class Prior:
    """A comment before an undated one: where it is and who wrote it ("" when unknown)."""

    start: int
    words_end: int  # where its words end: its signature's start, or its line's end
    level: int
    author: str
    signature: Signature | None  # None for a line no signature closes (`~~~`, unsigned)
    outdent: bool


@dataclass(frozen=True, slots=True)
class UndatedComment:
    """An added comment without a timestamp; `parent` is None at the top level."""

    start: int
    end: int
    level: int
    section: str
    form: str  # UNSIGNED, NO_DATE, BARE_NAME (or DATED, see `below_undated`)
    signer: str  # the user its trailing link names (NO_DATE), the editor (BARE_NAME), or ""
    parent: Prior | None
    via: str


def has_words(line: str) -> bool:
    """The line says something: words left once layout templates and markup are gone."""
    return bool(_WORD.search(_MARKUP.sub("", _STRUCTURAL.sub("", line))))


def _edited(line: str, replaced: list[str]) -> bool:
    words = set(_WORD.findall(line.casefold()))
    if not words:
        return False
    for old in replaced[:_MAX_COMPARED]:
        shared = words & set(_WORD.findall(old.casefold()))
        if len(shared) >= _SIMILAR * max(len(words), 1):
            return True
    return False


def _runs(diff: LineDiff, hunk: Hunk, moved: Counter[str], site: SiteInfo
          ) -> list[tuple[int, int]]:
    """[lo, hi) indexes of new lines forming undated comments in `hunk`."""
    replaced = [diff.old_lines[i] for i in range(hunk.old_start, hunk.old_end)]
    runs: list[tuple[int, int]] = []
    lo: int | None = None

    def flush(hi: int) -> None:
        if lo is not None and any(has_words(diff.new_lines[i]) for i in range(lo, hi)):
            runs.append((lo, hi))

    for i in range(hunk.new_start, hunk.new_end):
        line = diff.new_lines[i]
        key = line_key(line)
        if key and moved[key] > 0:
            moved[key] -= 1
            flush(i)
            lo = None
        elif not key or HEADING.fullmatch(line) or _edited(line, replaced):
            flush(i)
            lo = None
        elif ":" in line and "(" in line and find_signatures(line, site):
            lo = None  # the run is the start of a signed comment, which is `added_comments`'
        elif lo is None:
            lo = i
    flush(hunk.new_end)
    return runs


def undated_comments(old: str | None, new: str | None, site: SiteInfo | None = None,
                     editor: Collection[str] = (), max_bytes: int = DEFAULT_MAX_BYTES,
                     changes: Changes | None = None) -> list[UndatedComment]:
    """The undated comments `new` adds to `old`, in page order. `editor`: the names of the
    edit's author, to recognize a bare-name signature; `changes`: `line_changes(old, new,
    max_bytes)` when already computed. Never raises on odd wikitext."""
    site = site or SiteInfo()
    new = new or ""
    changes = changes or line_changes(old, new, max_bytes)
    if changes is None:
        return []
    diff, _, starts = changes
    moved = Counter(k for line in diff.removed_lines() if (k := line_key(line)))
    names = {normalize_user_name(n) for n in editor}
    out: list[UndatedComment] = []
    runs = [run for hunk in diff.hunks for run in _runs(diff, hunk, moved, site)]
    for lo, hi in runs[:MAX_UNDATED]:
        end = starts[hi - 1] + len(diff.new_lines[hi - 1])
        found = _comment(new, starts[lo], end, site, names, max_bytes)
        if found is not None:
            out.append(found)
    return out


def _comment(text: str, start: int, end: int, site: SiteInfo, editor: set[str],
             max_bytes: int, signature: Signature | None = None) -> UndatedComment | None:
    last = text.rfind("\n", start, end) + 1 or start
    level = min(indent(text, start), indent(text, last)) + 1
    outdent = bool(OUTDENT.match(text, start))
    if level == 1 and not outdent:
        return None  # a top-level comment replies to nobody
    sec = section_start(text, start, max_bytes)
    heading = HEADING.match(text, sec)
    priors = _priors(text, site, sec, start)
    stack: list[int | None] = [None]
    for i, prior in enumerate(priors):
        _, _, stack = attach(stack, prior.level, i, prior.outdent)
    parent, via, _ = attach(stack, level, len(priors), outdent)
    form, signer = (DATED, signature.author) if signature else \
        _signed(text[last:end], site, editor)
    return UndatedComment(start, end, level, heading[2].strip(" \t=") if heading else "",
                          form, signer, priors[parent] if parent is not None else None, via)


def below_undated(text: str, signature: Signature, site: SiteInfo | None = None,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> UndatedComment | None:
    """A dated comment added on the line of `signature` (offsets in `text`), with its parent
    found as for undated comments: for a reply to a comment signed `~~~`, which
    DiscussionTools merges into the reply (it has no timestamp). Its `parent` is an undated
    comment with a known author, or the result is None."""
    start = text.rfind("\n", 0, signature.start) + 1
    end = text.find("\n", signature.end)
    found = _comment(text, start, len(text) if end < 0 else end, site or SiteInfo(), set(),
                     max_bytes, signature)
    if found is None or found.parent is None or found.parent.signature is not None \
            or not found.parent.author:
        return None
    return found


def _priors(text: str, site: SiteInfo, sec: int, end: int) -> list[Prior]:
    """What comes before `end` in the section opening at `sec`, in page order."""
    out, covered = [], []
    for c in parse_comments(text, site, sec, end):
        sig = closing_signature(text, c, site)
        out.append(Prior(c.start, c.signature.start, c.level, sig.author, sig,
                         c.via == VIA_OUTDENT))
        line_end = text.find("\n", c.end, end)
        covered.append((c.start, end if line_end < 0 else line_end))
    pos, spans = sec, iter(covered + [(end, end)])
    span = next(spans)
    while pos < end:
        line_end = text.find("\n", pos, end)
        line_end = end if line_end < 0 else line_end
        while span[1] < pos:
            span = next(spans)
        inside = span[0] <= pos <= span[1]
        line = text[pos:line_end]
        if not inside and line.strip() and not HEADING.fullmatch(line) and has_words(line):
            _, signer = _trailing_link(line, site)
            out.append(Prior(pos, line_end, indent(text, pos) + 1, signer, None,
                             bool(OUTDENT.match(text, pos))))
        pos = line_end + 1
    return sorted(out, key=lambda p: p.start)


def _trailing_link(line: str, site: SiteInfo) -> tuple[int, str]:
    """(offset, user) of the user link that ends the line (links, brackets and dots may
    follow it, no words), or (-1, "")."""
    last = None
    for last in user_link_pattern(site).finditer(line):  # noqa: B007 (the last match)
        pass
    if last is None:
        return -1, ""
    close = line.find("]]", last.end())
    if close < 0:
        return -1, ""
    tail = _MARKUP.sub("", _LINK.sub("", line[close + 2:]))
    if _WORD.search(tail):
        return -1, ""
    user = normalize_user_name(last["user"])
    first = line.rfind("[[", 0, last.start() + 2)
    return (first if first >= 0 else last.start()), user


def _signed(line: str, site: SiteInfo, editor: set[str]) -> tuple[str, str]:
    """How the last line of an undated comment is signed: (form, signer)."""
    at, user = _trailing_link(line, site)
    if at >= 0 and has_words(line[:at]):
        return NO_DATE, user
    plain = _MARKUP.sub("", line).rstrip(" \t.)\u2014\u2013-~")
    for name in editor:
        if re.search(r"(?:^|[\s(\-\u2014\u2013~])" + re.escape(name) + r"$", plain,
                     re.IGNORECASE) and len(plain) > len(name):
            return BARE_NAME, name
    return UNSIGNED, ""
