"""Issue 17 class 4: exceptions the actor claims (WP:BANEX) and dispute-resolution pages are put
first in the evidence; the findings stay (people judge exceptions). Data-driven, both ways."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from detectors.bans import Ban, Person, Restriction
from detectors.base import Context
from detectors.exceptions import (
    DISPUTE_RESOLUTION_PAGES,
    MARK,
    annotate,
    claims,
    dispute_resolution_page,
    exception_note,
)
from detectors.model import Event, EventType, Finding, Kind, Namespace, SiteInfo, UserRef

T = datetime(2026, 11, 10, tzinfo=UTC)
RESTRICTION = Restriction(Ban("IB-1", ("Alice",), ("Bob",), T), Person(2, "Alice"),
                          (Person(3, "Bob"),))
ENWIKI = SiteInfo(namespaces=SiteInfo().namespaces + (
    Namespace(4, "Project", "Wikipedia", ("WP",)), Namespace(5, "Project talk", "Wikipedia talk")))
FINDING = Finding(Kind.REVERT, 0.9, "undid Bob's edit", "Bob")


def event(comment: str = "", title: str = "Foo", kind: EventType = EventType.EDIT) -> Event:
    return Event("enwiki", kind, T, UserRef(2, "Alice"), title=title, comment=comment)


def context(old: str | None = "Intro\n", new: str | None = "Intro\n") -> Context:
    return Context(RESTRICTION, ENWIKI, old_text=old, new_text=new)


@pytest.mark.parametrize("comment,what", [
    ("per BANEX", "names WP:BANEX"),
    ("Reverted per [[WP:BANEX]]", "names WP:BANEX"),
    ("WP: BANEX - obvious", "names WP:BANEX"),
    ("ban exemption: vandalism", "names WP:BANEX"),
    ("rv vandalism", "reverting vandalism"),
    ("rvv", "reverting vandalism"),
    ("Reverted edits by Bob: obvious vandalism", "reverting vandalism"),
    ("undo page blanking (vandalised)", "reverting vandalism"),
    ("removing BLP violation", "living people (BLP)"),
    ("per WP:BLP, unsourced claim", "living people (BLP)"),
    ("BLPVIO", "living people (BLP)"),
    ("biographies of living persons policy", "living people (BLP)"),
    ("appeal of my interaction ban", "an appeal of the ban"),
    ("request for clarification", "a request for clarification"),
    ("filing an AE request", "a report to administrators"),
    ("reported to ANI", "a report to administrators"),
])
def test_summaries_that_claim_an_exception(comment, what):
    said = claims(event(comment), context())
    assert len([s for s in said if what in s]) == 1, said
    assert said[0].startswith("the edit summary says \"")


@pytest.mark.parametrize("comment", [
    "", "copyedit", "rv", "reverted good-faith edit", "Banexpress station", "bantam",
    "/* Appealing to reason */ reply", "/* Vandalism on Foo */ comment", "applied", "AEG",
    "per discussion", "clarify", "BLPs need sources"[:4] + "x",
])
def test_summaries_that_claim_nothing(comment):
    assert claims(event(comment), context()) == ()


def test_the_section_name_is_not_a_claim_but_words_after_it_are():
    said = claims(event("/* Vandalism */ rv vandalism"), context())
    assert said == ('the edit summary says "/* Vandalism */ rv vandalism" (reverting vandalism)',)


@pytest.mark.parametrize("added,what", [
    ("This is an exception per [[WP:BANEX]].", "names WP:BANEX"),
    ("I am posting under BANEX to ask for clarification.", "names WP:BANEX"),
    ("As an exception to my interaction ban, I ask", "names an exception to the ban"),
    ("I am excepted from the i-ban here", "names an exception to the ban"),
])
def test_added_text_that_claims_an_exception(added, what):
    said = claims(event("comment"), context("Intro\n", "Intro\n" + added + "\n"))
    assert [s for s in said if what in s and s.startswith("the added text says")], said


@pytest.mark.parametrize("old,new", [
    ("Intro\n", "Intro\nI accept no exceptions.\n"),  # no ban named
    ("Intro\nPer BANEX, x.\n", "Intro\nPer BANEX, x.\nMore words.\n"),  # already there
    ("Intro\n", "Intro\nBanexus is a band.\n"),
])
def test_added_text_that_claims_nothing(old, new):
    assert claims(event("comment"), context(old, new)) == ()


@pytest.mark.parametrize("title,expected", [
    ("Wikipedia:Administrators' noticeboard/Incidents", True),
    ("Wikipedia:Administrators' noticeboard", True),
    ("Project:Administrators' noticeboard/Edit warring", True),
    ("Wikipedia:Arbitration/Requests/Enforcement", True),
    ("Wikipedia:Arbitration/Requests/Clarification and Amendment", True),
    ("WP:Arbitration/Requests/Case/Bob", True),
    ("Wikipedia talk:Arbitration Committee/Noticeboard", True),
    ("Wikipedia:Dispute resolution noticeboard", True),
    ("Wikipedia:Village pump (policy)", False),
    ("Talk:Administrators' noticeboard", False),
    ("Administrators' noticeboard", False),
    ("User talk:Bob", False),
    ("Wikipedia:Arbitrationx", False),
])
def test_dispute_resolution_pages_are_a_data_table(title, expected):
    assert bool(dispute_resolution_page(title, context())) is expected
    said = claims(event("", title), context())
    assert bool(said) is expected
    if expected:
        assert said == (f"the edit is on a dispute-resolution page ({title})",)
    assert all(p.startswith(("Project:", "Project talk:")) for p in DISPUTE_RESOLUTION_PAGES)


def test_log_comments_are_read_too():
    said = claims(event("per BANEX", kind=EventType.LOG), context(None, None))
    assert said and said[0].startswith("the log comment says")


def test_annotate_keeps_every_finding_and_puts_the_claim_first():
    findings = [FINDING, Finding(Kind.MENTION, 0.6, "named Bob", "Bob")]
    out = annotate(findings, event("rv vandalism per BANEX",
                                   "Wikipedia:Administrators' noticeboard/Incidents"), context())
    assert [(f.kind, f.confidence, f.target) for f in out] == \
        [(f.kind, f.confidence, f.target) for f in findings]
    for before, after in zip(findings, out):
        assert after.evidence.startswith(MARK) and after.evidence.endswith(before.evidence)
    note = exception_note(out[0].evidence)
    assert note == ('the edit summary says "rv vandalism per BANEX" (names WP:BANEX); '
                    'the edit summary says "rv vandalism per BANEX" (reverting vandalism); '
                    "the edit is on a dispute-resolution page "
                    "(Wikipedia:Administrators' noticeboard/Incidents)")


def test_nothing_claimed_leaves_findings_alone():
    assert annotate([FINDING], event("copyedit"), context()) == [FINDING]
    assert annotate([], event("per BANEX"), context()) == []
    assert exception_note(FINDING.evidence) is None
    assert exception_note(MARK + "no end") is None


def test_quotes_are_short_and_cannot_fake_the_end_of_the_note():
    long = "x" * 300 + " rv vandalism | Finding: forged \"quote\" " + "y" * 300
    out = annotate([FINDING], event(long), context())
    note = exception_note(out[0].evidence)
    assert note and len(note) < 200 and "| Finding" not in note and '"quote"' not in note
    assert out[0].evidence.endswith(" | Finding: undid Bob's edit")
