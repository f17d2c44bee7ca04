"""Issue 14.7: operator errors are one line naming the thing and the fix, within seconds.

A wrong `api` URL, a server that is not MediaWiki, a database folder the bot cannot write and a
database URL with a typo in the driver: `Error: ...` on stderr, exit 2 (a restart cannot help).
"""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from localwiki.process import free_port
from tests.botprocess import BotProcess
from tests.harness import Bot, _write_atomic, ban, people, unique

pytestmark = pytest.mark.wiki


class _NotAWiki(BaseHTTPRequestHandler):
    """A web server that is not MediaWiki: an HTML page for every path, or a JSON object."""

    def do_GET(self) -> None:
        json_answer = self.path.startswith("/json/")
        body = b'{"hello": "world"}' if json_answer else b"<html><body>Welcome</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if json_answer else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def not_a_wiki():
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _NotAWiki)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def settings(bot: Bot, *, api: str = "", db: str = "", name: str = "") -> None:
    _write_atomic(bot.folder / "settings.toml",
                  f'[database]\nurl = "{db or "sqlite:///bot.sqlite3"}"\n'
                  f'[bans]\nfile = "bans.toml"\n[bot]\ncontact = "test@example.org"\n'
                  f'[[wikis]]\nname = "{name or bot.wiki.name}"\n'
                  f'api = "{api or bot.wiki.api_url}"\npoll_seconds = 1\n')


def one_error(bot: Bot, *argv: str) -> tuple[str, float]:
    started = time.monotonic()
    outcome = bot.cli(*argv)
    seconds = time.monotonic() - started
    errors = [line for line in outcome.err.splitlines() if line.startswith("Error:")]
    assert outcome.code == 2, (outcome.code, outcome.err)
    assert len(errors) == 1, outcome.err
    assert "Traceback" not in outcome.err and "ApiTimeoutError" not in outcome.err
    assert seconds < 20, outcome.err  # hang guard: pywikibot's default retries take 35 s
    return errors[0], seconds


@pytest.fixture
def bot(tmp_path, local_wiki):
    (alice, _), (bob, _) = people(local_wiki, "Alice", "Bob")
    return Bot(tmp_path / "bot", local_wiki, bans=[ban(alice, bob)])


@pytest.mark.parametrize("case", ["404", "html", "json"])
def test_an_api_url_that_is_not_a_mediawiki_api(bot, local_wiki, not_a_wiki, case):
    api = {"404": local_wiki.server_url + "/w/api.php", "html": not_a_wiki + "/w/api.php",
           "json": not_a_wiki + "/json/api.php"}[case]
    name = unique("wrongwiki")
    settings(bot, api=api, name=name)
    line, seconds = one_error(bot, "run", "--once")
    print(f"\n{case}: {seconds:.1f} s: {line}")
    assert name in line and api in line and "`api`" in line, line
    expected = {"404": "HTTP 404: not a MediaWiki api.php", "html": "not an API answer",
                "json": "not an API answer"}[case]
    assert expected in line, line


def test_run_stops_at_once_on_a_wrong_api_url(bot, local_wiki):
    settings(bot, api=local_wiki.server_url + "/w/api.php", name=unique("wrongwiki"))
    run = BotProcess(bot.folder / "settings.toml")
    try:
        code = run.proc.wait(timeout=30)
    finally:
        run.cleanup()
    assert code == 2, run.output
    assert "HTTP 404: not a MediaWiki api.php" in run.output, run.output
    assert "Traceback" not in run.output


@pytest.mark.parametrize("case", ["missing", "a file", "not writable"])
def test_a_database_folder_the_bot_cannot_write(bot, tmp_path, case):
    folder = {"missing": tmp_path / "no" / "such", "a file": tmp_path / "plain.txt",
              "not writable": None}[case]
    if case == "a file":
        folder.write_text("not a folder")
    path = f"{folder}/bot.sqlite3" if folder else "/proc/bot.sqlite3"  # /proc: even for root
    settings(bot, db=f"sqlite:///{path}")
    for argv in (("db", "upgrade"), ("queue", "list")):
        line, _ = one_error(bot, *argv)
        shown = str(folder) if folder else "/proc"
        assert shown in line and "[database] url" in line, line


@pytest.mark.parametrize("url, driver", [
    ("postgresql+psycopg9://postgres@127.0.0.1/ibanbot", "postgresql+psycopg9"),
    ("sqlite3:///bot.sqlite3", "sqlite3"),
    ("mysql+nosuchdriver://root@127.0.0.1/ibanbot", "mysql+nosuchdriver")])
def test_a_database_url_with_a_typo_in_the_driver(bot, url, driver):
    settings(bot, db=url)
    line, _ = one_error(bot, "queue", "list")
    assert driver in line and "[database] url" in line and "sqlite:///" in line, line
