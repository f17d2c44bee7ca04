"""Issue 6, data: leases, poll health, retention purge and migrations, on all three databases."""
from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.storage import Store
from bot.storage.migrate import alembic_config
from bot.storage.schema import metadata
from tests.storage.test_storage import _diff
from tests.storage_fixtures import T0, detection, drop_everything, later

pytestmark = pytest.mark.db


def test_lease_rows_say_who_holds_each_polling_lock(store: Store) -> None:
    """The locks themselves: tests/storage/test_locks.py; here, the rows `status` reads."""
    locks = store.poll_locks("h" * 191, 120, lambda: T0)  # MariaDB key limits
    try:
        assert locks.acquire("w") and locks.acquire("x" * 64)
        (lease, _) = store.ops.leases()
        assert (lease.wiki, lease.holder, lease.acquired_at, lease.expires_at) == \
            ("w", "h" * 191, T0, T0 + timedelta(seconds=120))
        locks.release("w")
        assert [row.wiki for row in store.ops.leases()] == ["x" * 64]
    finally:
        locks.release_all()
    assert store.ops.leases() == []


def test_poll_health_counts_failures_and_resets_on_success(store: Store) -> None:
    ops = store.ops
    ops.record_poll("w", "recentchanges", T0, "wiki w: unreachable")
    ops.record_poll("w", "recentchanges", later(1), "wiki w: HTTP 500")
    (h,) = ops.health()
    assert (h.failures, h.last_success, h.last_error, h.last_error_at) == \
        (2, None, "wiki w: HTTP 500", later(1))
    ops.record_poll("w", "recentchanges", later(2))
    ops.record_poll("w", "log:thanks", later(2))
    rc = next(x for x in ops.health() if x.stream == "recentchanges")
    assert (rc.failures, rc.last_success, rc.last_attempt) == (0, later(2), later(2))
    assert rc.last_error == "wiki w: HTTP 500"  # kept for staff, with its time


def test_purge_removes_decided_items_and_keeps_the_audit(store: Store) -> None:
    ids = store.save_batch("w", "rc", "c", [detection(f"rev:{n}") for n in range(1, 6)], T0)
    old, recent, needs_info, undecided, redecided = ids
    store.decide(old, "confirmed", "Rev A", "clear breach", T0 + timedelta(days=1))
    store.decide(recent, "dismissed", "Rev B", "", T0 + timedelta(days=95))
    store.decide(needs_info, "needs-info", "Rev C", "", T0 + timedelta(days=1))
    store.decide(redecided, "dismissed", "Rev D", "", T0 + timedelta(days=1))
    store.decide(redecided, "confirmed", "Rev E", "", T0 + timedelta(days=50), force=True)
    now = T0 + timedelta(days=120)
    result = store.ops.purge_decided(now - timedelta(days=90), now)
    assert result.items == 1
    left = {i.id for i in store.list_items()}
    assert left == {recent, needs_info, undecided, redecided}
    purged = [e for e in store.audit(limit=None) if e.action == "purge"]
    assert [(e.item_id, e.actor) for e in purged] == [(old, "ibanbot")]
    assert "confirmed by Rev A at 2026-11-28T17:15:42Z" in purged[0].detail
    assert "evidence" not in purged[0].detail.replace("evidence deleted", "")
    assert "Bob" not in purged[0].detail and "Alice" not in purged[0].detail
    decided = [e for e in store.audit(limit=None, item_id=old) if e.action == "decide"]
    assert decided and decided[0].actor == "Rev A"  # who decided what and when stays
    assert store.ops.purge_decided(now - timedelta(days=90), now).items == 0
    later_result = store.ops.purge_decided(now, now + timedelta(days=90))
    assert later_result.items == 2  # recent and redecided (last decision day 95 and 50)


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in script.walk_revisions()]


def test_every_revision_upgrades_to_head_with_data_and_steps_down(empty_store: Store) -> None:
    """From each earlier revision to head with data present; then each head one step down."""
    for revision in _revisions():
        drop_everything(empty_store)
        empty_store.upgrade(revision)
        empty_store.save_batch("w", "recentchanges", "2026-11-27T17:15:42Z|7",
                               [detection("rev:7")], T0)
        empty_store.upgrade()
        empty_store.check_schema()
        assert _diff(empty_store, metadata) == [], revision
        assert [i.event_key for i in empty_store.list_items()] == ["rev:7"], revision
        assert empty_store.get_cursor("w", "recentchanges") == "2026-11-27T17:15:42Z|7"
    empty_store.ops.record_poll("w", "recentchanges", T0)
    for head in Store.head_revision().split("+"):
        empty_store.downgrade(f"{head}@-1")
        assert head not in (empty_store.current_revision() or "")
        assert [i.event_key for i in empty_store.list_items()] == ["rev:7"]
        empty_store.upgrade()
    assert _diff(empty_store, metadata) == []
    assert {"leases", "poll_health"} <= set(inspect(empty_store.engine).get_table_names())
