"""The fakes cannot drift: the same save, cursor and identity scenarios run on MemoryStore and on
the real Store (SQLite), and FakeGateway answers the pipeline's capability checks as told."""
from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.errors import NotFound, WikiError
from bot.pipeline.join import Batching, CombinedLookup, ContributorLookup, Gateway
from bot.storage import Store
from bot.storage.coverage import Covered
from bot.wiki.cursor import Position
from detectors.bans import Identity
from detectors.model import Kind, UserRef
from tests.core_helpers import at, edit
from tests.fakes import FakeGateway, MemoryStore, every_revision
from tests.storage_fixtures import T0, detection, later


@pytest.fixture(params=["memory", "sqlite"])
def any_store(request, tmp_path) -> Iterator[MemoryStore | Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    store = Store(f"sqlite:///{tmp_path / 'contract.sqlite3'}")
    store.upgrade()
    try:
        yield store
    finally:
        store.close()


def test_a_detection_is_queued_once(any_store):
    first = any_store.save_batch("devwiki", "recentchanges", "c1",
                                 [detection("rev:1"), detection("rev:2")], T0)
    again = any_store.save_batch("devwiki", "recentchanges", "c2",
                                 [detection("rev:2"), detection("rev:3"),
                                  detection("rev:2", ban_id="IB-OTHER")], later(1))
    assert len(first) == 2 and len(again) == 2 and not set(first) & set(again)
    assert [any_store.get_item(i).event_key for i in (*first, *again)] == \
        ["rev:1", "rev:2", "rev:3", "rev:2"]
    assert any_store.get_cursor("devwiki", "recentchanges") == "c2"


def test_a_new_item_holds_its_detection(any_store):
    (item_id,) = any_store.save_batch("devwiki", "recentchanges", None,
                                      [detection("rev:7", kinds=(Kind.REPLY, Kind.MENTION))],
                                      later(5))
    item = any_store.get_item(item_id)
    assert (item.wiki, item.ban_id, item.actor, item.actor_id, item.target, item.page) == \
        ("devwiki", "IB-2026-001", "Alice", 7, "Bob", "Talk:Foo")
    assert (item.revid, item.logid, item.status, item.source) == (7, 0, "new", "detector")
    assert (item.timestamp, item.detected_at) == (T0, later(5))
    assert [f.kind for f in item.findings] == [Kind.REPLY, Kind.MENTION]
    with pytest.raises(NotFound):
        any_store.get_item(item_id + 100)


def test_a_batch_without_a_cursor_leaves_the_cursor(any_store):
    any_store.set_cursor("devwiki", "recentchanges", "c1", T0)
    covered = Covered(frozenset({"IB-1"}), (at(9), 1), (at(10), 2))
    any_store.save_batch("devwiki", "recentchanges", None, [detection("rev:1")], T0, covered)
    assert any_store.get_cursor("devwiki", "recentchanges") == "c1"
    assert any_store.get_cursor("devwiki", "log:thanks") is None


def test_stream_batches_move_every_cursor_given(any_store):
    cursors = {("devwiki", "recentchanges"): "a", ("otherwiki", "log:thanks"): "b"}
    (item_id,) = any_store.save_batch_cursors(cursors, [detection("rev:1")], T0)
    assert any_store.save_batch_cursors({("devwiki", "recentchanges"): "c"},
                                        [detection("rev:1")], later(1)) == []
    assert [any_store.get_cursor(*key) for key in cursors] == ["c", "b"]
    assert any_store.get_item(item_id).event_key == "rev:1"


def test_an_identity_is_replaced_by_its_newer_resolution(any_store):
    any_store.save_identity(Identity("w2", "Alice", 2, "Alice"), T0)
    any_store.save_identity(Identity("w1", "Bob", 3, "Bob"), T0)
    any_store.save_identity(Identity("w1", "Alice", 2, "Alice"), T0)
    any_store.save_identity(Identity("w1", "Alice", 2, "Alicia"), later(1))
    assert [(i.wiki, i.name, i.current_name) for i in any_store.identities()] == \
        [("w1", "Alice", "Alicia"), ("w1", "Bob", "Bob"), ("w2", "Alice", "Alice")]
    assert [i.name for i in any_store.identities("w2")] == ["Alice"]


def test_memory_store_keeps_each_save_and_its_coverage_claims():
    store = MemoryStore()
    covered = Covered(frozenset({"IB-1"}), (at(9), 1), (at(10), 2))
    store.save_batch("devwiki", "recentchanges", "c1", [], T0, covered)
    store.save_batch("devwiki", "recentchanges", None, [], T0)
    assert [(dict(b.cursors), dict(b.covered)) for b in store.batches] == [
        ({("devwiki", "recentchanges"): "c1"}, {("devwiki", "recentchanges"): covered}), ({}, {})]
    store.fail = WikiError("x")
    with pytest.raises(WikiError):
        store.save_batch("devwiki", "recentchanges", "c2", [], T0)
    assert store.get_cursor("devwiki", "recentchanges") == "c1"


def test_fake_gateway_capabilities_are_what_it_is_given():
    plain, full = FakeGateway(), FakeGateway(capabilities=(
        "batch_size", "contributors", "revisions_with_contributors"))
    for protocol in (Batching, ContributorLookup, CombinedLookup):
        assert not isinstance(plain, protocol) and isinstance(full, protocol)
    with pytest.raises(ValueError):
        FakeGateway(capabilities=("telepathy",))


def test_fake_gateway_pages_prefilter_and_records_calls():
    rows = [edit("Alice", "Talk:A"), edit("Carol", "Talk:B")]
    gateway = FakeGateway(recent=[rows, rows], revisions=every_revision(),
                          fail={"page_creator": WikiError("down")})
    pages = list(gateway.recent_changes(Position(at(9)),
                                        keep=lambda actor, log_type: actor.name == "Alice"))
    assert [(len(p.events), p.dropped, p.position.last_id) for p in pages] == [(1, 1, 1), (1, 1, 2)]
    assert gateway.revisions([5], with_text=False)[5].text is None
    with pytest.raises(WikiError):
        gateway.page_creator("Talk:A")
    gateway.site_info()
    assert [c[0] for c in gateway.requests()] == ["recent_changes", "revisions", "page_creator"]
    assert gateway.called("revisions") == [("revisions", (5,), False)]
    assert UserRef(0, "x") not in gateway.users.values()


def _parameters(function) -> list[tuple[str, object]]:
    return [(p.name, p.default) for p in inspect.signature(function).parameters.values()]


@pytest.mark.parametrize("protocol", [Gateway, Batching, ContributorLookup, CombinedLookup])
def test_fake_gateway_methods_are_the_protocols_own(protocol):
    """Same parameters, same defaults as the Protocol declares (mypy checks the types)."""
    methods = [m for m in protocol.__dict__ if callable(protocol.__dict__[m])
               and not m.startswith("_")]
    assert methods
    for method in methods:
        assert _parameters(getattr(FakeGateway, method)) == \
            _parameters(getattr(protocol, method)), method


def test_memory_store_methods_are_the_real_stores():
    methods = [m for m in vars(MemoryStore) if not m.startswith("_") and callable(
        vars(MemoryStore)[m])]
    assert "save_batch_cursors" in methods
    for method in methods:
        assert _parameters(getattr(MemoryStore, method)) == \
            _parameters(getattr(Store, method)), method


def test_the_real_wiki_and_databases_are_tested_without_fakes():
    """Integration, wiki and storage tests run against the real MediaWiki and databases."""
    tests = Path(__file__).parents[2]
    users = [p for folder in ("integration", "wiki", "storage")
             for p in (tests / folder).rglob("*.py") if "tests.fakes" in p.read_text("utf-8")]
    assert users == []
