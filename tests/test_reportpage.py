"""bot.reportpage: diff links in every form people paste, sections, attribution, receipts."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot import reportpage as rp
from detectors.model import Revision, UserRef

HOST = "wiki.example.org"
T = datetime(2026, 11, 27, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, revids, foreign, unclear", [
    ("{{IBAN report|diff=12|diff2=Special:Diff/3/14|comment=see}}", (12, 14), (), ()),
    ("{{iban_report|diff=[[Special:Diff/7]]}}", (7,), (), ()),
    ("[[Special:Diff/12]] and [[:Special:Diff/12]]", (12,), (), ()),
    ("plain Special:Diff/5/9 text", (9,), (), ()),
    ("[[Special:PermanentLink/44]]", (44,), (), ()),
    (f"https://{HOST}/w/index.php?diff=21&oldid=20", (21,), (), ()),
    (f"[https://{HOST}/w/index.php?title=Talk:X&diff=prev&oldid=30 here]", (30,), (), ()),
    (f"https://{HOST}/w/index.php?oldid=31", (31,), (), ()),
    (f"https://{HOST}/wiki/Special:Diff/32", (32,), (), ()),
    ("https://en.wikipedia.org/w/index.php?diff=5", (), ("https://en.wikipedia.org/w/index.php?diff=5",), ()),
    (f"https://{HOST}/w/index.php?diff=next&oldid=8", (), (), (f"https://{HOST}/w/index.php?diff=next&oldid=8",)),
    ("{{IBAN report|diff=not a diff}}", (), (), ("not a diff",)),
    ("no links at all, [[Talk:Foo]] https://example.org/", (), (), ()),
    ("<!--ibanbot:R-0a-->old receipt [[Special:Diff/1]]\n", (), (), ()),
])
def test_extract_diffs(text, revids, foreign, unclear):
    found = rp.extract_diffs(text, HOST)
    assert (found.revids, found.foreign, found.unclear) == (revids, foreign, unclear)


@pytest.mark.parametrize("depth", [2, 8, 30])
def test_nested_report_templates_are_read_in_one_pass(depth, monkeypatch):
    """Nested `{{IBAN report|diff=` cost 2^depth parses (depth 26 never finished): now one parse
    and one visit per node, whatever the nesting (a count, not a timing)."""
    text = "{{IBAN report|diff=" * depth + "[[Special:Diff/7]]" + "}}" * depth
    parses, visits = [], []
    real_parse, real_walk = rp.mwparserfromhell.parse, getattr(rp._Collector, "walk", None)
    monkeypatch.setattr(rp.mwparserfromhell, "parse", lambda t: parses.append(t) or real_parse(t))
    monkeypatch.setattr(rp._Collector, "walk", lambda self, code: visits.append(1)
                        or real_walk(self, code), raising=False)
    found = rp.extract_diffs(text, HOST)
    assert len(parses) == 1
    assert found.revids == (7,)
    assert len(visits) <= 4 * depth + 4


def test_template_comment():
    assert rp.template_comment("{{IBAN report|diff=1|comment= look here }}") == "look here"


PAGE = ("Instructions\n== A ==\nfirst [[Special:Diff/1]]\n=== detail ===\nmore\n"
        "<!--ibanbot:R-00ff-->Report R-00ff received. ~~~~\n== B ==\nsecond\n== A ==\nagain")


def test_sections_rewrite_and_receipts():
    sections = rp.split_sections(PAGE)
    assert [s.key for s in sections] == [("A", 1), ("B", 1), ("A", 2)]
    assert "=== detail ===" in sections[0].text and "R-00ff" not in sections[0].text
    lines = [rp.Replacement(s, f"<!--ibanbot:R-{n:02x}-->r{n}") for n, s in enumerate(sections)]
    out = rp.rewrite(PAGE, lines[:2])
    assert out.startswith("Instructions\n<!--ibanbot:R-00-->r0\n<!--ibanbot:R-00ff-->Report")
    assert "== A ==\nagain" in out and "second" not in out and "first" not in out
    assert [s.key for s in rp.split_sections(out)] == [("A", 1)]


def rev(revid: int, user: str, text: str, parent: int = 1) -> Revision:
    return Revision(revid, parent, UserRef(revid, user), T, text=text)


def test_attribute_finds_the_adder_not_later_editors():
    history = [rev(5, "Editor", "x\n== A ==\nz\n== B ==\nb2"),
               rev(4, "Bea", "x\n== A ==\ny\n== B ==\nb"),
               rev(3, "Ann", "x\n== A ==\ny"), rev(2, "Admin", "x", parent=0)]
    sections = rp.split_sections(history[0].text)
    found = rp.attribute(sections, history)
    assert {k: r.user.name for k, r in found.items()} == {("A", 1): "Ann", ("B", 1): "Bea"}
    assert rp.attribute(sections, history[:2]) == {}  # history too short: unknown, not guessed


def test_receipt_is_neutral_and_escapes():
    line = rp.receipt_line("R-0abc", "2026-11-27", ["[[x]] {{y}} ~~~"], accepted=False)
    assert line.startswith("<!--ibanbot:R-0abc-->") and line.endswith(" ~~~~")
    assert "[[" not in line and "{{" not in line and line.count("~") == 4
    with pytest.raises(ValueError):
        rp.receipt_line("-->x", "2026-11-27", [], accepted=True)


@pytest.mark.parametrize("text", [
    PAGE, "x\n== A ==\n=== b ===\n== A ===\n<!--\n== C ==\n-->\n= D =\n==E==  \n"
          "<nowiki>\n== F ==\n</nowiki>\n==  spaced   out ==\n"])
def test_fast_heading_counts_agree_with_the_parser(text):
    parsed: dict[str, int] = {}
    for section in rp.split_sections(text):
        parsed[section.heading] = parsed.get(section.heading, 0) + 1
    assert rp.heading_counts(text) == parsed
