"""A real queue for the review UI's tests: the real bot, run against the real local wiki.

`review_env` (module scope) makes fresh users, a ban, breaches whose titles, summaries and
text carry `<script>` and `javascript:` payloads, runs the bot once through its CLI, and
hands back the settings file, the names and a reviewer account to sign in with.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App, utcnow
from bot.review import accounts
from bot.web import create_app
from bot.web.passwords import hash_password
from tests.harness import Bot, ban, people

PASSWORD = "Correct-horse-battery-9"
SCRIPT_TEXT = ("<script>alert('text')</script> [javascript:alert(1) click me] "
               '<img src=x onerror="alert(2)"> hello ')
SCRIPT_SUMMARY = "<script>alert('summary')</script> javascript:alert(3)"
REPORT_NOTE = "They wrote on my talk page <script>alert(5)</script> javascript:alert(7)"


@dataclass
class Clock:
    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset


@dataclass
class ReviewEnv:
    settings: Path
    alice: str
    bob: str
    reviewer: str
    hostile_title: str
    clock: Clock

    def app(self) -> App:
        return App.load(self.settings, now=self.clock)

    def flask(self, **web: object):
        return create_app(self.app(), secure_cookies=False)


@pytest.fixture(scope="module")
def review_env(tmp_path_factory, local_wiki) -> ReviewEnv:
    folder = tmp_path_factory.mktemp("review")
    bot = Bot(folder / "bot", local_wiki)
    (alice, a), (bob, b) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob, start=utcnow() - timedelta(minutes=5),
                      exempt_pages=["Project:Arbitration/*"], note="see <script>case</script>"))
    hostile = f"Javascript:alert(1) {alice}"
    b.edit("Talk:Common ground", "Bob starts a thread. ~~~~", "Bob's first")
    a.edit(f"User talk:{bob}", SCRIPT_TEXT + "first line\nsecond line", SCRIPT_SUMMARY)
    talk_rev = a.edit(f"User talk:{bob}", SCRIPT_TEXT + "first line\nsecond line changed",
                      SCRIPT_SUMMARY)
    a.edit(hostile, f"About [[User:{bob}]] and <script>alert(4)</script>", SCRIPT_SUMMARY)
    a.append("Talk:Common ground", "\n:Alice answers. ~~~~", "Alice's reply")
    bot.run_once()
    reported = bot.cli("report", "add", "--wiki", local_wiki.name, "--diff", str(talk_rev),
                       "--reporter", "Victim <script>alert(6)</script>", "--note", REPORT_NOTE)
    assert reported.code == 0, reported.err
    settings = bot.folder / "settings.toml"
    with settings.open("a", encoding="utf-8") as fh:
        # a generous wait for the wiki: a loaded test machine must not lose a diff (the
        # fast-page tests put the default back)
        fh.write("[web]\npage_size = 2\nlogin_attempts = 3\npage_wait_seconds = 10\n")
    env = ReviewEnv(settings, alice, bob, "Rita Reviewer", hostile, Clock())
    app = env.app()
    accounts.add(app.store, env.reviewer, hash_password(PASSWORD), utcnow())
    return env
