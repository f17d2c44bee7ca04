"""`ibanbot reviewers ...` and `ibanbot web` through the real CLI."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC
from pathlib import Path

import requests

from bot.cli.entry import main
from localwiki.process import free_port
from localwiki.testing import make_user
from tests.harness import unique

PASSWORD = "Correct-horse-battery-9"


def settings(folder: Path, api: str = "http://127.0.0.1:9/api.php", name: str = "devwiki"
             ) -> Path:
    (folder / "bans.toml").write_text("", encoding="utf-8")
    path = folder / "settings.toml"
    path.write_text('[database]\nurl = "sqlite:///web.sqlite3"\n[bans]\nfile = "bans.toml"\n'
                    f'[[wikis]]\nname = "{name}"\napi = "{api}"\n'
                    "max_retries = 0\nretry_wait = 0\n", encoding="utf-8")
    return path


def run(config: Path, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["--config", str(config), *argv])
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def test_reviewers_commands(tmp_path):
    config = settings(tmp_path)
    assert run(config, "reviewers", "add", "Ann Admin", stdin=PASSWORD + "\n")[0] == 0
    code, _, err = run(config, "reviewers", "add", "Ann Admin", stdin=PASSWORD + "\n")
    assert (code, err) == (2, "Error: reviewer 'Ann Admin' already exists\n")
    code, _, err = run(config, "reviewers", "add", "ann admin", stdin="short\n")  # the name first
    assert (code, err) == (2, "Error: reviewer 'ann admin' already exists as 'Ann Admin'\n")
    code, _, err = run(config, "reviewers", "add", "Bob", stdin="short\n")
    assert code == 2 and "at least 12 characters" in err and err.count("\n") == 1
    assert run(config, "reviewers", "add", "Cy", stdin="")[2] == "Error: no password on stdin\n"
    assert run(config, "reviewers", "add", "<b>", stdin=PASSWORD)[0] == 2
    assert run(config, "reviewers", "disable", "Ann Admin")[0] == 0
    code, out, _ = run(config, "reviewers", "list")
    assert code == 0 and out.startswith("Ann Admin\tdisabled ")
    assert run(config, "reviewers", "enable", "Ann Admin")[0] == 0
    assert run(config, "reviewers", "password", "Ann Admin", stdin="Another-good-pass-1\n")[0] == 0
    assert run(config, "reviewers", "disable", "Nobody")[0] == 1
    assert PASSWORD not in (tmp_path / "web.sqlite3").read_bytes().decode("latin-1")
    assert run(config, "web", "--port", "70000")[0] == 2


def test_reviewers_link_wiki_accounts(tmp_path, local_wiki):
    config = settings(tmp_path, local_wiki.api_url, name="livewiki")  # one site per name
    ann = make_user(local_wiki, unique("Ann w"))
    assert run(config, "reviewers", "add", "Ann", "--no-password") == (
        0, "reviewer Ann: add done\n", "")
    assert run(config, "reviewers", "link", "Ann", "--wiki", "livewiki", "--user", ann.name)[0] == 0
    code, _, err = run(config, "reviewers", "link", "Ann", "--wiki", "elsewhere", "--user", "A")
    assert code == 2 and "no wiki named 'elsewhere' (configured: livewiki)" in err
    code, _, err = run(config, "reviewers", "link", "Bob", "--wiki", "livewiki", "--user", ann.name)
    assert (code, err) == (1, "Error: reviewer 'Bob' does not exist\n")
    code, _, err = run(config, "reviewers", "link", "Ann", "--wiki", "livewiki",
                       "--user", "No such x")
    assert (code, err) == (2, "Error: there is no user 'No such x' on livewiki\n")
    code, out, _ = run(config, "reviewers", "list")
    assert code == 0 and out.startswith("Ann\tactive\tsince ")
    assert out.endswith(f"\tno password, {ann.name}@livewiki (user id {ann.user_id})\n")
    assert run(config, "reviewers", "unlink", "Ann", "--wiki", "livewiki")[0] == 0
    assert run(config, "reviewers", "unlink", "Ann", "--wiki", "livewiki")[0] == 1
    assert run(config, "reviewers", "list")[1].endswith("\tno password\n")


def test_reviewers_link_needs_the_wiki(tmp_path):
    """The user id is looked up on the wiki: an unreachable wiki is a one-line error."""
    config = settings(tmp_path, name="deadwiki")  # pywikibot keeps one site per name
    assert run(config, "reviewers", "add", "Ann", "--no-password")[0] == 0
    code, _, err = run(config, "reviewers", "link", "Ann", "--wiki", "deadwiki", "--user", "Ann")
    assert code == 1 and err.startswith("Error: ") and err.count("\n") == 1, err
    assert run(config, "reviewers", "list")[1].endswith("\tno password\n")


def test_web_command_serves_the_sign_in_page(tmp_path):
    config, port = settings(tmp_path), free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--config", str(config), "web",
                             "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        answer, deadline = None, time.monotonic() + 60  # start-up may be slow on a busy machine
        while answer is None and time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"`ibanbot web` exited: {proc.communicate()}")
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/items/1", timeout=5,
                                      allow_redirects=False)
            except requests.RequestException:
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 302
        assert answer.headers["Location"].endswith("/login")
        login = requests.get(f"http://127.0.0.1:{port}/login", timeout=30)
        assert login.status_code == 200 and "Sign in" in login.text
        assert "Secure" not in login.headers["Set-Cookie"]  # plain HTTP on loopback
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert out == "" and "GET /items/1" not in err, "request lines stay out of the log"


def test_wsgi_entry_point_bad_web_settings_and_an_unreachable_wiki(tmp_path):
    config = settings(tmp_path)
    assert run(config, "db", "upgrade")[0] == 0
    code = ("import bot.web.wsgi as w; c = w.app.test_client(); r = c.get('/login'); "
            "print(type(w.app).__name__, r.status_code, 'Secure' in r.headers['Set-Cookie'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "IBANBOT_CONFIG": str(config)})
    assert done.stdout.split() == ["Flask", "200", "True"], done.stderr
    with config.open("a", encoding="utf-8") as fh:
        fh.write("[web]\npage_size = 0\n")
    code, _, err = run(config, "web")
    assert code == 2 and "key 'web.page_size'" in err and err.count("\n") == 1


def test_item_page_when_the_wiki_is_down(tmp_path):
    from datetime import datetime

    from bot.app import App
    from bot.review import accounts
    from bot.web import create_app
    from bot.web.passwords import hash_password
    from detectors.model import Detection, Finding, Kind, UserRef

    config = settings(tmp_path)
    app = App.load(config)
    app.ensure_schema()
    when = datetime(2026, 11, 27, tzinfo=UTC)
    (item_id,) = app.store.save_batch("devwiki", "rc", None, [Detection(
        "devwiki", "IB-1", "rev:5", UserRef(3, "Alice"), "Bob", "User talk:Bob", when,
        (Finding(Kind.USERSPACE, 1.0, "edited Bob's talk page", "Bob"),), revid=5)], when)
    accounts.add(app.store, "Ann Admin", hash_password(PASSWORD), when)
    client = create_app(app, secure_cookies=False).test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"csrf": csrf, "name": "Ann Admin", "password": PASSWORD})
    started = time.monotonic()
    html = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert "could not fetch the diff (wiki devwiki: compare failed (ConnectionError))" in html
    assert "edited Bob&#39;s talk page" in html and "this ban is no longer in the bans file" in html
    assert time.monotonic() - started < 30
