"""ReportStore on SQLite, PostgreSQL and MariaDB: reports, links to items, no duplicates."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.errors import NotFound, StorageError
from bot.storage import NewReport, ReportStore, Store, Version
from tests.storage_fixtures import T0, detection, later

pytestmark = pytest.mark.db


def new(reference: str, fingerprint: str, **kw) -> NewReport:
    values = dict(reference=reference, wiki="devwiki", fingerprint=fingerprint, origin="wiki",
                  page="Project:Reports", section="Ünïcødé heading", added_revid=10,
                  reporter="Rita", reporter_id=5, text="see [[Special:Diff/1234]]",
                  diffs=(1234,), outcome="queued", problems=(), received_at=T0)
    values.update(kw)
    return NewReport(**values)


def test_reports_attach_update_and_count(store: Store) -> None:
    reports = ReportStore(store.engine)
    (detected,) = store.save_batch("devwiki", "recentchanges", None, [detection()], T0)
    first = reports.save(new("R-01", "f1"), [detection(source="report")], later(1))
    assert first.item_ids == (detected,)  # attached to the queued item, no second item
    assert len(store.list_items()) == 1 and store.get_item(detected).source == "detector"
    no_ban = detection("rev:99", ban_id="", target="", kinds=(), source="report")
    second = reports.save(new("R-02", "f2", reporter="Rosa", reporter_id=6),
                          [detection(source="report"), no_ban], later(2))
    assert len(second.item_ids) == 2 and len(store.list_items()) == 2
    item = store.get_item(second.item_ids[1])
    assert item.to_json()["ban_id"] is None and "no registered ban" in item.to_json()["note"]
    assert [r.reporter for r in reports.for_item(detected)] == ["Rita", "Rosa"]
    updated = reports.save(new("R-new", "f1", text="more text", received_at=later(9)), [],
                           later(3))
    assert (updated.reference, updated.received_at, updated.text) == ("R-01", T0, "more text")
    assert updated.item_ids == (detected,)
    rejected = reports.save(new("R-03", "f3", outcome="rejected", problems=("a", "b"),
                                diffs=()), [], later(4))
    assert rejected.problems == ("a", "b") and rejected.item_ids == ()
    assert reports.count_since("devwiki", "Rita", T0) == 2
    assert reports.count_since("devwiki", "Rita", T0, excluding="f3") == 1
    assert reports.count_since("devwiki", "Rita", later(1)) == 0
    # by user id when known: Rita renamed to "Rita N." still has her count; Rosa (id 6) not
    rita_id = reports.get("R-01").reporter_id
    assert reports.count_since("devwiki", "Rita N.", T0, reporter_id=rita_id) == 2
    assert reports.count_since("devwiki", "Rita", T0, reporter_id=6) == 1
    reports.mark_acknowledged(["R-01", "R-03"], later(5))
    assert [r.reference for r in reports.list(outcome="rejected")] == ["R-03"]
    assert reports.get("R-01").acknowledged_at == later(5)
    assert reports.get("R-02").acknowledged_at is None
    with pytest.raises(NotFound):
        reports.get("R-none")


def test_bad_report_changes_nothing(store: Store) -> None:
    reports = ReportStore(store.engine)
    with pytest.raises(StorageError, match="report R-x: reporter is longer than 255"):
        reports.save(new("R-x", "f", reporter="x" * 256), [detection(source="report")], T0)
    assert store.list_items() == [] and reports.list() == []
    # security issue, finding 6: MediaWiki allows 255-character names (191 failed intake)
    longest = reports.save(new("R-long", "fl", reporter="é" * 255), [], T0)
    assert reports.get(longest.reference).reporter == "é" * 255
    assert [v.editor for v in reports.versions("R-long")] == ["é" * 255]
    big = reports.save(replace(new("R-big", "g"), text="é" * 200_000), [], T0)
    assert reports.versions("R-big")[0].text == "é" * 200_000
    assert len(reports.get(big.reference).text) == 200_000


def test_retention_forgets_reports_no_item_holds_and_never_takes_them_in_again(store: Store
                                                                             ) -> None:
    reports = ReportStore(store.engine)
    held = reports.save(new("R-held", "f1"), [detection(source="report")], T0)
    decided = reports.save(new("R-decided", "f2", reporter="Rosa", reporter_id=6),
                           [detection("rev:2", source="report")], T0)
    reports.save(new("R-rejected", "f3", outcome="rejected", problems=("no usable diff",),
                     diffs=()), [], T0)
    reports.save(new("R-recent", "f4", outcome="rejected", received_at=later(60 * 24 * 100)),
                 [], later(60 * 24 * 100))
    store.decide(decided.item_ids[0], "dismissed", "Rev A", "", T0)
    now = later(60 * 24 * 100)
    cutoff = now - timedelta(days=90)
    assert store.ops.purge_decided(cutoff, now).items == 1  # R-decided's item goes
    assert reports.purge(cutoff, now, "ibanbot") == 2  # R-decided and R-rejected
    for reference in ("R-decided", "R-rejected"):
        gone = reports.get(reference)
        assert gone.purged_at == now and gone.item_ids == ()
        assert (gone.text, gone.section, gone.reporter, gone.reporter_id, gone.diffs,
                gone.problems) == ("", "", "", 0, (), ())
        assert gone.fingerprint and gone.outcome  # kept: the same report is not taken again
    assert reports.get("R-held").text == held.text and reports.get("R-held").purged_at is None
    assert reports.get("R-recent").purged_at is None  # not old enough
    audit = [e.detail for e in store.audit(limit=None) if e.action == "purge"]
    assert "retention purge: report R-rejected (wiki devwiki, rejected); its text and " \
           "reporter deleted" in audit
    assert not any("Rosa" in d or "Rita" in d for d in audit)
    assert reports.purge(cutoff, now, "ibanbot") == 0  # once
    assert reports.count_since("devwiki", "Rosa", T0, reporter_id=6) == 0


def test_versions_intake_start_and_limits_counting_edits_of_others(store: Store) -> None:
    """A stored report's text is never lost: every version is kept with who wrote it; an edit
    by someone else counts against that editor's daily limit."""
    reports = ReportStore(store.engine)
    first = reports.save(new("R-v", "fv", reporter="Rita", reporter_id=5), [], T0)
    assert first.latest == first.text
    reports.save(replace(new("R-v", "fv", reporter="Rita", reporter_id=5), text="second",
                         seen_revid=77, seen_at=later(1)), [], later(1))
    reports.add_version("R-v", Version(78, "Mallory", 9, True, "forged", later(2)))
    versions = reports.versions("R-v")
    assert [(v.revid, v.editor, v.by_other, v.text) for v in versions] == [
        (first.added_revid, "Rita", False, first.text), (77, "Rita", False, "second"),
        (78, "Mallory", True, "forged")]
    got = reports.get("R-v")
    assert (got.text, got.reporter, got.latest) == ("second", "Rita", "forged")
    assert reports.find_many(got.wiki, ["fv", "nope"])["fv"].reference == "R-v"
    assert reports.count_since(got.wiki, "Mallory", T0, reporter_id=9) == 1
    assert reports.count_since(got.wiki, "Rita", T0, reporter_id=5) == 1
    assert reports.intake_began("devwiki", "P", 10, T0) == 10
    assert reports.intake_began("devwiki", "P", 99, later(1)) == 10
    assert reports.intake_began("devwiki", "Other page", 99, later(1)) == 99
    assert reports.last_acknowledged(got.wiki) is None
    reports.mark_acknowledged(["R-v"], later(3))
    assert reports.last_acknowledged(got.wiki) == later(3)
    assert reports.by_references(got.wiki, ["R-v"])["R-v"].id == got.id
