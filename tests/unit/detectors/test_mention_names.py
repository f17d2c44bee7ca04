"""Issue 17 class 3: names that are not the user (longer names, titles, quotations, references,
article text) and plain names that still mean them. Data-driven, both ways."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from detectors.bans import Ban, Person, Restriction
from detectors.base import Context
from detectors.mentions import CONF_ARTICLE, CONF_SUMMARY, CONF_TEXT, CONF_WEAK, DETECTOR
from detectors.model import Event, EventType, SiteInfo, UserRef
from detectors.wikitext.names import in_longer_name, not_about_users

T = datetime(2026, 11, 10, tzinfo=UTC)
ALICE = Person(2, "Alice")
GRACE = Person(3, "Grace")  # a common word and a first name: weak
NICK = Person(4, "Nick", former_names=("Nickolas",))  # a first name, not a common word
ROS = Person(5, "Rosalind Franklin")
PROTECTED = (GRACE, NICK, ROS)
BAN = Ban("IB-N", ("Alice",), tuple(p.name for p in PROTECTED), T)
RESTRICTION = Restriction(BAN, ALICE, PROTECTED)
SIG = "[[User:Alice|Alice]] ([[User talk:Alice|talk]]) 12:00, 10 November 2026 (UTC)"


def run(added: str, title: str = "Talk:Foo", comment: str = "",
        restriction: Restriction = RESTRICTION):
    old = "Intro line\n"
    event = Event("devwiki", EventType.EDIT, T, UserRef(2, "Alice"), title=title, revid=10,
                  comment=comment)
    context = Context(restriction, SiteInfo(), old_text=old, new_text=old + added + "\n")
    return list(DETECTOR.detect(event, context))


def named(findings, target):
    return [f for f in findings if f.target == target]


NOT_THE_USER = [  # (added text on a talk page, protected user it must not name)
    ("Grace Hopper wrote the first compiler.", "Grace"),
    ("Rear Admiral Grace Hopper's work", "Grace"),
    ("Grace M. Hopper", "Grace"),
    ("I love Nick Cave's music.", "Nick"),
    ("the band of Nick Cave and the Bad Seeds", "Nick"),
    ("the hymn Amazing Grace is old", "Grace"),
    ("see the film Saint Nick for that", "Nick"),
    ("the Rosalind Franklin Institute is in Harwell", "Rosalind Franklin"),
    ("''Grace and Frankie'' is a show", "Grace"),
    ("''Nick and Norah's Infinite Playlist''", "Nick"),
    ("a source.<ref>Nick, J. (2001). ''Some book''. p. 4.</ref>", "Nick"),
    ('<ref name="n">Nickolas 1999</ref>', "Nick"),
    ("{{cite web |title=Why Nick left |url=http://x.org}}", "Nick"),
    ("{{sfn|Nick|2001|p=3}}", "Nick"),
    ('the sign said "Nick was here" in red', "Nick"),
    ("she wrote “Nick knows best” once", "Nick"),
    ("{{quote|text=Nick, you are late.|author=Ann}}", "Nick"),
    ("<blockquote>Nick is the best drummer.</blockquote>", "Nick"),
    ("[[Nick Cave|Nick]] is an Australian musician", "Nick"),
    ("[[Grace (given name)]] is a name", "Grace"),
    ("[[Rosalind Franklin]] was a chemist", "Rosalind Franklin"),
    ("[[Rosalind_Franklin|her]] work", "Rosalind Franklin"),
    ("see {{Cite book |author=Rosalind Franklin |title=X}}", "Rosalind Franklin"),
]


@pytest.mark.parametrize("added,target", NOT_THE_USER)
def test_names_that_are_not_the_user_are_not_mentions(added, target):
    assert named(run(added + " " + SIG), target) == []


STILL_THE_USER = [  # (added text on a talk page, protected user, confidence)
    ("Thanks Grace, I agree.", "Grace", CONF_WEAK),
    ("Grace, stop reverting me.", "Grace", CONF_WEAK),
    ("Hi Nick, see above.", "Nick", CONF_TEXT),
    ("I agree with Nick.", "Nick", CONF_TEXT),
    ("Nick I disagree.", "Nick", CONF_TEXT),
    ("As Nick said above, no.", "Nick", CONF_TEXT),
    ("'''Oppose''' per Nick.", "Nick", CONF_TEXT),
    ("Nick. Then we wait.", "Nick", CONF_TEXT),
    ("@Nick: no.", "Nick", CONF_TEXT),
    ("Nickolas again", "Nick", CONF_TEXT),  # a former name
    ("I think Rosalind Franklin is right.", "Rosalind Franklin", CONF_TEXT),
    ("Nick and Grace disagree", "Nick", CONF_TEXT),  # "and" does not make a longer name
    ('the sign said "no" and Nick agreed', "Nick", CONF_TEXT),  # a quote elsewhere on the line
]


@pytest.mark.parametrize("added,target,confidence", STILL_THE_USER)
def test_plain_names_on_talk_pages_still_count(added, target, confidence):
    found = named(run(added + " " + SIG), target)
    assert [f.confidence for f in found] == [pytest.approx(confidence)], found


@pytest.mark.parametrize("title", ["Project talk:Village pump", "Project:Noticeboard",
                                   "User:Alice/notes", "User talk:Alice", "Talk:Nick Cave"])
def test_talk_user_and_project_pages_are_not_article_text(title):
    assert [f.confidence for f in named(run("Nick, please stop.", title=title), "Nick")] == \
        [CONF_TEXT]


ARTICLE = [  # (added article text, protected user, confidence or None for no finding)
    ("Grace was a popular name in 1900.", "Grace", None),  # weak name in prose: nothing
    ("Nick joined the band in 1983.", "Nick", CONF_ARTICLE),
    ("Rosalind Franklin studied X-rays.", "Rosalind Franklin", CONF_ARTICLE),
    ("rosalind franklin studied X-rays.", "Rosalind Franklin", CONF_ARTICLE - 0.15),
    ("<!-- Nick, do not change this date -->", "Nick", CONF_TEXT),  # editors talk in comments
    ("<!-- Grace: see the talk page -->", "Grace", CONF_WEAK),
    ("Nick keeps reverting this section.", "Nick", CONF_TEXT),  # a sentence about editing
    ("Nick Cave joined the band in 1983.", "Nick", None),
    ("[[User:Nick|Nick]]", "Nick", 0.95),  # links are links wherever they are
    ("{{ping|Grace}} see", "Grace", 0.95),
]


@pytest.mark.parametrize("added,target,confidence", ARTICLE)
def test_article_text_names_count_only_where_editors_talk(added, target, confidence):
    found = named(run(added, title="Foo"), target)
    assert [f.confidence for f in found] == ([] if confidence is None
                                             else [pytest.approx(confidence)]), found
    if confidence == CONF_ARTICLE:
        assert "in article text, with no word about editing near it" in found[0].evidence


@pytest.mark.parametrize("comment,target,confidence", [
    ("rv Nick", "Nick", CONF_SUMMARY),
    ("reply to Grace", "Grace", CONF_WEAK),
    ("added Nick Cave's birth date", "Nick", None),
    ("per ''Amazing Grace'' liner notes", "Grace", None),
])
def test_summaries(comment, target, confidence):
    found = named(run("", comment=comment), target)
    assert [f.confidence for f in found] == ([] if confidence is None else [confidence])


def test_aliases_are_matched_as_given():
    nick = Person(4, "Nicholas B", aliases=("Nick", "the drummer", "nb"))
    r = Restriction(Ban("IB-A", ("Alice",), ("Nicholas B",), T), ALICE, (nick,))
    # an alias the ban gives is the user, even followed by a capitalized word ...
    assert named(run("Nick Cave again " + SIG, restriction=r), "Nicholas B")
    # ... spelled as given: a lower-case alias matches exactly, other cases with the penalty
    exact = named(run("ask the drummer " + SIG, restriction=r), "Nicholas B")
    assert [f.confidence for f in exact] == [CONF_TEXT] and "(as the drummer, an alias)" in \
        exact[0].evidence
    assert [f.confidence for f in named(run("nb: no " + SIG, restriction=r), "Nicholas B")] == \
        [CONF_WEAK]
    assert [f.confidence for f in named(run("NB: no " + SIG, restriction=r), "Nicholas B")] == \
        [CONF_WEAK - 0.15]
    # ... but a quotation or a reference is no mention of anyone
    assert named(run("<ref>Nick 2001</ref> " + SIG, restriction=r), "Nicholas B") == []


@pytest.mark.parametrize("text,name,longer", [
    ("Nick Cave", "Nick", True), ("Saint Nick", "Nick", False),  # sentence start: no
    ("we saw Saint Nick", "Nick", True), ("Thanks Nick", "Nick", False),
    ("Nick I agree", "Nick", False), ("Nick. Then", "Nick", False), ("Nick RFC", "Nick", False),
    ("x\n:Saint Nick", "Nick", False), ("so, Dear Nick", "Nick", False),
])
def test_in_longer_name(text, name, longer):
    start = text.rindex(name)
    assert in_longer_name(text, start, start + len(name)) is longer


def test_spans_cover_references_quotes_titles_and_article_links():
    text = ("a <ref>Nick</ref> b ''Nick'' c \"Nick\" d [[Nick Cave|Nick]] e {{Cite book|x=Nick}}"
            " f [[User:Nick]] g '''Nick''' h {{tq|Nick}}")
    spans = not_about_users(text, SiteInfo())
    covered = [text[a:b] for a, b in sorted(spans)]
    assert covered == ["<ref>Nick</ref>", "''Nick''", '"Nick"', "[[Nick Cave|Nick]]",
                       "{{Cite book|x=Nick}}", "{{tq|Nick}}"]
