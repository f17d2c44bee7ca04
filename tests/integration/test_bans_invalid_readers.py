"""Issue 13.6: reading the queue and `status` do not depend on a valid bans file.

Only `run`, `bans check` and `backfill` need valid bans; every other command works and says
once (one stderr line) that the bans file is invalid; `status` counts it as a problem (exit 1).
"""
from __future__ import annotations

import pytest

from tests.harness import Bot, ban, people

pytestmark = pytest.mark.wiki

BROKEN = '[[ban]]\nid = "IB-SECRET"\nconfidential = true\nbanned = ["X"]\n'  # no protected


def bans_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "bans file" in line]


def test_queue_and_status_work_with_a_broken_bans_file(tmp_path, local_wiki):
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki, bans=[ban(alice, bob)])
    revid = a.edit(f"User talk:{bob}", "queued before the bans file broke")
    bot.run_once()
    (bot.folder / "bans.toml").write_text(BROKEN, encoding="utf-8")

    listed = bot.cli("queue", "list", "--format", "json")
    assert listed.code == 0, listed.err
    assert [i["revid"] for i in listed.json()] == [revid]
    assert len(bans_lines(listed.err)) == 1 and "invalid" in bans_lines(listed.err)[0], listed.err
    assert "IB-SECRET" not in listed.err  # a confidential ban's id is never shown

    item = listed.json()[0]["id"]
    for fmt in ("text", "json"):
        shown = bot.cli("queue", "show", str(item), "--format", fmt)
        assert shown.code == 0 and str(revid) in shown.out, shown.err
        assert len(bans_lines(shown.err)) == 1, shown.err
        # the ban is unknown, not gone: not "no longer in the bans file"
        assert fmt == "json" or "the bans file cannot be read now" in shown.out, shown.out

    table = bot.cli("status")
    assert table.code == 1, (table.out, table.err)  # a problem for the monitoring check
    assert "bans file" in table.out and "invalid" in table.out, table.out
    assert len(bans_lines(table.err)) <= 1
    as_json = bot.cli("status", "--format", "json")
    assert as_json.code == 1 and isinstance(as_json.json(), list), as_json.err
    assert len(bans_lines(as_json.err)) == 1, as_json.err

    for argv in (("run", "--once"), ("bans", "check")):  # these need valid bans
        outcome = bot.cli(*argv)
        assert outcome.code == 2 and "bans" in outcome.err, (argv, outcome.err)

    bot.write()  # the good file back: no warning, status healthy
    fixed = bot.cli("status")
    assert fixed.code == 0 and not bans_lines(fixed.err), (fixed.out, fixed.err)
