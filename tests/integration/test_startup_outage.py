"""Issue 13.3: one wiki down at start-up is an outage of that wiki, never of every wiki.

Two wikis: the real local wiki, and a second name for it behind a fault proxy whose port is
closed at start-up (connection refused). The healthy wiki is polled at once; `run --once`
exits 1 naming the dead one; a running `run` catches the dead one up when it answers.
pywikibot's own retries (3, 5 s: the defaults) are left on, so a read that waited for them
would show here.
"""
from __future__ import annotations

import time

import pytest

from tests.botprocess import BotProcess, wait_for
from tests.faultproxy import FaultProxy
from tests.harness import Bot, _ban_toml, ban, people, unique
from tests.storage_fixtures import _server_database, selected_backends

pytestmark = pytest.mark.wiki


@pytest.fixture(params=selected_backends())
def database(request):
    """"" (the harness's SQLite file) or a fresh database on the PostgreSQL or MariaDB server."""
    if request.param == "sqlite":
        yield ""
    else:
        yield from _server_database(request.param)


def two_wikis(bot: Bot, dead_api: str, dead: str) -> None:
    """The harness bot's files with a second wiki `dead` at `dead_api`, default retries."""
    db = bot.db_url or "sqlite:///bot.sqlite3"
    (bot.folder / "settings.toml").write_text(
        f'[database]\nurl = "{db}"\n[bans]\nfile = "bans.toml"\n'
        f'[bot]\ncontact = "test@example.org"\n'
        f"[operations]\nmax_backoff_seconds = 2\nlease_seconds = 10\n"
        f'[[wikis]]\nname = "{bot.wiki.name}"\napi = "{bot.wiki.api_url}"\npoll_seconds = 1\n'
        f'[[wikis]]\nname = "{dead}"\napi = "{dead_api}"\npoll_seconds = 1\n',
        encoding="utf-8")
    (bot.folder / "bans.toml").write_text("\n".join(_ban_toml(b) for b in bot.bans),
                                          encoding="utf-8")


def items(bot: Bot, wiki: str) -> list[int]:
    return sorted(i["revid"] for i in bot.queue("--wiki", wiki))


def test_run_once_polls_the_healthy_wiki_and_names_the_dead_one(tmp_path, local_wiki, database):
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki, db_url=database, bans=[ban(alice, bob)])
    dead = unique("deadwiki")
    proxy = FaultProxy(local_wiki.server_url)  # never started: its port refuses connections
    two_wikis(bot, proxy.api_url, dead)
    revid = a.edit(f"User talk:{bob}", "written while the other wiki is down")
    started = time.monotonic()
    outcome = bot.cli("run", "--once")
    seconds = time.monotonic() - started
    print(f"\nrun --once with one wiki refusing connections: {seconds:.1f} s, exit "
          f"{outcome.code}")
    assert outcome.code == 1, outcome.err
    assert items(bot, local_wiki.name) == [revid]  # the healthy wiki was polled
    lines = [line for line in outcome.err.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and dead in lines[0] and "connection refused" in lines[0], outcome.err
    assert "ApiTimeoutError" not in outcome.err and "Traceback" not in outcome.err
    assert seconds < 30, outcome.err  # hang guard: pywikibot's default retries take 35 s
    status = bot.cli("status")
    assert status.code == 1, status.out
    rows = {(r["wiki"], r["stream"]): r for r in bot.cli("status", "--format", "json").json()}
    assert rows[(dead, "recentchanges")]["failures"] >= 1
    assert "connection refused" in rows[(dead, "recentchanges")]["last_error"]
    assert rows[(local_wiki.name, "recentchanges")]["failures"] == 0


def test_run_polls_at_once_and_catches_up_the_wiki_that_was_down(tmp_path, local_wiki,
                                                                 database):
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki, db_url=database, bans=[ban(alice, bob)])
    dead = unique("deadwiki")
    proxy = FaultProxy(local_wiki.server_url)
    two_wikis(bot, proxy.api_url, dead)
    assert bot.cli("db", "upgrade").code == 0
    revid = a.edit(f"User talk:{bob}", "seen at once on one wiki, later on the other")
    started = time.monotonic()
    run = BotProcess(bot.folder / "settings.toml")
    try:
        wait_for(lambda: items(bot, local_wiki.name) == [revid], 60, "the healthy wiki's poll")
        healthy = time.monotonic() - started
        wait_for(lambda: "poll failed" in run.output, 30, "the outage warning")
        time.sleep(3)  # several tries, spaced by the backoff
        assert run.alive(), run.output
        status = bot.cli("status")
        assert "FAILING" in status.out and "connection refused" in status.out, status.out
        assert items(bot, dead) == []
        proxy.start()
        up = time.monotonic()
        wait_for(lambda: items(bot, dead) == [revid] and "recovered after" in run.output, 60,
                 "the catch-up of the wiki that was down")
        caught_up = time.monotonic() - up
        wait_for(lambda: bot.cli("status").code == 0, 20, "a healthy status")
        assert run.terminate() == 0
    finally:
        run.cleanup()
        proxy.stop()
    print(f"\nrun with one wiki down at start-up: healthy wiki queued {healthy:.1f} s after "
          f"the start; the other caught up {caught_up:.1f} s after it answered")
    log = run.output
    assert log.count(f"wiki {dead}: poll failed, retrying with backoff") == 1, log
    assert log.count(f"wiki {dead}: recovered after") == 1, log
    assert "Traceback" not in log and "ApiTimeoutError" not in log, log
    assert items(bot, local_wiki.name) == [revid] and items(bot, dead) == [revid]
