"""Issue 13: several `ibanbot run` processes share the configured wikis on PostgreSQL and MariaDB.

Three processes and six side-by-side local wikis; the processes are killed with -9 one at a
time while breaches are made on every wiki. Each wiki is polled by one process at a time (its
lock's holder, read from the processes' JSON logs), a dead process's wikis move to a live one
within seconds (printed), and every breach is queued once, none lost.
"""
from __future__ import annotations

import io
import json
import re
import time
from contextlib import ExitStack, redirect_stdout
from datetime import UTC, datetime

import pytest

from bot.cli.entry import main
from localwiki.client import WikiClient
from localwiki.testing import DEFAULT_PASSWORD, make_user, running_wiki
from tests.botprocess import BotProcess, wait_for
from tests.harness import _ban_toml, ban, unique
from tests.storage_fixtures import _server_database

pytestmark = pytest.mark.wiki
NAMES = tuple(f"sharewiki{n}" for n in range(1, 7))


@pytest.fixture(scope="module")
def wikis():
    with ExitStack() as stack:
        yield [stack.enter_context(running_wiki(name)) for name in NAMES]


@pytest.fixture(params=["postgresql", "mariadb"])
def database(request):
    yield from _server_database(request.param)


def _settings(folder, wikis, db_url: str, bans: list[dict]):
    folder.mkdir(parents=True, exist_ok=True)
    entries = "".join(f'[[wikis]]\nname = "{w.name}"\napi = "{w.api_url}"\npoll_seconds = 1\n'
                      "max_retries = 1\nretry_wait = 1\n" for w in wikis)
    (folder / "bans.toml").write_text("\n".join(_ban_toml(b) for b in bans), encoding="utf-8")
    path = folder / "settings.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n[bans]\nfile = "bans.toml"\n'
                    f'[bot]\ncontact = "test@example.org"\n'
                    f"[operations]\nmax_backoff_seconds = 2\n{entries}", encoding="utf-8")
    return path


def _lines(run: BotProcess) -> list[tuple[float, str]]:
    out = []
    for line in run.output.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        when = datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
        out.append((when.replace(tzinfo=UTC).timestamp(), entry["message"]))
    return out


def _polls(run: BotProcess, wiki: str) -> list[float]:
    return [t for t, m in _lines(run) if re.match(rf"wiki {wiki}: polled \d", m)]


def _held(run: BotProcess, wiki: str, ended: float | None) -> list[tuple[float, float]]:
    """The spans during which `run` held the wiki's polling lock, from its log."""
    spans, start = [], None
    for t, m in _lines(run):
        if m.startswith(f"wiki {wiki}: took the polling lock"):
            start = t
        elif start is not None and (m.startswith(f"wiki {wiki}: gave up the polling lock")
                                    or m.startswith(f"wiki {wiki}: lost the polling lock")):
            spans.append((start, t))
            start = None
    if start is not None:
        spans.append((start, ended or float("inf")))
    return spans


def test_three_processes_share_six_wikis_and_take_over_from_the_dead(tmp_path, wikis, database):
    alice, bob = unique("Alice"), unique("Bob")
    clients = {}
    for wiki in wikis:
        make_user(wiki, alice, DEFAULT_PASSWORD)
        make_user(wiki, bob, DEFAULT_PASSWORD)
        clients[wiki.name] = WikiClient(wiki.api_url, alice, DEFAULT_PASSWORD)
    settings = _settings(tmp_path / "bot", wikis, database, [ban(alice, bob)])
    _cli(settings, "db", "upgrade")  # three first starts on one empty database would race
    runs = [BotProcess(settings, "--log-format", "json") for _ in range(3)]
    killed: dict[int, float] = {}
    expected: set[tuple[str, int]] = set()
    moves: list[float] = []
    try:
        wait_for(lambda: all(any(_polls(r, w.name) for r in runs) for w in wikis), 90,
                 "a first poll of every wiki")
        wait_for(lambda: _shares(runs, wikis, time.time()) == [2, 2, 2], 30,
                 "the wikis shared out, two per process")
        for victim in range(3):
            for wiki in wikis:  # a breach and an innocent edit on every wiki
                revid = clients[wiki.name].edit(f"User talk:{bob}", f"round {victim}", "r")
                expected.add((wiki.name, revid))
                clients[wiki.name].edit(f"Sandbox {victim}", "innocent", "r")
            wait_for(lambda: _queued(settings) == expected, 30, f"round {victim}'s breaches")
            if victim == 2:
                break
            runs[victim].kill9()
            killed[victim] = time.time()
            live = [r for n, r in enumerate(runs) if n not in killed]
            def every_wiki_polled(victim=victim, live=live):
                return all(any(t > killed[victim] for r in live for t in _polls(r, w.name))
                           for w in wikis)
            wait_for(every_wiki_polled, 30, "every wiki polled by a live process")
            moves.append(time.time() - killed[victim])
        assert all(r.alive() for n, r in enumerate(runs) if n not in killed)
        assert runs[2].terminate() == 0
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n" + "\n".join(
            f"process {n}: {t:.1f} {m}" for n, r in enumerate(runs) for t, m in _lines(r)
            if not re.match(r"wiki \w+: polled \d", m))) from None
    finally:
        for run in runs:
            run.cleanup()
    assert _queued(settings) == expected and len(_items(settings)) == len(expected)
    for wiki in wikis:
        spans = sorted((s, e, n) for n, r in enumerate(runs)
                       for s, e in _held(r, wiki.name, killed.get(n)))
        for (_, end, a), (start, _, b) in zip(spans, spans[1:]):
            assert start >= end or a == b, (wiki.name, spans)  # one holder at a time
        for n, run in enumerate(runs):
            for t in _polls(run, wiki.name):
                assert any(s <= t <= e for s, e in _held(run, wiki.name, killed.get(n))), \
                    (wiki.name, n, t)
    print(f"{database.split(':')[0]}: wikis held per process before the first kill "
          f"{_shares(runs, wikis, killed[0])}; a dead process's wikis "
          f"polled again by a live one {', '.join(f'{m:.1f}' for m in moves)} s after the kill")


def _shares(runs: list[BotProcess], wikis, when: float) -> list[int]:
    """How many wikis each process held at `when` (from the logs)."""
    return [sum(any(s <= when <= e for s, e in _held(r, w.name, None)) for w in wikis)
            for r in runs]


def _cli(settings, *argv: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["--config", str(settings), *argv]) == 0
    return out.getvalue()


def _items(settings) -> list[dict]:
    return json.loads(_cli(settings, "queue", "list", "--format", "json", "--limit", "10000"))


def _queued(settings) -> set[tuple[str, int]]:
    return {(i["wiki"], i["revid"]) for i in _items(settings)}
