"""Issue 14 point 5: logs an operator can read and parse, from real runs on the local wiki.

`--log-format json`: every stderr line is a JSON object (the fatal error and usage errors
too) with `wiki`, `stream` and counts as fields, no progress bar in a message. Polls log what
they queued at INFO; an idle poll logs nothing at INFO. Logs never name the users of a ban
(INFO and above), and never name anything of a confidential ban at any level.
"""
from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import App
from bot.run.supervisor import Supervisor
from tests.harness import Bot, ban, people, unique

pytestmark = pytest.mark.wiki
REPO = Path(__file__).resolve().parents[2]


def ibanbot(*argv: str, config: Path | None = None, timeout: float = 180
            ) -> subprocess.CompletedProcess:
    prefix = ["--config", str(config)] if config else []
    return subprocess.run([sys.executable, "-m", "bot.cli", *prefix, *argv], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def json_lines(stderr: str) -> list[dict]:
    entries = []
    for line in stderr.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}\n{stderr}") from None
        assert isinstance(entry, dict) and {"time", "level", "logger", "message"} <= set(entry)
        entries.append(entry)
    return entries


@pytest.fixture
def scene(tmp_path, local_wiki):
    """A bot with a public ban (one name renamed since, one unknown) and a confidential one;
    a breach of the public ban waits in recent changes."""
    bot = Bot(tmp_path / "bot", local_wiki)
    (alice, a), (bob, b), (carol, _) = people(local_wiki, "Alice", "Bob", "Carol")
    ghost, secret = unique("Ghost"), unique("Secretname")
    bot.add_ban(**ban(alice, bob, id=unique("IB-PUB-")))
    bot.add_ban(**ban(ghost, bob, id=unique("IB-GHOST-")))
    bot.add_ban(**ban(carol, secret, id=unique("IB-SECRET-"), confidential=True))
    bot.run_once()
    a.edit(f"User talk:{bob}", "Hello again", "hi")
    renamed = unique("Renamed")
    local_wiki.rename_user(alice, renamed)
    return bot, (alice, bob, carol, ghost, secret, renamed)


def test_run_once_json_every_line_parses_with_fields_and_no_names(scene):
    bot, names = scene
    done = ibanbot("run", "--once", "--log-format", "json", config=bot.folder / "settings.toml")
    assert done.returncode == 0, done.stderr
    entries = json_lines(done.stderr)
    polls = [e for e in entries if e.get("queued") is not None and e.get("wiki")]
    assert any(e["level"] == "INFO" and e["queued"] >= 1 and e["events"] >= 1 for e in polls), \
        done.stderr
    summary = [e for e in entries if e["message"].startswith("run --once:")]
    assert len(summary) == 1 and summary[0]["level"] == "INFO" and summary[0]["queued"] >= 1
    problems = [e for e in entries if e["level"] == "WARNING" and "name" in e["message"]]
    assert problems, done.stderr  # the rename and the unknown name are reported ...
    for name in names:  # ... without the names
        assert name not in done.stderr
    confidential = [b["id"] for b in bot.bans if b.get("confidential")]
    assert confidential[0] not in done.stderr
    messages = [e["message"] for e in entries]
    assert len(set(messages)) == len(messages), done.stderr  # no line twice
    again = ibanbot("run", "--once", "--log-format", "json", config=bot.folder / "settings.toml")
    assert again.returncode == 0
    info = [e for e in json_lines(again.stderr) if e["level"] == "INFO"]
    assert [e["message"] for e in info if e["logger"] != "bot.cli.commands"] == [], again.stderr
    assert [e["queued"] for e in info] == [0]  # only the summary


def test_debug_logs_never_name_a_confidential_ban(scene):
    bot, (alice, bob, carol, ghost, secret, renamed) = scene
    done = ibanbot("run", "--once", "--log-format", "json", "--debug",
                   config=bot.folder / "settings.toml")
    assert done.returncode == 0, done.stderr[-3000:]
    json_lines(done.stderr)
    confidential = [b["id"] for b in bot.bans if b.get("confidential")]
    assert confidential[0] not in done.stderr and secret not in done.stderr


def test_fatal_errors_are_json_lines_too(tmp_path):
    bad = tmp_path / "settings.toml"
    bad.write_text("[[wikis]]\nname = 'x'\n", encoding="utf-8")
    done = ibanbot("run", "--once", "--log-format", "json", config=bad)
    (entry,) = json_lines(done.stderr)
    assert done.returncode == 2 and entry["level"] == "ERROR"
    assert "settings.toml" in entry["message"]
    usage = ibanbot("--log-format", "json", "queue", "list", "--format", "yaml", config=bad)
    (entry,) = json_lines(usage.stderr)
    assert usage.returncode == 2 and "invalid choice: 'yaml'" in entry["message"]
    bare = ibanbot("--log-format", "json")
    (entry,) = json_lines(bare.stderr)
    assert bare.returncode == 2 and entry["level"] == "ERROR" and "--help" in entry["message"]


def test_bans_check_json_has_no_progress_bar(scene):
    bot, _ = scene
    done = ibanbot("bans", "check", "--log-format", "json", config=bot.folder / "settings.toml")
    assert done.returncode == 2  # the unknown name
    entries = json_lines(done.stderr)
    assert not any("[#" in e["message"] or "[." in e["message"] for e in entries), done.stderr
    progress = [e for e in entries if e["logger"] == "bot.pipeline.progress"]
    assert progress and all(e.get("wiki") for e in progress)
    assert any(e["level"] == "ERROR" and "does not exist" in e["message"] for e in entries)


def test_a_poll_logs_its_items_at_info_an_idle_poll_nothing(scene, caplog):
    bot, _ = scene
    app = App.load(bot.folder / "settings.toml")
    app.prepare()
    supervisor = Supervisor(app)
    with caplog.at_level(logging.DEBUG):
        assert supervisor.poll(bot.wiki.name) is not None
    took, line = [r for r in caplog.records if r.levelno == logging.INFO
                  and r.name == "bot.run.supervisor"]  # `run` says which process polls the wiki
    assert took.getMessage() == f"wiki {bot.wiki.name}: took the polling lock"
    assert line.queued == 1 and line.wiki == bot.wiki.name and line.events >= 1
    assert "1 item(s) queued" in line.getMessage()
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        assert supervisor.poll(bot.wiki.name) is not None
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == []
    assert any(r.name == "bot.run.supervisor" for r in caplog.records)  # said at DEBUG


def test_python_warnings_after_pywikibot_are_logged_once():
    code = ("import warnings; from bot.cli.entry import setup_logging; "
            "setup_logging('INFO', False, 'json'); "
            "from bot.wiki.session import load_pywikibot; load_pywikibot(); "
            "warnings.warn('a test warning', UserWarning)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    (entry,) = json_lines(done.stderr)
    assert entry["level"] == "WARNING" and "a test warning" in entry["message"]
    assert "\n" not in entry["message"]
