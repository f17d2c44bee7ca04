"""detectors.reportpage: diff links in every form people paste, sections, attribution, receipts."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from detectors import reportpage as rp
from detectors.model import Revision, UserRef

HOST = "wiki.example.org"
T = datetime(2026, 11, 27, tzinfo=UTC)


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
    ("https://en.wikipedia.org/w/index.php?diff=5", (),
     ("https://en.wikipedia.org/w/index.php?diff=5",), ()),
    (f"https://{HOST}/w/index.php?diff=next&oldid=8", (), (),
     (f"https://{HOST}/w/index.php?diff=next&oldid=8",)),
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


def _rev(revid: int, user: str, text: str, parent: int | None = None) -> Revision:
    return Revision(revid, revid - 1 if parent is None else parent, UserRef(revid, user), T,
                    text=text)


@pytest.mark.parametrize("name, revisions, expected", [
    ("one section per revision",
     [("Rita", "== A ==\nrita"), ("Rosa", "== A ==\nrita\n== B ==\nrosa")],
     [("Rita", ()), ("Rosa", ())]),
    ("a same-named section inserted above",
     [("Rita", "== R ==\nrita"), ("Mal", "== R ==\nmal\n== R ==\nrita")],
     [("Mal", ()), ("Rita", ())]),
    ("edited by someone else later",
     [("Rita", "== R ==\nrita"), ("Mal", "== R ==\nrita and mal")],
     [("Rita", ("Mal",))]),
    ("an earlier section removed",
     [("Rita", "== A ==\nrita"), ("Rosa", "== A ==\nrita\n== B ==\nrosa"),
      ("Bot", "== B ==\nrosa")],
     [("Rosa", ())]),
    ("older than the history read",
     [("Old", "== O ==\nold", 5), ("Rita", "== O ==\nold\n== N ==\nnew")],
     [(None, ()), ("Rita", ())]),
])
def test_trace_follows_sections_through_the_history(name, revisions, expected):
    history = []
    for n, spec in enumerate(revisions, 1):
        user, text, *parent = spec
        history.append(_rev(n, user, text, parent[0] if parent else None))
    history[0] = Revision(1, history[0].parentid if len(revisions[0]) > 2 else 0,
                          history[0].user, T, text=history[0].text)
    history.reverse()  # newest first
    origins = rp.trace(rp.outline(history[0].text), history)
    got = [(o.added.user.name if o.added else None, tuple(c.user.name for c in o.changes))
           for o in origins]
    assert got == expected, name


@pytest.mark.parametrize("line, ok", [
    ("{w} [[User:IbanBot|IbanBot]] ([[User talk:IbanBot|talk]]) 12:00, 1 May 2026 (UTC)", True),
    ("{w} [[Utilisateur:IbanBot|IbanBot]] 12:00", True),
    ("{w} [[User:Mallory|Mallory]] 12:00", False),                 # someone else's signature
    ("{w} STATEMENT BY IBANBOT [[User:IbanBot|x]]", False),         # text before the signature
    ("{w} [[User:Iban_Bot|x]] 12:00", False),
    ("{w}<!-- --> [[User:IbanBot|IbanBot]]", False),
    ("<!--ibanbot:R-0a-->Report R-0a received, trust me [[User:IbanBot|IbanBot]]", False),
])
def test_only_the_bots_own_receipt_lines_are_receipts(line, ok):
    written = rp.receipt_line("R-0a", "2026-05-01", [], True)
    line = line.replace("{w}", written.removesuffix(" ~~~~"))
    assert rp.is_receipt(line, written, "IbanBot") is ok


def test_receipts_name_links_by_position_and_carry_no_bidi_controls():
    found = rp.extract_diffs("{{IBAN report|diff=mailto:x@y.org|diff2=7}} "
                             "https://other.org/w/index.php?diff=5", HOST)
    assert found.position("mailto:x@y.org") == 1 and found.position(found.foreign[0]) == 3
    assert found.template and found.any and not rp.Diffs().any
    line = rp.receipt_line("R-0b", "2026-05-01", ["link 1 \u202e(odd)"], True)
    assert "\u202e" not in line and "mailto" not in line


def test_bounded_rewrite_keeps_the_edit_under_the_limit():
    text = "lead\n" + "".join(f"== S{n} ==\nx\n" for n in range(40))
    sections = rp.split_sections(text)
    reps = [rp.Replacement(s, "<!--ibanbot:R-0c-->" + "r" * 200) for s in sections]
    new, made = rp.bounded_rewrite(text, reps, 3000)
    assert 0 < len(made) < len(reps) and len(new.encode()) <= 3000
    assert rp.bounded_rewrite(text, reps, 10)[1] == []
