"""`ibanbot run` as a real process (for kill -9, SIGTERM, outages and two instances)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.harness import Bot, _ban_toml

REPO = Path(__file__).resolve().parents[1]


def write_settings(bot: Bot, api: str, *, poll_seconds: int = 1, operations: str = "",
                   db_url: str = "", lease_seconds: int = 4, name: str = "") -> Path:
    """The harness bot's files, pointed at `api` (a proxy, say) with short timings.

    In-process runs through a proxy need a wiki `name` of their own: pywikibot caches a site
    (and its URL) per name for the whole process."""
    db = db_url or bot.db_url or "sqlite:///bot.sqlite3"
    settings = bot.folder / "settings.toml"
    settings.write_text(
        f'[database]\nurl = "{db}"\n[bans]\nfile = "bans.toml"\n'
        f'[bot]\ncontact = "test@example.org"\n'
        f"[operations]\nmax_backoff_seconds = 2\nlease_seconds = {lease_seconds}\n{operations}\n"
        f'[[wikis]]\nname = "{name or bot.wiki.name}"\napi = "{api}"\n'
        f"poll_seconds = {poll_seconds}\nmax_retries = 1\nretry_wait = 1\n", encoding="utf-8")
    (bot.folder / "bans.toml").write_text("\n".join(_ban_toml(b) for b in bot.bans),
                                          encoding="utf-8")
    return settings


class BotProcess:
    """One `python -m bot.cli run` with its stderr in a file.

    At --log-level DEBUG unless `args` name a level: an idle poll says "polled" at DEBUG only,
    and the tests wait for polls (and check that nothing confidential is logged at any level)."""

    count = 0

    def __init__(self, settings: Path, *args: str) -> None:
        BotProcess.count += 1
        self.log = settings.parent / f"run-{os.getpid()}-{BotProcess.count}.log"
        self.handle = open(self.log, "wb")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if not any(a.startswith("--log-level") for a in args):
            args = ("--log-level", "DEBUG", *args)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--config", str(settings), *args, "run"],
            cwd=REPO, stdout=self.handle, stderr=subprocess.STDOUT, env=env)

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.handle.close()

    def terminate(self, timeout: float = 60) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        self.handle.close()
        return code

    def cleanup(self) -> None:
        if self.alive():
            self.kill9()
        self.handle.close()


def wait_for(check: Callable[[], object], timeout: float, what: str, step: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
