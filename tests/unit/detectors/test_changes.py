"""edit-change detector: removed or rewritten words attributed to the protected user."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from detectors.bans import Ban, Person, Restriction
from detectors.base import Context, DetectorLimits
from detectors.changes import DETECTOR, TAG_CONFIDENCE, tokenize
from detectors.model import Event, EventType, Kind, Revision, UserRef
from detectors.wikitext.attribution import UNKNOWN, Step, attribute, compare

T0 = datetime(2026, 11, 1, tzinfo=UTC)
USERS = {"A": UserRef(10, "Alice"), "B": UserRef(20, "Bob"), "C": UserRef(30, "Carol"),
         "D": UserRef(40, "Dave")}


def restriction() -> Restriction:
    ban = Ban("IB-1", ("Alice",), ("Bob",), start=T0)
    return Restriction(ban, Person(10, "Alice"), (Person(20, "Bob"),))


def sha(text: str | None) -> str:
    return hashlib.sha1(text.encode()).hexdigest() if text is not None else ""


def history(*specs: tuple[str, str | None]) -> tuple[Revision, ...]:
    """(user letter, text or None) oldest first -> revisions 1..n (1 creates the page), newest
    first."""
    revs = [Revision(i + 1, i, USERS[u], T0 + timedelta(hours=i), sha1=sha(t), text=t)
            for i, (u, t) in enumerate(specs)]
    return tuple(reversed(revs))


DEFAULT_LIMITS = DetectorLimits()


def detect(specs, new, limits=DEFAULT_LIMITS, old=None):
    hist = history(*specs)
    event = Event("devwiki", EventType.EDIT, T0 + timedelta(days=3), USERS["A"], title="Foo",
                  revid=100, old_revid=hist[0].revid if hist else 0, sha1=sha(new))
    old = old if old is not None else (hist[0].text if hist else None)
    return DETECTOR.detect(event, Context(restriction(), old_text=old, new_text=new,
                                          history=hist, limits=limits))


INTRO = "Foo is a river in Ruritania."
BOB = "It is 300 km long and very wide."
BOB_TAG = "It is 300 km long.{{cn|date=May 2026}} It is wide."
PAGE = [("C", INTRO), ("B", INTRO + "\n" + BOB), ("C", INTRO + "\n" + BOB + "\n\nCarol's end.")]
TOP = PAGE[-1][1]

# name, history, new text, expected (None or (confidence or range, evidence fragments))
CASES = [
    ("rewrite of their sentence", PAGE, TOP.replace("300", "250"),
     ((0.45, 0.47), ['"300"', "r2 by Bob"])),
    ("word inserted inside their sentence", PAGE, TOP.replace("is 300", "is not 300"),
     ((0.45, 0.47), ['inserted words into Bob\'s sentence after ("is")', "r2 by Bob"])),
    ("removal of their whole sentence", PAGE, TOP.replace(BOB, ""), (0.9, ["8 of Bob's 8 words"])),
    ("addition next to their text (new line)", PAGE, TOP.replace(BOB, BOB + "\nAlice adds."), None),
    ("addition next to their text (same line)", PAGE, TOP.replace(BOB, BOB + " Alice adds."), None),
    ("whitespace-only change", PAGE, TOP.replace("300 km", "300   km").replace("\n\n", "\n\n\n"),
     None),
    ("formatting-only change", PAGE, TOP.replace("very wide", "'''very''' ''wide''"), None),
    ("change to someone else's words", PAGE, TOP.replace("Ruritania", "Syldavia"), None),
    ("tag removal", [("C", INTRO), ("B", INTRO + "\n" + BOB_TAG)],
     INTRO + "\nIt is 300 km long. It is wide.", (TAG_CONFIDENCE, ["removed {{citation needed}}",
                                                                  "contested"])),
    ("tag moved", [("C", INTRO), ("B", INTRO + "\n" + BOB_TAG)],
     INTRO + "\nIt is 300 km long. It is wide.{{cn}}",
     (TAG_CONFIDENCE, ["moved {{citation needed}}"])),
    ("tag alias swap is formatting", [("C", INTRO), ("B", INTRO + "\n" + BOB_TAG)],
     INTRO + "\n" + BOB_TAG.replace("{{cn|date=May 2026}}", "{{Citation needed}}"), None),
    ("a revert is left to the revert detector", PAGE[:2], INTRO, None),
    ("their text from before the window", PAGE, TOP.replace("300", "250"),
     None, DetectorLimits(history_revisions=1)),
    ("bytes budget cuts the window", PAGE, TOP.replace("300", "250"),
     None, DetectorLimits(history_bytes=len(TOP) + 5)),
    ("text restored by a revert keeps its author",
     [("C", INTRO), ("B", INTRO + "\n" + BOB), ("D", INTRO + "\nvandalism"),
      ("C", INTRO + "\n" + BOB)],
     INTRO + "\nIt is 250 km long and very wide.", ((0.45, 0.47), ["r2 by Bob"])),
    ("hidden revision in between", [("C", INTRO), ("B", INTRO + "\n" + BOB), ("D", None),
                                    ("C", INTRO + "\n" + BOB + "\nMore.")],
     INTRO + "\nMore.", (0.9, ["r2 by Bob"])),
    ("words added across a hidden revision are unknown",
     [("C", INTRO), ("D", None), ("C", INTRO + "\n" + BOB)], INTRO, None),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_edit_change_cases(case):
    name, specs, new, expected, *rest = case
    findings = detect(specs, new, *rest)
    if expected is None:
        assert findings == []
        return
    confidence, fragments = expected
    assert len(findings) == 1, findings
    f = findings[0]
    assert (f.kind, f.target) == (Kind.EDIT_CHANGE, "Bob")
    if isinstance(confidence, tuple):
        assert confidence[0] <= f.confidence <= confidence[1]
    else:
        assert f.confidence == confidence
    for fragment in fragments:
        assert fragment in f.evidence, f.evidence


def test_confidence_grows_with_share():
    small = detect(PAGE, TOP.replace("300", "250"))[0].confidence
    large = detect(PAGE, TOP.replace("300 km long and very wide", "short"))[0].confidence
    assert 0.4 < small < large <= 0.9


def test_rewrite_and_tag_give_two_findings():
    specs = [("C", INTRO), ("B", INTRO + "\n" + BOB_TAG)]
    findings = detect(specs, INTRO + "\nIt is 250 km long. It is wide.")
    assert sorted(f.confidence for f in findings)[0] == TAG_CONFIDENCE and len(findings) == 2


def test_attribution_walk():
    steps = [Step(0, "a b c"), Step(1, "a b c d"), Step(2, "a x c d"), Step(3, "a b c d")]
    lines = attribute(steps, first_is_creation=True)
    assert lines == [(("a", 0), ("b", 0), ("c", 0), ("d", 1))]  # r3 restored r1's "b"
    assert attribute(steps)[0][0] == ("a", UNKNOWN)  # first text not a creation: unknown
    cmp = compare("a b c d", lines, "a c d e")
    assert cmp.removed == (("b", 0),) and cmp.inserted == ("e",)


def test_tokenizer_ignores_formatting():
    assert tokenize("''It'' is '''big'''.{{Citation_needed|date=x}}") == [
        "It", "is", "big", ".", "{{citation needed}}"]


BAD = [
    ("no texts", [("C", None), ("B", None)], "x", None),
    ("new text None", PAGE, None, None),
    ("empty history", [], "x", "y"),
    ("empty texts", [("C", ""), ("B", "")], "", None),
]


@pytest.mark.parametrize("name,specs,new,old", BAD, ids=[b[0] for b in BAD])
def test_bad_input_never_raises(name, specs, new, old):
    assert detect(specs, new, old=old) == []


def test_non_edit_events_and_garbage():
    ctx = Context(restriction(), old_text="a", new_text="b", history=("junk", None))
    for etype in EventType:
        assert DETECTOR.detect(Event("w", etype, T0, USERS["A"]), ctx) == []


def test_revert_rule_runs_once_per_event_for_both_detectors(monkeypatch):
    """edit-change reuses the revert detector's findings for the same event and context, and
    does not look for reverts at all on a page the protected user never edited."""
    from detectors import reverts

    calls = []
    real = reverts.find_reverted
    monkeypatch.setattr(reverts, "find_reverted",
                        lambda *a, **kw: calls.append(1) or real(*a, **kw))
    hist = history(*PAGE)
    new = TOP.replace("300", "250")
    event = Event("devwiki", EventType.EDIT, T0 + timedelta(days=3), USERS["A"], title="Foo",
                  revid=100, old_revid=hist[0].revid, sha1=sha(new))
    context = Context(restriction(), old_text=TOP, new_text=new, history=hist)
    assert reverts.DETECTOR.detect(event, context) == []
    assert [f.kind for f in DETECTOR.detect(event, context)] == [Kind.EDIT_CHANGE]
    assert len(calls) == 1
    others = history(("C", INTRO), ("D", INTRO + "\nDave's."))
    assert DETECTOR.detect(event, Context(restriction(), old_text=others[0].text,
                                          new_text=INTRO, history=others)) == []
    assert len(calls) == 1
