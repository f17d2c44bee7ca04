"""Comments and threads of a talk page, by line scanning (DiscussionTools' rules on wikitext).

A comment ends at a line holding a signature and starts at the first non-blank line after
the previous comment or heading. Its level is the smaller indentation (`:`, `*`, `#`, `;`,
in any mix) of its first and last lines. The comment it replies to is the closest preceding
comment one level up in the same section (any heading level starts a section); a comment
that skips levels attaches to the comment before it, as DiscussionTools does. A comment
opening with `{{outdent}}`/`{{od}}` replies to the comment just before it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from detectors.model import SiteInfo
from detectors.wikitext.signatures import Signature, find_signatures, first_signature_per_line

HEADING = re.compile(r"^(={1,6})(.+?)(={1,6})[ \t]*$", re.MULTILINE)
_INDENT = re.compile(r"[:*#;]*")
OUTDENT = re.compile(r"[:*#;]*\s*\{\{\s*(?:outdent|od\d?|out|unindent|deindent)\s*[|}]",
                      re.IGNORECASE)
_NONBLANK = re.compile(r"\S")
_BACKWARD_WINDOW = 4096

VIA_INDENT = "indent"  # a clear parent, one level up
VIA_SKIP = "skipped-level"  # indentation skipped a level: attached to the comment before
VIA_OUTDENT = "outdent"  # {{outdent}}: attached to the comment before


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    title: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Comment:
    """One signed comment. Offsets are into the text that was parsed.

    `parent` is the index (in the list `parse_comments` returned) of the comment replied
    to, or None for a top-level comment (a reply to the section's heading).
    """

    signature: Signature
    level: int  # DiscussionTools' level: 1 for a top-level comment
    start: int
    end: int
    section: str  # heading title ("" before the first heading)
    parent: int | None
    via: str  # VIA_INDENT, VIA_SKIP or VIA_OUTDENT (how the parent was found)

    @property
    def author(self) -> str:
        return self.signature.author

    @property
    def key(self) -> tuple[str, str]:
        return self.signature.key


def _heading(m: re.Match[str]) -> Heading:
    return Heading(min(len(m[1]), len(m[3])), m[2].strip(" \t="), m.start(), m.end())


def last_heading(text: str, pos: int, limit: int, max_level: int = 6) -> Heading | None:
    """The closest heading line of level <= `max_level` before `pos`, looking back at most
    about `limit` characters. Cost follows the distance to it."""
    window, hi = _BACKWARD_WINDOW, pos
    while True:
        lo = max(0, pos - window)
        found = [h for m in HEADING.finditer(text, lo, hi) if (h := _heading(m)).level <= max_level]
        if found:
            return found[-1]
        if lo == 0 or window >= limit:
            return None
        newline = text.find("\n", lo, hi)  # the line holding lo was only partly scanned
        hi = newline if newline >= 0 else hi
        window *= 4


def section_start(text: str, pos: int, limit: int) -> int:
    """Offset of the heading line that opens the section holding `pos` (any level); 0 when
    there is none, or the start of a line about `limit` characters back."""
    heading = last_heading(text, pos, limit)
    if heading is not None:
        return heading.start
    lo = max(0, pos - limit)
    return 0 if lo == 0 else text.find("\n", lo, pos) + 1 or pos


def thread_title(text: str, pos: int, limit: int) -> str:
    """The title of the level 1-2 heading whose thread holds `pos` ("" before any)."""
    heading = last_heading(text, pos, limit, max_level=2)
    return heading.title if heading else ""


def indent(text: str, line_start: int) -> int:
    m = _INDENT.match(text, line_start)
    return m.end() - line_start if m else 0


def _first_line(text: str, pos: int, end: int) -> int:
    """The start of the first non-blank line at or after `pos` (a line start)."""
    m = _NONBLANK.search(text, pos, end)
    if m is None:
        return end
    newline = text.rfind("\n", pos, m.start())
    return newline + 1 if newline >= 0 else pos


def _events(text: str, site: SiteInfo, start: int, end: int
            ) -> list[tuple[int, Heading | Signature]]:
    """Headings and the first signature of each line, by offset (a heading first)."""
    items: list[tuple[int, Heading | Signature]] = [
        (m.start(), _heading(m)) for m in HEADING.finditer(text, start, end)]
    items += list(first_signature_per_line(text, site, start, end).items())
    return sorted(items, key=lambda item: item[0])


def attach(stack: list[int | None], level: int, index: int, outdent: bool
           ) -> tuple[int | None, str, list[int | None]]:
    """DiscussionTools' parent rule, one comment at a time: (parent index, via, next stack).

    `stack` is [None] at a heading; item i is the latest comment at level i."""
    if outdent:
        return stack[-1], VIA_OUTDENT, [stack[0], index]
    via = VIA_INDENT
    if len(stack) < level:
        via = VIA_SKIP
        stack = stack + [stack[-1]] * (level - len(stack))
    return stack[level - 1], via, stack[:level] + [index]


def parse_comments(text: str, site: SiteInfo | None = None, start: int = 0,
                   end: int | None = None, section: str = "") -> list[Comment]:
    """The comments in text[start:end] (whole lines), with their parents.

    `section` names the section `start` is in when text[start:] does not open with a
    heading. Cost is linear in end - start; callers bound that range.
    """
    site = site or SiteInfo()
    end = len(text) if end is None else min(end, len(text))
    comments: list[Comment] = []
    stack: list[int | None] = [None]
    cursor = start
    for pos, item in _events(text, site, start, end):
        if isinstance(item, Heading):
            section, stack, cursor = item.title, [None], item.end
            continue
        if pos < cursor:
            continue  # a signature on a heading line
        sig = item
        first = _first_line(text, cursor, pos) if cursor < pos else pos
        level = min(indent(text, first), indent(text, pos)) + 1
        outdent = bool(OUTDENT.match(text, first))
        parent, via, stack = attach(stack, level, len(comments), outdent)
        comments.append(Comment(sig, level, first, sig.end, section, parent, via))
        cursor = text.find("\n", sig.end, end) + 1 or end
    return comments


def closing_signature(text: str, comment: Comment, site: SiteInfo) -> Signature:
    """The last signature on the line of `comment`'s signature: its writer's, when the line
    quotes someone else's signature first."""
    sig = comment.signature
    end = text.find("\n", sig.end)
    if end < 0:
        end = len(text)
    if end - sig.end < 20:  # no room for another signature (the cheap, common case)
        return sig
    later = find_signatures(text, site, sig.end, end)
    return later[-1] if later else sig
