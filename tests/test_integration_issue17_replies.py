"""Issue 17 classes 1 and 2 end to end on the real local MediaWiki: replies without a
timestamp, and changes to how a protected user's comment appears."""
from __future__ import annotations

import pytest

from localwiki.client import WikiClient
from tests.harness import Bot, ban, people, unique

pytestmark = pytest.mark.wiki


@pytest.fixture
def bot(tmp_path, local_wiki):
    return Bot(tmp_path / "bot", local_wiki)


def items(bot: Bot) -> dict[str, list[tuple[str, float, str]]]:
    out: dict[str, list[tuple[str, float, str]]] = {}
    for item in bot.queue():
        out.setdefault(item["page"], []).extend(
            (f["kind"], f["confidence"], f["evidence"]) for f in item["findings"])
    return out


def thread(b: WikiClient, title: str, words: str = "I think the source is reliable.") -> None:
    b.edit(title, f"== Sources ==\n{words} ~~~~")  # the wiki signs and dates it


def test_undated_replies_are_found_and_a_later_signature_adds_no_item(bot, local_wiki):
    (alice, a), (bob, b), (carol, c) = people(local_wiki, "Alice", "Bob", "Carol")
    bot.add_ban(**ban(alice, bob))
    unsigned, tilde3, bare, signed_later, to_carol = (f"Talk:{unique('Undated')}"
                                                      for _ in range(5))
    for title in (unsigned, tilde3, bare, signed_later, to_carol):
        thread(b, title)
    a.append_reply(unsigned, ": No, it is not.")
    # a signing bot's {{unsigned}} minutes later, in another revision, by someone else
    c.edit(unsigned, c.page_text(unsigned) + f" {{{{unsigned|{alice}}}}}", "signing")
    a.append_reply(tilde3, ": No, it is not. ~~~")
    a.append_reply(bare, f": No, it is not. -- {alice}")
    a.append_reply(signed_later, ": No, it is not.")
    a.edit(signed_later, a.page_text(signed_later) + " ~~~~", "forgot to sign")
    c.append_reply(to_carol, ": It is not, see the review. ~~~~")
    a.append_reply(to_carol, ":: Good point, Carol.")  # answers Carol: no reply to Bob
    bot.run_once()
    found = items(bot)
    assert set(found) == {unsigned, tilde3, bare, signed_later}
    expected = {unsigned: "unsigned", tilde3: "signed without a date",
                bare: "signed with a bare name", signed_later: "unsigned"}
    for title, form in expected.items():
        (finding,) = found[title]  # one item, one finding: the signature later adds none
        kind, confidence, evidence = finding
        assert (kind, confidence) == ("reply", 0.8), (title, finding)
        assert f"replied to {bob}'s comment of " in evidence and form in evidence, evidence
    assert len([i for i in bot.queue() if i["page"] == signed_later]) == 1
