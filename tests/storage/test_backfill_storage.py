"""Backfill state and staff warnings (migration 0005_backfill) on SQLite, PostgreSQL, MariaDB."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData

from bot.errors import NotFound, StorageError
from bot.storage import Ledger, Store
from bot.storage.backfill import backfill_state, staff_warnings
from tests.storage_fixtures import T0, later

pytestmark = pytest.mark.db


def test_migration_creates_exactly_these_tables(store: Store) -> None:
    ours = MetaData()
    for table in (backfill_state, staff_warnings):
        table.to_metadata(ours)

    def include(obj, name, type_, reflected, compare_to):
        return type_ != "table" or name in ours.tables
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_object": include})
        assert compare_metadata(ctx, ours) == []


def test_states_resume_and_warnings_are_acknowledged(store: Store) -> None:
    ledger = Ledger(store)
    assert ledger.states("devwiki", "IB-1") == {}
    ledger.save_state("devwiki", "IB-1", "contribs:7", "fp1", "2026-11-27T17:15:42Z|12",
                      False, T0)
    ledger.save_state("devwiki", "IB-1", "contribs:7", "fp1", "2026-11-27T17:16:00Z|20",
                      True, later(60))
    ledger.save_state("otherwiki", "IB-1", "contribs:7", "fp1", "x|1", False, T0)
    (state,) = ledger.states("devwiki", "IB-1").values()
    assert (state.position, state.done, state.updated_at) == ("2026-11-27T17:16:00Z|20", True,
                                                              later(60))
    with pytest.raises(StorageError, match="stream is longer than 64"):
        ledger.save_state("devwiki", "IB-1", "s" * 65, "fp", "p", False, T0)
    first = ledger.add_warning("devwiki", "gap", "wiki devwiki: the bot did not read ...", T0)
    second = ledger.add_warning("devwiki", "gap", "Ünïcødé " + "x" * 70_000, later(1),
                                ban_id="IB-1")
    assert [w.id for w in ledger.warnings()] == [first, second]
    assert len(ledger.warnings()[1].message) == 70_008  # beyond TEXT's 64 KiB on MariaDB
    done = ledger.acknowledge(first, "Staffer", later(2))
    assert (done.acknowledged_by, done.acknowledged_at) == ("Staffer", later(2))
    assert [w.id for w in ledger.warnings()] == [second]
    assert ledger.warnings(include_acknowledged=True)[0].to_json()["acknowledged_by"] == \
        "Staffer"
    with pytest.raises(NotFound, match="no staff warning 999"):
        ledger.acknowledge(999, "Staffer", T0)
