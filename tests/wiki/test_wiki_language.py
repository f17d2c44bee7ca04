"""A wiki in another language and time zone: the real local MediaWiki installed in French,
on Europe/Paris time. Signatures there read `27 novembre 2026 à 22:30 (CET)`; the bot learns
that format from the wiki and finds replies in it."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import WikiError
from bot.wiki import language
from bot.wiki.gateway import WikiConfig, WikiGateway
from detectors.wikitext.timestamps import ENGLISH
from localwiki.testing import running_wiki
from tests.harness import Bot, ban, people, unique

pytestmark = pytest.mark.wiki


@pytest.fixture(scope="module")
def french_wiki():
    with running_wiki("frwiki", language="fr", timezone="Europe/Paris") as wiki:
        yield wiki


def test_the_signature_format_is_learned_from_the_wiki(french_wiki):
    (_, client), = people(french_wiki, "Lea")
    page = f"Discussion:{unique('Essai')}"
    client.edit(page, "Un essai. ~~~~")
    signed = client.page_text(page)
    assert "(CET)" in signed or "(CEST)" in signed, signed  # what the wiki wrote
    gateway = WikiGateway(WikiConfig("frwiki", french_wiki.api_url, max_retries=1,
                                     retry_wait=1))
    fmt = gateway.site_info().timestamps
    assert fmt is not ENGLISH
    match = fmt.regex.search(signed)
    assert match, (fmt.pattern, signed)
    assert abs(fmt.parse(match) - datetime.now(UTC)) < timedelta(minutes=5)
    assert fmt.regex.search("3 juillet 2026 à 11:07 (CEST)")  # the summer label too


def test_a_reply_signed_on_a_french_wiki_is_found(tmp_path, french_wiki):
    (alice, a), (bob, b), (carol, c) = people(french_wiki, "Alice", "Bob", "Carol")
    bot = Bot(tmp_path / "bot", french_wiki, bans=[ban(alice, bob)])
    replied, other = (f"Discussion:{unique('Sujet')}" for _ in range(2))
    b.edit(replied, "== Source ==\nLa source est fiable. ~~~~")
    a.append_reply(replied, ": Je ne suis pas d'accord. ~~~~")  # Alice replies to Bob
    c.edit(other, "== Dates ==\nLa date est fausse ? ~~~~")
    a.append_reply(other, ": Corrigée. ~~~~")  # Alice replies to Carol: no finding
    bot.run_once()
    replies = [(i["page"], f["evidence"]) for i in bot.queue() for f in i["findings"]
               if f["kind"] == "reply"]
    assert [page for page, _ in replies] == [replied], replies
    assert bob in replies[0][1] and "Source" in replies[0][1]


# -- the adapter's answers, without a wiki: what it does with odd ones ---------------------
def answers(sample: str, now: str = "2026-11-27T21:30:05Z", zone: str = "Europe/Paris",
            lang: str = "fr"):
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"]

    def call(params):
        if params.get("action") == "parse":
            return {"parse": {"text": sample}, "curtimestamp": now}
        query = {}
        if "siteinfo" in params.get("meta", ""):  # with the names, in the content language
            assert params.get("uselang") == "content" and "general" in params["siprop"]
            query["general"] = {"lang": lang, "timezone": zone, "timeoffset": 60}
        keys = params["ammessages"].split("|")
        named = dict(zip(language.MONTHS, months))
        query["allmessages"] = [
            {"name": k, "content": named[k]} if k in named else {"name": k, "missing": True}
            for k in keys]
        return {"query": query}
    return call


def test_the_adapter_learns_from_the_answers_and_falls_back_with_a_warning(caplog):
    fmt = language.learn_timestamps(answers("27 novembre 2026 à 22:30 (CET)"), "w")
    assert fmt is not ENGLISH and fmt.regex.search("1 août 2026 à 09:00 (CEST)")
    numeric = language.learn_timestamps(answers("27/11/2026 22h30 (CET)"), "w")
    assert numeric.regex.search("3/7/2026 11h07 (CEST)")
    with caplog.at_level(logging.WARNING):  # a year of another calendar
        assert language.learn_timestamps(answers("27 novembre 2569 à 22:30 (CET)"), "w") \
            is ENGLISH
    assert "wiki w: signature timestamps like '27 novembre 2569 à 22:30 (CET)'" in caplog.text
    assert "(language fr) are not understood" in caplog.text


@pytest.mark.parametrize("now", ["", "yesterday", None])
def test_an_answer_without_a_time_is_a_one_line_wiki_error(now):
    with pytest.raises(WikiError, match="^wiki w: action=parse answered without a valid "
                                        "curtimestamp$"):
        language.learn_timestamps(answers("27 novembre 2026 à 22:30 (CET)", now=now), "w")


def test_zone_labels():
    assert language.zone_labels("Europe/Paris", 60) == {"CET": 60, "CEST": 120}
    assert language.zone_labels("UTC", 0) == {"UTC": 0}
    assert language.zone_labels("Nowhere/Atlantis", 0) == {"UTC": 0}
    assert language.zone_labels("Nowhere/Atlantis", 180) == {}
    assert language.zone_labels("../../etc/passwd", 0) == {"UTC": 0}


@pytest.mark.parametrize("odd", [
    {"parse": ["not", "an", "object"]}, {"query": "nothing"}, {"query": {"general": 5}},
    {"query": {"general": {"timeoffset": "soon", "timezone": "Nowhere/Atlantis"}}},
    {"query": {"allmessages": {"name": "january"}}},
])
def test_odd_answers_leave_the_english_format_with_a_warning(odd, caplog):
    normal = answers("27 novembre 2026 à 22:30 (CET)")

    def call(params):
        answer = normal(params)
        for key in odd:
            if key in answer:
                return {**answer, **odd, "curtimestamp": answer.get("curtimestamp")}
        return answer

    with caplog.at_level(logging.WARNING):
        assert language.learn_timestamps(call, "w") is ENGLISH  # never an exception
    assert "wiki w: signature timestamps like" in caplog.text
