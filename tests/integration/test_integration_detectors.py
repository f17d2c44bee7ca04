"""Issues 3 and 4 end to end: replies, mentions, reverts, rewrites and logged actions, made for
real on the local MediaWiki and found by the real bot."""
from __future__ import annotations

import pytest

from localwiki.client import WikiClient
from localwiki.testing import make_user
from tests.harness import Bot, ban, people, unique

pytestmark = pytest.mark.wiki


@pytest.fixture
def bot(tmp_path, local_wiki):
    return Bot(tmp_path / "bot", local_wiki)


def sig(user: str) -> str:
    return f"[[User:{user}|{user}]] ([[User talk:{user}|talk]]) 10:15, 20 November 2026 (UTC)"


def findings(bot: Bot, kind: str | None = None) -> list[tuple[str, str, str]]:
    return [(i["page"], f["kind"], f["evidence"]) for i in bot.queue() for f in i["findings"]
            if kind is None or f["kind"] == kind]


def sysop(wiki, prefix: str) -> tuple[str, WikiClient]:
    user = make_user(wiki, unique(prefix), groups=("sysop",))
    return user.name, WikiClient(wiki.api_url, user.name, user.password)


# -- issue 3: replies ---------------------------------------------------------------------
def test_replies_at_levels_one_and_two_and_not_to_others(bot, local_wiki):
    (alice, a), (bob, b), (carol, c) = people(local_wiki, "Alice", "Bob", "Carol")
    bot.add_ban(**ban(alice, bob))
    t1, t2, t3 = (f"Talk:{unique('Thread')}" for _ in range(3))
    b.edit(t1, f"== Sources ==\nI think the source is reliable. {sig(bob)}")
    a.append_reply(t1, f": I disagree with that. {sig(alice)}")  # level 1 reply to Bob
    c.edit(t2, f"== Lead ==\nThe lead is too long. {sig(carol)}")
    b.append_reply(t2, f": Agreed, trim it. {sig(bob)}")
    a.append_reply(t2, f":: Trimming now. {sig(alice)}")  # level 2 reply to Bob
    c.edit(t3, f"== Dates ==\nBirth date wrong? {sig(carol)}")
    b.append_reply(t3, f": Checked, it is right. {sig(bob)}")
    c.append_reply(t3, f":: Here is another source. {sig(carol)}")
    a.append_reply(t3, f"::: Thanks, that settles it. {sig(alice)}")  # reply to Carol: none
    bot.run_once()
    replies = findings(bot, "reply")
    assert sorted(p for p, _, _ in replies) == sorted([t1, t2])
    assert any("section \"Sources\"" in e and bob in e for _, _, e in replies)
    assert not [f for f in findings(bot) if f[0] == t3]


# -- issue 3: mentions ----------------------------------------------------------------------
def test_each_mention_form_and_the_non_mentions(bot, local_wiki):
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob, exempt_pages=[f"Project:Appeals/{alice}"],
                      aliases={bob: ["Bobzilla"]}))
    forms = {
        "user link": f"See [[User:{bob}]].", "talk link": f"Ask [[User_talk:{bob}|him]].",
        "contribs": f"Look at [[Special:Contributions/{bob}]].",
        "ping": f"{{{{ping|{bob}}}}} hello", "u template": f"As {{{{u|{bob}}}}} said",
        "plain name": f"I am sure {bob} is wrong.", "alias": "Bobzilla strikes again.",
    }
    pages = {}
    for form, text in forms.items():
        pages[form] = f"Talk:{unique('Mention')}"
        a.edit(pages[form], text, "comment")
    summary_page = f"Talk:{unique('Summary')}"
    a.edit(summary_page, "Neutral text.", f"reverting {bob} again")
    a.edit(f"Project:Appeals/{alice}", f"I appeal; {bob} knows why.", "appeal")  # exempt
    a.edit(f"Talk:{unique('Longer')}", f"The {bob}ish style is odd.", "x")  # inside a word
    bot.run_once()
    found = {p: e for p, k, e in findings(bot, "mention")}
    for form, page in pages.items():
        assert page in found, form
    assert summary_page in found and "summary" in found[summary_page]
    assert len(found) == len(forms) + 1  # nothing on the exempt page or inside a longer word


# -- issue 4: reverts -----------------------------------------------------------------------
def _article(c: WikiClient, b: WikiClient, bob_text: str) -> tuple[str, int]:
    title = unique("Article")
    c.edit(title, "Intro by Carol.\n\nMiddle by Carol.\n\nEnd by Carol.")
    return title, b.edit(title, f"Intro by Carol.\n\n{bob_text}\n\nMiddle by Carol.\n\n"
                                "End by Carol.")


def test_rollback_undo_and_manual_revert_of_their_edits(bot, local_wiki):
    (alice, a), (bob, b), (_carol, c) = (sysop(local_wiki, "Alice"),
                                        *people(local_wiki, "Bob", "Carol"))
    bot.add_ban(**ban(alice, bob))
    rolled, _ = _article(c, b, "Bob's paragraph one.")
    a.rollback(rolled, bob)
    undone, bob_rev = _article(c, b, "Bob's paragraph two.")
    c.edit(undone, c.page_text(undone).replace("End by Carol.", "End by Carol, fixed."))
    a.undo(undone, bob_rev)  # not the top edit
    manual, _ = _article(c, b, "Bob's paragraph three.")
    a.edit(manual, "Intro by Carol.\n\nMiddle by Carol.\n\nEnd by Carol.", "restore")
    bot.run_once()
    reverts = {p: e for p, k, e in findings(bot, "revert")}
    assert set(reverts) == {rolled, undone, manual}
    assert "rollback" in reverts[rolled] and "undo" in reverts[undone] and bob in reverts[manual]


def test_undo_of_someone_else_and_self_revert_are_not_findings(bot, local_wiki):
    (alice, a), (bob, b), (carol, c) = people(local_wiki, "Alice", "Bob", "Carol")
    bot.add_ban(**ban(alice, bob))
    title = unique("Article")
    c.edit(title, "Carol's start.\n\nMore.")
    carol_rev = c.edit(title, "Carol's start.\n\nMore.\n\nCarol adds this.")
    a.undo(title, carol_rev)
    own = a.edit(title, "Carol's start.\n\nMore.\n\nAlice adds this.")
    a.undo(title, own)
    bot.run_once()
    assert findings(bot) == []


def test_rewrite_of_their_sentence_but_not_an_addition_beside_it(bot, local_wiki):
    (alice, a), (bob, b), (carol, c) = people(local_wiki, "Alice", "Bob", "Carol")
    bot.add_ban(**ban(alice, bob))
    rewritten, beside = unique("Article"), unique("Article")
    bob_sentence = "The bridge was completed in 1932 after four years of construction."
    for title in (rewritten, beside):
        c.edit(title, "An article about a bridge.")
        b.edit(title, f"An article about a bridge. {bob_sentence}")
    a.edit(rewritten, "An article about a bridge. The bridge opened in 1935.")
    a.edit(beside, f"An article about a bridge. {bob_sentence}\n\nIt is painted red.")
    bot.run_once()
    changes = [(p, e) for p, k, e in findings(bot, "edit-change")]
    assert [p for p, _ in changes] == [rewritten] and bob in changes[0][1]


# -- issue 4: logged actions ----------------------------------------------------------------
def test_block_move_of_their_subpage_and_deletion_of_their_page(bot, local_wiki):
    (alice, a), (bob, b) = sysop(local_wiki, "Alice"), *people(local_wiki, "Bob")
    bot.add_ban(**ban(alice, bob))
    created = unique("BobsPage")
    b.edit(created, "A page Bob created.")
    b.edit(f"User:{bob}/Draft", "Bob's draft.")
    a.move(f"User:{bob}/Draft", unique("Moved draft"))
    a.delete(created, "housekeeping")
    a.block(bob, "1 day")
    bot.run_once()
    got = findings(bot)
    assert any(k == "log-action" and "block" in e for _, k, e in got)
    assert any(k == "log-action" and p == created and "created" in e for p, k, e in got)
    assert any(k in ("userspace", "log-action") and p == f"User:{bob}/Draft" for p, k, _ in got)
