"""Issue 6: `kill -9` at random points of `ibanbot run` over a scripted stream with known breaches.

A writer thread makes a few hundred edits on the real wiki (breaches and innocent edits mixed)
while the bot is started and killed with SIGKILL at random moments at least 20 times. A last
run then catches up. The queue must hold exactly the expected breaches: none lost, none twice.
On SQLite, PostgreSQL and MariaDB (a killed client's open transaction is the server's to undo).

Issue 13: a restart after SIGKILL polls again at once (the dead process's polling lock died with
it; `lease_seconds` is left at its default, 120 s, which the restart must not wait for). The
seconds from each restart to its first poll and to a caught-up queue are measured and printed.
"""
from __future__ import annotations

import random
import threading
import time

import pytest

from tests.botprocess import BotProcess, wait_for, write_settings
from tests.harness import Bot, ban, people
from tests.storage_fixtures import _server_database, selected_backends

pytestmark = pytest.mark.wiki
EDITS = 300
KILLS = 20


def _script(seed: int, users: dict) -> list[tuple[str, str, bool]]:
    """(editor, page, is_breach) for each edit; Alice <-> Bob is banned both ways."""
    rng = random.Random(seed)
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    choices = [(alice, f"User talk:{bob}", True), (bob, f"User talk:{alice}", True),
               (alice, f"User:{bob}/notes", True), (alice, "Sandbox kill9", False),
               (carol, f"User talk:{bob}", False), (bob, "Other page kill9", False)]
    return [rng.choice(choices) for _ in range(EDITS)]


@pytest.fixture(params=selected_backends())
def database(request):
    """"" (the harness's SQLite file) or a fresh database on the PostgreSQL or MariaDB server."""
    if request.param == "sqlite":
        yield ""
    else:
        yield from _server_database(request.param)


def test_kill_minus_9_at_random_points_loses_nothing_and_doubles_nothing(tmp_path, local_wiki,
                                                                        database):
    seed = int(time.time())
    print(f"kill -9 test seed {seed}")
    (alice, a), (bob, b), (carol, c) = people(local_wiki, "Alice", "Bob", "Carol")
    clients = {alice: a, bob: b, carol: c}
    bot = Bot(tmp_path / "bot", local_wiki, db_url=database,
              bans=[ban(alice, bob, two_way=True)])
    settings = write_settings(bot, local_wiki.api_url, lease_seconds=120)
    script = _script(seed, {"alice": alice, "bob": bob, "carol": carol})
    expected: list[int] = []
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for n, (editor, page, breach) in enumerate(script):
                revid = clients[editor].edit(page, f"edit {n} by the script", f"step {n}")
                if breach:
                    expected.append(revid)
                time.sleep(0.08)
        except BaseException as exc:
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    rng = random.Random(seed)
    kills = polled = 0
    to_first_poll: list[float] = []
    try:
        while kills < KILLS or writer.is_alive():
            run = BotProcess(settings)
            if kills % 4 == 0:  # a slow machine may need longer than 4 s to start and poll
                to_first_poll.append(_first_poll(run))
            time.sleep(rng.uniform(0.3, 4.0))
            assert run.alive(), run.output
            run.kill9()
            kills += 1
            polled += "polled" in run.output  # killed after (or during) real polling
    finally:
        writer.join()
    assert not errors, errors
    final = BotProcess(settings)
    started = time.monotonic()
    try:
        to_first_poll.append(_first_poll(final))
        wait_for(lambda: sorted(i["revid"] for i in bot.queue()) == sorted(expected), 90,
                 "the catch-up after the kills")
        caught_up = time.monotonic() - started
        time.sleep(2)  # one more poll must add nothing
        assert final.terminate() == 0
    finally:
        final.cleanup()
    items = bot.queue()
    keys = [(i["wiki"], i["revid"], i["ban_id"]) for i in items]
    assert len(keys) == len(set(keys)) == len(expected) > EDITS // 4
    assert sorted(i["revid"] for i in items) == sorted(expected)
    assert kills >= KILLS and polled >= KILLS // 4, (kills, polled)
    print(f"{kills} kills ({polled} after polling began), {EDITS} edits, "
          f"{len(expected)} breaches, all queued once")
    print(f"restart to first poll: {min(to_first_poll):.1f} to {max(to_first_poll):.1f} s "
          f"({len(to_first_poll)} restarts); last restart to a caught-up queue: {caught_up:.1f} s")


def _first_poll(run: BotProcess) -> float:
    """Seconds from the process's start to its first poll; the dead process's lock must not
    hold it up (30 s: a hang guard for a loaded machine, far below the 120 s lease)."""
    started = time.monotonic()
    try:
        wait_for(lambda: "polled" in run.output, 30, "the first poll after a restart")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; its log:\n{run.output[-3000:]}") from None
    return time.monotonic() - started


def test_restart_after_kill_minus_9_polls_at_once(tmp_path, local_wiki, database):
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki, db_url=database, bans=[ban(alice, bob)])
    settings = write_settings(bot, local_wiki.api_url, lease_seconds=120)
    first = BotProcess(settings)
    try:
        wait_for(lambda: "polled" in first.output, 60, "the first process's first poll")
    finally:
        first.kill9()
    revid = a.edit(f"User talk:{bob}", "made while no bot runs")
    second = BotProcess(settings)
    started = time.monotonic()
    try:
        first_poll = _first_poll(second)
        wait_for(lambda: [i["revid"] for i in bot.queue()] == [revid], 30, "the catch-up")
        caught_up = time.monotonic() - started
        assert second.terminate() == 0
    finally:
        second.cleanup()
    assert "waiting" not in second.output, second.output
    print(f"restart after kill -9: first poll after {first_poll:.1f} s, queue caught up after "
          f"{caught_up:.1f} s (process start included)")
