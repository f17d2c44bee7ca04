"""The adapter's pure half: API rows -> events, positions; recorded API answers."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import StorageError
from bot.wiki.cursor import OVERLAP, Position
from bot.wiki.normalize import event_from_log, event_from_rc, revision_from_api, site_info_from_api
from detectors.model import EventType, UserRef

RC_EDIT = {"type": "edit", "ns": 3, "title": "User talk:Bob", "pageid": 5, "revid": 10,
           "old_revid": 9, "rcid": 12, "user": "Alice", "userid": 2, "oldlen": 10,
           "newlen": 20, "timestamp": "2026-11-27T17:15:42Z", "comment": "hi",
           "sha1": "abc", "tags": ["mw-undo"]}
RC_MOVE = {"type": "log", "ns": 2, "title": "User:Bob/a", "pageid": 0, "revid": 0,
           "old_revid": 0, "rcid": 13, "user": "Alice", "userid": 2,
           "timestamp": "2026-11-27T17:16:00Z", "comment": "", "logid": 4, "logtype": "move",
           "logaction": "move", "logparams": {"target_ns": 0, "target_title": "Foo"}}
LOG_THANKS = {"logid": 8, "ns": 2, "title": "User:Bob", "pageid": 0, "logpage": 0,
              "params": {}, "type": "thanks", "action": "thank", "user": "Alice",
              "userid": 2, "timestamp": "2026-11-27T17:17:00Z", "comment": ""}


def test_rc_edit():
    e = event_from_rc("w", RC_EDIT)
    assert (e.type, e.actor, e.revid, e.old_revid, e.key) == (
        EventType.EDIT, UserRef(2, "Alice"), 10, 9, "rev:10")
    assert e.tags == ("mw-undo",) and e.sha1 == "abc" and e.size == 20
    assert e.timestamp == datetime(2026, 11, 27, 17, 15, 42, tzinfo=UTC)


def test_rc_log_move_and_thanks_log():
    m = event_from_rc("w", RC_MOVE)
    assert (m.type, m.log_type, m.params["target_title"], m.key) == (
        EventType.LOG, "move", "Foo", "log:4")
    t = event_from_log("w", LOG_THANKS)
    assert (t.log_type, t.log_action, t.target, t.key) == (
        "thanks", "thank", UserRef(0, "Bob"), "log:8")


def test_hidden_fields_are_empty_not_errors():
    row = {**RC_EDIT, "userhidden": True, "commenthidden": True, "sha1hidden": True}
    del row["user"], row["userid"], row["comment"], row["sha1"]
    e = event_from_rc("w", row)
    assert e.actor == UserRef(0, "") and e.comment == "" and e.sha1 == ""


@pytest.mark.parametrize("broken", [
    {k: v for k, v in RC_EDIT.items() if k != "timestamp"},
    {k: v for k, v in RC_EDIT.items() if k != "rcid"},
    {**RC_EDIT, "type": "categorize"},
    {**RC_EDIT, "timestamp": "yesterday"},
    {**RC_EDIT, "ns": "three"},
    {**RC_EDIT, "tags": 5},
    {**RC_EDIT, "revid": None, "timestamp": None},
])
def test_rows_missing_what_identifies_them_give_none(broken):
    assert event_from_rc("w", broken) is None


def test_log_rows_and_revisions_with_missing_fields_give_none():
    assert event_from_log("w", {k: v for k, v in LOG_THANKS.items() if k != "logid"}) is None
    assert event_from_log("w", ["not", "a", "row"]) is None
    assert revision_from_api({"revid": 3}) is None


def test_revision_with_hidden_text():
    rev = revision_from_api({"revid": 3, "parentid": 2, "user": "A", "userid": 1,
                             "timestamp": "2026-11-27T17:15:42Z",
                             "slots": {"main": {"texthidden": True}}})
    assert rev.text is None and rev.parentid == 2


def test_site_info_from_siteinfo_answer():
    query = {"namespaces": {"2": {"id": 2, "canonical": "User", "name": "Benutzer"},
                            "4": {"id": 4, "canonical": "Project", "name": "Wikipedia"}},
             "namespacealiases": [{"id": 2, "alias": "Benutzerin"}],
             "specialpagealiases": [{"realname": "Contributions",
                                     "aliases": ["Beiträge", "Contributions"]}]}
    site = site_info_from_api(query, ("ping", "antwort"))
    assert site.split_title("Benutzerin:Bob/x") == (2, "Bob/x")
    assert site.normalize_title("Wikipedia:Foo") == "Project:Foo"
    assert site.special_aliases["Contributions"] == ("Beiträge", "Contributions")
    assert site.ping_templates == ("ping", "antwort")


def test_position_round_trip_and_overlap():
    p = Position(datetime(2026, 11, 27, 17, 0, tzinfo=UTC), 41)
    assert Position.parse(p.format()) == p
    assert p.read_from() == p.timestamp - OVERLAP
    assert p.is_after(p.timestamp - OVERLAP, 42)  # a row committed late is still new
    assert not p.is_after(p.timestamp, 41)
    fresh = Position(p.timestamp)
    assert fresh.is_after(p.timestamp, 1) and fresh.read_from() == p.timestamp
    with pytest.raises(StorageError):
        Position.parse("garbage")
