"""Issue 9: bans registered late, `backfill`, reloads of the bans file, gaps in recent changes.

All against the real local MediaWiki, through the bot's CLI (and `ibanbot run` as a process).
"""
from __future__ import annotations

import json
import logging
import sqlite3
import time
from datetime import timedelta

import pytest

from bot.storage import Store
from localwiki.testing import running_wiki
from tests.botprocess import BotProcess, wait_for, write_settings
from tests.harness import Bot, ban, now, people

pytestmark = pytest.mark.wiki


@pytest.fixture
def bot(tmp_path, local_wiki):
    return Bot(tmp_path / "bot", local_wiki)


def counts_line(out: str, wiki: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(f"{wiki}:"))


def test_late_ban_backfill_on_demand_and_at_start_up(bot, local_wiki):
    (alice, a), (bob, _), (carol, c), (dave, _), (erin, e) = people(
        local_wiki, "Alice", "Bob", "Carol", "Dave", "Erin")
    bot.add_ban(**ban(erin, dave))  # a ban in force, so the bot polls and moves its cursor
    bot.run_once()
    old = a.edit(f"User talk:{bob}", "before the ban was registered", "hello")
    local_wiki.thank(alice, bob)
    c.edit(f"User:{dave}/notes", "also before registration")
    e.edit("Sandbox", "unrelated")
    bot.run_once()  # the cursor is now past both edits
    assert bot.queue() == []

    late = ban(alice, bob, start=now() - timedelta(hours=1), id="IB-LATE-1")
    bot.add_ban(**late)
    first = bot.cli("backfill", "--ban", "IB-LATE-1")
    assert first.code == 0, first.err
    assert counts_line(first.out, local_wiki.name).endswith("2 items queued")
    thanks, item = bot.queue("--ban", "IB-LATE-1")  # newest first
    assert (item["revid"], item["actor"], item["findings"][0]["kind"]) == (old, alice,
                                                                            "userspace")
    assert (thanks["logid"] is not None, thanks["findings"][0]["kind"]) == (True, "thanks")
    again = bot.cli("backfill", "--ban", "IB-LATE-1")  # resumes: nothing left to read
    assert counts_line(again.out, local_wiki.name) == (
        f"{local_wiki.name}: 0 events read, 0 edits analysed, 0 items queued")
    forced = bot.cli("backfill", "--ban", "IB-LATE-1", "--since",
                     (now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert forced.code == 0, forced.err
    assert counts_line(forced.out, local_wiki.name).endswith(" 0 items queued")
    assert " 0 events read" not in forced.out  # it did read them again

    bot.add_ban(**ban(carol, dave, start=now() - timedelta(hours=1), id="IB-LATE-2"))
    bot.run_once()  # start-up finds the late ban and backfills it from its start
    bot.run_once()
    assert [i["page"] for i in bot.queue("--ban", "IB-LATE-2")] == [f"User:{dave}/notes"]
    assert len(bot.queue()) == 3  # nothing twice


def test_backfill_usage_errors(bot, local_wiki):
    (alice, _), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob, id="IB-U-1"))
    missing = bot.cli("backfill", "--ban", "IB-NOPE")
    assert missing.code == 2 and "no ban 'IB-NOPE'" in missing.err
    bad_date = bot.cli("backfill", "--ban", "IB-U-1", "--since", "yesterday")
    assert bad_date.code == 2 and "--since 'yesterday' is not a date" in bad_date.err
    naive = bot.cli("backfill", "--ban", "IB-U-1", "--since", "2026-11-01T10:00:00")
    assert naive.code == 2 and "needs a time zone" in naive.err
    assert len(missing.err.strip().splitlines()) == 1


def test_run_reloads_bans_keeps_last_good_and_backfills_late_ban(bot, local_wiki):
    (alice, a), (bob, _), (carol, c), (dave, _) = people(local_wiki, "Alice", "Bob", "Carol",
                                                          "Dave")
    bot.bans = [ban(alice, bob, id="IB-R-1")]
    settings = write_settings(bot, local_wiki.api_url, poll_seconds=1)
    early = c.edit(f"User talk:{dave}", "written before the ban was registered")
    proc = BotProcess(settings, "--log-format", "json")
    try:
        polled = lambda: proc.output.count('"wiki ' + local_wiki.name + ': polled')  # noqa: E731
        waiting(proc, lambda: polled() >= 2, 60, "two polls")
        bans_file = bot.folder / "bans.toml"
        good = bans_file.read_text(encoding="utf-8")
        late = ban(carol, dave, start=now() - timedelta(hours=1), id="IB-R-SECRET",
                   confidential=True)
        bot.bans.append({**late, "expires": now() - timedelta(days=400)})  # ends before start
        bot.write()
        waiting(proc, lambda: "is invalid" in proc.output, 30, "the reload error")
        a.edit(f"User talk:{bob}", "the old registry still applies")
        waiting(proc, lambda: stored(bot, "IB-R-1"), 30, "the old ban's item")  # (no CLI: the
        # bans file is invalid, and every command but `run` refuses to load it)
        bot.bans[-1] = late
        bot.write()
        waiting(proc, lambda: bot.queue("--ban", "IB-R-SECRET"), 60, "the late ban's backfill")
        after = c.edit(f"User talk:{dave}", "written after registration")
        waiting(proc, lambda: len(bot.queue("--ban", "IB-R-SECRET")) == 2, 30, "the live item")
        assert proc.terminate() == 0
    finally:
        proc.cleanup()
    revids = sorted(i["revid"] for i in bot.queue("--ban", "IB-R-SECRET"))
    assert revids == sorted([early, after])  # the early edit queued once
    lines = [json.loads(line) for line in proc.output.splitlines() if line.startswith("{")]
    assert len(lines) == len([x for x in proc.output.splitlines() if x.strip()])
    errors = [x for x in lines if x["level"] == "ERROR"]
    assert len(errors) == 1 and "keeping the 1 ban(s) loaded before" in errors[0]["message"]
    assert "a confidential ban" in errors[0]["message"]
    text = proc.output
    assert "IB-R-SECRET" not in text and carol not in text and dave not in text
    assert good  # (the valid file before the bad version)


def waiting(proc: BotProcess, check, timeout: float, what: str):
    try:
        return wait_for(check, timeout, what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the bot said:\n{proc.output[-4000:]}") from None


def stored(bot: Bot, ban_id: str) -> list:
    with Store(f"sqlite:///{bot.folder / 'bot.sqlite3'}") as store:
        return store.list_items(ban_id=ban_id)


@pytest.fixture(scope="module")
def gap_wiki():
    with running_wiki("gapwiki") as wiki:  # its own wiki: the test expires recent changes
        yield wiki


def expire_recent_changes(wiki) -> None:
    """What $wgRCMaxAge does to old rows, done now: recent changes forget everything so far."""
    with sqlite3.connect(wiki.db_file, timeout=30) as conn:
        conn.execute("DELETE FROM recentchanges")


def test_outage_longer_than_recent_changes_is_backfilled_and_staff_warned(tmp_path, gap_wiki):
    bot = Bot(tmp_path / "bot", gap_wiki)
    (alice, a), (bob, _), (erin, e) = people(gap_wiki, "Alice", "Bob", "Erin")
    bot.add_ban(**ban(alice, bob))
    bot.run_once()
    time.sleep(1.1)  # timestamps have whole seconds: keep the cursor's second out of it
    missed = a.edit(f"User talk:{bob}", "while the bot was away")
    e.edit("Sandbox", "others edit too")
    expire_recent_changes(gap_wiki)
    time.sleep(1.1)
    e.edit("Sandbox", "after the purge")  # the oldest row recent changes still hold
    bot.run_once()
    listing = bot.cli("queue", "list", "--format", "json")
    assert [i["revid"] for i in json.loads(listing.out)] == [missed]
    assert ("Warning: staff warning 1: wiki gapwiki: the bot did not read recent changes"
            in listing.err)
    (warning,) = json.loads(bot.cli("warnings", "list", "--format", "json").out)
    assert warning["kind"] == "gap" and "1 ban(s) were backfilled" in warning["message"]
    assert "1 items queued" in warning["message"]
    assert bot.cli("warnings", "ack", "1", "--reviewer", "Staffer").code == 0
    bot.run_once()  # no new gap
    assert bot.cli("queue", "list").err == ""
    assert json.loads(bot.cli("warnings", "list", "--all", "--format", "json").out)[0][
        "acknowledged_by"] == "Staffer"
    assert len(bot.queue()) == 1


def test_bans_check_with_many_users_shows_progress(bot, local_wiki, caplog):
    (alice, _), = people(local_wiki, "Alice")
    for n in range(3):
        bot.bans.append(ban(alice, f"Nobody-{n}-1", id=f"IB-MANY-{n}"))
        bot.bans[-1]["protected"] = [f"Nobody-{n}-{i}" for i in range(25)]
    bot.write()
    caplog.set_level(logging.INFO, logger="bot.pipeline.progress")
    check = bot.cli("bans", "check")
    assert check.code == 2 and check.out.strip().endswith("78 name(s) checked, 75 unknown")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.pipeline.progress"]
    assert lines == [f"bans check: {local_wiki.name}: 51/76 names resolved",  # no bar in logs
                     f"bans check: {local_wiki.name}: 76 name(s) resolved (done)"]
