"""revert detector: rollback, undo (top and older edits), manual and identity reverts."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest

from detectors.bans import Ban, Person, Restriction
from detectors.base import Context, DetectorLimits
from detectors.model import Event, EventType, Kind, Revision, UserRef
from detectors.reverts import DETECTOR, find_reverted

T0 = datetime(2026, 11, 1, tzinfo=UTC)
USERS = {"A": UserRef(10, "Alice"), "B": UserRef(20, "Bob"), "C": UserRef(30, "Carol")}


def restriction() -> Restriction:
    ban = Ban("IB-1", ("Alice",), ("Bob",), start=T0)
    return Restriction(ban, Person(10, "Alice"), (Person(20, "Bob"),))


def sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def history(*specs: tuple[str, str], texts: bool = True,
            sha1s: bool = True) -> tuple[Revision, ...]:
    """(user letter, text) oldest first -> revisions 1..n, newest first."""
    revs = [Revision(i + 1, i, USERS[u], T0 + timedelta(hours=i), sha1=sha(t) if sha1s else "",
                     text=t if texts else None) for i, (u, t) in enumerate(specs)]
    return tuple(reversed(revs))


def edit(text: str, hist: tuple[Revision, ...], *, tags: tuple[str, ...] = (), params=None,
         comment: str = "", actor: str = "A", sha1s: bool = True) -> Event:
    return Event("devwiki", EventType.EDIT, T0 + timedelta(days=3), USERS[actor], title="Foo",
                 revid=100, old_revid=hist[0].revid if hist else 0, comment=comment, tags=tags,
                 sha1=sha(text) if sha1s else "", params=MappingProxyType(params or {}))


def run(hist, new, with_texts=True, **kw):
    event = edit(new, hist, **kw)
    ctx = Context(restriction(), old_text=hist[0].text if hist and with_texts else None,
                  new_text=new if with_texts else None, history=hist)
    return DETECTOR.detect(event, ctx)


BASE = "line one\nline two\nline three"
BOB_LINE = "line one\nBob's line\nline two\nline three"
LATER = BOB_LINE + "\nCarol's line"

# name, history (oldest first), new text, event kwargs, with texts,
# expected (revids in evidence, confidence, method)
CASES = [
    ("rollback", [("C", "a"), ("B", "b"), ("B", "c")], "a", {"tags": ("mw-rollback",)}, True,
     (["r3", "r2"], 1.0, "rollback")),
    ("rollback without sha1 or texts", [("C", "a"), ("B", "b"), ("B", "c")], "a",
     {"tags": ("mw-rollback",), "sha1s": False}, False, (["r3", "r2"], 1.0, "rollback")),
    ("undo of top edit", [("C", "a"), ("B", "b")], "a", {"tags": ("mw-undo",)}, True,
     (["r2"], 1.0, "undo")),
    ("undo of a non-top edit, with texts", [("C", BASE), ("B", BOB_LINE), ("C", LATER)],
     BASE + "\nCarol's line", {"tags": ("mw-undo",)}, True, (["r2"], 1.0, "undo")),
    ("undo given by the adapter", [("C", BASE), ("B", BOB_LINE), ("C", LATER)],
     BASE + "\nCarol's line", {"tags": ("mw-undo",), "params": {"undid_revid": 2}}, False,
     (["r2"], 1.0, "undo")),
    ("undo known only from the summary", [("C", BASE), ("B", BOB_LINE), ("C", LATER)],
     BASE + "\nCarol's line", {"tags": ("mw-undo",), "comment": "Undid revision 2 by [[User:Bob]]"},
     False, (["r2"], 0.5, "undo")),
    ("manual revert tag", [("C", "a"), ("B", "b"), ("C", "c")], "a",
     {"tags": ("mw-manual-revert",)}, True, (["r2"], 1.0, "manual revert")),
    ("identity revert without tags", [("C", "a"), ("B", "b")], "a", {}, False,
     (["r2"], 0.9, "identity revert")),
    ("identity revert by text when sha1s are missing", [("C", "a"), ("B", "b")], "a",
     {"sha1s": False}, True, (["r2"], 0.9, "identity revert")),
    ("mix: only the protected's revisions", [("C", "a"), ("B", "b"), ("C", "c"), ("B", "d")], "a",
     {}, True, (["r4", "r2"], 0.9, "identity revert")),
    ("undo of someone else's edit", [("B", "a"), ("C", "b")], "a", {"tags": ("mw-undo",)}, True,
     None),
    ("self-revert", [("B", "a"), ("A", "b")], "a", {"tags": ("mw-undo",)}, True, None),
    ("self rollback", [("B", "a"), ("A", "b"), ("A", "c")], "a", {"tags": ("mw-rollback",)}, True,
     None),
    ("null edit", [("B", "a"), ("B", "b")], "b", {}, True, None),
    ("undo whose change does not reverse Bob's", [("C", BASE), ("B", BOB_LINE), ("C", LATER)],
     "something else", {"tags": ("mw-undo",)}, True, None),
    ("unrelated edit", [("C", "a"), ("B", "b")], "c", {}, True, None),
]


@pytest.mark.parametrize("name,specs,new,kw,with_texts,expected", CASES, ids=[c[0] for c in CASES])
def test_revert_cases(name, specs, new, kw, with_texts, expected):
    sha1s = kw.get("sha1s", True)
    hist = history(*specs, texts=with_texts, sha1s=sha1s)
    findings = run(hist, new, with_texts=with_texts, **kw)
    if expected is None:
        assert findings == []
        return
    revids, confidence, method = expected
    assert len(findings) == 1
    f = findings[0]
    assert (f.kind, f.target, f.confidence) == (Kind.REVERT, "Bob", confidence)
    assert f.evidence.startswith(method + ":")
    mentioned = [w.strip(",") for w in f.evidence.split() if w.startswith("r") and w[1:2].isdigit()]
    assert [m for m in mentioned if m in {f"r{i}" for i in range(1, 10)}][:len(revids)] == revids
    for other in {f"r{i}" for i in range(1, 10)} - set(revids):
        assert f"{other} (" not in f.evidence  # only Bob's revisions are listed as reverted


def test_mix_evidence_counts_others():
    hist = history(("C", "a"), ("B", "b"), ("C", "c"), ("B", "d"))
    (f,) = run(hist, "a")
    assert "2 edits" in f.evidence and "1 other revision" in f.evidence
    assert "restoring r1 by Carol" in f.evidence


def test_radius_follows_mwreverts():
    """mwreverts keeps radius+1 revisions: up to `radius` revisions can be reverted."""
    specs = [("C", "base")] + [("B", f"v{i}") for i in range(15)]
    found = find_reverted(edit("base", history(*specs)), history(*specs), radius=15)
    assert found is not None and len(found.reverted) == 15 and found.reverted_to.revid == 1
    specs.append(("B", "v15"))
    assert find_reverted(edit("base", history(*specs)), history(*specs), radius=15) is None
    limits = DetectorLimits(revert_radius=16)
    ctx = Context(restriction(), history=history(*specs), limits=limits)
    assert DETECTOR.detect(edit("base", history(*specs)), ctx)


def test_undo_of_a_run_of_revisions():
    hist = history(("C", BASE), ("B", BOB_LINE), ("B", BOB_LINE + "\nmore Bob"),
                   ("C", "Carol top\n" + BOB_LINE + "\nmore Bob"))
    found = find_reverted(edit("Carol top\n" + BASE, hist, tags=("mw-undo",)), hist, 15,
                          hist[0].text, "Carol top\n" + BASE)
    assert found is not None and [r.revid for r in found.reverted] == [3, 2]


def test_undoes_newest_matching_revision():
    hist = history(("C", "a"), ("B", "b"), ("C", "a"), ("B", "b"))
    found = find_reverted(edit("a", hist), hist, 15)
    assert [r.revid for r in found.reverted] == [4] and found.reverted_to.revid == 3


BAD = [
    ("empty history", (), Context(restriction())),
    ("no texts, no sha1", history(("B", "a"), texts=False, sha1s=False), None),
    ("texts None", (Revision(1, 0, USERS["B"], T0, text=None),), None),
    ("garbage in history", ("nonsense", None), None),
]


@pytest.mark.parametrize("name,hist,ctx", BAD, ids=[b[0] for b in BAD])
def test_bad_input_never_raises(name, hist, ctx):
    ctx = ctx or Context(restriction(), old_text=None, new_text=None, history=hist)
    for event in (
        Event("w", EventType.EDIT, T0, USERS["A"], tags=("mw-undo",), comment="Undid revision x",
              params=MappingProxyType({"undid_revid": "abc"})),
        Event("w", EventType.EDIT, T0, USERS["A"], tags=("mw-rollback",)),
        Event("w", EventType.NEW, T0, USERS["A"], sha1="x"),
        Event("w", EventType.LOG, T0, USERS["A"], log_type="block"),
    ):
        assert DETECTOR.detect(event, ctx) == []


def test_event_revision_in_history_is_ignored():
    hist = history(("C", "a"), ("B", "b"))
    itself = Revision(100, 2, USERS["A"], T0, sha1=sha("a"))
    found = find_reverted(edit("a", hist), (itself, *hist), 15)
    assert [r.revid for r in found.reverted] == [2]
