"""Runs the real bot (through its CLI entry point) against the real local wiki."""
from __future__ import annotations

import io
import itertools
import json
import os
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cli.entry import main
from localwiki import LocalWiki
from localwiki.client import WikiClient
from localwiki.testing import DEFAULT_PASSWORD, make_user

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    """A user name no other test uses (the session's wiki is shared)."""
    return f"{prefix}{int(time.time()) % 100000}x{next(_counter)}"


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@dataclass
class Bot:
    """A settings file, a bans file and a database of its own, pointed at one wiki."""

    folder: Path
    wiki: LocalWiki
    db_url: str = ""
    bans: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.write()

    def write(self) -> None:
        """Atomically: a running bot re-reads the bans file, and a half-written (say, empty)
        file would be a valid version of its own."""
        db = self.db_url or "sqlite:///bot.sqlite3"
        _write_atomic(self.folder / "settings.toml",
                      f'[database]\nurl = "{db}"\n[bans]\nfile = "bans.toml"\n'
                      f'[bot]\ncontact = "test@example.org"\n'
                      f'[[wikis]]\nname = "{self.wiki.name}"\napi = "{self.wiki.api_url}"\n'
                      f"poll_seconds = 2\nmax_retries = 1\nretry_wait = 1\n")
        _write_atomic(self.folder / "bans.toml", "\n".join(_ban_toml(b) for b in self.bans))

    def add_ban(self, **ban) -> None:
        self.bans.append(ban)
        self.write()

    def cli(self, *argv: str) -> Outcome:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["--config", str(self.folder / "settings.toml"), *argv])
        return Outcome(code, out.getvalue(), err.getvalue())

    def run_once(self) -> Outcome:
        outcome = self.cli("run", "--once")
        assert outcome.code == 0, outcome.err
        return outcome

    def queue(self, *filters: str) -> list[dict]:
        outcome = self.cli("queue", "list", "--format", "json", "--limit", "10000", *filters)
        assert outcome.code == 0, outcome.err
        return outcome.json()


def _write_atomic(path: Path, text: str) -> None:
    """A temporary file in the same folder, then renamed over `path` (readers see the old
    file or the new one, never a truncated one)."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return iso(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def _ban_toml(ban: dict) -> str:
    return "[[ban]]\n" + "".join(f"{k} = {_value(v)}\n" for k, v in ban.items())


def people(wiki: LocalWiki, *prefixes: str) -> tuple[tuple[str, WikiClient], ...]:
    """Fresh accounts (unique names) with logged-in clients."""
    out = []
    for prefix in prefixes:
        user = make_user(wiki, unique(prefix), DEFAULT_PASSWORD)
        out.append((user.name, WikiClient(wiki.api_url, user.name, user.password)))
    return tuple(out)


def ban(banned: str, protected: str, start: datetime | None = None, **kw) -> dict:
    b = {"id": kw.pop("id", unique("IB-")), "banned": [banned], "protected": [protected],
         "start": start or now() - timedelta(seconds=5)}
    b.update(kw)
    return b
