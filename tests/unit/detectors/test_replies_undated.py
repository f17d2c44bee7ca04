"""`reply` detector, issue 17 class 1: replies that carry no timestamp.

Signed with `~~~` (name and talk link, no date), not signed at all, or signed with a bare name:
the revision's author wrote the added lines, and indentation and position tell what they answer.
"""
from __future__ import annotations

import pytest

from detectors.model import Kind
from detectors.replies import DETECTOR, SIGNED_BY_OTHER, UNDATED, UNDATED_AMBIGUOUS
from tests.core_helpers import edit
from tests.unit.detectors.test_replies import BASE, BOB1, CAROL2, WHEN, ctx, insert_after, sig

TILDE3 = "[[User:Alice|Alice]] ([[User talk:Alice|talk]])"  # what ~~~ saves as
UNSIGNED_LATER = "{{unsigned|Alice|10:25, 20 November 2026 (UTC)}}"
SUBST_UNSIGNED = ("<!-- Template:Unsigned --> [[User:Alice|Alice]] ([[User talk:Alice#top|talk]]"
                  " • [[Special:Contributions/Alice|contribs]]) 10:25, 20 November 2026 (UTC)")
NO_CAROL = BASE.replace(CAROL2 + "\n", "")
BOB_UNDATED = "I think the source is reliable enough. [[User:Bob|Bob]] ([[User talk:Bob|talk]])"
CAROL_UNSIGNED = ":Carol's view, unsigned."

# (id, old, new, protected, expected target or None, confidence, evidence fragment)
CASES = [
    ("tilde3", BASE, insert_after(BASE, BOB1, f":Agreed. {TILDE3}"), "Bob", "Bob", UNDATED,
     "signed without a date"),
    ("unsigned", BASE, insert_after(BASE, CAROL2, ":Agreed with Bob."), "Bob", "Bob", UNDATED,
     "the reply is unsigned"),
    ("unsigned-level1", BASE, insert_after(BASE, BOB1 + "\n" + CAROL2, "::Agreed, Carol."),
     "Carol", "Carol", UNDATED, "unsigned"),
    ("bare-name", BASE, insert_after(BASE, BOB1, ":Agreed. -- Alice"), "Bob", "Bob", UNDATED,
     "signed with a bare name"),
    ("bare-name-no-dash", BASE, insert_after(BASE, BOB1, ":Agreed. Alice"), "Bob", "Bob", UNDATED,
     "signed with a bare name"),
    ("unsigned-before-existing-reply", BASE, insert_after(BASE, BOB1, ":No, it is not."), "Bob",
     "Bob", UNDATED, 'replied to Bob\'s comment of 2026-11-20 10:01 ("I think the source'),
    ("unsigned-multi-line", BASE, insert_after(BASE, CAROL2, "::First point.\n::Second point."),
     "Carol", "Carol", UNDATED, "unsigned"),
    ("unsigned-end-of-section", NO_CAROL, insert_after(NO_CAROL, BOB1, ":Hm."), "Bob", "Bob",
     UNDATED, 'in section "Sources"'),
    ("unsigned-skipped-level", NO_CAROL, insert_after(NO_CAROL, BOB1, "::Skipping."), "Bob", "Bob",
     UNDATED_AMBIGUOUS, "skipped-level"),
    ("unsigned-outdent", BASE, insert_after(BASE, CAROL2, "{{od}} Back to the point."), "Carol",
     "Carol", UNDATED_AMBIGUOUS, "outdent"),
    ("undated-parent", BASE.replace(BOB1, BOB_UNDATED),
     insert_after(BASE.replace(BOB1, BOB_UNDATED), BOB_UNDATED, ":Agreed."), "Bob", "Bob",
     UNDATED_AMBIGUOUS, "Bob's undated comment"),
    ("dated-reply-to-undated-parent", BASE.replace(BOB1, BOB_UNDATED),
     insert_after(BASE.replace(BOB1, BOB_UNDATED), BOB_UNDATED, f":Agreed. {sig('Alice', 20)}"),
     "Bob", "Bob", UNDATED_AMBIGUOUS, "replied to Bob's undated comment"),
    ("signed-other-undated", BASE, insert_after(BASE, BOB1, ":Agreed. [[User:Mallory|Mallory]]"),
     "Bob", "Bob", SIGNED_BY_OTHER, "signed Mallory"),
    ("hash-vote", "== Vote ==\n# Support. " + sig("Bob", 1) + "\n",
     "== Vote ==\n# Support. " + sig("Bob", 1) + "\n#: Why?\n", "Bob", "Bob", UNDATED, "unsigned"),
    # near misses: nothing
    ("unsigned-reply-to-someone-else", BASE, insert_after(BASE, CAROL2, "::Yes, Carol."), "Bob",
     None, None, None),
    ("unsigned-top-level", BASE, insert_after(BASE, CAROL2, "Another view entirely."), "Bob",
     None, None, None),
    ("unsigned-new-section", BASE, BASE + "== Bob ==\nBob is wrong.\n", "Bob", None, None, None),
    ("below-carols-unsigned-line", insert_after(NO_CAROL, BOB1, CAROL_UNSIGNED),
     insert_after(insert_after(NO_CAROL, BOB1, CAROL_UNSIGNED), CAROL_UNSIGNED, "::Yes, Carol."),
     "Bob", None, None, None),
    ("edits-own-unsigned-reply", insert_after(BASE, BOB1, ":Agreed."),
     insert_after(BASE, BOB1, ":Agreed, mostly."), "Bob", None, None, None),
    ("moves-own-unsigned-reply", insert_after(BASE, BOB1, ":Agreed, fully."),
     insert_after(BASE, CAROL2, ":Agreed, fully."), "Bob", None, None, None),
    ("signing-bot-adds-unsigned", insert_after(BASE, BOB1, ":Agreed."),
     insert_after(BASE, BOB1, f":Agreed. {UNSIGNED_LATER}"), "Bob", None, None, None),
    ("signing-bot-substs-unsigned", insert_after(BASE, BOB1, ":Agreed."),
     insert_after(BASE, BOB1, f":Agreed. {SUBST_UNSIGNED}"), "Bob", None, None, None),
    ("actor-signs-later", insert_after(BASE, BOB1, ":Agreed."),
     insert_after(BASE, BOB1, f":Agreed. {sig('Alice', 25)}"), "Bob", None, None, None),
    ("markup-only-line", BASE, insert_after(BASE, BOB1, ":<!-- note -->"), "Bob", None, None,
     None),
    ("article-page", BASE, insert_after(BASE, BOB1, ":Agreed."), "Bob", None, None, None),
]


def run(old, new, protected=("Bob",), title="Talk:Foo"):
    return list(DETECTOR.detect(edit("Alice", title, when=WHEN), ctx(old, new, protected)))


def _title(name: str) -> str:
    return "Foo" if name == "article-page" else "Talk:Foo"


@pytest.mark.parametrize("name,old,new,protected,target,conf,fragment", CASES,
                         ids=[c[0] for c in CASES])
def test_undated_reply_cases(name, old, new, protected, target, conf, fragment):
    findings = run(old, new, protected=(protected,), title=_title(name))
    if target is None:
        assert findings == [], findings
        return
    assert len(findings) == 1, findings
    (f,) = findings
    assert (f.kind, f.target, f.confidence) == (Kind.REPLY, target, conf), f
    assert fragment in f.evidence, f.evidence


def test_unsigned_reply_says_it_is_the_edits_author_not_the_signature():
    (f,) = run(BASE, insert_after(BASE, BOB1, ":No."))
    assert f.evidence == ('replied to Bob\'s comment of 2026-11-20 10:01 ("I think the source is '
                          'reliable enough.") in section "Sources"; the reply is unsigned (the '
                          "edit's author wrote it)")


def test_dated_and_undated_replies_in_one_edit_are_one_finding():
    new = insert_after(BASE, BOB1, f":One. {sig('Alice', 20)}")
    new = new + f"== More ==\nQ. {sig('Bob', 4)}\n:Two, unsigned.\n"
    (f,) = run(BASE, new)
    assert f.confidence == 0.9 and "2 replies to Bob in this edit" in f.evidence


def test_confidence_constants():
    assert (UNDATED, UNDATED_AMBIGUOUS) == (0.8, 0.5)


@pytest.mark.parametrize("signature", [UNSIGNED_LATER, SUBST_UNSIGNED])
def test_the_other_party_signing_their_reply_is_no_reply_and_no_change(signature):
    # a two-way ban: Bob, banned too, adds {{unsigned}} to Alice's unsigned reply to him
    from detectors.bans import Person, Restriction
    from detectors.base import Context
    from detectors.changes import DETECTOR as CHANGES
    from detectors.model import SiteInfo
    from tests.core_helpers import ban
    old = insert_after(BASE, BOB1, ":Agreed.")
    new = insert_after(BASE, BOB1, f":Agreed. {signature}")
    restriction = Restriction(ban(), Person(1, "Bob"), (Person(2, "Alice"),))
    context = Context(restriction, SiteInfo(), old, new)
    for detector in (DETECTOR, CHANGES):
        assert list(detector.detect(edit("Bob", "Talk:Foo", when=WHEN), context)) == []
