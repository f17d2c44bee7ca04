"""`edit-change`: an edit that removes or rewrites words the protected user wrote.

The words of the text before the edit are attributed to the revisions that introduced them by
walking the page history (detectors/wikitext/attribution.py), within `limits.history_revisions`
revisions and `limits.history_bytes` bytes of text, so the cost of one edit does not grow
with the page's history. Words from before that window, or added across a hidden revision, are
of unknown origin and never reported. Whitespace and formatting (`''`, `'''`) are not words,
nor are HTML tags (`<s>`, `<small>`, `<ref>`).

A protected user's word counts as touched when the edit deletes or replaces it, or inserts
words inside their sentence; adding text beside theirs does not count. Confidence grows with
the share of their (attributed) words touched. Moving or removing a maintenance tag they added
(`{{citation needed}}`, `{{POV}}`, ...) is a contested case: a separate low-confidence finding.
Edits the revert detector reports for a protected user are left to it.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from detectors.bans import Person
from detectors.base import Context, DetectorLimits, Need
from detectors.model import Event, EventType, Finding, Kind, Revision, normalize_user_name
from detectors.reverts import revert_findings, when
from detectors.wikitext.appearance import (
    HATTED,
    HOW,
    MOVED,
    MOVED_IN,
    QUOTED,
    REINDENTED,
    REMOVED,
    SMALL,
    STRUCK,
    AppearanceChange,
    appearance_changes,
)
from detectors.wikitext.attribution import (
    SENTENCE_ENDS,
    UNKNOWN,
    Comparison,
    Line,
    Step,
    attribute,
    compare,
)

TAG_CONFIDENCE = 0.3
_EXCERPT_WORDS = 12

# canonical name -> other names (redirects) of the same maintenance template
MAINTENANCE_TAGS: dict[str, tuple[str, ...]] = {
    "citation needed": ("cn", "fact", "citation-needed", "cite needed", "needs citation"),
    "pov": ("npov", "pov section", "pov-section", "neutrality"),
    "unreferenced": ("unsourced", "no sources", "refimprove", "more citations needed"),
    "dubious": ("dubious-inline",),
    "clarify": ("clarification needed", "huh"),
    "disputed": ("disputed inline", "disputed-inline", "accuracy disputed"),
    "verification needed": ("verify source", "failed verification", "fv"),
    "original research": ("or", "original research inline"),
    "who": ("by whom", "according to whom"),
    "weasel": ("weasel inline", "weasel words"),
    "peacock": ("peacock inline", "peacock term"),
    "when": (),
    "vague": (),
}
_CANONICAL = {n: c for c, names in MAINTENANCE_TAGS.items() for n in (c, *names)}
_NAMES = "|".join(re.escape(n).replace(r"\ ", "[ _]+")
                  for n in sorted(_CANONICAL, key=len, reverse=True))
_TOKEN = re.compile(
    r"(?P<html></?[a-zA-Z][^<>\n]*>)|"
    r"\{\{\s*(?:template\s*:\s*)?(?P<tag>" + _NAMES + r")\s*(?:\|[^{}]*)?\}\}|\w+|[.!?]",
    re.IGNORECASE)


def tokenize(line: str) -> list[str]:
    """Words, sentence ends, and maintenance tags as one token each (`{{citation needed}}`);
    HTML tags (`<s>`, `<small>`, `<ref>`) are formatting, not words."""
    out = []
    for m in _TOKEN.finditer(line):
        tag = m.group("tag")
        if m.group("html"):
            continue
        if tag is None:
            out.append(m.group(0))
        else:
            out.append("{{" + _CANONICAL.get(" ".join(tag.replace("_", " ").split()).lower(),
                                             tag) + "}}")
    return out


def is_tag(token: str) -> bool:
    return token.startswith("{{")


def is_word(token: str) -> bool:
    return not is_tag(token) and token not in SENTENCE_ENDS


def window(history: Sequence[Revision], limits: DetectorLimits) -> list[Revision]:
    """The newest revisions within the limits, oldest first; stops at the first over budget.

    A revision's cost is its `size` (bytes, from the wiki), else its text's length."""
    out: list[Revision] = []
    budget = limits.history_bytes
    for rev in history[:max(0, limits.history_revisions)]:
        size = (rev.size or len(rev.text)) if isinstance(rev.text, str) else 0
        if size > budget:
            break
        budget -= size
        out.append(rev)
    return out[::-1]


def _attributed(revs: list[Revision], old: str) -> list[Line]:
    steps = [Step(i, r.text if isinstance(r.text, str) else None) for i, r in enumerate(revs)]
    known = [r.text for r in revs if isinstance(r.text, str)]
    if not known or known[-1] != old:
        steps.append(Step(UNKNOWN, old))  # the edit's base is not the last known revision
    return attribute(steps, tokenize, first_is_creation=bool(revs) and revs[0].parentid == 0)


def edit_change_findings(event: Event, context: Context,
                         moved: frozenset[str] = frozenset()) -> list[Finding]:
    """`moved`: protected users (names) whose comments the edit moved to another section;
    their words removed in one place and inserted in another are moved, not removed."""
    if event.type is not EventType.EDIT or not isinstance(context.new_text, str):
        return []
    history = tuple(r for r in context.history if isinstance(r, Revision))
    old = context.old_text if context.old_text is not None else (
        history[0].text if history else None)
    if not isinstance(old, str):
        return []
    revs = window(history, context.limits)
    people = [(p, theirs) for p in context.restriction.protected
              if (theirs := {i for i, r in enumerate(revs) if p.is_user(r.user)})]
    if people:  # edits the revert detector reports for a person are left to it
        flagged = {f.target for f in revert_findings(event, context)}
        people = [(p, theirs) for p, theirs in people if p.name not in flagged]
    if not people:
        return []
    lines = _attributed(revs, old)
    diff = compare(old, lines, context.new_text, tokenize,
                   counts=lambda t: is_word(t))
    out = []
    for person, theirs in people:
        out.extend(_person_findings(person, theirs, revs, lines, diff, person.name in moved))
    return out


def _person_findings(person: Person, theirs: set[int], revs: list[Revision],
                     lines: list[Line], diff: Comparison, moved: bool = False) -> list[Finding]:
    out = []
    total = sum(1 for ln in lines for t, o in ln if o in theirs and is_word(t))
    removed = [(t, o) for t, o in diff.removed if o in theirs and is_word(t)]
    if moved:
        removed = _not_reinserted(removed, diff.inserted)
    inserted = [(t, o) for t, o in diff.interrupted if o in theirs and is_word(t)]
    touched = removed + inserted
    if touched and total:
        share = min(1.0, len(touched) / total)
        confidence = round(min(0.9, 0.4 + 0.5 * share), 3)
        parts = [f"removed or changed {len(removed)} of {person.name}'s {total} words "
                 f"{_excerpt(removed)}"] if removed else []
        if inserted:
            parts.append(f"inserted words into {person.name}'s sentence after {_excerpt(inserted)}")
        evidence = "; ".join(parts) + f", introduced in {_sources(touched, revs)}"
        out.append(Finding(Kind.EDIT_CHANGE, confidence, evidence, person.name))
    tags = [(t, o) for t, o in diff.removed if o in theirs and is_tag(t)]
    if tags:
        reinserted = Counter(t for t in diff.inserted if is_tag(t))
        verbs = []
        for t, o in tags:
            moved = reinserted[t] > 0
            reinserted[t] -= 1 if moved else 0
            verb = "moved" if moved else "removed"
            verbs.append(f"{verb} {t} added in {_sources([(t, o)], revs)}")
        evidence = "; ".join(verbs) + " (contested: maintenance tag, low confidence)"
        out.append(Finding(Kind.EDIT_CHANGE, TAG_CONFIDENCE, evidence, person.name))
    return out


def _not_reinserted(removed: list[tuple[str, int]], inserted: Sequence[str]
                    ) -> list[tuple[str, int]]:
    left = Counter(inserted)
    out = []
    for t, o in removed:
        if left[t] > 0:
            left[t] -= 1
        else:
            out.append((t, o))
    return out


def _excerpt(tokens: list[tuple[str, int]]) -> str:
    shown = " ".join(t for t, _ in tokens[:_EXCERPT_WORDS])
    return f'("{shown}{" ..." if len(tokens) > _EXCERPT_WORDS else ""}")'


def _sources(tokens: list[tuple[str, int]], revs: list[Revision]) -> str:
    counts = Counter(o for _, o in tokens)
    parts = []
    for o, _ in counts.most_common(3):
        r = revs[o]
        parts.append(f"r{r.revid} by {r.user.name} at {when(r)}")
    more = len(counts) - len(parts)
    return ", ".join(parts) + (f" and {more} other revision(s)" if more > 0 else "")


# form -> confidence of a change to how their comment appears (words unchanged)
APPEARANCE_CONFIDENCE = {
    STRUCK: 0.8, HATTED: 0.7, MOVED: 0.7, SMALL: 0.6, QUOTED: 0.6, REINDENTED: 0.6,
    REMOVED: 0.6, MOVED_IN: 0.3,
}


def appearance_by_person(event: Event, context: Context
                         ) -> list[tuple[Person, list[AppearanceChange]]]:
    """What the edit did to how each protected user's signed comments appear."""
    if not event.is_edit or not isinstance(context.new_text, str):
        return []
    people = context.restriction.protected
    if not people or (event.type is EventType.NEW or context.old_text is None):
        return []
    changes = appearance_changes(context.old_text, context.new_text, context.site,
                                 context.limits.max_parse_bytes,
                                 [n for p in people for n in p.names])
    out = []
    for person in people:
        names = {normalize_user_name(n) for n in person.names}
        theirs = [ch for ch in changes if ch.author in names]
        if theirs:
            out.append((person, theirs))
    return out


_SHOWN_TIMES = 3  # comment times named per group of like changes; then "and N more"
_SHOWN_PARTS = 5


def _appearance_finding(person: Person, changes: list[AppearanceChange]) -> Finding:
    groups: dict[tuple[str, str], list[AppearanceChange]] = {}
    for ch in changes:  # like changes in one section: one phrase naming their times
        single = ch.form in (MOVED, REINDENTED)
        key = (ch.form, str(id(ch)) if single else ch.placed.comment.section)
        groups.setdefault(key, []).append(ch)
    parts = list(dict.fromkeys(_describe(group) for group in groups.values()))
    confidence = max(APPEARANCE_CONFIDENCE[ch.form] for ch in changes)
    evidence = "; ".join(parts[:_SHOWN_PARTS])
    if len(parts) > _SHOWN_PARTS:
        evidence += f"; and {len(parts) - _SHOWN_PARTS} more changes to their comments"
    if any(ch.form == MOVED_IN for ch in changes):
        evidence += " (low confidence: moved or copied from another page, or a copied signature)"
    return Finding(Kind.EDIT_CHANGE, confidence, evidence, person.name)


def _when(ch: AppearanceChange) -> str:
    sig = ch.placed.signature
    return sig.timestamp.strftime("%Y-%m-%d %H:%M") if sig.timestamp else \
        (sig.timestamp_text or "unknown time")


def _describe(group: list[AppearanceChange]) -> str:
    """One phrase for like changes (same form, same section) to one user's comments."""
    ch = group[0]
    now = ch.placed
    times = [_when(c) for c in group]
    shown = ", ".join(times[:_SHOWN_TIMES]) + (
        f" and {len(times) - _SHOWN_TIMES} more" if len(times) > _SHOWN_TIMES else "")
    whose = f"{ch.author}'s comment{'s' if len(times) > 1 else ''} of {shown}"
    where = f'section "{now.comment.section}"' if now.comment.section else "the top of the page"
    before, after = ch.before, ch.after
    if before is None:
        return f"added {whose} to this page in {where}, not written in this edit"
    if after is None:
        return (f"removed {whose} from {where} (deleted, or moved to another page: that page's "
                "edit shows it added)")
    if ch.form == MOVED:
        was = before.comment.section
        return f'moved {whose} from section "{was}" to {where}' if was else \
            f"moved {whose} from the top of the page to {where}"
    if ch.form == REINDENTED:
        answered = f"{before.parent}'s comment" if before.parent else "the section"
        answers = f"{after.parent}'s comment" if after.parent else "the section"
        return (f"re-indented {whose} in {where}: it answered {answered}, now {answers}"
                if answered != answers else f"re-indented {whose} in {where}")
    return f"{HOW[ch.form]} {whose} in {where}"


class EditChangeDetector:
    name = "edit-change"
    kinds = frozenset({Kind.EDIT_CHANGE})
    needs = frozenset({Need.TEXT, Need.HISTORY_TEXT})

    def detect(self, event: Event, context: Context) -> Sequence[Finding]:
        try:
            looks = appearance_by_person(event, context)
        except (TypeError, ValueError, AttributeError, IndexError, RecursionError):
            looks = []
        moved = frozenset(p.name for p, chs in looks if any(ch.form == MOVED for ch in chs))
        try:
            found = edit_change_findings(event, context, moved)
        except (TypeError, ValueError, AttributeError, IndexError):  # malformed input
            found = []
        worded = {f.target for f in found if f.confidence != TAG_CONFIDENCE}
        look = []
        for person, changes in looks:  # their words removed: already said by `found`
            kept = [ch for ch in changes if ch.form != REMOVED or person.name not in worded]
            if kept:
                look.append(_appearance_finding(person, kept))
        if look:  # edits the revert detector reports for a person are left to it
            flagged = {f.target for f in revert_findings(event, context)}
            look = [f for f in look if f.target not in flagged]
        return found + look


DETECTOR = EditChangeDetector()
