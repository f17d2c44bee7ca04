"""Cases (issue 16 part 3): grouping, and `queue cases|case|decide-case` through main(argv)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.review import cases
from bot.storage import ItemKey, Store
from detectors.model import Detection, Finding, Kind, UserRef
from tests.unit.cli.test_cli import T, config, run  # noqa: F401

H = timedelta(hours=1)


def key(n: int, hours: float, *, ban: str = "IB-1", actor_id: int = 2, actor: str = "Alice",
        target: str = "Bob", status: str = "new", wiki: str = "devwiki") -> ItemKey:
    return ItemKey(n, wiki, ban, actor_id, actor, target, T + hours * H, status)


def test_grouping_by_ban_actor_target_within_the_window() -> None:
    keys = [key(1, 0), key(2, 5, status="confirmed"), key(3, 24), key(4, 24.5),  # 4: past 24 h
            key(5, 30, actor="Alice (renamed)"),  # same user id: same case as 4
            key(6, 1, target="Carol"), key(7, 2, ban="IB-2"), key(8, 3, actor_id=9),
            key(9, 4, wiki="otherwiki")]
    found = cases.group(reversed(keys), timedelta(hours=24))
    assert [c.item_ids for c in found] == [(1, 2, 3), (6,), (7,), (8,), (9,), (4, 5)]
    first = found[0]
    assert (first.id, first.start, first.end, first.counts()) == (
        1, T, T + 24 * H, {"new": 2, "confirmed": 1})
    assert found[-1].actor == "Alice (renamed)"  # the latest name
    # grouping does not depend on status: deciding every item changes no case
    decided = [replace(k, status="dismissed") for k in keys]
    assert [c.item_ids for c in cases.group(decided, timedelta(hours=24))] == [
        c.item_ids for c in found]
    assert [c.item_ids for c in cases.group(keys, timedelta(hours=1))][:3] == [
        (1,), (6,), (7,)]


@pytest.fixture
def five(config):
    store = Store(f"sqlite:///{config.parent / 'ibanbot.sqlite3'}")
    store.upgrade()
    dets = [Detection(wiki="devwiki", ban_id="IB-1", event_key=f"rev:{n}",
                      actor=UserRef(2, "Alice"), target="Bob", page=f"User talk:Bob/{n}",
                      timestamp=T + hours * H, revid=n,
                      findings=(Finding(Kind.USERSPACE, 1.0, f"edited Bob's page {n}", "Bob"),))
            for n, hours in ((1, 0), (2, 1), (3, 2), (4, 30), (5, 31))]
    store.save_batch("devwiki", "recentchanges", None, dets, T)
    return config


def test_queue_cases_case_and_decide_case(five, capsys):
    listed = run(five, "queue", "cases", "--format", "json", capsys=capsys)
    assert listed.code == 0
    assert [(c["id"], c["items"]) for c in listed.json()] == [(4, [4, 5]), (1, [1, 2, 3])]
    table = run(five, "queue", "cases", "--status", "new", capsys=capsys).out
    assert table.splitlines()[0].split()[:3] == ["CASE", "WIKI", "BAN"] and "new 3" in table
    shown = run(five, "queue", "case", "1", capsys=capsys)
    assert shown.code == 0 and "edited Bob's page 3" in shown.out and "item 2 [new]" in shown.out
    assert run(five, "queue", "decide", "2", "--decision", "needs-info", "--reviewer", "Rita",
               capsys=capsys).code == 0
    done = run(five, "queue", "decide-case", "1", "--decision", "confirmed", "--reviewer",
               "Rita", "--note", "one sitting", capsys=capsys)
    assert done.code == 0 and done.out == "case 1: confirmed by Rita on 3 item(s)\n"
    store = Store(f"sqlite:///{five.parent / 'ibanbot.sqlite3'}")
    for n in (1, 2, 3):
        item = store.get_item(n)
        assert item.status == "confirmed" and item.decisions[-1].note == "one sitting"
        assert store.audit(item_id=n)[0].detail.endswith("-> confirmed (case 1)")
    assert store.get_item(4).status == "new"
    refused = run(five, "queue", "decide-case", "1", "--decision", "dismissed", "--reviewer",
                  "Sam", capsys=capsys)
    assert refused.code == 1 and refused.err.count("\n") == 1
    assert "queue item 1 is already confirmed (by Rita at" in refused.err
    assert "nothing of case 1 was recorded; add --force" in refused.err
    assert {store.get_item(n).status for n in (1, 2, 3)} == {"confirmed"}
    assert len(store.audit(limit=None)) == 4
    assert run(five, "queue", "cases", "--status", "confirmed", "--format", "json",
               capsys=capsys).json()[0]["statuses"] == {"confirmed": 3}  # still one case
    forced = run(five, "queue", "decide-case", "1", "--decision", "dismissed", "--reviewer",
                 "Sam", "--force", capsys=capsys)
    assert forced.code == 0 and {store.get_item(n).status for n in (1, 2, 3)} == {"dismissed"}
    again = run(five, "queue", "decide-case", "1", "--decision", "dismissed", "--reviewer",
                "Sam", capsys=capsys)
    assert again.out == "case 1: dismissed by Sam on 0 item(s) (3 already dismissed)\n"
    wrong = run(five, "queue", "case", "2", capsys=capsys)
    assert wrong.code == 1 and "queue item 2 belongs to case 1" in wrong.err
