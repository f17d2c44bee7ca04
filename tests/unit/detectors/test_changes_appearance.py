"""`edit-change`, issue 17 class 2: changing how their comment appears, words unchanged."""
from __future__ import annotations

from datetime import timedelta

import pytest

from detectors.bans import Person, Restriction
from detectors.base import Context
from detectors.changes import APPEARANCE_CONFIDENCE, DETECTOR
from detectors.model import Event, EventType, Kind, Revision, SiteInfo
from detectors.wikitext.appearance import (
    HATTED,
    MOVED,
    MOVED_IN,
    QUOTED,
    REINDENTED,
    REMOVED,
    SMALL,
    STRUCK,
)
from tests.core_helpers import ban, edit
from tests.unit.detectors.test_changes import T0, USERS, restriction, sha
from tests.unit.detectors.test_replies import WHEN, sig

BOB = f"The source is reliable. {sig('Bob', 1)}"
CAROL = f":Not sure about that. {sig('Carol', 2)}"
BOB2 = f"::It is peer reviewed. {sig('Bob', 3)}"
ALICE = f":::Still not convinced. {sig('Alice', 4)}"
DAVE = f"Another thread. {sig('Dave', 5)}"
EVE = f":Reply to Dave. {sig('Eve', 6)}"
PAGE = f"== Sources ==\n{BOB}\n{CAROL}\n{BOB2}\n{ALICE}\n\n== Other ==\n{DAVE}\n{EVE}\n"


def wrap(text: str, line: str, before: str, after: str) -> str:
    return text.replace(line, before + line + after, 1)


def strike(line: str, tag: str = "s") -> str:
    indent = len(line) - len(line.lstrip(":"))
    return f"{line[:indent]}<{tag}>{line[indent:]}</{tag}>"


HAT = "{{hat|Off topic}}\n"
HAB = "\n{{hab}}"
BOB2_UP = BOB2.replace("::", ":", 1)

# (id, new text, protected, expected form or None, evidence fragment)
CASES = [
    ("strike-s", PAGE.replace(BOB, strike(BOB)), "Bob", STRUCK,
     "struck Bob's comment of 2026-11-20 10:01 in section \"Sources\""),
    ("strike-strike", PAGE.replace(BOB2, strike(BOB2, "strike")), "Bob", STRUCK, "struck Bob's"),
    ("strike-del", PAGE.replace(BOB2, strike(BOB2, "del")), "Bob", STRUCK, "10:03"),
    ("strike-part", PAGE.replace("is reliable", "is <s>reliable</s>"), "Bob", STRUCK, "struck"),
    ("strike-template",
     PAGE.replace("The source is reliable.", "{{strike|The source is reliable.}}"),
     "Bob", STRUCK, "struck"),
    ("hat-hab", PAGE.replace(BOB + "\n", HAT + BOB + "\n").replace(BOB2 + "\n", BOB2 + HAB + "\n"),
     "Bob", HATTED, 'hatted (collapsed) Bob\'s comments of 2026-11-20 10:01, 2026-11-20 10:03 in '
                    'section "Sources"'),
    ("collapse-top", PAGE.replace(f"{BOB2}\n{ALICE}\n",
                                  f"{{{{collapse top|title=Tangent}}}}\n{BOB2}\n{ALICE}\n"
                                  "{{collapse bottom}}\n"), "Bob", HATTED, "10:03"),
    ("archive-top-unclosed", PAGE.replace("== Sources ==\n", "== Sources ==\n{{archive top|result="
                                          "No consensus}}\n"), "Bob", HATTED, "hatted"),
    ("hat-unclosed-lower-in-section", PAGE.replace(CAROL, "{{hat|Tangent}}\n" + CAROL), "Bob",
     HATTED, "10:03"),
    ("small", PAGE.replace(BOB, f"<small>{BOB}</small>"), "Bob", SMALL, "made small"),
    ("small-template", PAGE.replace("It is peer reviewed.", "{{small|It is peer reviewed.}}"),
     "Bob", SMALL, "10:03"),
    ("quote-box", PAGE.replace(BOB2 + "\n", "{{quote box|quote=\n" + BOB2 + "\n}}\n"), "Bob",
     QUOTED, "put in a quote"),
    ("blockquote", PAGE.replace(BOB, f"<blockquote>{BOB}</blockquote>"), "Bob", QUOTED, "quote"),
    ("moved-section", PAGE.replace(f"{BOB2}\n", "").replace(EVE, f"{EVE}\n{BOB2}"), "Bob", MOVED,
     'moved Bob\'s comment of 2026-11-20 10:03 from section "Sources" to section "Other"'),
    ("reindented", PAGE.replace(BOB2, BOB2_UP), "Bob", REINDENTED,
     "re-indented Bob's comment of 2026-11-20 10:03 in section \"Sources\": it answered Carol's "
     "comment, now Bob's"),
    ("moved-in", PAGE + "\n== Moved ==\nCopied here. " + sig("Bob", 0).replace("10:00", "09:00"),
     "Bob", MOVED_IN, "added Bob's comment of 2026-11-20 09:00 to this page"),
    ("removed", PAGE.replace(BOB2 + "\n", ""), "Bob", REMOVED,
     "removed Bob's comment of 2026-11-20 10:03 from section \"Sources\" (deleted, or moved to "
     "another page"),
    # near misses: nothing
    ("removes-own-comment", PAGE.replace(ALICE + "\n", ""), "Bob", None, None),
    ("removes-carols-comment", PAGE.replace(CAROL + "\n", ""), "Bob", None, None),
    ("strikes-own-comment", PAGE.replace(ALICE, strike(ALICE)), "Bob", None, None),
    ("strikes-carols-comment", PAGE.replace(CAROL, strike(CAROL)), "Bob", None, None),
    ("hats-thread-without-bob", PAGE.replace(f"{DAVE}\n{EVE}\n", f"{HAT}{DAVE}\n{EVE}{HAB}\n"),
     "Bob", None, None),
    ("reindents-carol", PAGE.replace(CAROL, ":" + CAROL), "Bob", None, None),
    ("moves-carol", PAGE.replace(f"{CAROL}\n", "").replace(EVE, f"{EVE}\n{CAROL}"), "Bob", None,
     None),
    ("replies-with-strike-in-own-comment",
     PAGE.replace(ALICE, f"{ALICE}\n::::<s>Retracted</s> point. {sig('Alice', 20)}"), "Bob",
     None, None),
    ("replies-between-bob-and-parent", PAGE.replace(CAROL, f"{CAROL}\n:Me too. {sig('Alice', 21)}"),
     "Bob", None, None),
    ("new-reply-to-bob", PAGE.replace(ALICE, f"{ALICE}\n:OK. {sig('Alice', 22)}"), "Bob", None,
     None),
    ("already-struck", None, "Bob", None, None),
]


def run(old: str, new: str, protected: str = "Bob"):
    restriction = Restriction(ban(), Person(2, "Alice"), (Person(0, protected),))
    return [f for f in DETECTOR.detect(edit("Alice", "Talk:Foo", when=WHEN),
                                       Context(restriction, SiteInfo(), old, new))]


@pytest.mark.parametrize("name,new,protected,form,fragment", CASES, ids=[c[0] for c in CASES])
def test_appearance_cases(name, new, protected, form, fragment):
    old = PAGE
    if name == "already-struck":  # Bob struck his own comment before; Alice replies to Carol
        old = PAGE.replace(BOB2, strike(BOB2))
        new = old.replace(ALICE, f"{ALICE}\n::::Fine. {sig('Alice', 23)}")
    findings = run(old, new, protected)
    if form is None:
        assert findings == [], findings
        return
    (f,) = findings
    assert (f.kind, f.target, f.confidence) == (Kind.EDIT_CHANGE, protected,
                                                APPEARANCE_CONFIDENCE[form]), f
    assert fragment in f.evidence, f.evidence


def test_several_changes_to_their_comments_are_one_finding():
    new = PAGE.replace(BOB, strike(BOB)).replace(BOB2, BOB2_UP)
    (f,) = run(PAGE, new)
    assert f.confidence == APPEARANCE_CONFIDENCE[STRUCK]
    assert "struck Bob's comment of 2026-11-20 10:01" in f.evidence
    assert "re-indented Bob's comment of 2026-11-20 10:03" in f.evidence


def test_a_page_creation_and_an_unchanged_text_give_nothing():
    assert run(None, PAGE) == [] and run(PAGE, PAGE) == []


def test_confidence_values():
    assert APPEARANCE_CONFIDENCE == {STRUCK: 0.8, HATTED: 0.7, MOVED: 0.7, SMALL: 0.6,
                                     QUOTED: 0.6, REINDENTED: 0.6, REMOVED: 0.6, MOVED_IN: 0.3}


def test_a_partial_strike_is_not_words_inserted_into_their_sentence():
    # with the page history, the word attribution sees Bob's words; <s> is not a word
    first = f"== Sources ==\n{BOB}"
    history = (Revision(2, 1, USERS["C"], T0 + timedelta(hours=1), sha1=sha(PAGE), text=PAGE),
               Revision(1, 0, USERS["B"], T0, sha1=sha(first), text=first))
    event = Event("devwiki", EventType.EDIT, T0 + timedelta(days=1), USERS["A"],
                  title="Talk:Foo", revid=100, old_revid=2)
    new = PAGE.replace("is reliable", "is <s>reliable</s>")
    (f,) = DETECTOR.detect(event, Context(restriction(), old_text=PAGE, new_text=new,
                                          history=history))
    assert f.evidence == 'struck Bob\'s comment of 2026-11-20 10:01 in section "Sources"'


def test_a_comment_moved_to_another_section_is_not_words_removed():
    first = PAGE.replace(BOB2 + "\n", "")
    history = (Revision(2, 1, USERS["B"], T0 + timedelta(hours=1), sha1=sha(PAGE), text=PAGE),
               Revision(1, 0, USERS["C"], T0, sha1=sha(first), text=first))
    event = Event("devwiki", EventType.EDIT, T0 + timedelta(days=1), USERS["A"],
                  title="Talk:Foo", revid=100, old_revid=2)
    new = PAGE.replace(f"{BOB2}\n", "").replace(EVE, f"{EVE}\n{BOB2}")
    (f,) = DETECTOR.detect(event, Context(restriction(), old_text=PAGE, new_text=new,
                                          history=history))
    assert f.evidence.startswith("moved Bob's comment of 2026-11-20 10:03"), f.evidence
    # moved and reworded: the rewording is still words changed
    reworded = new.replace("It is peer reviewed.", "It is not peer reviewed at all.")
    evidence = [f.evidence for f in DETECTOR.detect(
        event, Context(restriction(), old_text=PAGE, new_text=reworded, history=history))]
    assert any(e.startswith("moved Bob's") for e in evidence), evidence


def test_their_comment_removed_with_its_words_known_is_one_finding():
    first = f"== Sources ==\n{BOB}"
    history = (Revision(2, 1, USERS["C"], T0 + timedelta(hours=1), sha1=sha(PAGE), text=PAGE),
               Revision(1, 0, USERS["B"], T0, sha1=sha(first), text=first))
    event = Event("devwiki", EventType.EDIT, T0 + timedelta(days=1), USERS["A"],
                  title="Talk:Foo", revid=100, old_revid=2)
    (f,) = DETECTOR.detect(event, Context(restriction(), old_text=PAGE,
                                          new_text=PAGE.replace(BOB + "\n", ""), history=history))
    assert f.evidence.startswith("removed or changed"), f.evidence  # the words, said once
