"""`ibanbot reviewers ...` and `ibanbot web` through the real CLI."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import requests

from bot.cli import main
from localwiki.process import free_port

PASSWORD = "Correct-horse-battery-9"


def settings(folder: Path) -> Path:
    (folder / "bans.toml").write_text("", encoding="utf-8")
    path = folder / "settings.toml"
    path.write_text('[database]\nurl = "sqlite:///web.sqlite3"\n[bans]\nfile = "bans.toml"\n'
                    '[[wikis]]\nname = "devwiki"\napi = "http://127.0.0.1:9/api.php"\n'
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


def test_web_command_serves_the_sign_in_page(tmp_path):
    config, port = settings(tmp_path), free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--config", str(config), "web",
                             "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        answer = None
        for _ in range(100):
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/items/1", timeout=2,
                                      allow_redirects=False)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 302
        assert answer.headers["Location"].endswith("/login")
        login = requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
        assert login.status_code == 200 and "Sign in" in login.text
        assert "Secure" not in login.headers["Set-Cookie"]  # plain HTTP on loopback
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert out == "" and "GET /items/1" not in err, "request lines stay out of the log"
