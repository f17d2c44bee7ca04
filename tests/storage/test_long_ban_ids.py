"""A ban id as long as the bans file allows (bot.config.bansfile.MAX_BAN_ID) fits every column
that holds one, on SQLite, PostgreSQL and MariaDB: the bans file accepted it, so its breaches,
coverage, backfill state and warnings must be kept (they were refused beyond 64 characters)."""
from __future__ import annotations

import pytest

from bot.config.bansfile import MAX_BAN_ID, load_bans
from bot.errors import StorageError
from bot.storage import Ledger, Store
from bot.storage.coverage import Covered
from tests.storage_fixtures import T0, detection

pytestmark = pytest.mark.db
LONG = "IB-" + "x" * (MAX_BAN_ID - 3)


def test_the_bans_file_takes_a_ban_id_this_long(tmp_path) -> None:
    bans = tmp_path / "bans.toml"
    bans.write_text(f'[[ban]]\nid = "{LONG}"\nbanned = ["Alice"]\nprotected = ["Bob"]\n'
                    'start = 2026-11-01T00:00:00Z\nwikis = ["*"]\n', encoding="utf-8")
    assert [b.id for b in load_bans(bans, ["devwiki"])] == [LONG]


def test_a_long_ban_id_keeps_its_items_coverage_state_and_warnings(store: Store) -> None:
    covered = Covered(frozenset({LONG}), (T0, 1), (T0, 9))
    (item,) = store.save_batch("devwiki", "recentchanges", "c1", [detection(ban_id=LONG)], T0,
                               covered=covered)
    assert store.get_item(item).ban_id == LONG
    assert LONG in {ban for ban, _ in store.coverage("devwiki")}
    store.save_batch("devwiki", f"backfill:{LONG}", None,
                     [detection("rev:99", ban_id=LONG)], T0)
    ledger = Ledger(store)
    ledger.save_state("devwiki", LONG, "contribs:7", "fp", "p", False, T0)
    warning = ledger.add_warning("devwiki", "gap", "a gap", T0, ban_id=LONG)
    assert [w.id for w in ledger.warnings()] == [warning]


def test_one_character_more_is_still_refused_the_same_way_everywhere(store: Store) -> None:
    with pytest.raises(StorageError, match=f"ban_id is longer than {MAX_BAN_ID}"):
        store.save_batch("devwiki", "recentchanges", "c", [detection(ban_id=LONG + "y")], T0)
    assert store.list_items() == []
