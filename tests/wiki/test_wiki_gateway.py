"""The wiki adapter against the real local MediaWiki: streams, contents, users, login."""
from __future__ import annotations

import os
import stat

import pytest

from bot.wiki import Position, WikiConfig, WikiGateway
from bot.wiki.session import load_pywikibot
from localwiki.testing import make_user
from tests.harness import now, people, unique

pytestmark = pytest.mark.wiki


@pytest.fixture
def gateway(local_wiki):
    return WikiGateway(WikiConfig(local_wiki.name, local_wiki.api_url, contact="ops@example.org",
                                  max_retries=1, retry_wait=1))


def test_recent_changes_pages_and_positions(gateway, local_wiki):
    start = Position(now())
    (alice, a), = people(local_wiki, "Alice")
    title = unique("Stream")
    revs = [a.edit(title, f"version {i}") for i in range(5)]
    events = [e for page in gateway.recent_changes(start, limit=2) for e in page.events]
    mine = [e for e in events if e.actor.name == alice]
    assert [e.revid for e in mine] == revs and mine[0].type.value == "new"
    assert all(e.sha1 and e.actor.id for e in mine)
    last = list(gateway.recent_changes(start))[-1].position
    assert [e for p in gateway.recent_changes(last) for e in p.events] == []  # nothing twice


def test_contents_history_users_and_creator(gateway, local_wiki):
    (alice, a), (bob, b) = people(local_wiki, "Alice", "Bob")
    title = unique("History")
    r1 = a.edit(title, "one")
    r2 = b.edit(title, "one two")
    r3 = a.edit(title, "one two three")
    texts = gateway.revisions([r1, r2, r3, 999999])
    assert {k: v.text for k, v in texts.items()} == {r1: "one", r2: "one two", r3: "one two three"}
    history = gateway.history(title, r2, limit=10)
    assert [r.revid for r in history] == [r2, r1] and history[0].user.name == bob
    assert gateway.page_creator(title) == alice
    users = gateway.users_by_name([alice, bob.lower(), "No such user 42x"])
    assert users[alice].name == alice and users[bob].id and users["No such user 42x"] is None
    assert gateway.users_by_id([users[alice].id]) == {users[alice].id: alice}


def test_renamed_to_follows_the_rename_log(gateway, local_wiki):
    (carol, _), = people(local_wiki, "Carol")
    local_wiki.rename_user(carol, carol + "2")
    local_wiki.rename_user(carol + "2", carol + "3")
    assert gateway.renamed_to(carol) == carol + "3"
    assert gateway.renamed_to(unique("Never")) is None


def test_site_info_from_the_wiki(local_wiki):
    (admin, a), = people(local_wiki, "Tpl")
    a.edit("Template:Ping", "@[[User:{{{1}}}|{{{1}}}]]")
    a.edit("Template:Pong", "#REDIRECT [[Template:Ping]]")
    site = WikiGateway(WikiConfig(local_wiki.name, local_wiki.api_url, max_retries=1,
                                  retry_wait=1)).site_info()
    assert "Pong" in site.ping_templates and "reply to" in site.ping_templates
    assert site.split_title("user talk:Bob") == (3, "Bob")
    assert site.split_title("Project:Foo")[0] == 4
    assert "Contributions" in site.special_aliases["Contributions"]


def test_user_agent_names_the_contact(gateway):
    load_pywikibot()
    from pywikibot.comms import http
    agent = http.user_agent(gateway.site)
    assert "ibanbot/" in agent and "ops@example.org" in agent


def test_login_with_a_botpassword(local_wiki, tmp_path):
    user = make_user(local_wiki, unique("IbanBot"))
    login, password = local_wiki.create_bot_password(user.name)
    secret = tmp_path / "user-password.py"
    secret.write_text(f"({user.name!r}, BotPassword('ibanbot', {password!r}))\n")
    secret.chmod(stat.S_IRUSR | stat.S_IWUSR)
    pwb = load_pywikibot()
    # cookies ignore ports: sessions other tests opened on 127.0.0.1 must not be sent along
    pwb.comms.http.cookie_jar.clear()
    old = pwb.config.password_file
    pwb.config.password_file = str(secret)
    try:
        gw = WikiGateway(WikiConfig(local_wiki.name, local_wiki.api_url, user=user.name,
                                    max_retries=1, retry_wait=1))
        assert gw.site.logged_in() and gw.site.user() == user.name
    finally:
        pwb.config.password_file = old
        pwb.comms.http.cookie_jar.clear()
    assert os.stat(secret).st_mode & 0o077 == 0
