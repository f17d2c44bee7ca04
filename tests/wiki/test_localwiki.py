"""The local real MediaWiki (localwiki): server lifecycle and every action test helpers use."""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from localwiki import LocalWiki, LocalWikiError, WikiApiError
from localwiki.client import WikiClient
from localwiki.process import group_members, siteinfo
from localwiki.testing import WikiUser, _claim_folder, admin, client, make_user, running_wiki

pytestmark = pytest.mark.wiki
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def wiki() -> Iterator[LocalWiki]:
    with running_wiki("lwtest") as started:
        yield started


@pytest.fixture(scope="module")
def sysop(wiki: LocalWiki) -> WikiClient:
    return client(wiki, admin(wiki))


def fresh_user(wiki: LocalWiki, stem: str, groups: tuple[str, ...] = ()) -> WikiUser:
    return make_user(wiki, f"{stem} {next(_serial)}", groups=groups)


def logevents(api: WikiClient, letype: str, **params: Any) -> list[dict[str, Any]]:
    data = api.request({"action": "query", "list": "logevents", "letype": letype,
                        "leprop": "ids|title|type|user|userid|timestamp|details", "lelimit": "max",
                        **params})
    return list(data["query"]["logevents"])


def test_start_is_idempotent(wiki: LocalWiki) -> None:
    pgid = wiki.pgid
    wiki.start()
    assert wiki.is_running() and wiki.pgid == pgid
    assert siteinfo(wiki.api_url)["wikiid"] == "lwtest"


def test_users_with_spaces_unicode_and_groups(wiki: LocalWiki) -> None:
    user = make_user(wiki, "Zoë Ünïcode Tester", groups=("bot", "suppress"))
    again = make_user(wiki, "Zoë Ünïcode Tester", groups=("bot",))
    assert again.user_id == user.user_id
    data = client(wiki, user).request({"action": "query", "meta": "userinfo", "uiprop": "groups"})
    assert data["query"]["userinfo"]["name"] == "Zoë Ünïcode Tester"
    assert {"bot", "suppress"} <= set(data["query"]["userinfo"]["groups"])


def test_edit_and_append_reply(wiki: LocalWiki) -> None:
    alice, bob = (client(wiki, fresh_user(wiki, n)) for n in ("Alice", "Bob"))
    first = alice.edit("Talk:Replies", "== Topic ==\nQuestion? --Alice\n", "ask")
    second = bob.append_reply("Talk:Replies", ":Answer. --Bob")
    assert second > first
    assert alice.page_text("Talk:Replies") == "== Topic ==\nQuestion? --Alice\n:Answer. --Bob"
    assert [r["revid"] for r in alice.revisions("Talk:Replies")] == [second, first]


def test_rollback_tags_the_reverted_edit(wiki: LocalWiki, sysop: WikiClient) -> None:
    alice, bob = (client(wiki, fresh_user(wiki, n)) for n in ("Alice", "Bob"))
    alice.edit("Rollback target", "good text")
    bad = bob.edit("Rollback target", "vandalism")
    revid = sysop.rollback("Rollback target", bob.user)
    revs = {r["revid"]: r for r in sysop.revisions("Rollback target")}
    assert "mw-rollback" in revs[revid]["tags"]
    assert "mw-reverted" in revs[bad]["tags"]
    assert sysop.page_text("Rollback target") == "good text"


def test_undo_of_a_non_top_edit(wiki: LocalWiki, sysop: WikiClient) -> None:
    alice, bob = (client(wiki, fresh_user(wiki, n)) for n in ("Alice", "Bob"))
    alice.edit("Undo target", "one\n\ntwo\n\nthree\n\nfour\n\nfive")
    bobs = bob.edit("Undo target", "one\n\ntwo BOB\n\nthree\n\nfour\n\nfive")
    alice.edit("Undo target", "one\n\ntwo BOB\n\nthree\n\nfour\n\nfive ALICE")
    revid = sysop.undo("Undo target", bobs)
    assert sysop.page_text("Undo target") == "one\n\ntwo\n\nthree\n\nfour\n\nfive ALICE"
    revs = {r["revid"]: r for r in sysop.revisions("Undo target")}
    assert "mw-undo" in revs[revid]["tags"]
    assert "mw-reverted" in revs[bobs]["tags"]


def test_move_protect_delete(wiki: LocalWiki, sysop: WikiClient) -> None:
    sysop.edit("Move me", "text")
    moved = sysop.move("Move me", "Moved page", reason="tidy")
    assert moved["to"] == "Moved page"
    assert sysop.page_text("Moved page") == "text"
    assert sysop.protect("Moved page")["protections"]
    logid = sysop.delete("Moved page")
    assert any(e["logid"] == logid for e in logevents(sysop, "delete"))


def test_block_and_unblock(wiki: LocalWiki, sysop: WikiClient) -> None:
    target = fresh_user(wiki, "Blocked")
    block_id = sysop.block(target.name, expiry="1 day", reason="test")
    assert block_id > 0
    with pytest.raises(WikiApiError) as raised:
        client(wiki, target).edit("Sandbox", "blocked edit")
    assert raised.value.code == "blocked"
    sysop.unblock(target.name)
    assert any(e["title"] == f"User:{target.name}" for e in logevents(sysop, "block"))


def test_rename_is_logged_and_keeps_the_id(wiki: LocalWiki, sysop: WikiClient) -> None:
    old = fresh_user(wiki, "Old name")
    client(wiki, old).edit("Rename edits", "by the old name")
    new_name = f"New name {next(_serial)}"
    assert wiki.rename_user(old.name, new_name) == old.user_id
    entries = [e for e in logevents(sysop, "renameuser") if e["params"]["olduser"] == old.name]
    assert len(entries) == 1 and entries[0]["params"]["newuser"] == new_name
    assert sysop.revisions("Rename edits")[0]["user"] == new_name


def test_thanks_are_logged_with_the_sender_id(wiki: LocalWiki, sysop: WikiClient) -> None:
    sender, recipient = fresh_user(wiki, "Thanker"), fresh_user(wiki, "Thanked")
    stamps = [wiki.thank(sender.name, recipient.name) for _ in range(2)]
    assert stamps[0] < stamps[1]
    entries = logevents(sysop, "thanks", leuser=sender.name)
    assert len(entries) == 2
    for entry in entries:
        assert (entry["action"], entry["userid"]) == ("thank", sender.user_id)
        assert entry["title"] == f"User:{recipient.name}"
    changes = sysop.request({"action": "query", "list": "recentchanges", "rctype": "log",
                             "rcprop": "loginfo", "rclimit": "max"})["query"]["recentchanges"]
    assert not [c for c in changes if c.get("logtype") == "thanks"]  # like the Thanks extension


def test_thanks_at_a_given_time_are_made_unique(wiki: LocalWiki, sysop: WikiClient) -> None:
    sender, recipient = fresh_user(wiki, "Thanker"), fresh_user(wiki, "Thanked")
    stamps = [wiki.thank(sender.name, recipient.name, "2026-01-01T00:00:00Z") for _ in range(2)]
    assert stamps == ["2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"]
    assert len(logevents(sysop, "thanks", leuser=sender.name)) == 2


def test_api_errors_carry_the_code(wiki: LocalWiki, sysop: WikiClient) -> None:
    with pytest.raises(WikiApiError) as raised:
        sysop.rollback("No such page at all", "Admin")
    assert raised.value.code == "missingtitle"


def test_two_wikis_side_by_side_then_stop_leaves_nothing(wiki: LocalWiki) -> None:
    with running_wiki("lwtest2") as other:
        assert other.port != wiki.port
        assert siteinfo(other.api_url)["wikiid"] == "lwtest2"
        assert siteinfo(wiki.api_url)["wikiid"] == "lwtest"
        make_user(other, "Only here")
        assert other.user_id("Only here") and wiki.user_id("Only here") is None
        other.reset()
        assert other.is_running() and other.user_id("Only here") is None
        pgid = other.pgid
        assert pgid is not None and group_members(pgid)
    assert not other.is_running()
    assert group_members(pgid) == []
    assert wiki.is_running()


def test_stale_pid_file_is_ignored(tmp_path: Any) -> None:
    stale = LocalWiki(tmp_path / "nowiki", 1, "nowiki")
    stale.root.mkdir()
    stale.pid_file.write_text("999999 1\n")
    assert not stale.is_running()
    assert not stale.pid_file.exists()
    stale.stop()


def test_bot_password_logs_in(wiki: LocalWiki) -> None:
    owner = fresh_user(wiki, "Bot owner")
    login, password = wiki.create_bot_password(owner.name, "ibanbot", ("basic", "highvolume"))
    api = WikiClient(wiki.api_url, login, password)
    info = api.request({"action": "query", "meta": "userinfo"})["query"]["userinfo"]
    assert (info["name"], info["id"]) == (owner.name, owner.user_id)


def test_create_refuses_a_foreign_folder(tmp_path: Any) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(LocalWikiError):
        LocalWiki(tmp_path, 1, "foreign").create()
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_concurrent_sessions_get_folders_of_their_own(tmp_path: Any) -> None:
    first_root, first = _claim_folder(tmp_path, "shared")
    second_root, second = _claim_folder(tmp_path, "shared")
    assert (first_root.name, second_root.name) == ("shared", "shared-2")
    first.close()
    again_root, again = _claim_folder(tmp_path, "shared")
    assert again_root.name == "shared"
    second.close()
    again.close()
