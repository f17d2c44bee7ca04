"""`reply`: a comment the edit adds in direct reply to a protected user's comment.

The comment replied to is the closest preceding comment one level up in the same section
(DiscussionTools' rule, see wikitext/threads.py). Replying to someone else in a thread the
protected user is in is not a reply to them (mentions are the `mention` detector's), nor is
a new section or a top-level comment. Every comment the edit adds counts as the actor's
(the edit is theirs, whatever the signature says); a comment signed by someone else is
reported with lower confidence and said so, and one signed by someone else and dated more
than a day before the edit is copied or archived text, not a reply, and is skipped. The
actor's own comment dated that far back (their old reply, archived or moved) is reported with
low confidence and said so: a timestamp can be typed by hand.

A comment's author is the last signature on its signature line: a line that quotes someone's
signature and then carries its writer's ("You wrote '... [[User:Bob]] 10:01 ...' - no.
[[User:Alice]] 10:20 ...") is the writer's comment, whether it is the reply or the parent.
A signature added after someone's on the same line (an inline reply, or a quote of them) is
also a reply to them, with lower confidence, when its indentation parent is someone else.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import mwparserfromhell

from detectors.bans import Person
from detectors.base import Context, Need
from detectors.model import NS_PROJECT, Event, Finding, Kind, SiteInfo, normalize_user_name
from detectors.wikitext.comments import (
    COPIED_AFTER,
    AddedComment,
    Changes,
    added_comments,
    line_changes,
)
from detectors.wikitext.signatures import Signature
from detectors.wikitext.threads import VIA_INDENT, Comment, closing_signature
from detectors.wikitext.undated import (
    BARE_NAME,
    DATED,
    MAX_UNDATED,
    NO_DATE,
    UNSIGNED,
    Prior,
    UndatedComment,
    below_undated,
    undated_comments,
)

CONFIDENT = 0.9  # a direct reply, one level below a clear parent
AMBIGUOUS = 0.6  # the parent found only through {{outdent}} or a skipped indentation level
VIA_INLINE = "a signature earlier on its line"  # an inline reply, or a quote of its parent
SIGNED_BY_OTHER = 0.5  # the new comment carries someone else's signature
OLD_OWN = 0.3  # the actor's own comment, dated more than a day before the edit
UNDATED = 0.8  # a comment with no timestamp (~~~, a bare name, unsigned), below a clear parent
UNDATED_AMBIGUOUS = 0.5  # the same, parent through {{outdent}}, a skipped level or undated
_SNIPPET_SOURCE = 400  # characters of the parent comment turned into its first words
_SNIPPET_WORDS = 8
_MARKUP = re.compile(r"^[:*#;]+\s*", re.MULTILINE)
_SIG_TAIL = re.compile(r"[\s\-—–~]+$")
# the rest of a signature before its last link:
# "[[User:Bob|Bob]] (" of "... ([[User talk:Bob|talk]])"
_SIG_LINKS = re.compile(r"(?:\[\[[^\[\]]*\]\][\s(\-—–~]*)+$")


def _names(person: Person) -> set[str]:
    return {normalize_user_name(n) for n in person.names}


def _first_words(text: str, comment: Comment) -> str:
    return _words(text, comment.start, comment.signature.start)


def _words(text: str, start: int, words_end: int) -> str:
    """The first words of text[start:words_end], a comment without its signature."""
    raw = text[start:min(words_end, start + _SNIPPET_SOURCE)]
    if words_end - start <= _SNIPPET_SOURCE:  # the signature's head is in
        raw = _SIG_LINKS.sub("", raw.rstrip())
    raw = _MARKUP.sub("", raw)
    try:
        plain = mwparserfromhell.parse(raw).strip_code()
    except Exception:  # mwparserfromhell on odd markup: fall back to the raw text
        plain = raw
    words = _SIG_TAIL.sub("", " ".join(plain.split())).split()
    snippet = " ".join(words[:_SNIPPET_WORDS])
    return snippet + ("..." if len(words) > _SNIPPET_WORDS else "")


def _when(sig: Signature) -> str:
    return sig.timestamp.strftime("%Y-%m-%d %H:%M") if sig.timestamp else \
        (sig.timestamp_text or "unknown time")


def _section(comment: Comment) -> str:
    return f'in section "{comment.section}"' if comment.section else "at the top of the page"


@dataclass(frozen=True, slots=True)
class _Reply:
    """An added comment with a parent, and who wrote each (see `closing_signature`)."""

    comment: Comment
    parent: Comment
    sig: Signature
    parent_sig: Signature
    via: str  # how the parent was found: the comment's `via`, or VIA_INLINE


def _replies(added: list[AddedComment], text: str, site: SiteInfo) -> list[_Reply]:
    closing: dict[int, Signature] = {}  # many replies may share a parent: each line once

    def sig(c: Comment) -> Signature:
        if c.start not in closing:
            closing[c.start] = closing_signature(text, c, site)
        return closing[c.start]

    out = []
    for a in added:
        own = sig(a.comment)
        if a.parent is not None:
            out.append(_Reply(a.comment, a.parent, own, sig(a.parent), a.comment.via))
        if own.start != a.comment.signature.start:  # signed after someone's signature
            out.append(_Reply(a.comment, a.comment, own, a.comment.signature, VIA_INLINE))
    return out


def _old(reply: _Reply, event: Event) -> bool:
    """Dated more than a day before the edit: copied, archived, or a hand-typed date."""
    stamp = reply.sig.timestamp
    return stamp is not None and stamp < event.timestamp - COPIED_AFTER


class ReplyDetector:
    name = "reply"
    kinds = frozenset({Kind.REPLY})
    needs: frozenset[Need] = frozenset({Need.TEXT})

    def detect(self, event: Event, context: Context) -> Sequence[Finding]:
        if not event.is_edit or not context.restriction.protected:
            return []
        try:
            changes = line_changes(context.old_text, context.new_text,
                                   context.limits.max_parse_bytes)
            if changes is None:
                return []
            added = added_comments(context.old_text, context.new_text, context.site,
                                   context.limits.max_parse_bytes, changes)
            replies = _replies(added, context.new_text or "", context.site)
            undated = _undated(event, context, changes)
            undated += _below_undated(added, event, context)
        except (RecursionError, MemoryError):  # a bound we did not foresee: no finding
            return []
        findings = []
        for person in context.restriction.protected:
            theirs = self._theirs(replies, person, event, context)
            loose = [(u, u.parent) for u in undated
                     if u.parent is not None and u.parent.author in _names(person)]
            if theirs:
                findings.append(self._finding(person, theirs, event, context, len(loose)))
            elif loose:
                findings.append(_undated_finding(person, loose, context))
        return findings

    def _theirs(self, replies: list[_Reply], person: Person, event: Event,
                context: Context) -> list[_Reply]:
        """The replies to `person`, one per comment (its indentation parent first)."""
        out, seen = [], set()
        for r in replies:
            if r.comment.start not in seen and self._counts(r, person, event, context):
                seen.add(r.comment.start)
                out.append(r)
        return out

    def _counts(self, reply: _Reply, person: Person, event: Event, context: Context) -> bool:
        if reply.parent_sig.author not in _names(person):
            return False
        if reply.sig.author in _names(person):
            return False  # the protected user's own comment, moved or restored
        return reply.sig.author in _names(context.restriction.actor) or not _old(reply, event)

    def _finding(self, person: Person, replies: list[_Reply], event: Event,
                 context: Context, undated: int = 0) -> Finding:
        first = replies[0]
        comment, parent, parent_sig = first.comment, first.parent, first.parent_sig
        confidence = CONFIDENT if first.via == VIA_INDENT else AMBIGUOUS
        evidence = (f"replied to {parent_sig.author}'s comment of {_when(parent_sig)} "
                    f'("{_first_words(context.new_text or "", parent)}") {_section(comment)}')
        if first.via != VIA_INDENT:
            evidence += f" (parent found through {first.via})"
        others = {r.sig.author for r in replies} - _names(context.restriction.actor)
        if others:
            confidence = min(confidence, SIGNED_BY_OTHER)
            evidence += f"; the new comment is signed {', '.join(sorted(others))}"
        if all(_old(r, event) for r in replies):
            confidence = min(confidence, OLD_OWN)
            evidence += (f"; the new comment is dated {_when(first.sig)}, more than a day before "
                         "the edit (copied or archived?)")
        if len(replies) + undated > 1:
            evidence += f"; {len(replies) + undated} replies to {person.name} in this edit"
        return Finding(Kind.REPLY, confidence, evidence, person.name)


def _discussion(event: Event, site: SiteInfo) -> bool:
    """A talk or project page: where an undated added line is a comment, not article text."""
    ns = event.namespace or site.split_title(event.title)[0]
    return ns % 2 == 1 or ns == NS_PROJECT


def _undated(event: Event, context: Context, changes: Changes) -> list[UndatedComment]:
    if not _discussion(event, context.site):
        return []
    return undated_comments(context.old_text, context.new_text, context.site,
                            context.restriction.actor.names, context.limits.max_parse_bytes,
                            changes)


def _below_undated(added: list[AddedComment], event: Event, context: Context
                   ) -> list[UndatedComment]:
    """Dated comments added without a DiscussionTools parent whose parent is a comment
    signed without a date (`~~~`)."""
    if not _discussion(event, context.site):
        return []
    text = context.new_text or ""
    found = (below_undated(text, a.comment.signature, context.site,
                           context.limits.max_parse_bytes)
             for a in added[:MAX_UNDATED] if a.parent is None)
    return [f for f in found if f is not None]


_FORMS = {UNSIGNED: "unsigned", NO_DATE: "signed without a date",
          BARE_NAME: "signed with a bare name"}


def _undated_finding(person: Person, replies: list[tuple[UndatedComment, Prior]],
                     context: Context) -> Finding:
    """`replies`: the undated replies to `person`, each with its parent."""
    first, parent = replies[0]
    text = context.new_text or ""
    words = _words(text, parent.start, parent.words_end)
    dated = parent.signature is not None and bool(parent.signature.timestamp_text)
    whose = (f"{parent.author}'s comment of {_when(parent.signature)}"
             if dated and parent.signature else f"{parent.author}'s undated comment")
    section = f'in section "{first.section}"' if first.section else "at the top of the page"
    evidence = f'replied to {whose} ("{words}") {section}'
    confidence = UNDATED if first.via == VIA_INDENT and dated else UNDATED_AMBIGUOUS
    if first.via != VIA_INDENT:
        evidence += f" (parent found through {first.via})"
    form = _FORMS.get(first.form, "")
    if first.form in (NO_DATE, DATED) and first.signer not in _names(context.restriction.actor):
        form = f"signed {first.signer}" + (" without a date" if first.form == NO_DATE else "")
        confidence = min(confidence, SIGNED_BY_OTHER)
    if form:
        evidence += f"; the reply is {form} (the edit's author wrote it)"
    if len(replies) > 1:
        evidence += f"; {len(replies)} replies to {person.name} in this edit"
    return Finding(Kind.REPLY, confidence, evidence, person.name)


DETECTOR = ReplyDetector()
