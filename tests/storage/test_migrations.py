"""Migrations with data present: from every earlier revision to head, and one step down.

Runs on SQLite, PostgreSQL and MariaDB (the `empty_store` fixture is parametrized over all
three). Data is written at each revision with the Store's own queue API (the tables it uses
exist since 0001), then the database is upgraded to head and everything is still there.
"""
from __future__ import annotations

from dataclasses import replace

import pytest
from alembic.script import ScriptDirectory

from bot.storage import Store
from bot.storage.migrate import alembic_config
from detectors.bans import Identity
from tests.storage_fixtures import T0, detection


def chain() -> list[str]:
    """Every revision, oldest first (the chain must be linear: one head, no branches)."""
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_the_chain_is_linear_and_starts_at_0001():
    revisions = chain()
    assert revisions[0] == "0001" and len(revisions) == len(set(revisions)) >= 5


def _write(store: Store, tag: str) -> int:
    (item_id,) = store.save_batch("devwiki", "recentchanges", f"cursor-{tag}",
                                  [replace(detection(), event_key=f"rev:{tag}")], T0)
    store.decide(item_id, "confirmed", f"Reviewer {tag}", f"note {tag}", T0)
    store.save_identity(Identity("devwiki", f"User {tag}", 7, f"User {tag}"), T0)
    return item_id


@pytest.mark.parametrize("start", chain())
def test_upgrade_from_every_revision_with_data(empty_store: Store, start: str):
    empty_store.upgrade(start)
    assert empty_store.current_revision() == start
    item_id = _write(empty_store, start)
    empty_store.upgrade()
    empty_store.check_schema()
    item = empty_store.get_item(item_id)
    assert (item.status, item.event_key, item.decisions[0].reviewer) == (
        "confirmed", f"rev:{start}", f"Reviewer {start}")
    assert empty_store.get_cursor("devwiki", "recentchanges") == f"cursor-{start}"
    assert [i.name for i in empty_store.identities("devwiki")] == [f"User {start}"]
    assert [a.action for a in empty_store.audit(item_id=item_id)] == ["decide"]


def test_one_step_down_and_up_again_keeps_the_queue(store: Store):
    item_id = _write(store, "head")
    head = store.current_revision()
    store.downgrade("-1")
    assert store.current_revision() == chain()[-2]
    store.upgrade()
    assert store.current_revision() == head
    assert store.get_item(item_id).decisions[0].reviewer == "Reviewer head"


def _insert(store: Store, table: str, **given: object) -> None:
    """A row at whatever revision the database is at: the given values, and a plain value of
    its type for every other required column."""
    from sqlalchemy import Boolean, DateTime, Integer, MetaData, String, Table
    reflected = Table(table, MetaData(), autoload_with=store.engine)
    row = dict(given)
    for column in reflected.columns:
        if column.name in row or column.nullable or column.autoincrement is True:
            continue
        kind = column.type
        row[column.name] = (False if isinstance(kind, Boolean) else T0.replace(tzinfo=None)
                            if isinstance(kind, DateTime) else 1 if isinstance(kind, Integer)
                            else "x" if isinstance(kind, String) else "text")
    with store.engine.begin() as conn:
        conn.execute(reflected.insert().values(**row))


def _report_naming(store: Store, report_id: int, item_id: int) -> None:
    """Report R-<report_id>, linked to the item, at whatever revision the database is at."""
    _insert(store, "reports", id=report_id, reference=f"R-{report_id}", wiki="devwiki",
            diffs="7", problems="", purged_at=None)
    _insert(store, "report_items", report_id=report_id, item_id=item_id)


def test_rebuilt_tables_keep_the_rows_that_refer_to_them(empty_store: Store):
    """SQLite alters a column by rebuilding its table; with foreign keys on, dropping the old
    table deleted every row referring to it (ON DELETE CASCADE): 0009 lost the links of
    reports to their items. Migrations now run with foreign keys off, checked at the end."""
    empty_store.upgrade("0008_report_retention")
    item_id = _write(empty_store, "links")
    _report_naming(empty_store, 5, item_id)
    empty_store.upgrade()
    assert empty_store.reports.get("R-5").item_ids == (item_id,)
    assert empty_store.get_item(item_id).decisions[0].reviewer == "Reviewer links"


def test_widening_the_ban_ids_keeps_what_refers_to_queue_items(empty_store: Store):
    """0013 rebuilds queue_items on SQLite: its findings, decisions and reports stay."""
    empty_store.upgrade("0012_ban_coverage")
    item_id = _write(empty_store, "wide")
    _report_naming(empty_store, 6, item_id)
    empty_store.upgrade()
    item = empty_store.get_item(item_id)
    assert [f.kind.value for f in item.findings] == ["reply"]
    assert item.decisions[0].reviewer == "Reviewer wide"
    assert empty_store.reports.get("R-6").item_ids == (item_id,)


def test_rows_broken_before_the_upgrade_do_not_block_it(tmp_path, caplog):
    """A row written by hand with foreign keys off (the sqlite3 shell's default) that refers
    to nothing: the upgrade goes on and says so; only references the upgrade breaks undo it."""
    import sqlite3
    path = tmp_path / "old.sqlite3"
    store = Store(f"sqlite:///{path}")
    store.upgrade("0012_ban_coverage")
    item_id = _write(store, "orphan")
    with sqlite3.connect(path) as raw:  # foreign keys off, as in the sqlite3 shell
        raw.execute("INSERT INTO decisions (item_id, decision, reviewer, note, decided_at) "
                    "SELECT 999, decision, reviewer, note, decided_at FROM decisions LIMIT 1")
    store.upgrade()
    assert store.current_revision() == chain()[-1]
    assert "1 row(s) of table decisions refer to rows of queue_items" in caplog.text
    assert store.get_item(item_id).decisions[0].reviewer == "Reviewer orphan"
    store.close()
