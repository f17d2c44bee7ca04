"""The EventStreams source end to end: the real bot process, a local SSE server replaying
recentchange events recorded from the real local wiki for several wikis, a disconnect that
loses events (filled by polling), SIGTERM, and a restart that resumes from the saved event id.

Two configured wikis (`wa` = stream wiki `wawiki`, `wb` = `wbwiki`) read the same local
MediaWiki; each ban covers one of them, so each breach belongs to exactly one wiki.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from localwiki.process import free_port
from tests.harness import Bot, ban, people
from tests.sse_server import StreamServer, event_id, from_log_row, from_rc_row, recent_rows

pytestmark = pytest.mark.wiki
REPO = Path(__file__).resolve().parents[2]


def settings(folder: Path, api: str, url: str, metrics_port: int = 0) -> Path:
    """A long read timeout: an idle read (the stand-in sends nothing while idle) would end and
    reconnect, which the tests must not depend on (they count connections anyway). SIGTERM
    does not wait for it: closing the client shuts the socket down."""
    wikis = "".join(f'[[wikis]]\nname = "{n}"\napi = "{api}"\nstream_wiki = "{n}wiki"\n'
                    f"max_retries = 1\nretry_wait = 1\n" for n in ("wa", "wb"))
    path = folder / "settings.toml"
    path.write_text(f'[database]\nurl = "sqlite:///bot.sqlite3"\n[bans]\nfile = "bans.toml"\n'
                    f'[streams]\nsource = "eventstreams"\neventstreams_url = "{url}"\n'
                    f"timeout_seconds = 60\nbatch_seconds = 0.2\nreconnect_seconds = 0.2\n"
                    f"[metrics]\nport = {metrics_port}\n" + wikis, encoding="utf-8")
    return path


def start_bot(config: Path) -> subprocess.Popen:
    code = "import sys; from bot.cli.entry import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, "--config", str(config), "run"],
                            cwd=REPO, env=dict(os.environ), stderr=subprocess.PIPE, text=True)


def stop_bot(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return err


def wait_items(bot: Bot, count: int, proc: subprocess.Popen | None = None,
               timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        items = bot.queue()
        if len(items) >= count or time.monotonic() > deadline:
            return items
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the bot exited: {proc.stderr.read()}")
        time.sleep(0.2)


def newest(api: str, user: str, wiki: str, kind: str = "rc") -> dict:
    row = recent_rows(api, user, kind)[-1]
    return from_rc_row(row, wiki) if kind == "rc" else from_log_row(row, wiki)


def test_stream_several_wikis_disconnect_gap_and_restart(tmp_path, local_wiki):
    (alice, a), (bob, _), (carol, c), (dave, _), (erin, e) = people(
        local_wiki, "Alice", "Bob", "Carol", "Dave", "Erin")
    bot = Bot(tmp_path / "bot", local_wiki)
    bot.add_ban(**ban(alice, bob, wikis=["wa"]))
    bot.add_ban(**ban(carol, dave, wikis=["wb"]))
    api = local_wiki.api_url
    port = free_port()
    with StreamServer() as server:
        config = settings(bot.folder, api, server.url, port)
        proc = start_bot(config)
        try:
            server.wait_connections(1)
            assert server.requests[0]["last_event_id"] is None and server.requests[0]["since"]
            # live: breaches on both wikis, thanks as a log event, noise of every kind
            a.edit(f"User talk:{bob}", "Hello Bob", "hi")
            alice_edit = newest(api, alice, "wawiki")
            e.edit(f"User talk:{bob}", "An outsider", "hi")
            c.edit(f"User talk:{dave}", "Hello Dave", "hi")
            local_wiki.thank(alice, bob)
            server.add({**alice_edit, "wiki": "zzwiki", "meta": {**alice_edit["meta"],
                                                                 "domain": "zz.example.org"}},
                       "not json", alice_edit, newest(api, erin, "wawiki"),
                       newest(api, carol, "wbwiki"), newest(api, alice, "wawiki", "thanks"))
            items = wait_items(bot, 3, proc)
            assert sorted((i["wiki"], i["findings"][0]["kind"]) for i in items) == \
                [("wa", "thanks"), ("wa", "userspace"), ("wb", "userspace")]
            # a disconnect, and the two events made meanwhile are lost to the stream for good
            server.paused = True
            a.edit(f"User talk:{bob}", "Hello again", "again")
            c.edit(f"User talk:{dave}", "Hello again", "again")
            server.add(newest(api, alice, "wawiki"), newest(api, carol, "wbwiki"))
            server.drop(6, 7)
            cut = len(server.requests)  # connections so far (counted, not assumed)
            server.cut()
            server.paused = False
            server.wait_connections(cut + 1)
            assert server.requests[cut]["last_event_id"] == event_id(5)  # after the thanks
            assert len(wait_items(bot, 5, proc)) == 5  # the gap was filled by polling
            a.edit(f"User:{bob}/notes", "Notes", "new page")
            server.add(newest(api, alice, "wawiki"))
            assert len(wait_items(bot, 6, proc)) == 6
            status = bot.cli("status", "--max-age", "60")  # healthy while streaming
            assert status.code == 0, status.out + status.err
            metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            for line in ('ibanbot_items_queued_total{kind="thanks",wiki="wa"} 1.0',
                         'ibanbot_items_queued_total{kind="userspace",wiki="wa"} 3.0',
                         'ibanbot_items_queued_total{kind="userspace",wiki="wb"} 2.0'):
                assert line in metrics, metrics  # from the stream and from the filling polls
            read = re.search(r'ibanbot_events_read_total\{stream="eventstreams",wiki="wa"\} '
                             r'(\d+)', metrics)
            assert read and int(read[1]) >= 3, metrics
            for name in (alice, bob, carol, dave):
                assert name not in metrics
        finally:
            err = stop_bot(proc)
        for name in (alice, bob, carol, dave):
            assert name not in err  # logs carry no names of ban parties
        # a restart: an edit while the bot is down, then resume from the saved event id
        c.edit(f"User:{dave}/x", "While you were out", "offline")
        server.add(newest(api, carol, "wbwiki"))
        restart = len(server.requests)
        proc = start_bot(config)
        try:
            server.wait_connections(restart + 1)
            assert server.requests[restart]["last_event_id"] == event_id(8)
            items = wait_items(bot, 7, proc)
            time.sleep(1)  # the stream's copy of the last edit arrives: it must add nothing
        finally:
            stop_bot(proc)
    items = bot.queue()
    keys = [(i["wiki"], i["revid"], i["logid"], i["ban_id"]) for i in items]
    assert len(items) == 7 and len(set(keys)) == 7  # nothing lost, nothing twice
    assert {i["actor"] for i in items} == {alice, carol}
    assert sorted(i["wiki"] for i in items) == ["wa"] * 4 + ["wb"] * 3
    assert all(i["target"] == (bob if i["wiki"] == "wa" else dave) for i in items)
    unknown = bot.cli("queue", "list", "--format", "json", "--wiki", "zz")
    assert unknown.code == 2 and "filter wiki must be one of wa, wb; not 'zz'" in unknown.err


def test_run_once_reads_the_stream_until_idle_and_resumes(tmp_path, local_wiki):
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki)
    bot.add_ban(**ban(alice, bob, wikis=["wa"]))
    a.edit(f"User talk:{bob}", "Hello Bob", "hi")
    with StreamServer() as server:
        config = settings(bot.folder, local_wiki.api_url, server.url)
        config.write_text(config.read_text().replace("timeout_seconds = 60",
                                                     "timeout_seconds = 1"))
        server.add(newest(local_wiki.api_url, alice, "wawiki"), "not json")
        first = bot.cli("run", "--once")
        assert first.code == 0, first.err
        (item,) = bot.queue()  # found by the filling poll; the stream's copy adds nothing
        assert item["wiki"] == "wa"
        assert bot.cli("run", "--once").code == 0
        assert [r["last_event_id"] for r in server.requests] == [None, event_id(1)]
    assert len(bot.queue()) == 1


def test_two_readers_one_reads_the_other_takes_over_when_it_dies(tmp_path, local_wiki):
    """Issue 13: one stream reader at a time; a reader killed with -9 is replaced at once."""
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki)
    bot.add_ban(**ban(alice, bob, wikis=["wa"]))
    api = local_wiki.api_url
    with StreamServer() as server:
        config = settings(bot.folder, api, server.url)
        assert bot.cli("db", "upgrade").code == 0
        first = start_bot(config)
        second = None
        try:
            server.wait_connections(1)
            second = start_bot(config)
            a.edit(f"User talk:{bob}", "Read by the first reader", "hi")
            server.add(newest(api, alice, "wawiki"))
            assert len(wait_items(bot, 1, first)) == 1
            time.sleep(3)  # the second process's ticks: it stands by
            assert len(server.requests) == 1  # one reader only
            first.kill()
            first.wait(30)
            killed = time.monotonic()
            server.wait_connections(2, timeout=20)
            took = time.monotonic() - killed
            a.edit(f"User:{bob}/notes", "Read by the second reader", "new page")
            server.add(newest(api, alice, "wawiki"))
            assert len(wait_items(bot, 2, second)) == 2
        finally:
            first.kill()
            err = stop_bot(second) if second else ""
    assert "eventstreams: held by" in err and "eventstreams: took the reading lock" in err, err
    items = bot.queue()
    assert len({(i["wiki"], i["revid"]) for i in items}) == len(items) == 2
    print(f"the second reader connected {took:.1f} s after the first was killed")
