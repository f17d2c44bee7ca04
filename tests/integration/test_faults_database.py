"""Issue 6: PostgreSQL or MariaDB stopped in the middle of a poll (private throwaway servers).

The poll fails without moving its cursor or queueing anything half-way; the outage is logged
once; tries while the database is down add no log lines; once the server is back the next
poll catches up. No database password appears in any log line or error.
"""
from __future__ import annotations

import logging

import pytest

from bot.app import App
from bot.run.supervisor import Supervisor
from tests.harness import Bot, ban, people
from tests.privatedb import PASSWORD, PrivateMariaDB, PrivatePostgres

pytestmark = pytest.mark.wiki


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("server_class", [PrivatePostgres, PrivateMariaDB],
                         ids=["postgresql", "mariadb"])
def test_database_stopped_mid_poll_then_back(tmp_path, local_wiki, server_class, caplog):
    server = server_class()
    try:
        server.start()
        url = server.create_database("ibanbot")
        (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
        bot = Bot(tmp_path / "bot", local_wiki, db_url=url, bans=[ban(alice, bob)])
        bot.run_once()  # schema, identities and cursors on the private server
        app = App.load(bot.folder / "settings.toml")
        clock = Clock()
        supervisor = Supervisor(app, clock=clock)
        wiki = local_wiki.name
        cursor = app.store.get_cursor(wiki, "recentchanges")
        revid = a.edit(f"User talk:{bob}", "written just before the database goes down")
        gateway = app.gateways[wiki]
        read = gateway.recent_changes

        def database_dies_mid_poll(position, *args, **kwargs):
            for page in read(position, *args, **kwargs):
                server.stop()  # the page is read; saving it must fail
                yield page

        gateway.recent_changes = database_dies_mid_poll
        caplog.set_level(logging.DEBUG)
        assert supervisor.poll(wiki) is None
        for _ in range(3):  # tries while it is down: no new warning
            clock.now += 60
            assert supervisor.poll(wiki) is None
        gateway.recent_changes = read
        server.start()
        assert app.store.get_cursor(wiki, "recentchanges") == cursor  # not moved
        assert app.store.list_items() == []  # nothing half-saved
        clock.now += 60
        result = supervisor.poll(wiki)
        assert result is not None and len(result.new_items) == 1
        assert [i.revid for i in app.store.list_items()] == [revid]
        assert app.store.get_cursor(wiki, "recentchanges") != cursor
        (health,) = [h for h in app.store.ops.health() if h.stream == "recentchanges"]
        assert health.failures == 0 and health.last_success is not None  # (the failure itself
        #   could not be recorded: the database was the outage)
        app.store.close()
    finally:
        server.cleanup()
    ours = [r for r in caplog.records if r.name.startswith("bot") and r.levelno >= logging.WARNING]
    messages = [r.getMessage() for r in ours]
    assert len(messages) == 2, messages
    assert "poll failed, retrying with backoff" in messages[0]
    assert "recovered after" in messages[1] and "4 failed tries" in messages[1]
    assert PASSWORD not in caplog.text
    assert "***" in messages[0] or "@127.0.0.1" not in messages[0]
