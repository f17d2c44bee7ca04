"""Diffs kept with their items (migration 0011_item_diffs) and items by revision, on SQLite,
PostgreSQL and MariaDB."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.storage import ItemDiffStore, KeptDiff, Store
from bot.storage.byrevision import items_by_revision
from tests.storage_fixtures import T0, detection

HOSTILE = '<tr><td class="diff-addedline"><script>alert(1)</script>ü</td></tr>' * 3000


def test_a_kept_diff_stays_as_fetched_and_the_first_one_wins(store: Store) -> None:
    (item,) = store.save_batch("w", "rc", "c", [detection("rev:7")], T0)
    diffs = ItemDiffStore(store.engine)
    assert diffs.get(item) is None
    diffs.keep(KeptDiff(item, 7, HOSTILE, "summary <b>", T0))
    diffs.keep(KeptDiff(item, 7, "<tr>another</tr>", "other", T0 + timedelta(hours=1)))
    assert diffs.get(item) == KeptDiff(item, 7, HOSTILE, "summary <b>", T0)


def test_the_purge_deletes_an_items_kept_diff(store: Store) -> None:
    old, kept = store.save_batch("w", "rc", "c", [detection("rev:1"), detection("rev:2")], T0)
    diffs = ItemDiffStore(store.engine)
    for item in (old, kept):
        diffs.keep(KeptDiff(item, item, "<tr></tr>", "", T0))
    store.decide(old, "confirmed", "Rev A", "", T0)
    now = T0 + timedelta(days=120)
    assert store.ops.purge_decided(now - timedelta(days=90), now).items == 1
    assert diffs.get(old) is None and diffs.get(kept) is not None
    diffs.keep(KeptDiff(old, old, "<tr>came after the purge</tr>", "", now))
    assert diffs.get(old) is None, "a diff read while its item was purged is not kept"


def test_items_by_revision(store: Store) -> None:
    found = [replace(detection(f"rev:{n}"), revid=n) for n in (5, 6)]
    other_ban = replace(detection("rev:5"), revid=5, ban_id="IB-2")
    other_wiki = replace(detection("rev:6", wiki="elsewhere"), revid=6)
    ids = store.save_batch("devwiki", "rc", "c", [*found, other_ban], T0)
    store.save_batch("elsewhere", "rc", "c", [other_wiki], T0)
    by_rev = items_by_revision(store.engine, "devwiki", [5, 6, 7, 0, *range(10, 1200)])
    assert by_rev == {5: (ids[0], ids[2]), 6: (ids[1],)}
    assert items_by_revision(store.engine, "devwiki", []) == {}
