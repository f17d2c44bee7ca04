"""Issue 6, faults: the real `ibanbot run` process against the real wiki behind a fault proxy.

Wiki outages (unreachable, HTTP 500, maxlag, read-only), SIGTERM mid-poll, and two processes on
one database (the polling lock).
"""
from __future__ import annotations

import signal
import socket
import threading
import time

import pytest

from tests.botprocess import BotProcess, wait_for, write_settings
from tests.faultproxy import FaultProxy
from tests.harness import Bot, ban, people

pytestmark = pytest.mark.wiki


@pytest.fixture
def proxy(local_wiki):
    p = FaultProxy(local_wiki.server_url).start()
    yield p
    p.stop()


def revids(bot: Bot) -> list[int]:
    return sorted(i["revid"] for i in bot.queue())


def test_wiki_outages_are_logged_once_and_caught_up(tmp_path, local_wiki, proxy):
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki, bans=[ban(alice, bob)])
    run = BotProcess(write_settings(bot, proxy.api_url))
    expected: list[int] = []
    try:
        wait_for(lambda: "polled" in run.output, 60, "the first poll")
        # pywikibot itself waits on maxlag (up to its retry_max, 60 s) before it gives up or
        # answers again: the generous waits below are for that, not for the bot's backoff
        for n, mode in enumerate(("down", "500", "maxlag", "readonly")):
            proxy.stop() if mode == "down" else setattr(proxy, "mode", mode)
            expected.append(a.edit(f"User talk:{bob}", f"written while the wiki is {mode}"))
            try:
                wait_for(lambda n=n: run.output.count("poll failed") > n, 150, f"the {mode} outage")
            except AssertionError as exc:
                raise AssertionError(f"{exc}; the bot's log:\n{run.output[-4000:]}") from None
            time.sleep(4)  # several more tries, spaced by the backoff (max 2 s here)
            assert run.alive(), run.output
            status = bot.cli("status")
            assert status.code == 0 and "FAILING" in status.out, (status.out, run.output)
            assert "failed tr" in status.out and "last error: wiki" in status.out
            proxy.start() if mode == "down" else setattr(proxy, "mode", "pass")
            # the queue catches up when `recentchanges` commits, but the outage ends only when
            # the whole poll (every stream) has succeeded: a fault switched on in between would
            # continue this outage (logged at DEBUG) rather than start a new one
            try:
                wait_for(lambda n=n: revids(bot) == sorted(expected)
                         and run.output.count("recovered after") > n, 150,
                         f"catch-up after {mode}")
            except AssertionError as exc:
                raise AssertionError(f"{exc}; the bot's log:\n{run.output[-4000:]}") from None
        wait_for(lambda: bot.cli("status").out.count(" ok") == 2, 10, "healthy status")
        assert run.terminate() == 0
    finally:
        run.cleanup()
    log = run.output
    assert log.count("poll failed, retrying with backoff") == 4, log
    assert log.count("recovered after") == 4, log
    assert "Traceback" not in log
    assert revids(bot) == sorted(expected)  # nothing missed, nothing twice


def test_status_exit_code_and_sigterm_finishes_the_current_poll(tmp_path, local_wiki, proxy):
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki, bans=[ban(alice, bob)])
    settings = write_settings(bot, proxy.api_url)
    assert bot.cli("db", "upgrade").code == 0
    never = bot.cli("status")
    assert never.code == 1 and "never polled successfully" in never.out  # exit 1: stale
    run = BotProcess(settings)
    held, go_on = threading.Event(), threading.Event()

    def hold(request: str) -> None:  # a poll waits at the proxy before it reads recent changes
        if "list=recentchanges" in request and not held.is_set():
            held.set()
            go_on.wait(60)

    try:
        wait_for(lambda: "polled" in run.output, 60, "the first poll")
        proxy.on_request = hold
        assert held.wait(30)  # a poll is running; the bot sends nothing else meanwhile
        revid = a.edit(f"User talk:{bob}", "just before the shutdown")
        assert revids(bot) == []  # so only the held poll can read the edit
        before = run.output.count("polled")
        run.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: "stopping" in run.output, 30, "SIGTERM to be handled")
        go_on.set()
        code = run.proc.wait(timeout=60)
    finally:
        go_on.set()
        run.cleanup()
    log = run.output
    assert code == 0, log
    stopping = log.index("stopping: finishing the current polls")
    assert log.count("polled") == before + 1 and log.rindex("polled") > stopping, log
    assert revids(bot) == [revid]  # the poll that was running when SIGTERM came finished
    status = bot.cli("status", "--format", "json")
    assert status.code == 0 and {r["stream"] for r in status.json()} == {
        "recentchanges", "log:thanks"}
    time.sleep(2.1)
    stale = bot.cli("status", "--max-age", "2")
    assert stale.code == 1 and "STALE" in stale.out and "no successful poll for" in stale.out


def test_sigterm_is_honoured_within_seconds_even_when_a_job_is_stuck(tmp_path, local_wiki,
                                                                     proxy):
    """Security issue, finding 1: a job that never ends (here a request the proxy never
    answers) must not make SIGTERM wait for it: after `stop_seconds` it is abandoned, nothing
    it did is saved, and the process exits 0; the next start reads the same edits again."""
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki, bans=[ban(alice, bob)])
    settings = write_settings(bot, proxy.api_url, operations="stop_seconds = 2")
    run = BotProcess(settings)
    held, release = threading.Event(), threading.Event()

    def hang(request: str) -> None:
        if "list=recentchanges" in request:
            held.set()
            release.wait(120)

    try:
        wait_for(lambda: "polled" in run.output, 60, "the first poll")
        revid = a.edit(f"User talk:{bob}", "while a poll hangs")
        proxy.on_request = hang
        assert held.wait(30)
        started = time.monotonic()
        run.proc.send_signal(signal.SIGTERM)
        code = run.proc.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        release.set()
        proxy.on_request = None
        run.cleanup()
    assert code == 0, run.output
    assert took < 20, took  # a hang guard: stop_seconds is 2
    assert "abandoned" in run.output
    write_settings(bot, local_wiki.api_url)  # in-process: pywikibot keeps a site per wiki name
    assert bot.cli("run", "--once").code == 0
    assert revid in revids(bot)


def test_two_processes_one_polls_the_other_takes_over_when_it_dies(tmp_path, local_wiki,
                                                                  proxy):
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki, bans=[ban(alice, bob)])
    # the default 120 s lease: the takeover must not wait for it (the dead one's lock died)
    settings = write_settings(bot, proxy.api_url, lease_seconds=120)
    first = BotProcess(settings)
    second = None
    try:
        wait_for(lambda: "polled" in first.output, 60, "the first process's first poll")
        second = BotProcess(settings)
        wait_for(lambda: "standing by" in second.output, 60, "the second process to stand by")
        assert f"held by {socket.gethostname()}:{first.proc.pid};" in second.output
        once = bot.cli("run", "--once")
        assert once.code == 0, once.err
        assert once.out == f"wiki {local_wiki.name}: skipped, polled by " \
            f"{socket.gethostname()}:{first.proc.pid}\n"
        revid = a.edit(f"User talk:{bob}", "seen by the first process")
        wait_for(lambda: revids(bot) == [revid], 20, "the first process's poll")
        time.sleep(2)
        assert "polled" not in second.output  # it stood by: only one process polls the wiki
        first.kill9()
        killed = time.monotonic()
        later = a.edit(f"User talk:{bob}", "seen by the second process after the first died")
        wait_for(lambda: "took the polling lock" in second.output, 20, "the takeover")
        wait_for(lambda: revids(bot) == sorted([revid, later]), 20, "the second's poll")
        print(f"second process caught up {time.monotonic() - killed:.1f} s after the kill")
        assert second.terminate() == 0
    finally:
        first.cleanup()
        if second:
            second.cleanup()
    assert second.output.count("standing by") == 1  # said once
