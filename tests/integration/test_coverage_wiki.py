"""Coverage on the real wiki (issue 13.2): a bans file read half-written loses nothing.

`ibanbot run` reloads a bans file overwritten in place and read with its comment header only
(valid TOML, no ban): the reload is an ERROR and a staff warning, and when the full file is back
the span during which the ban was not watched is backfilled: the breach made then is queued.
"""
from __future__ import annotations

import json
import time

import pytest

from bot.storage import Store
from tests.botprocess import BotProcess, write_settings
from tests.harness import Bot, ban, people
from tests.integration.test_backfill import waiting
from tests.storage_fixtures import _server_database, selected_backends

pytestmark = pytest.mark.wiki

BACKEND = {"postgresql": "PostgreSQL", "mysql": "MariaDB"}
HEADER = "# IBAN bans file: maintained by Trust & Safety\n# one [[ban]] table per ban\n"


@pytest.fixture
def bot(tmp_path, local_wiki):
    return Bot(tmp_path / "bot", local_wiki)


@pytest.fixture(params=selected_backends())
def database(request):
    """"" (the harness's SQLite file) or a fresh database on the PostgreSQL or MariaDB server."""
    if request.param == "sqlite":
        yield ""
    else:
        yield from _server_database(request.param)


def stored(bot: Bot, ban_id: str) -> list:
    with Store(bot.db_url or f"sqlite:///{bot.folder / 'bot.sqlite3'}") as store:
        return store.list_items(ban_id=ban_id)


def test_a_half_written_bans_file_loses_no_breach(tmp_path, local_wiki, database):
    bot = Bot(tmp_path / "bot", local_wiki, db_url=database)
    (alice, a), (bob, _), (erin, e) = people(local_wiki, "Alice", "Bob", "Erin")
    bot.bans = [ban(alice, bob, id="IB-COV-1")]
    settings = write_settings(bot, local_wiki.api_url, poll_seconds=1)
    bans_file = bot.folder / "bans.toml"
    full = HEADER + bans_file.read_text(encoding="utf-8")
    bans_file.write_text(full, encoding="utf-8")
    proc = BotProcess(settings)
    try:
        polled = lambda: proc.output.count(f"wiki {local_wiki.name}: polled")  # noqa: E731
        e.edit("Sandbox", "the bot polls with the ban loaded")
        waiting(proc, lambda: polled() >= 2, 60, "two polls")
        with open(bans_file, "w", encoding="utf-8") as handle:  # in place, as editors do
            handle.write(HEADER)  # ... and read before the rest is written
        waiting(proc, lambda: "0 ban(s)" in proc.output, 30, "the reload of the header")
        missed = a.edit(f"User talk:{bob}", "while the bans file was half-written")
        seen = polled()
        waiting(proc, lambda: polled() >= seen + 2, 30, "polls without the ban")
        bans_file.write_text(full, encoding="utf-8")
        restored = time.monotonic()
        waiting(proc, lambda: stored(bot, "IB-COV-1"), 60, "the breach backfilled")
        backend = BACKEND.get(database.split("+")[0].split(":")[0], "SQLite")
        print(f"\n{backend}: the breach made while the file was half-written was queued "
              f"{time.monotonic() - restored:.1f} s after the full file was back")
        assert proc.terminate() == 0
    finally:
        proc.cleanup()
    assert [i.revid for i in stored(bot, "IB-COV-1")] == [missed]
    errors = [line for line in proc.output.splitlines() if " ERROR " in line]
    assert any("dropped 1 of 1 ban(s)" in line for line in errors), proc.output[-3000:]
    warnings = json.loads(bot.cli("warnings", "list", "--format", "json").out)
    assert [w["kind"] for w in warnings] == [], proc.output[-6000:]  # brought back by the
    # reload: acknowledged
    status = bot.cli("status", "--format", "json")
    assert all(row["holes"] == [] for row in json.loads(status.out)), status.out


def test_a_ban_removed_and_added_back_is_backfilled_over_its_hole(bot, local_wiki):
    """`run --once` runs: the ban in force, then removed (a breach meanwhile), then back. In
    between, `status` shows the hole (a confidential ban written as such) and exits 1."""
    (alice, a), (bob, _), (erin, e) = people(local_wiki, "Alice", "Bob", "Erin")
    secret = ban(alice, bob, id="IB-COV-SECRET", confidential=True)
    bot.add_ban(**secret)
    e.edit("Sandbox", "the bot polls with the ban loaded")
    bot.run_once()
    bot.bans = []
    bot.write()
    missed = a.edit(f"User talk:{bob}", "while the ban was out of the file")
    bot.run_once()  # the cursor moves past the breach: nobody watched for it
    bot.add_ban(**secret)
    status = bot.cli("status", "--format", "json")
    rows = {r["stream"]: r for r in json.loads(status.out)}
    assert status.code == 1 and "1 coverage hole(s) still open" in status.err
    (hole,) = rows["recentchanges"]["holes"]
    assert (hole["ban_id"], hole["confidential"]) == (None, True)
    table = bot.cli("status")
    assert "hole: a confidential ban not watched from" in table.out
    assert "IB-COV-SECRET" not in table.out + status.out
    staff = bot.cli("status", "--show-confidential")
    assert "hole: ban IB-COV-SECRET (confidential) not watched from" in staff.out
    bot.run_once()
    assert [i["revid"] for i in bot.queue("--ban", "IB-COV-SECRET")] == [missed]
    again = bot.cli("status", "--format", "json")
    assert again.code == 0, again.out + again.err
    assert all(r["holes"] == [] for r in json.loads(again.out))
