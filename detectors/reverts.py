"""`revert`: rollback, undo and manual reverts that undo the protected user's edits.

`find_reverted` is the shared rule (edit-change uses it to avoid reporting a revert twice):

- rollback (`mw-rollback`): the run of consecutive top revisions by the last editor;
- identity revert (the mwreverts rule, also what MediaWiki's `mw-manual-revert` means): the
  edit's sha1 equals that of one of the `radius + 1` revisions before it; the newest such
  revision is restored and every revision after it is reverted. Matching the revision just
  before (a null edit) reverts nothing. Without sha1s, equal texts count as equal;
- undo (`mw-undo`): the adapter's `undid_revid` param when given; else the identity rule;
  else, with texts, the revision (or run of revisions) R whose change parent->R the edit
  exactly reverses, line for line; else the edit summary ("Undid revision N"), a weak hint
  only, since its author can write anything there.
"""
from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from detectors.bans import Person
from detectors.base import Context, Need
from detectors.model import Event, EventType, Finding, Kind, Revision
from detectors.wikitext.diff import diff_lines

ROLLBACK = "rollback"
UNDO = "undo"
MANUAL = "manual revert"
IDENTITY = "identity revert"

_TAG_METHODS = (("mw-rollback", ROLLBACK), ("mw-undo", UNDO), ("mw-manual-revert", MANUAL))
_UNDO_SUMMARY = re.compile(r"\bUndid revision\s+(\d+)", re.IGNORECASE)
_CONFIDENCE = {ROLLBACK: 1.0, UNDO: 1.0, MANUAL: 1.0, IDENTITY: 0.9}
_UNVERIFIED_CONFIDENCE = 0.5


@dataclass(frozen=True, slots=True)
class Revert:
    """What an edit reverted: `reverted` newest first; `how` says how we know."""

    method: str
    reverted: tuple[Revision, ...]
    reverted_to: Revision | None = None
    how: str = ""
    verified: bool = True


def find_reverted(event: Event, history: Sequence[Revision], radius: int = 15,
                  old_text: str | None = None, new_text: str | None = None) -> Revert | None:
    """The revisions `event` reverts, from `history` (revisions before it, newest first)."""
    if event.type is not EventType.EDIT or not history:
        return None
    history = tuple(r for r in history if isinstance(r, Revision) and r.revid != event.revid)
    if not history:
        return None
    radius = max(1, int(radius or 1))
    method = next((m for tag, m in _TAG_METHODS if tag in (event.tags or ())), IDENTITY)
    if method == ROLLBACK:
        found = _rollback(history)
        if found is not None:
            return found
    if method == UNDO:
        found = _undo_param(event, history)
        if found is not None:
            return found
    found = _identity(event, history, radius, new_text, method)
    if found is not None or method != UNDO:
        return found
    return _undo_by_text(history, radius, old_text, new_text) or _undo_summary(event, history)


def _identity(event: Event, history: tuple[Revision, ...], radius: int,
              new_text: str | None, method: str) -> Revert | None:
    for i, rev in enumerate(history[:radius + 1]):
        if _same_content(event.sha1, new_text, rev):
            if i == 0:
                return None  # a null edit: nothing reverted
            how = ("its sha1" if event.sha1 and rev.sha1 else "its text") + \
                f" equals that of r{rev.revid}"
            return Revert(method, history[:i], rev, how)
    return None


def _same_content(sha1: str, text: str | None, rev: Revision) -> bool:
    if sha1 and rev.sha1:
        return sha1 == rev.sha1
    return text is not None and rev.text is not None and text == rev.text


def _rollback(history: tuple[Revision, ...]) -> Revert | None:
    """Rollback reverts every consecutive top edit of the last editor (beyond any radius)."""
    top = history[0].user
    run = 0
    while run < len(history) and _same_user(history[run].user, top):
        run += 1
    rest = history[run] if run < len(history) else None
    if rest is None and history[-1].parentid == 0:
        return None  # one author since the page's creation: MediaWiki refuses such a rollback
    return Revert(ROLLBACK, history[:run], rest, f"the top {run} revision(s) by {top.name}")


def _same_user(a: object, b: object) -> bool:
    ida, idb = getattr(a, "id", 0), getattr(b, "id", 0)
    if ida and idb:
        return bool(ida == idb)
    return str(getattr(a, "name", "")) == str(getattr(b, "name", ""))


def _undo_param(event: Event, history: tuple[Revision, ...]) -> Revert | None:
    try:
        undid = int(str((event.params or {}).get("undid_revid", 0) or 0))
    except ValueError:
        return None
    for i, rev in enumerate(history):
        if undid and rev.revid == undid:
            parent = history[i + 1] if i + 1 < len(history) else None
            return Revert(UNDO, (rev,), parent, f"the wiki reports it undid r{undid}")
    return None


def _undo_by_text(history: tuple[Revision, ...], radius: int, old_text: str | None,
                  new_text: str | None) -> Revert | None:
    """The newest run history[i..j] whose change (history[j+1] -> history[i]) the edit reverses."""
    old = old_text if old_text is not None else history[0].text
    if old is None or new_text is None:
        return None
    removed, added = _changed_lines(old, new_text)
    if not removed and not added:
        return None
    span = min(radius, len(history) - 1)
    for width in range(1, span + 1):
        for i in range(0, span - width + 1):
            top, base = history[i], history[i + width]
            if top.text is None or base.text is None:
                continue
            r_removed, r_added = _changed_lines(base.text, top.text)
            if r_added == removed and r_removed == added:
                return Revert(UNDO, history[i:i + width], base,
                              "its change exactly reverses theirs (compared texts)")
    return None


def _changed_lines(old: str, new: str) -> tuple[Counter[str], Counter[str]]:
    d = diff_lines(old, new)
    removed = Counter(" ".join(d.old_lines[k].split())
                      for h in d.hunks for k in range(h.old_start, h.old_end))
    added = Counter(" ".join(d.new_lines[k].split())
                    for h in d.hunks for k in range(h.new_start, h.new_end))
    common = removed & added  # lines only re-flowed inside a hunk
    return removed - common, added - common


def _undo_summary(event: Event, history: tuple[Revision, ...]) -> Revert | None:
    match = _UNDO_SUMMARY.search(event.comment or "")
    if match is None:
        return None
    undid = int(match.group(1))
    for i, rev in enumerate(history):
        if rev.revid == undid:
            parent = history[i + 1] if i + 1 < len(history) else None
            return Revert(UNDO, (rev,), parent,
                          f"only its edit summary names r{undid} (unverified)", verified=False)
    return None


def when(rev: Revision) -> str:
    """A revision's time for evidence ("?" when malformed)."""
    try:
        return rev.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    except (AttributeError, ValueError):
        return "?"


# The last (event, context, findings): edit-change asks for the findings the revert detector
# has just computed for the same objects. Weak references compared by identity: a hit is never
# another event's, and nothing is kept alive; one entry, replaced whole, so threads can only miss.
_last: tuple[weakref.ref[Event], weakref.ref[Context], tuple[Finding, ...]] | None = None


def revert_findings(event: Event, context: Context) -> list[Finding]:
    """The revert findings for `event`: one per protected user whose edits it reverted."""
    global _last
    last = _last
    if last is not None and last[0]() is event and last[1]() is context:
        return list(last[2])
    found = find_reverted(event, context.history, context.limits.revert_radius,
                          context.old_text, context.new_text)
    out = []
    if found is not None:
        for person in context.restriction.protected:
            theirs = [r for r in found.reverted if person.is_user(r.user)]
            if theirs:
                out.append(_finding(found, person, theirs))
    _last = (weakref.ref(event), weakref.ref(context), tuple(out))
    return out


def _finding(found: Revert, person: Person, theirs: list[Revision]) -> Finding:
    edits = ", ".join(f"r{r.revid} ({when(r)})" for r in theirs)
    noun = "edit" if len(theirs) == 1 else f"{len(theirs)} edits"
    evidence = f"{found.method}: reverted {person.name}'s {noun} {edits}"
    others = len(found.reverted) - len(theirs)
    if others:
        evidence += f" (and {others} other revision(s))"
    if found.reverted_to is not None:
        evidence += f", restoring r{found.reverted_to.revid} by {found.reverted_to.user.name}"
    evidence += f"; {found.how}"
    confidence = _CONFIDENCE.get(found.method, 0.9) if found.verified else _UNVERIFIED_CONFIDENCE
    return Finding(Kind.REVERT, confidence, evidence, person.name)


class RevertDetector:
    name = "revert"
    kinds = frozenset({Kind.REVERT})
    # texts let an undo of an older (non-top) edit be checked; sha1s alone cover the rest
    needs = frozenset({Need.TEXT, Need.HISTORY_TEXT})

    def detect(self, event: Event, context: Context) -> Sequence[Finding]:
        try:
            return revert_findings(event, context)
        except (TypeError, ValueError, AttributeError):  # malformed input: no finding
            return []


DETECTOR = RevertDetector()
