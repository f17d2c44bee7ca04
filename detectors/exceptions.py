"""Exceptions the actor claims (WP:BANEX) and dispute-resolution pages: shown, never judged.

A ban's usual exceptions let the banned user revert obvious vandalism or violations of the
policy on living people, and take part in dispute resolution about the ban (an appeal, a
request for clarification, a report to administrators), and ask them to say so in the edit
summary. The bot keeps queueing such edits (people judge exceptions), but puts what was
claimed first in each finding's evidence, so a reviewer sees it before anything else:

- the edit summary or log comment claims one (`SUMMARY_CLAIMS`: "per BANEX", "rv vandalism",
  "BLP", "appeal", ...);
- the text the edit adds names the exception (`TEXT_CLAIMS`: "WP:BANEX", "exception to my
  interaction ban");
- the page is a dispute-resolution page (`DISPUTE_RESOLUTION_PAGES`: noticeboards, arbitration
  pages; globs in the wiki's own namespace names, compared as `Ban.exempt_pages` are).

`annotate(findings, event, context)` returns the findings with that note in front of their
evidence; `exception_note(evidence)` reads it back (the queue JSON's `exception`). Pure.
"""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import replace

from detectors.base import Context
from detectors.model import Event, Finding
from detectors.wikitext.comments import changed_region
from detectors.wikitext.diff import diff_lines

MARK = "Exception to judge (WP:BANEX): "
END = " | Finding: "

# (pattern over the summary, what it claims): the first match of each row counts
SUMMARY_CLAIMS: tuple[tuple[str, str], ...] = (
    (r"\b(?:WP\s*:\s*)?BANEX\b|\bban\s*ex(?:emption|ception)s?\b", "names WP:BANEX"),
    (r"\brvv\b|\b(?:rv|revert(?:ed|ing)?|undo|undid|undoing|remov(?:e|ed|ing)|restor(?:e|ed|ing))"
     r"\b[^.;\n]{0,40}?\bvandal(?:ism|ised|ized)?\b|\bvandalism\b", "reverting vandalism"),
    (r"\b(?:WP\s*:\s*)?BLP(?:VIO|REMOVE|N)?\b|\bbiograph(?:y|ies) of living persons?\b",
     "a violation of the policy on living people (BLP)"),
    (r"\bappeal(?:s|ed|ing)?\b", "an appeal of the ban"),
    (r"\bclarification\b|\bARCA\b", "a request for clarification"),
    (r"\b(?:AN/?I|ANEW|AE)\s+(?:report|request|filing|notice)\b|\breport(?:ed|ing)?\s+to\s+"
     r"(?:AN/?I|AE|admins?|administrators?)\b", "a report to administrators"),
)
# (pattern over the added text, what it claims): only explicit names of the exception
TEXT_CLAIMS: tuple[tuple[str, str], ...] = (
    (r"\b(?:WP\s*:\s*)?BANEX\b", "names WP:BANEX"),
    (r"\bexcept(?:ion|ed)\b[^.\n]{0,40}?\b(?:i-?ban|interaction\s+ban|topic\s+ban|my\s+ban)\b",
     "names an exception to the ban"),
)
# pages where a banned user may take part in dispute resolution about the ban
DISPUTE_RESOLUTION_PAGES: tuple[str, ...] = (
    "Project:Administrators' noticeboard", "Project:Administrators' noticeboard/*",
    "Project:Administrators noticeboard*", "Project:Arbitration", "Project:Arbitration/*",
    "Project:Arbitration Committee*", "Project:Arbitration enforcement*",
    "Project:Requests for arbitration*", "Project:Requests for comment/*",
    "Project:Dispute resolution noticeboard*", "Project:Ban appeals*",
    "Project:Requests for clarification*", "Project talk:Arbitration*",
    "Project talk:Arbitration Committee*",
)
QUOTE_CHARS = 80
MAX_SCAN_CHARS = 20_000  # of the added text: a claim is said near the start, not in 2 MB

_COMPILED = {p: re.compile(p, re.IGNORECASE) for p, _ in (*SUMMARY_CLAIMS, *TEXT_CLAIMS)}
_SPACES = re.compile(r"\s+")
_AUTOCOMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)  # "/* Section */": the section's name


def claims(event: Event, context: Context, added: str | None = None) -> tuple[str, ...]:
    """What the event claims or where it is, as short phrases for the evidence.

    `added`: the text the edit adds (None: worked out from the context, only when the new
    text holds one of the words `TEXT_CLAIMS` look for more often than the old one)."""
    if added is None:
        added = added_text(event, context)
    where = "edit summary" if event.is_edit else "log comment"
    comment = event.comment or ""
    # "/* Section */" names the section: blanked (same length), so quotes still fit the summary
    searched = _AUTOCOMMENT.sub(lambda m: " " * len(m.group()), comment) if event.is_edit \
        else comment
    out = [_said(where, comment, what, m) for what, m in _matches(searched, SUMMARY_CLAIMS)]
    added = added[:MAX_SCAN_CHARS]
    out += [_said("added text", added, what, m) for what, m in _matches(added, TEXT_CLAIMS)]
    page = dispute_resolution_page(event.title, context)
    if page:
        out.append(f"the edit is on a dispute-resolution page ({page})")
    return tuple(out)


def _said(where: str, text: str, what: str, m: re.Match[str]) -> str:
    return f"the {where} says \"{_quote(text, m)}\" ({what})"


_HINTS = ("banex", "except")  # a word every row of TEXT_CLAIMS needs


def added_text(event: Event, context: Context) -> str:
    """The lines an edit adds, when they may name an exception (else "": no diff needed).

    Only the changed region (common prefix and suffix left out) is looked at for a hint."""
    new, old = context.new_text or "", context.old_text or ""
    if not event.is_edit or not new:
        return ""
    _, _, lo, hi = changed_region(old, new)
    region = new[lo:hi].casefold()
    if not any(h in region for h in _HINTS):
        return ""
    return diff_lines(context.old_text, new).added_text()


def _matches(text: str, rows: Sequence[tuple[str, str]]) -> list[tuple[str, re.Match[str]]]:
    if not text.strip():
        return []
    found: list[tuple[str, re.Match[str]]] = []
    for pattern, what in rows:
        m = _COMPILED[pattern].search(text)
        if m and what not in (w for w, _ in found):
            found.append((what, m))
    return found


def _quote(text: str, m: re.Match[str]) -> str:
    """At most `QUOTE_CHARS` of `text` around the match, on one line, without `|` or `"`."""
    a = max(0, m.start() - (QUOTE_CHARS - (m.end() - m.start())) // 2)
    piece = _SPACES.sub(" ", text[a:a + QUOTE_CHARS]).strip().replace('"', "'")
    return ("..." if a else "") + piece.replace("|", "/") + \
        ("..." if a + QUOTE_CHARS < len(text) else "")


def dispute_resolution_page(title: str, context: Context) -> str:
    """The title, when it is one of `DISPUTE_RESOLUTION_PAGES`, else ""."""
    if not title:
        return ""
    page = context.site.normalize_title(title)
    for pattern in DISPUTE_RESOLUTION_PAGES:
        if fnmatch.fnmatchcase(page, context.site.normalize_title(pattern)):
            return title
    return ""


def annotate(findings: Sequence[Finding], event: Event, context: Context,
             added: str | None = None) -> list[Finding]:
    """The findings, with what the event claims put first in each one's evidence."""
    said = claims(event, context, added) if findings else ()
    if not said:
        return list(findings)
    note = MARK + "; ".join(said) + END
    return [replace(f, evidence=note + f.evidence) for f in findings]


def exception_note(evidence: str) -> str | None:
    """What `annotate` put in front of `evidence`, or None."""
    if not evidence.startswith(MARK) or END not in evidence:
        return None
    return evidence[len(MARK):evidence.index(END)]
