"""`queue decide` never overwrites a decision without --force, and names a real reviewer."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import UsageError
from bot.review import accounts
from bot.storage import Store
from bot.web.passwords import hash_password
from tests.unit.cli.test_cli import config, filled, run  # noqa: F401

PASSWORD = "Correct-horse-battery-9"


def _store(config) -> Store:
    return Store(f"sqlite:///{config.parent / 'ibanbot.sqlite3'}")


def _decide(config, capsys, decision, reviewer, *extra):
    return run(config, "queue", "decide", "1", "--decision", decision, "--reviewer", reviewer,
               *extra, capsys=capsys)


def test_a_second_decision_needs_force(filled, capsys):
    assert _decide(filled, capsys, "confirmed", "Rita").code == 0
    at = _store(filled).get_item(1).decisions[0].at
    refused = _decide(filled, capsys, "dismissed", "Sam")
    assert refused.code == 1 and refused.out == ""
    assert refused.err == (f"Error: queue item 1 is already confirmed (by Rita at "
                           f"{at:%Y-%m-%d %H:%M} UTC); add --force to change it\n")
    item = _store(filled).get_item(1)
    assert item.status == "confirmed" and len(item.decisions) == 1
    assert len(_store(filled).audit(item_id=1)) == 1
    forced = _decide(filled, capsys, "dismissed", "Sam", "--force", "--note", "appeal")
    assert forced.code == 0 and "dismissed by Sam" in forced.out
    assert [d.reviewer for d in _store(filled).get_item(1).decisions] == ["Rita", "Sam"]


def test_needs_info_is_decided_freely(filled, capsys):
    assert _decide(filled, capsys, "needs-info", "Rita").code == 0
    assert _decide(filled, capsys, "confirmed", "Sam").code == 0


def test_reviewer_must_be_an_account_when_accounts_exist(filled, capsys):
    store, now = _store(filled), datetime.now(UTC)
    accounts.add(store, "Rita Reviewer", hash_password(PASSWORD), now)
    accounts.add(store, "Sam Staff", hash_password(PASSWORD), now)
    accounts.add(store, "Old Timer", hash_password(PASSWORD), now)
    accounts.disable(store, "Old Timer", now)
    for name in ("Sam", "Old Timer"):
        unknown = _decide(filled, capsys, "confirmed", name)
        assert unknown.code == 2 and unknown.err.count("\n") == 1, unknown.err
        assert f"--reviewer {name!r} is not a reviewer" in unknown.err
        assert "Rita Reviewer, Sam Staff" in unknown.err and "Old Timer," not in unknown.err
    assert _store(filled).get_item(1).decisions == ()
    ok = _decide(filled, capsys, "needs-info", "  rita REVIEWER ")
    assert ok.code == 0 and "needs-info by Rita Reviewer" in ok.out
    assert _decide(filled, capsys, "confirmed", "RITA REVIEWER").code == 0
    assert {d.reviewer for d in _store(filled).get_item(1).decisions} == {"Rita Reviewer"}
    assert {e.actor for e in _store(filled).audit(item_id=1)} == {"Rita Reviewer"}


def test_a_second_spelling_of_a_reviewer_is_refused(filled, capsys):
    store, now = _store(filled), datetime.now(UTC)
    accounts.add(store, "Rita Reviewer", hash_password(PASSWORD), now)
    with pytest.raises(UsageError, match="already exists as 'Rita Reviewer'"):
        accounts.add(store, "rita REVIEWER", hash_password(PASSWORD), now)
    assert [r.name for r in accounts.all_reviewers(store)] == ["Rita Reviewer"]
