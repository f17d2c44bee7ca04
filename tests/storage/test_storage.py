"""The storage suite: the same tests on SQLite, PostgreSQL and MariaDB (see storage_fixtures)."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect
from sqlalchemy.exc import OperationalError

import bot.storage.cursors
import bot.storage.queue
from bot.errors import NotFound, StorageError, UsageError
from bot.storage import Store
from bot.storage.schema import metadata
from detectors.bans import Identity
from detectors.model import Kind
from tests.storage_fixtures import T0, detection, later

pytestmark = pytest.mark.db
TABLES = {"queue_items", "findings", "decisions", "audit_log", "cursors", "identities",
          "settings", "reviewers", "login_attempts", "web_sessions"}
TABLES |= {"leases", "poll_health"}  # migration 0003_ops
TABLES |= {"backfill_state", "staff_warnings"}  # migration 0005_backfill
TABLES |= {"reports", "report_items"}  # migration 0002_reports
TABLES |= {"reviewer_wiki_accounts", "oauth_requests"}  # migration 0006_oauth
TABLES |= {"report_pages", "report_versions"}  # migration 0009_report_intake
TABLES |= {"ban_coverage", "coverage_runs", "coverage_run_bans"}  # migration 0012_ban_coverage
TABLES |= {"item_diffs"}  # migration 0011_item_diffs


def _diff(store: Store, target: MetaData) -> list:
    def include(obj, name, type_, reflected, compare_to):
        return not (type_ == "table" and name == "alembic_version")
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_object": include})
        return compare_metadata(ctx, target)


def _tables(store: Store) -> set[str]:
    return set(inspect(store.engine).get_table_names()) - {"alembic_version"}


# -- migrations ---------------------------------------------------------------------------------
def test_empty_database_is_not_at_head(empty_store: Store) -> None:
    assert empty_store.current_revision() is None
    expected = r"^database is at revision none; run `ibanbot db upgrade`$"
    with pytest.raises(StorageError, match=expected):
        empty_store.check_schema()
    empty_store.upgrade()
    assert empty_store.current_revision() == Store.head_revision() is not None
    empty_store.check_schema()


def test_migration_creates_exactly_the_models(empty_store: Store) -> None:
    empty_store.upgrade()
    assert _tables(empty_store) == TABLES
    assert _diff(empty_store, metadata) == []
    changed = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["settings"].append_column(Column("extra", Integer))
    assert _diff(empty_store, changed), "compare_metadata should notice a missing column"


def test_downgrade_one_step_then_upgrade(store: Store) -> None:
    store.save_batch("devwiki", "rc", "c1", [detection()], T0)
    store.downgrade("base")
    assert store.current_revision() is None
    assert _tables(store) == set()
    with pytest.raises(StorageError, match="run `ibanbot db upgrade`"):
        store.check_schema()
    store.upgrade()
    store.check_schema()
    assert store.list_items() == [] and store.get_cursor("devwiki", "rc") is None
    assert len(store.save_batch("devwiki", "rc", "c1", [detection()], T0)) == 1


# -- save_batch and cursors -----------------------------------------------------------------------
def test_save_batch_stores_items_and_moves_cursor(store: Store) -> None:
    assert store.get_cursor("devwiki", "rc") is None
    ids = store.save_batch("devwiki", "rc", "2026-11-27T17:15:42Z|99",
                           [detection("rev:1"), detection("log:5", kinds=(Kind.THANKS,))], later(1))
    assert len(ids) == 2 and len(set(ids)) == 2
    assert store.get_cursor("devwiki", "rc") == "2026-11-27T17:15:42Z|99"
    assert store.get_cursor("devwiki", "log/thanks") is None
    assert store.get_cursor("otherwiki", "rc") is None
    assert {i.id for i in store.list_items()} == set(ids)


def test_same_batch_twice_is_one_item(store: Store) -> None:
    batch = [detection("rev:1", kinds=(Kind.REPLY, Kind.MENTION)), detection("rev:2")]
    first = store.save_batch("devwiki", "rc", "c1", batch, T0)
    second = store.save_batch("devwiki", "rc", "c2", batch, later(5))
    assert len(first) == 2 and second == []
    items = store.list_items()
    assert sorted(i.id for i in items) == sorted(first)
    assert [len(i.findings) for i in items if i.event_key == "rev:1"] == [2]
    assert all(i.detected_at == T0 for i in items), "an existing item is left as it is"
    assert store.get_cursor("devwiki", "rc") == "c2"


def test_duplicates_within_a_batch_and_across_bans(store: Store) -> None:
    batch = [detection("rev:1"), detection("rev:1"), detection("rev:1", ban_id="IB-2026-002"),
             detection("rev:1", wiki="otherwiki")]
    assert len(store.save_batch("devwiki", "rc", None, batch, T0)) == 3


def test_no_cursor_leaves_cursor_alone(store: Store) -> None:
    store.save_batch("devwiki", "rc", "c1", [], T0)
    store.save_batch("devwiki", "rc", None, [detection()], T0)
    assert store.get_cursor("devwiki", "rc") == "c1"
    assert len(store.list_items()) == 1


def test_constraint_violation_stores_nothing(store: Store) -> None:
    store.save_batch("devwiki", "rc", "c1", [detection("rev:1")], T0)
    bad = [detection("rev:2"), detection("rev:3", page=None), detection("rev:4")]
    with pytest.raises(StorageError) as info:
        store.save_batch("devwiki", "rc", "c2", bad, later(1))
    assert "\n" not in str(info.value) and "devwiki/rc" in str(info.value)
    assert [i.event_key for i in store.list_items()] == ["rev:1"]
    assert store.get_cursor("devwiki", "rc") == "c1"


def test_failure_while_moving_cursor_stores_no_items(store: Store,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    store.save_batch("devwiki", "rc", "c1", [], T0)

    def boom(*args: object) -> None:
        raise OperationalError("UPDATE cursors ...", {}, Exception("disk I/O error"))
    monkeypatch.setattr(bot.storage.cursors, "set_cursor", boom)
    with pytest.raises(StorageError, match="disk I/O error"):
        store.save_batch("devwiki", "rc", "c2", [detection("rev:2"), detection("rev:3")], T0)
    monkeypatch.undo()
    assert store.list_items() == [] and store.count_by_status()["new"] == 0
    assert store.get_cursor("devwiki", "rc") == "c1"


def test_concurrent_duplicate_is_skipped_on_a_savepoint(store: Store,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer queued rev:1 between our select and insert: the unique key catches it."""
    store.save_batch("devwiki", "rc", "c1", [detection("rev:1")], T0)
    real = bot.storage.queue.find_item_id
    calls: list[str] = []

    def blind_once(conn, wiki, event_key, ban_id):
        calls.append(event_key)
        return None if calls.count(event_key) == 1 else real(conn, wiki, event_key, ban_id)
    monkeypatch.setattr(bot.storage.queue, "find_item_id", blind_once)
    new = store.save_batch("devwiki", "rc", "c2", [detection("rev:1"), detection("rev:2")], T0)
    monkeypatch.undo()
    assert [store.get_item(i).event_key for i in new] == ["rev:2"]
    assert sorted(i.event_key for i in store.list_items()) == ["rev:1", "rev:2"]
    assert store.get_cursor("devwiki", "rc") == "c2"


def test_unknown_source_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="source"):
        store.save_batch("devwiki", "rc", "c1", [detection(source="rumour")], T0)
    assert store.get_cursor("devwiki", "rc") is None


# -- queue ----------------------------------------------------------------------------------------
def _fill(store: Store) -> dict[str, int]:
    batch = [
        detection("rev:1", when=later(1)),
        detection("rev:2", when=later(3), kinds=(Kind.MENTION,)),
        detection("log:3", when=later(2), ban_id="IB-2026-002", kinds=(Kind.THANKS,)),
        detection("rev:4", when=later(3), wiki="otherwiki", kinds=(Kind.REPLY, Kind.MENTION)),
        detection("rev:5", when=later(0), source="report", kinds=()),
    ]
    ids = store.save_batch("devwiki", "rc", "c", batch, later(10))
    return {d.event_key: i for d, i in zip(batch, ids)}


def test_list_newest_first_and_filters(store: Store) -> None:
    ids = _fill(store)
    keys = lambda items: [i.event_key for i in items]  # noqa: E731
    assert keys(store.list_items()) == ["rev:4", "rev:2", "log:3", "rev:1", "rev:5"]
    assert keys(store.list_items(ban_id="IB-2026-002")) == ["log:3"]
    assert keys(store.list_items(wiki="otherwiki")) == ["rev:4"]
    assert keys(store.list_items(kind=Kind.MENTION)) == ["rev:4", "rev:2"]
    assert keys(store.list_items(kind="thanks")) == ["log:3"]
    assert keys(store.list_items(source="report")) == ["rev:5"]
    assert keys(store.list_items(limit=2, offset=1)) == ["rev:2", "log:3"]
    store.decide(ids["rev:1"], "confirmed", "Staffer", "", later(20))
    assert keys(store.list_items(status="confirmed")) == ["rev:1"]
    assert keys(store.list_items(status="new", wiki="devwiki", kind="reply")) == []
    assert store.count_by_status() == {"new": 4, "confirmed": 1, "dismissed": 0,
                                       "needs-info": 0}


def test_decide_records_decision_and_audit(store: Store) -> None:
    ids = _fill(store)
    item = store.decide(ids["rev:2"], "needs-info", "  Staffer  ", "ask the reporter", later(20))
    assert item.status == "needs-info"
    item = store.decide(ids["rev:2"], "dismissed", "Other", "", later(30))
    assert item == store.get_item(ids["rev:2"])
    assert [(d.decision, d.reviewer, d.note, d.at) for d in item.decisions] == [
        ("needs-info", "Staffer", "ask the reporter", later(20)),
        ("dismissed", "Other", "", later(30))]
    log = store.audit()
    assert [(e.actor, e.action, e.item_id, e.at) for e in log] == [
        ("Other", "decide", ids["rev:2"], later(30)),
        ("Staffer", "decide", ids["rev:2"], later(20))]
    assert log[0].detail == "status needs-info -> dismissed"


@pytest.mark.parametrize("decision, reviewer", [("approved", "Staffer"), ("new", "Staffer"),
                                                ("confirmed", ""), ("confirmed", "  ")])
def test_decide_refuses_bad_input(store: Store, decision: str, reviewer: str) -> None:
    item_id = store.save_batch("devwiki", "rc", None, [detection()], T0)[0]
    with pytest.raises(UsageError):
        store.decide(item_id, decision, reviewer, "", T0)
    assert store.get_item(item_id).status == "new" and store.audit() == []


def test_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="^queue item 17 does not exist$"):
        store.get_item(17)
    with pytest.raises(NotFound, match="^queue item 17 does not exist$"):
        store.decide(17, "confirmed", "Staffer", "", T0)
    assert store.audit() == []


def test_json_shape_is_design_md(store: Store) -> None:
    d = detection("rev:1234", when=T0, kinds=())
    d = type(d)(**{**d.__dict__, "findings": (
        type(detection().findings[0])(Kind.REPLY, 0.9, "replied to Bob's comment of ...", "Bob"),)})
    item_id = store.save_batch("devwiki", "rc", None, [d], T0 + timedelta(seconds=2.25))[0]
    doc = store.get_item(item_id).to_json()
    assert json.loads(json.dumps(doc)) == {
        "id": item_id, "wiki": "devwiki", "ban_id": "IB-2026-001", "actor": "Alice",
        "target": "Bob", "page": "Talk:Foo", "revid": 1234, "logid": None,
        "timestamp": "2026-11-27T17:15:42Z", "detected_at": "2026-11-27T17:15:44Z",
        "status": "new", "source": "detector",
        "findings": [{"kind": "reply", "confidence": 0.9,
                      "evidence": "replied to Bob's comment of ..."}],
        "decisions": [], "exception": None}
    design_keys = ["id", "wiki", "ban_id", "actor", "target", "page", "revid", "logid",
                   "timestamp", "detected_at", "status", "source", "findings"]
    assert list(doc)[:len(design_keys)] == design_keys
    log_id = store.save_batch("devwiki", "log", None, [detection("log:8")], T0)[0]
    assert store.get_item(log_id).to_json()["revid"] is None
    assert store.get_item(log_id).to_json()["logid"] == 8


def test_datetimes_come_back_aware_utc(store: Store) -> None:
    cet = timezone(timedelta(hours=1))
    when = datetime(2026, 11, 27, 18, 15, 42, 123456, tzinfo=cet)
    item_id = store.save_batch("devwiki", "rc", None, [detection(when=when)], T0)[0]
    item = store.get_item(item_id)
    assert item.timestamp == when and item.timestamp.tzinfo == UTC
    assert item.timestamp.microsecond == 123456 and item.to_json()["timestamp"].endswith("42Z")


def test_unicode_round_trip(store: Store) -> None:
    names = {"actor": "Ünïcødé", "target": "مستخدم_عربي", "page": "Talk:Émoji 😀 ✓ 漢字"}
    item_id = store.save_batch("devwiki", "rc", "cürsor 😀", [detection(**names)], T0)[0]
    item = store.get_item(item_id)
    assert (item.actor, item.target, item.page) == tuple(names.values())
    assert item.findings[0].evidence == "reply evidence about مستخدم_عربي"
    assert store.get_cursor("devwiki", "rc") == "cürsor 😀"
    item = store.decide(item_id, "confirmed", "Révïewer 😀", "nöte ✓", T0)
    assert (item.decisions[0].reviewer, item.decisions[0].note) == ("Révïewer 😀", "nöte ✓")
    assert store.list_items(ban_id="IB-2026-001")[0].actor == "Ünïcødé"
    store.set_setting("greeting 😀", "مرحبا")
    assert store.get_setting("greeting 😀") == "مرحبا"


def test_identities_save_and_rename(store: Store) -> None:
    store.save_identity(Identity("devwiki", "Ünïcødé", 3, "Ünïcødé"), T0)
    store.save_identity(Identity("devwiki", "Unicode", 4, "Unicode"), T0)
    store.save_identity(Identity("devwiki", "bob", 5, "Bob"), T0)
    store.save_identity(Identity("devwiki", "Bob", 5, "Bob"), T0)
    store.save_identity(Identity("otherwiki", "Bob", 99, "Bob"), T0)
    assert len(store.identities()) == 5, "names compare exactly (case and accents)"
    store.save_identity(Identity("devwiki", "Bob", 5, "Robert 😀"), later(1))
    assert store.identities("devwiki") == [
        Identity("devwiki", "Bob", 5, "Robert 😀"), Identity("devwiki", "Unicode", 4, "Unicode"),
        Identity("devwiki", "bob", 5, "Bob"), Identity("devwiki", "Ünïcødé", 3, "Ünïcødé")]
    assert store.identities("otherwiki") == [Identity("otherwiki", "Bob", 99, "Bob")]
    assert store.identities("nowiki") == []


def test_settings(store: Store) -> None:
    assert store.get_setting("ui.theme") is None
    assert store.get_setting("ui.theme", "light") == "light"
    store.set_setting("ui.theme", "dark")
    store.set_setting("ui.theme", "dark high contrast")
    store.set_setting("Key", "upper")
    store.set_setting("key", "lower")
    assert store.get_setting("ui.theme") == "dark high contrast"
    assert (store.get_setting("Key"), store.get_setting("key")) == ("upper", "lower")
    store.set_setting("long", "x" * 100_000)
    assert store.get_setting("long") == "x" * 100_000


def test_audit_log(store: Store) -> None:
    first = store.record_audit("ibanbot", "poll", None, "devwiki rc: 3 events", T0)
    store.record_audit("Staffer", "export", 17, "", later(1))
    assert first.id and first.at == T0 and first.item_id is None
    log = store.audit()
    assert [(e.action, e.item_id) for e in log] == [("export", 17), ("poll", None)]
    assert store.audit(limit=1)[0].action == "export"
    assert [e.action for e in store.audit(item_id=17)] == ["export"]
    assert log[1].to_json() == {"id": first.id, "at": "2026-11-27T17:15:42Z", "actor": "ibanbot",
                                "action": "poll", "item_id": None,
                                "detail": "devwiki rc: 3 events"}


# -- errors (no database needed) ------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "postgresql+psycopg://ibanbot:s3cr3t-pw@127.0.0.1:1/nowhere",
    "mysql+pymysql://ibanbot:s3cr3t-pw@127.0.0.1:1/nowhere",
    "sqlite:////nonexistent-dir/sub/ibanbot.sqlite3",
])
def test_unreachable_database_is_a_one_line_error_without_password(url: str) -> None:
    if url.startswith("sqlite"):  # a folder that does not exist: said at once, exit 2
        with pytest.raises(StorageError) as early:
            Store(url)
        assert "\n" not in str(early.value) and "does not exist" in str(early.value)
        assert early.value.exit_code == 2
        return
    store = Store(url)
    for call in (store.current_revision, store.upgrade, lambda: store.get_cursor("w", "rc")):
        with pytest.raises(StorageError) as info:
            call()
        message = str(info.value)
        assert "\n" not in message and "s3cr3t" not in message
        assert "127.0.0.1" in message or "sqlite" in message
    assert "s3cr3t" not in repr(store)
    store.close()


def test_invalid_url_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="invalid database URL"):
        Store("not a url")


def test_over_long_strings_fail_the_batch_alike_everywhere(store: Store) -> None:
    store.save_batch("devwiki", "rc", "c1", [detection("rev:1")], T0)
    bad = [detection("rev:2"), detection("rev:3", ban_id="IB-" + "9" * 98)]
    with pytest.raises(StorageError, match="detection rev:3: ban_id is longer than 100 characters"):
        store.save_batch("devwiki", "rc", "c2", bad, T0)
    assert [i.event_key for i in store.list_items()] == ["rev:1"]
    assert store.get_cursor("devwiki", "rc") == "c1"
    with pytest.raises(StorageError, match="name is longer than 191"):
        store.save_identity(Identity("devwiki", "N" * 192, 1, "N"), T0)
    with pytest.raises(StorageError, match="stream is longer than 64"):
        store.save_batch("devwiki", "s" * 65, "c", [], T0)
