"""Decisions never overwrite each other (issue 13 point 5), on SQLite, PostgreSQL and MariaDB.

Changing a `confirmed` or `dismissed` item needs `force`; a form that carries the status its
reviewer saw (`seen`) is refused when a decision came in meanwhile. The check and the write are
one compare-and-set in one transaction: two reviewers deciding at once, on two connections,
give one decision and one refusal, never two decisions.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.errors import DecisionConflict, NotFound
from bot.storage import Store
from tests.storage_fixtures import T0, detection, later

pytestmark = pytest.mark.db


def _one(store: Store, key: str = "rev:1") -> int:
    return store.save_batch("devwiki", "rc", None, [detection(key)], T0)[0]


def _trail(store: Store, item_id: int) -> tuple:
    item = store.get_item(item_id)
    return (item.status, [(d.decision, d.reviewer) for d in item.decisions],
            [(e.actor, e.detail) for e in store.audit(item_id=item_id)])


@pytest.mark.parametrize("first", ["confirmed", "dismissed"])
@pytest.mark.parametrize("second", ["confirmed", "dismissed", "needs-info"])
def test_a_decided_item_needs_force(store: Store, first: str, second: str) -> None:
    item_id = _one(store)
    store.decide(item_id, first, "Rita", "", T0.replace(month=12, day=2, hour=18, minute=44))
    before = _trail(store, item_id)
    with pytest.raises(DecisionConflict) as caught:
        store.decide(item_id, second, "Sam", "", later(60 * 24 * 6))
    assert str(caught.value) == (f"queue item {item_id} is already {first} "
                                 "(by Rita at 2026-12-02 18:44 UTC)")
    assert (caught.value.status, caught.value.reviewer) == (first, "Rita")
    assert _trail(store, item_id) == before  # nothing recorded
    item = store.decide(item_id, second, "Sam", "on appeal", later(60 * 24 * 7), force=True)
    assert item.status == second
    assert [d.reviewer for d in item.decisions] == ["Rita", "Sam"]
    assert store.audit(item_id=item_id)[0].detail == f"status {first} -> {second}"


@pytest.mark.parametrize("start", ["new", "needs-info"])
def test_new_and_needs_info_are_decided_freely(store: Store, start: str) -> None:
    item_id = _one(store)
    if start == "needs-info":
        store.decide(item_id, "needs-info", "Rita", "ask", later(1))
    assert store.decide(item_id, "needs-info", "Sam", "", later(2)).status == "needs-info"
    assert store.decide(item_id, "dismissed", "Sam", "", later(3)).status == "dismissed"


def test_the_status_seen_must_still_be_the_status(store: Store) -> None:
    item_id = _one(store)
    store.decide(item_id, "needs-info", "Rita", "", later(1))  # while Sam looked at `new`
    with pytest.raises(DecisionConflict, match="is already needs-info .by Rita at"):
        store.decide(item_id, "confirmed", "Sam", "", later(2), seen="new")
    assert store.get_item(item_id).status == "needs-info"
    store.decide(item_id, "confirmed", "Sam", "", later(3), seen="needs-info")
    with pytest.raises(DecisionConflict):  # seen confirmed, but not confirmed by Sam
        store.decide(item_id, "dismissed", "Sam", "", later(4), seen="confirmed")
    with pytest.raises(DecisionConflict):  # forced, but the item is no longer what was seen
        store.decide(item_id, "dismissed", "Sam", "", later(4), seen="new", force=True)
    done = store.decide(item_id, "dismissed", "Sam", "", later(5), seen="confirmed", force=True)
    assert [d.decision for d in done.decisions] == ["needs-info", "confirmed", "dismissed"]


def test_two_reviewers_at_once_one_wins(store: Store, db_url: str) -> None:
    ids = [_one(store, f"rev:{n}") for n in range(1, 7)]
    stores = [Store(db_url), Store(db_url)]
    try:
        for item_id in ids:
            barrier, results = threading.Barrier(2), {}

            def decide(n: int, item_id: int = item_id, barrier=barrier, results=results) -> None:
                barrier.wait()
                try:
                    stores[n].decide(item_id, ("confirmed", "dismissed")[n], f"R{n}", "",
                                     T0 + timedelta(minutes=n))
                    results[n] = "ok"
                except DecisionConflict:
                    results[n] = "conflict"

            threads = [threading.Thread(target=decide, args=(n,)) for n in (0, 1)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert sorted(results.values()) == ["conflict", "ok"], results
            item = store.get_item(item_id)
            assert len(item.decisions) == 1 and len(store.audit(item_id=item_id)) == 1
            winner = next(n for n, r in results.items() if r == "ok")
            assert item.status == ("confirmed", "dismissed")[winner]
    finally:
        for s in stores:
            s.close()


def test_neighbours_follow_the_list_order_and_filters(store: Store) -> None:
    batch = [detection("rev:1", when=later(1)), detection("rev:2", when=later(3)),
             detection("rev:3", when=later(2), wiki="otherwiki"),
             detection("rev:4", when=later(3)), detection("rev:5", when=later(0))]
    ids = dict(zip(("r1", "r2", "r3", "r4", "r5"),
                   store.save_batch("devwiki", "rc", None, batch, T0)))
    listed = [i.id for i in store.list_items()]
    assert listed == [ids[k] for k in ("r4", "r2", "r3", "r1", "r5")]  # same time: id desc
    for n, item_id in enumerate(listed):
        assert store.neighbours(item_id) == (listed[n - 1] if n else None,
                                             listed[n + 1] if n + 1 < len(listed) else None)
    assert store.neighbours(ids["r2"], wiki="devwiki") == (ids["r4"], ids["r1"])
    store.decide(ids["r2"], "confirmed", "Rita", "", later(5))  # leaves the `new` list ...
    assert store.neighbours(ids["r2"], status="new") == (ids["r4"], ids["r3"])  # ... in place
    assert store.neighbours(ids["r5"], status="confirmed") == (ids["r2"], None)


def test_one_decision_on_several_items_is_all_or_nothing(store: Store) -> None:
    ids = [_one(store, f"rev:{n}") for n in range(1, 5)]
    store.decide(ids[1], "confirmed", "Rita", "", later(1))
    store.decide(ids[2], "needs-info", "Rita", "", later(1))
    with pytest.raises(DecisionConflict, match=f"queue item {ids[1]} is already confirmed"):
        store.decide_all(ids, "dismissed", "Sam", "", later(2))
    assert [store.get_item(i).status for i in ids] == ["new", "confirmed", "needs-info", "new"]
    assert len(store.audit(limit=None)) == 2
    assert store.decide_all(ids, "confirmed", "Sam", "all", later(3), detail=" (case 1)") == [
        ids[0], ids[2], ids[3]]  # the confirmed one is left alone
    assert store.audit(item_id=ids[2])[0].detail == "status needs-info -> confirmed (case 1)"
    seen = {i: "confirmed" for i in ids}
    seen[ids[0]] = "new"  # a stale page
    with pytest.raises(DecisionConflict):
        store.decide_all(ids, "dismissed", "Sam", "", later(4), seen=seen, force=True)
    done = store.decide_all(ids, "dismissed", "Sam", "", later(5), force=True,
                            seen={i: "confirmed" for i in ids})
    assert done == ids and {store.get_item(i).status for i in ids} == {"dismissed"}
    with pytest.raises(NotFound):
        store.decide_all([ids[0], 10**6], "confirmed", "Sam", "", later(6), force=True)
    assert store.get_item(ids[0]).status == "dismissed"


def test_two_reviewers_deciding_one_case_at_once(store: Store, db_url: str) -> None:
    ids = [_one(store, f"rev:{n}") for n in range(1, 6)]
    stores, barrier, results = [Store(db_url), Store(db_url)], threading.Barrier(2), {}

    def decide(n: int) -> None:
        barrier.wait()
        try:
            stores[n].decide_all(ids if n else ids[::-1], ("confirmed", "dismissed")[n],
                                 f"R{n}", "", T0 + timedelta(minutes=n))
            results[n] = "ok"
        except DecisionConflict:
            results[n] = "conflict"

    try:
        threads = [threading.Thread(target=decide, args=(n,)) for n in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(results.values()) == ["conflict", "ok"], results
        winner = ("confirmed", "dismissed")[next(n for n, r in results.items() if r == "ok")]
        assert {store.get_item(i).status for i in ids} == {winner}
        assert len(store.audit(limit=None)) == len(ids)
    finally:
        for s in stores:
            s.close()
