"""Issue 18's findings on what the bot writes and logs, against the real local wiki: file modes
whatever the umask (10), private report text off the command line (11), database passwords
with an unencoded `@` (13), no ids of a confidential ban's events in the logs (9)."""
from __future__ import annotations

import io
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import App
from bot.cli.entry import main
from bot.pipeline.guard import Guard
from bot.storage.engine import safe_url
from localwiki.testing import make_user
from tests.botprocess import REPO, wait_for
from tests.harness import Bot, people, unique
from tests.harness import ban as ban_entry
from tests.unit.pipeline.test_guard import Hangs

pytestmark = pytest.mark.wiki


def modes(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` (itself included) with its permission bits."""
    found = {".": oct(stat.S_IMODE(folder.stat().st_mode))}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def test_every_file_the_bot_writes_is_private_whatever_the_umask(tmp_path, local_wiki):
    """Finding 10: under umask 022 the database, -wal and -shm were created 644."""
    folder = tmp_path / "bot"
    (alice, _), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(folder, local_wiki, db_url="sqlite:///state/bot.sqlite3")
    bot.add_ban(**ban_entry(alice, bob))
    name = unique("IbanBot")
    make_user(local_wiki, name, groups=["bot"])
    _, password = local_wiki.create_bot_password(name, "ibanbot", ("basic", "highvolume"))
    (folder / "user-config.py").write_text(
        f"usernames['*']['*'] = {name!r}\npassword_file = 'user-password.py'\n", "utf-8")
    secret = folder / "user-password.py"
    secret.write_text(f"({name!r}, BotPassword('ibanbot', {password!r}))\n", "utf-8")
    secret.chmod(0o600)
    settings = folder / "settings.toml"
    settings.write_text(settings.read_text("utf-8") + f'user = "{name}"\n', "utf-8")
    env = {**os.environ, "PYWIKIBOT_DIR": str(folder), "PYTHONUNBUFFERED": "1"}
    env.pop("PYWIKIBOT_NO_USER_CONFIG", None)
    log = open(tmp_path / "run.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--config", str(settings),
                             "--log-level", "DEBUG", "run"],  # idle polls say "polled" at DEBUG
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                            umask=0o022)
    try:
        try:
            wait_for(lambda: (folder / "state" / "bot.sqlite3-shm").exists()
                     and "polled" in (tmp_path / "run.log").read_text("utf-8", "replace"),
                     60, "the first poll")
        except AssertionError:
            raise AssertionError((tmp_path / "run.log").read_text("utf-8", "replace")[-3000:]
                                 + repr(modes(folder))) from None
        seen = modes(folder)
    finally:
        proc.terminate()
        proc.wait(timeout=120)
        log.close()
    written = {k: v for k, v in seen.items()
               if k not in (".", "settings.toml", "bans.toml", "user-config.py",
                            "user-password.py")}
    print("modes under umask 022:", written)
    assert {"state", "state/bot.sqlite3", "state/bot.sqlite3-wal",
            "state/bot.sqlite3-shm"} <= set(written)
    loose = {k: v for k, v in written.items()
             if int(v, 8) & (stat.S_IRWXG | stat.S_IRWXO)}
    assert loose == {}, (tmp_path / "run.log").read_text("utf-8", "replace")[-2000:]


def test_report_text_and_reporter_from_a_file_or_stdin(tmp_path, local_wiki, monkeypatch,
                                                       capsys):
    """Finding 11: `--note` and `--reporter` put private text where `ps` shows it."""
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki)
    bot.add_ban(**ban_entry(alice, bob))
    rev = a.edit(f"User talk:{bob}", "Alice writes here.", "hi")
    reporter = tmp_path / "reporter.txt"
    reporter.write_text("Victim Person <victim@example.org>\n", "utf-8")
    note = "They wrote on my talk page.\nSecond line of the e-mail.\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(note))
    config = str(bot.folder / "settings.toml")
    bot.run_once()  # the database, and the bot's first look at the wiki
    code = main(["--config", config, "report", "add", "--wiki", local_wiki.name, "--diff",
                 str(rev), "--reporter-file", str(reporter), "--note", "-"])
    out = capsys.readouterr()
    assert code == 0, out.err
    reference = out.out.split()[1].rstrip(":")
    assert main(["--config", config, "report", "show", reference]) == 0
    shown = capsys.readouterr().out
    assert "Victim Person <victim@example.org>" in shown and "Second line of the e-mail." in shown
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["--config", config, "report", "add", "--wiki", local_wiki.name, "--diff",
                 str(rev), "--reporter-file", str(tmp_path / "missing"), "--note", "x"]) == 2
    assert "--reporter-file" in capsys.readouterr().err
    assert main(["report", "add", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--note-file" in help_text and "--reporter-file" in help_text
    assert "visible in ps" in help_text


def test_a_password_with_an_unencoded_at_sign_is_masked_whole(tmp_path, capsys):
    """Finding 13: `postgresql://bot:p@ss@Zq9x@host/db` showed `***@ss@Zq9x@host`."""
    url = "postgresql://bot:p@ss@Zq9x@127.0.0.1:5432/db"
    assert "Zq9x" not in safe_url(url) and "ss@" not in safe_url(url)
    (tmp_path / "bans.toml").write_text("", "utf-8")
    config = tmp_path / "settings.toml"
    config.write_text(f'[database]\nurl = "{url}"\n[bans]\nfile = "bans.toml"\n'
                      '[[wikis]]\nname = "w"\napi = "http://127.0.0.1:9/api.php"\n', "utf-8")
    for argv in (["db", "upgrade"], ["status"]):
        code = main(["--config", str(config), *argv])
        out = capsys.readouterr()
        assert code != 0 and "Zq9x" not in out.out + out.err, out.err
        assert "@" in out.err and "%40" in out.err, out.err  # says how to write it
    from bot.config.settings import DatabaseSettings

    assert "Zq9x" not in DatabaseSettings.model_construct(url=url).redacted_url


def test_logs_name_no_event_of_a_confidential_ban(tmp_path, local_wiki, caplog):
    """Finding 9: the WARNING of a stopped analysis named the revision (`rev:219`)."""
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki)
    bot.add_ban(**ban_entry(alice, bob, confidential=True))
    rev = a.edit(f"Talk:{alice} big page", "word " * 60_000)
    small = a.edit(f"User talk:{bob}", "short", "a detector fails on this one")
    app = App.load(bot.folder / "settings.toml")
    app.prepare()
    app.detectors = (Hangs(), Fails())
    pipeline = app.pipeline(local_wiki.name)
    pipeline.guard = Guard(seconds=1, in_process_bytes=1000)
    with caplog.at_level(logging.INFO):
        pipeline.poll()
    records = [r for r in caplog.records if r.levelno >= logging.INFO]
    text = "\n".join(r.getMessage() + (str(r.exc_info[1]) if r.exc_info else "")
                     for r in records)
    assert "stopped by its time or memory bound" in text and "detector fails failed" in text
    for needle in (f"rev:{rev}", f"rev:{small}", alice, bob):
        assert needle not in text, needle


class Fails:
    name, kinds, needs = "fails", Hangs.kinds, frozenset()

    def detect(self, event, context):
        raise RuntimeError("a detector bug")
