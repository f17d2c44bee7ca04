"""Issue 6, security: confidential bans never leak; no secret in logs or errors.

- A full scenario with a confidential ban (breaches, a thanks, a name problem, renames during
  the run) through the real `ibanbot run` process and the other non-staff commands: no output
  line and no on-wiki change carries the ban's id or the protected user's names, and the bot
  edits nothing.
- A wrong BotPassword and unreachable database URLs: errors and logs (even at DEBUG) never
  carry the password; a password file readable by others is warned about.
"""
from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest
import requests

from bot.cli.entry import main
from bot.errors import WikiError
from bot.wiki import WikiConfig, WikiGateway
from bot.wiki.credentials import check_password_file
from bot.wiki.session import load_pywikibot
from localwiki.client import WikiClient
from localwiki.testing import DEFAULT_PASSWORD, make_user
from tests.botprocess import REPO, BotProcess, wait_for, write_settings
from tests.harness import Bot, ban, iso, now, people, unique

pytestmark = pytest.mark.wiki


def _cli(settings, *argv: str) -> str:
    out = subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(settings), *argv],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    return out.stdout + out.stderr


def _changes_since(api: str, start) -> list[dict]:
    r = requests.get(api, params={
        "action": "query", "list": "recentchanges", "rcdir": "newer", "rclimit": 500,
        "rcstart": iso(start), "rcprop": "user|comment|title|loginfo|ids|flags", "format": "json",
        "formatversion": "2"}, timeout=30)
    return r.json()["query"]["recentchanges"]


def test_confidential_ban_never_leaks_and_the_bot_never_edits(tmp_path, local_wiki):
    start = now()
    (alice, a), (bob, _), (carol, _), (dave, d) = people(local_wiki, "Alice", "Bob", "Carol",
                                                         "Dave")
    secret_id = unique("IB-SECRET-")
    bot = Bot(tmp_path / "bot", local_wiki, bans=[
        ban(alice, bob, id=secret_id, confidential=True, note="sensitive reason"),
        ban(dave, carol, id=unique("IB-OPEN-"))])
    local_wiki.rename_user(bob, bob + "R")  # the bans file now names him by an old name
    settings = write_settings(bot, local_wiki.api_url)
    run = BotProcess(settings)
    try:
        wait_for(lambda: "polled" in run.output, 60, "the first poll")
        a.edit(f"User talk:{bob}R", "breach on his talk page")
        a.edit("Talk:Confidential scenario", f"ping [[User:{bob}R|you know who]]")
        local_wiki.thank(alice, bob + "R")
        d.edit(f"User talk:{carol}", "an open ban's breach")
        local_wiki.rename_user(alice, alice + "R")  # a rename during the run
        a = WikiClient(local_wiki.api_url, alice + "R", DEFAULT_PASSWORD)
        a.edit(f"User:{bob}R/sub", "after the rename")
        wait_for(lambda: len(bot.queue("--ban", secret_id)) == 4, 60, "the confidential items")
        assert run.terminate() == 0
    finally:
        run.cleanup()
    outputs = [run.output] + [_cli(settings, *c) for c in (
        ("run", "--once"), ("status",), ("purge",), ("db", "upgrade"))]
    secrets = (secret_id, bob, bob + "R", "sensitive reason")
    for text in outputs:
        for secret in secrets:
            assert secret.lower() not in text.lower(), (secret, text)
    assert "name problem(s) in confidential bans" in run.output  # said without saying whose
    changes = _changes_since(local_wiki.api_url, start)
    assert changes  # the scenario's own edits, logs and renames
    for change in changes:
        assert not change.get("anon"), change  # the bot reads anonymously: it edited nothing
        for secret in (secret_id, "sensitive reason"):
            assert secret not in str(change), change


def test_no_secret_in_errors_or_logs_and_password_file_mode(local_wiki, tmp_path, caplog):
    user = make_user(local_wiki, unique("IbanBot"))
    _, password = local_wiki.create_bot_password(user.name)
    wrong = "Wr0ng" + password[::-1]
    secret = tmp_path / "user-password.py"
    secret.write_text(f"({user.name!r}, BotPassword('ibanbot', {wrong!r}))\n")
    secret.chmod(0o644)
    pwb = load_pywikibot()
    old = pwb.config.password_file
    pwb.config.password_file = str(secret)
    caplog.set_level(logging.DEBUG)
    try:
        gw = WikiGateway(WikiConfig(local_wiki.name, local_wiki.api_url, user=user.name,
                                    max_retries=1, retry_wait=1))
        with pytest.raises(WikiError) as error:
            gw.site  # noqa: B018 (logs in)
    finally:
        pwb.config.password_file = old
    assert wrong not in str(error.value) and "\n" not in str(error.value)
    assert wrong not in caplog.text, "the BotPassword reached a log line"
    warning = [r.getMessage() for r in caplog.records if "accessible by other users" in
               r.getMessage()]
    assert warning and "chmod 600" in warning[0] and wrong not in warning[0]
    secret.chmod(0o600)
    assert check_password_file(secret) is None
    (tmp_path / "bans.toml").write_text("", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        f'[[wikis]]\nname = "w"\napi = "{local_wiki.api_url}"\n', encoding="utf-8")
    for url in ("postgresql+psycopg://ibanbot:Db-Pa55-Secret@127.0.0.1:1/x",
                "mysql+pymysql://ibanbot:Db-Pa55-Secret@127.0.0.1:1/x"):
        os.environ["IBANBOT_DATABASE_URL"] = url
        try:
            for argv in (["status"], ["run", "--once"], ["queue", "list"], ["purge"]):
                err = io.StringIO()
                with redirect_stderr(err), redirect_stdout(err):
                    code = main(["--config", str(tmp_path / "s.toml"), *argv])
                assert code == 1 and "Db-Pa55-Secret" not in err.getvalue(), err.getvalue()
                assert err.getvalue().count("\n") == 1 and "***@127.0.0.1" in err.getvalue()
        finally:
            del os.environ["IBANBOT_DATABASE_URL"]
    assert "Db-Pa55-Secret" not in caplog.text
