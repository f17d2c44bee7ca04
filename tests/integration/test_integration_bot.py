"""Issue 2 end to end: the real bot, through its CLI, against the real local MediaWiki."""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from localwiki.client import WikiClient
from localwiki.testing import DEFAULT_PASSWORD
from tests.harness import Bot, ban, now, people

pytestmark = pytest.mark.wiki


@pytest.fixture
def bot(tmp_path, local_wiki):
    return Bot(tmp_path / "bot", local_wiki)


def kinds(items):
    return sorted((i["actor"], i["target"], f["kind"]) for i in items for f in i["findings"])


def test_two_way_ban_flags_both_directions(bot, local_wiki):
    (alice, a), (bob, b) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob, two_way=True))
    a.edit(f"User talk:{bob}", "Hello there", "hi")
    b.edit(f"User talk:{alice}", "Hello back", "hi")
    bot.run_once()
    assert kinds(bot.queue()) == sorted([(alice, bob, "userspace"), (bob, alice, "userspace")])


def test_one_way_ban_does_not_restrict_the_protected_side(bot, local_wiki):
    (alice, a), (bob, b) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob, two_way=False))
    b.edit(f"User talk:{alice}", "Hello", "hi")
    a.edit(f"User:{bob}/notes", "Subpage", "sub")
    bot.run_once()
    (item,) = bot.queue()
    assert (item["actor"], item["page"]) == (alice, f"User:{bob}/notes")
    assert "subpage" in item["findings"][0]["evidence"]


def test_expired_and_future_bans_are_not_flagged(bot, local_wiki):
    (alice, a), (bob, _), (carol, c), (dave, _) = people(local_wiki, "Alice", "Bob", "Carol",
                                                          "Dave")
    t = now()
    bot.add_ban(**ban(alice, bob, start=t - timedelta(hours=2), expires=t - timedelta(hours=1)))
    bot.add_ban(**ban(carol, dave, start=t + timedelta(hours=1)))
    a.edit(f"User talk:{bob}", "after expiry")
    c.edit(f"User talk:{dave}", "before start")
    bot.run_once()
    assert bot.queue() == []


def test_exempt_page_and_outsider_not_flagged(bot, local_wiki):
    (alice, a), (bob, _), (erin, e) = people(local_wiki, "Alice", "Bob", "Erin")
    bot.add_ban(**ban(alice, bob, exempt_pages=[f"User talk:{bob}/Appeal*"]))
    a.edit(f"User talk:{bob}/Appeal", "my appeal statement")
    e.edit(f"User talk:{bob}", "an outsider may write here")
    bot.run_once()
    assert bot.queue() == []


def test_thanks_to_protected_flagged_to_others_not(bot, local_wiki):
    (alice, _), (bob, _), (carol, _) = people(local_wiki, "Alice", "Bob", "Carol")
    bot.add_ban(**ban(alice, bob))
    local_wiki.thank(alice, bob)
    local_wiki.thank(alice, carol)
    bot.run_once()
    (item,) = bot.queue()
    assert (item["target"], item["findings"][0]["kind"], item["revid"]) == (bob, "thanks", None)
    assert item["logid"]


def test_rename_keeps_matching_and_bans_check_says_so(bot, local_wiki):
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob))
    bot.run_once()  # resolves both names to user ids
    local_wiki.rename_user(bob, bob + "R")
    local_wiki.rename_user(alice, alice + "R")
    a = WikiClient(local_wiki.api_url, alice + "R", DEFAULT_PASSWORD)  # renames end sessions
    a.edit(f"User talk:{bob}R", "found you")
    bot.run_once()
    (item,) = bot.queue()
    assert (item["target"], item["page"]) == (bob + "R", f"User talk:{bob}R")
    check = bot.cli("bans", "check")
    assert check.code == 0, check.err
    assert f"Warning: {bot.folder / 'bans.toml'}: ban " in check.err  # warnings: stderr
    assert f"'{bob}' was renamed to '{bob}R'" in check.err
    show = bot.cli("queue", "show", str(item["id"]))
    assert f"{alice}R" in show.out


def test_second_run_adds_nothing_and_bot_never_edits(bot, local_wiki):
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob))
    a.edit(f"User talk:{bob}", "one")
    a.edit(f"User talk:{bob}", "two")
    last_rc = _last_rcid(local_wiki.api_url)
    bot.run_once()
    first = bot.queue()
    bot.run_once()
    assert bot.queue() == first and len(first) == 2
    assert _last_rcid(local_wiki.api_url) == last_rc  # the bot changed nothing on the wiki


def test_unknown_user_in_bans_check_is_an_error(bot, local_wiki):
    (alice, _), = people(local_wiki, "Alice")
    bot.add_ban(**ban(alice, "Nobody-Such-User-9x"))
    check = bot.cli("bans", "check")
    assert check.code == 2
    assert "user 'Nobody-Such-User-9x' does not exist on" in check.err
    assert bot.cli("run", "--once").code == 0  # run does not refuse to start


def _last_rcid(api: str) -> int:
    r = requests.get(api, params={"action": "query", "list": "recentchanges", "rclimit": 1,
                                  "rcprop": "ids", "format": "json"}, timeout=30)
    return r.json()["query"]["recentchanges"][0]["rcid"]
