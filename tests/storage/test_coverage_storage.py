"""Coverage rows (bot.storage.coverage) on SQLite, PostgreSQL and MariaDB."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import StorageError
from bot.storage import Store
from bot.storage.coverage import Covered, StoredSpan
from tests.storage_fixtures import T0, detection


def pt(seconds: int, row: int = 0):
    return (T0 + timedelta(seconds=seconds), row)


def cov(*ids: str, a: int, b: int, ra: int = 0, rb: int = 0) -> Covered:
    return Covered(frozenset(ids), pt(a, ra), pt(b, rb))


def spans(store: Store, ban_id: str, stream: str = "recentchanges", wiki: str = "w"):
    return [(x.start, x.end) for x in store.coverage(wiki).get((ban_id, stream), ())]


def test_batches_extend_and_merge_coverage_with_the_cursor(store: Store):
    store.save_batch("w", "recentchanges", "c1", [], T0, covered=cov("IB-1", "IB-2", a=0, b=10,
                                                                     rb=5))
    store.save_batch("w", "recentchanges", "c2", [], T0, covered=cov("IB-1", a=10, b=20,
                                                                     ra=5, rb=9))
    store.save_batch("w", "recentchanges", "c3", [], T0, covered=cov(a=20, b=30, ra=9))  # none
    store.save_batch("w", "recentchanges", "c4", [], T0, covered=cov("IB-1", "IB-2", a=30,
                                                                     b=40))
    assert spans(store, "IB-1") == [(pt(0), pt(20, 9)), (pt(30), pt(40))]
    assert spans(store, "IB-2") == [(pt(0), pt(10, 5)), (pt(30), pt(40))]
    assert spans(store, "*") == [(pt(0), pt(40))]  # the stream itself: read all along
    assert spans(store, "IB-1", "log:thanks") == []
    assert store.coverage("other") == {}


def test_a_span_bridging_two_rows_makes_one(store: Store):
    store.save_batch("w", "log:thanks", "c", [], T0, covered=cov("IB-1", a=0, b=5))
    store.save_batch("w", "log:thanks", "c", [], T0, covered=cov("IB-1", a=10, b=15))
    store.record_coverage("w", "log:thanks", cov("IB-1", a=5, b=10), T0)
    assert spans(store, "IB-1", "log:thanks") == [(pt(0), pt(15))]
    assert spans(store, "*", "log:thanks") == [(pt(0), pt(5)), (pt(10), pt(15))]  # a backfill
    # covers the ban, it reads no stream
    assert store.coverage("w", ["IB-1"])[("IB-1", "log:thanks")] == (StoredSpan(pt(0), pt(15)),)


def test_row_ids_decide_within_one_second(store: Store):
    store.save_batch("w", "recentchanges", "c", [], T0, covered=cov("IB-1", a=0, b=5, rb=7))
    store.save_batch("w", "recentchanges", "c", [], T0, covered=cov("IB-1", a=5, b=9, ra=8))
    assert spans(store, "IB-1") == [(pt(0), pt(5, 7)), (pt(5, 8), pt(9))]


def test_no_cursor_no_coverage(store: Store):
    """A backfill's batch moves no cursor: it claims no coverage of the stream."""
    store.save_batch("w", "backfill:IB-1", None, [detection()], T0,
                     covered=cov("IB-1", a=0, b=5))
    assert store.coverage("w") == {}


def test_coverage_is_saved_with_the_batch_or_not_at_all(store: Store):
    too_long = cov("X" * 101, a=0, b=5)
    with pytest.raises(StorageError, match="ban_id is longer than 100"):
        store.save_batch("w", "recentchanges", "c9", [detection()], T0, covered=too_long)
    assert store.get_cursor("w", "recentchanges") is None
    assert store.list_items() == [] and store.coverage("w") == {}


def test_stream_batches_record_coverage_per_cursor(store: Store):
    store.save_batch_cursors({("w", "recentchanges"): "c1", ("v", "log:thanks"): "c2"}, [], T0,
                             covered={("w", "recentchanges"): cov("IB-1", a=0, b=5)})
    assert spans(store, "IB-1") == [(pt(0), pt(5))]
    assert store.coverage("v") == {}  # moved, but claimed nothing


def test_a_noted_warning_and_its_setting_are_saved_together(store: Store):
    from bot.storage import Ledger
    ledger = Ledger(store)
    first = ledger.add_noted_warning("*", "bans-dropped", "dropped", T0, "bans_dropped",
                                     lambda wid: f"[{wid}]")
    assert store.get_setting("bans_dropped") == f"[{first}]"

    def broken(wid):
        raise StorageError("the note could not be made")

    with pytest.raises(StorageError):
        ledger.add_noted_warning("*", "bans-dropped", "again", T0, "bans_dropped", broken)
    assert [w.id for w in ledger.warnings()] == [first]  # nothing of the second one


def test_a_backfill_records_coverage_bridging_rows(store: Store):
    store.record_coverage("w", "recentchanges", cov("IB-1", "IB-2", a=0, b=5), T0)
    store.record_coverage("w", "recentchanges", cov("IB-1", a=5, b=9), T0)
    store.record_coverage("w", "recentchanges", cov("IB-1", a=20, b=30), T0)
    store.record_coverage("w", "recentchanges", cov("IB-1", a=8, b=21), T0)
    assert spans(store, "IB-1") == [(pt(0), pt(30))]
    assert spans(store, "IB-2") == [(pt(0), pt(5))]
    assert spans(store, "*") == []  # a backfill reads no stream


def test_a_batch_that_continues_the_run_costs_the_same_with_ten_thousand_bans(store: Store):
    """Coverage is written once per run of bans: a batch continuing it moves one row's end,
    whatever the number of bans (the per-ban rows are written when the bans change)."""
    from sqlalchemy import event

    many = [f"IB-{n}" for n in range(10_000)]
    store.save_batch("w", "recentchanges", "c", [], T0, covered=cov(*many, a=0, b=10))
    statements: list[str] = []
    record = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(store.engine, "before_cursor_execute", record)
    try:
        for n in range(1, 6):
            store.save_batch("w", "recentchanges", "c", [], T0,
                             covered=cov(*many, a=10 * n, b=10 * n + 10))
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    coverage = [s for s in statements if "coverage" in s]
    assert len(coverage) == 5 * 2, coverage  # per batch: read the run, move its end
    assert all(len(s) < 1000 for s in coverage)  # no list of ban ids
    assert spans(store, "IB-9999") == [(pt(0), pt(60))] == spans(store, "*")
    store.save_batch("w", "recentchanges", "c", [], T0, covered=cov(*many[1:], a=60, b=70))
    assert spans(store, "IB-0") == [(pt(0), pt(60))]  # folded into its own row
    assert spans(store, "IB-1") == [(pt(0), pt(70))] == spans(store, "*")
