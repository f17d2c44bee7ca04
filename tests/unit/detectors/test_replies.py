"""`reply` detector: data-driven cases, real talk pages, pathological input."""
from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from detectors.bans import Person, Restriction
from detectors.base import Context, DetectorLimits
from detectors.model import Kind, Namespace, SiteInfo
from detectors.replies import AMBIGUOUS, CONFIDENT, DETECTOR, OLD_OWN, SIGNED_BY_OTHER
from detectors.wikitext.comments import added_comments, parse_comments
from detectors.wikitext.signatures import find_signatures
from tests.core_helpers import ban, edit

WHEN = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
SHARED = Path(os.environ.get("IBANBOT_SHARED_DATA")
              or Path(__file__).resolve().parents[3].parent / "shared" / "data")


def sig(user: str, minute: int, link: str = "User") -> str:
    return f"[[{link}:{user}|{user}]] 10:{minute:02d}, 20 November 2026 (UTC)"


BOB1 = f"I think the source is reliable enough. {sig('Bob', 1)}"
CAROL2 = f":Not sure about that. {sig('Carol', 2)}"
BASE = f"== Sources ==\n{BOB1}\n{CAROL2}\n\n== Other ==\nHello. {sig('Dave', 3)}\n"


def ctx(old: str | None, new: str, protected=("Bob",), site: SiteInfo | None = None) -> Context:
    people = tuple(Person(0, p) for p in protected)
    restriction = Restriction(ban(), Person(2, "Alice"), people)
    return Context(restriction, site or SiteInfo(), old, new)


def run(old, new, **kw):
    return list(DETECTOR.detect(edit("Alice", "Talk:Foo", when=WHEN), ctx(old, new, **kw)))


def insert_after(text: str, anchor: str, line: str) -> str:
    return text.replace(anchor + "\n", anchor + "\n" + line + "\n", 1)


# (id, old, new, protected, expected parent author or None, expected confidence)
CASES = [
    ("level1", BASE, insert_after(BASE, BOB1, f":Agreed. {sig('Alice', 20)}"), "Bob", 0.9),
    ("level2", BASE, insert_after(BASE, CAROL2, f"::Yes. {sig('Alice', 20)}"), "Carol", 0.9),
    ("reply-to-other-in-thread", BASE, insert_after(BASE, CAROL2, f"::Yes. {sig('Alice', 20)}"),
     None, None),
    ("mixed-indent", BASE.replace(CAROL2, "*" + CAROL2[1:]),
     insert_after(BASE.replace(CAROL2, "*" + CAROL2[1:]), "*" + CAROL2[1:],
                  f"*:Hm. {sig('Alice', 20)}"), "Carol", 0.9),
    ("hash-indent", f"== S ==\n# Support. {sig('Bob', 1)}\n",
     f"== S ==\n# Support. {sig('Bob', 1)}\n#: Why? {sig('Alice', 20)}\n", "Bob", 0.9),
    ("outdent", BASE, insert_after(BASE, CAROL2, f"{{{{od}}}} Back to Bob's point. "
                                                 f"{sig('Alice', 20)}"), "Carol", 0.6),
    ("skipped-level", BASE.replace(CAROL2 + "\n", ""),
     insert_after(BASE.replace(CAROL2 + "\n", ""), BOB1, f"::Agreed. {sig('Alice', 20)}"),
     "Bob", 0.6),
    ("multi-line", BASE, insert_after(BASE, BOB1, f":First point.\n:Second point. "
                                                  f"{sig('Alice', 20)}"), "Bob", 0.9),
    ("unsigned", BASE.replace(BOB1, "I think. {{unsigned|Bob|10:01, 20 November 2026 (UTC)}}"),
     insert_after(BASE.replace(BOB1, "I think. {{unsigned|Bob|10:01, 20 November 2026 (UTC)}}"),
                  "I think. {{unsigned|Bob|10:01, 20 November 2026 (UTC)}}",
                  f":No. {sig('Alice', 20)}"), "Bob", 0.9),
    ("user-talk-link", BASE.replace(sig("Bob", 1), sig("Bob", 1, "User talk")),
     insert_after(BASE.replace(sig("Bob", 1), sig("Bob", 1, "User talk")),
                  BOB1.replace(sig("Bob", 1), sig("Bob", 1, "User talk")),
                  f":No. {sig('Alice', 20)}"), "Bob", 0.9),
    ("contributions-link", BASE.replace(sig("Bob", 1), sig("Bob", 1, "Special:Contributions/")
                                        .replace("Contributions/:", "Contributions/")),
     None, "Bob", 0.9),
    ("middle-of-page", BASE + f"== Later ==\nX. {sig('Erin', 5)}\n",
     insert_after(BASE + f"== Later ==\nX. {sig('Erin', 5)}\n", BOB1, f":Mid. {sig('Alice', 20)}"),
     "Bob", 0.9),
    ("new-section", BASE, BASE + f"\n== Bob's sources ==\nBob is wrong. {sig('Alice', 20)}\n",
     None, None),
    ("top-level", BASE, insert_after(BASE, CAROL2, f"Another view. {sig('Alice', 20)}"),
     None, None),
    ("edit-existing-comment", BASE, BASE.replace("reliable enough", "reliable"), None, None),
    ("moved-reply", insert_after(BASE, BOB1, f":Agreed. {sig('Alice', 20)}"),
     insert_after(BASE, CAROL2, f":Agreed. {sig('Alice', 20)}"), None, None),
    ("creation", None, f"== New ==\nQ? {sig('Bob', 1)}\n:A. {sig('Alice', 20)}\n", "Bob", 0.9),
]


def _contrib_case(case):
    name, old, new, parent, conf = case
    if name == "contributions-link":
        new = old.replace("(UTC)\n", f"(UTC)\n:No. {sig('Alice', 20)}\n", 1)
    return name, old, new, parent, conf


@pytest.mark.parametrize("name,old,new,parent,conf", [_contrib_case(c) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_reply_cases(name, old, new, parent, conf):
    findings = run(old, new, protected=(parent or "Bob",))
    if parent is None:
        assert findings == []
        return
    assert len(findings) == 1, findings
    f = findings[0]
    assert (f.kind, f.target, f.confidence) == (Kind.REPLY, parent, conf)
    assert f.evidence.startswith(f"replied to {parent}'s comment of 2026-11-20 10:0")


def test_evidence_names_comment_words_and_section():
    new = insert_after(BASE, BOB1, f":Agreed. {sig('Alice', 20)}")
    (f,) = run(BASE, new)
    assert f.evidence == ('replied to Bob\'s comment of 2026-11-20 10:01 ("I think the source '
                          'is reliable enough.") in section "Sources"')


def test_several_comments_to_same_person_are_one_finding():
    new = insert_after(BASE, BOB1, f":One. {sig('Alice', 20)}")
    new = new + f"== More ==\nQ. {sig('Bob', 4)}\n:Two. {sig('Alice', 21)}\n"
    (f,) = run(BASE, new)
    assert "2 replies to Bob in this edit" in f.evidence


def test_two_protected_parents_give_two_findings():
    new = insert_after(BASE, BOB1, f":One. {sig('Alice', 20)}")
    new = insert_after(new, CAROL2, f"::Two. {sig('Alice', 21)}")
    findings = run(BASE, new, protected=("Bob", "Carol"))
    assert sorted(f.target for f in findings) == ["Bob", "Carol"]


def test_signed_by_someone_else_is_noted():
    new = insert_after(BASE, BOB1, f":Agreed. {sig('Mallory', 20)}")
    (f,) = run(BASE, new)
    assert f.confidence == SIGNED_BY_OTHER and "signed Mallory" in f.evidence


def test_old_comment_signed_by_other_is_copied_not_reply():
    old_sig = "[[User:Mallory]] 10:20, 1 January 2020 (UTC)"
    assert run(BASE, insert_after(BASE, BOB1, f":Archived. {old_sig}")) == []


def test_localized_namespaces():
    site = SiteInfo(namespaces=(Namespace(-1, "Special", "Spezial"),
                                Namespace(2, "User", "Benutzer", ("BN",)),
                                Namespace(3, "User talk", "Benutzer Diskussion")),
                    special_aliases={"Contributions": ("Beiträge", "Contributions")})
    stamp = "10:01, 20 November 2026 (UTC)"
    for link in ("Benutzer:Bob", "Benutzer Diskussion:Bob", "BN:Bob", "Spezial:Beiträge/Bob"):
        old = f"== S ==\nFrage. [[{link}|B]] {stamp}\n"
        new = old + f":Antwort. [[Benutzer:Alice|A]] {stamp.replace(':01', ':20')}\n"
        findings = run(old, new, site=site)
        assert [f.target for f in findings] == ["Bob"], link


def test_enwiki_timestamp_parsed():
    (s,) = find_signatures("x [[User:Bob|Bob]] ([[User talk:Bob|talk]]) 10:15, 20 November"
                           " 2026 (UTC)", SiteInfo())
    assert s.author == "Bob" and s.timestamp == datetime(2026, 11, 20, 10, 15,
                                                         tzinfo=UTC)


def test_parse_comments_public_api():
    comments = parse_comments(BASE)
    assert [(c.author, c.level, c.section, c.parent) for c in comments] == [
        ("Bob", 1, "Sources", None), ("Carol", 2, "Sources", 0), ("Dave", 1, "Other", None)]


def test_non_edit_and_no_text_give_nothing():
    assert run(None, "") == [] and run("", None) == []


def _talk_pages() -> list[Path]:
    pages = sorted((SHARED / "talk-pages").rglob("*.txt"))
    assert pages, f"no talk pages under {SHARED}"
    return pages


def _without_last_comment(text: str) -> str:
    comments = parse_comments(text)
    if not comments:
        return text
    last = comments[-1]
    return text[:last.start] + text[last.end:]


def test_real_talk_pages_run_without_error():
    for path in _talk_pages():
        text = path.read_text(encoding="utf-8")
        for old in (_without_last_comment(text), None):
            for who in ("Bob", *(c.author for c in parse_comments(text)[-3:])):
                run(old, text, protected=(who,))
        if parse_comments(text):
            assert added_comments(_without_last_comment(text), text), path.name


@pytest.mark.parametrize("text", [
    "{{" * 10_000,
    "== A ==\n" + ("[[User:Bob]] 10:01, 20 November 2026 (UTC) " * 20_000),
    ("x" * 1000 + "\n") * 5_000,
    "[[" * 50_000 + "]]" * 10 + "{{unsigned|" * 10_000,
    "=" * 200_000,
    ":" * 100_000 + " [[User:Bob]] 10:01, 20 November 2026 (UTC)",
], ids=["nested-braces", "many-sigs-one-line", "5mb", "unbalanced", "equals", "deep-indent"])
def test_pathological_input_is_fast(text):
    for old, new in ((None, text), (text, text + "\n:x [[User:Alice]] 10:20, 20 November 2026 "
                                             "(UTC)"), ("== A ==\nQ [[User:Bob]] 10:01, 20 "
                                                        "November 2026 (UTC)\n", text)):
        started = time.perf_counter()
        ctx_ = ctx(old, new)
        DETECTOR.detect(edit("Alice", "Talk:Foo", when=WHEN), ctx_)
        assert time.perf_counter() - started < 30, "a hang (times: benchmarks/bench_hostile.py)"


def test_limits_bound_the_work():
    text = f"== A ==\nQ? {sig('Bob', 1)}\n" + "filler line\n" * 300_000
    new = text + f":A. {sig('Alice', 20)}\n"
    c = Context(ctx(text, new).restriction, SiteInfo(), text, new,
                limits=DetectorLimits(max_parse_bytes=10_000))
    started = time.perf_counter()
    DETECTOR.detect(edit("Alice", "Talk:Foo", when=WHEN), c)
    assert time.perf_counter() - started < 1


def test_confidence_constants():
    assert (CONFIDENT, AMBIGUOUS) == (0.9, 0.6)


@pytest.mark.parametrize("cut", [0, 1, 4095, 4096, 70_000, 199_999])
def test_changed_region_on_long_texts(cut):
    from detectors.wikitext.comments import changed_region
    base = "".join(f"line {i} \U0001f600\n" for i in range(20_000))
    for new in (base[:cut] + "inserted\n" + base[cut:], base[:cut] + base[cut + 5:]):
        a_lo, a_hi, b_lo, b_hi = changed_region(base, new)
        assert base[:a_lo] == new[:b_lo] and base[a_hi:] == new[b_hi:]
        assert a_hi - a_lo < 100 and b_hi - b_lo < 100


def test_reply_quoting_the_parents_signature_on_its_own_line_is_a_reply():
    # the quoted signature comes first on the line; the writer's own closes it
    new = insert_after(BASE, BOB1, f':You wrote "reliable enough. {sig("Bob", 1)}" - no. '
                                   f'{sig("Alice", 20)}')
    (f,) = run(BASE, new)
    assert (f.target, f.confidence) == ("Bob", CONFIDENT)
    assert "signed" not in f.evidence


def test_parent_quoting_someone_else_is_still_the_protected_users_comment():
    carol = "[[User:Carol|Carol]] 09:00, 20 November 2026 (UTC)"
    bob = f'Carol said "it is fine. {carol}" - I disagree. {sig("Bob", 1)}'
    old = f"== Sources ==\n{bob}\n"
    (f,) = run(old, old + f":Why? {sig('Alice', 20)}\n")
    assert f.target == "Bob"
    assert f.evidence.startswith("replied to Bob's comment of 2026-11-20 10:01")


def test_archiving_the_actors_own_old_reply_is_low_confidence():
    # a thread of weeks ago, Alice's reply included, copied to an archive page: said so, and
    # not dropped (a date can be typed by hand)
    thread = ("== Old ==\nQ. [[User:Bob|Bob]] 10:01, 2 November 2026 (UTC)\n"
              ":A. [[User:Alice|Alice]] 10:05, 2 November 2026 (UTC)\n")
    archive = "== Older ==\nX. [[User:Dave|Dave]] 10:00, 1 October 2026 (UTC)\n"
    for old in (None, archive):
        (f,) = run(old, (old or "") + thread)
        assert f.confidence == OLD_OWN
        assert "dated 2026-11-02 10:05, more than a day before the edit" in f.evidence


def test_inline_reply_appended_to_the_protected_users_line():
    new = BASE.replace(BOB1, BOB1 + f" - No, it is not. {sig('Alice', 20)}")
    (f,) = run(BASE, new)
    assert (f.target, f.confidence) == ("Bob", AMBIGUOUS)
    assert f.evidence.startswith('replied to Bob\'s comment of 2026-11-20 10:01 ("I think the')
    assert "signature earlier on its line" in f.evidence
    # an edit of the line that adds no signature is no reply; nor is Bob's own addendum
    assert run(BASE, BASE.replace("reliable enough", "reliable")) == []
    assert run(BASE, BASE.replace(BOB1, BOB1 + f" Addendum. {sig('Bob', 20)}")) == []


def test_evidence_quotes_the_parents_words_not_its_signature():
    from detectors.replies import DETECTOR as REPLIES
    from tests.core_helpers import WIKI, at, ban, edit, registry, user
    bob = "[[User:Bob|Bob]] ([[User talk:Bob|talk]]) 10:15, 20 November 2026 (UTC)"
    alice = "[[User:Alice|Alice]] ([[User talk:Alice|talk]]) 10:20, 20 November 2026 (UTC)"
    old = f"== Sources ==\nI think the source is fine. {bob}"
    new = old + f"\n: No, it is not. {alice}"
    (r,) = registry(ban()).restrictions(WIKI, user("Alice"), at(20, 11))
    (f,) = REPLIES.detect(edit("Alice", "Talk:X", when=at(20, 11)),
                          Context(restriction=r, old_text=old, new_text=new))
    assert '("I think the source is fine.")' in f.evidence
