"""Issue 17 class 5: temporary accounts (`temp: true`) and IP edits (`anon: true`) in recorded
API answers (MediaWiki 1.43+ rows, formatversion 2 and 1): normalized with their own flags,
never taken one for the other, and never matched to a banned account by guesswork."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.wiki.history import event_from_contrib
from bot.wiki.normalize import event_from_log, event_from_rc, revision_from_api
from detectors.bans import Ban, BanRegistry, Identity, Person
from detectors.model import UserRef

T = datetime(2026, 11, 1, tzinfo=UTC)
AT = datetime(2026, 11, 27, 18, tzinfo=UTC)

# recorded rows (list=recentchanges, list=logevents, prop=revisions, list=usercontribs) of a
# wiki with temporary accounts: their names vary in digit counts
RC_TEMP = {"type": "edit", "ns": 3, "title": "User talk:Bob", "pageid": 5, "revid": 10,
           "old_revid": 9, "rcid": 12, "user": "~2025-12345-67", "temp": True, "userid": 901,
           "oldlen": 10, "newlen": 20, "timestamp": "2026-11-27T17:15:42Z", "comment": "hi",
           "sha1": "abc", "tags": []}
RC_TEMP_SHORT = {**RC_TEMP, "rcid": 13, "revid": 11, "user": "~2026-1-1", "userid": 902}
RC_TEMP_LONG = {**RC_TEMP, "rcid": 14, "revid": 12, "user": "~2025-1234567-123", "userid": 903}
RC_ANON = {**RC_TEMP, "rcid": 15, "revid": 13, "user": "192.0.2.7", "userid": 0, "anon": True}
RC_ANON_V6 = {**RC_ANON, "rcid": 16, "revid": 14, "user": "2001:DB8:0:0:0:0:0:1"}
del RC_ANON["temp"], RC_ANON_V6["temp"]
RC_ACCOUNT = {**RC_TEMP, "rcid": 17, "revid": 15, "user": "Alice", "userid": 2}
del RC_ACCOUNT["temp"]
RC_TEMP_V1 = {**RC_TEMP, "rcid": 18, "temp": ""}  # formatversion 1 writes flags as ""
RC_ANON_V1 = {**RC_ANON, "rcid": 19, "anon": ""}
LOG_TEMP = {"logid": 8, "ns": 2, "title": "User:Bob", "pageid": 0, "logpage": 0,
            "params": {}, "type": "thanks", "action": "thank", "user": "~2025-12345-67",
            "temp": True, "userid": 901, "timestamp": "2026-11-27T17:17:00Z", "comment": ""}
REV_TEMP = {"revid": 10, "parentid": 9, "user": "~2025-12345-67", "temp": True, "userid": 901,
            "timestamp": "2026-11-27T17:15:42Z", "slots": {"main": {"content": "x"}}}
REV_ANON = {**{k: v for k, v in REV_TEMP.items() if k != "temp"}, "user": "192.0.2.7",
            "userid": 0, "anon": True}
CONTRIB_TEMP = {"userid": 901, "user": "~2025-12345-67", "temp": True, "pageid": 5,
                "revid": 10, "parentid": 9, "ns": 3, "title": "User talk:Bob",
                "timestamp": "2026-11-27T17:15:42Z", "comment": "", "size": 20, "sizediff": 10}


@pytest.mark.parametrize("row,expected", [
    (RC_TEMP, UserRef(901, "~2025-12345-67", temp=True)),
    (RC_TEMP_SHORT, UserRef(902, "~2026-1-1", temp=True)),
    (RC_TEMP_LONG, UserRef(903, "~2025-1234567-123", temp=True)),
    (RC_TEMP_V1, UserRef(901, "~2025-12345-67", temp=True)),
    (RC_ANON, UserRef(0, "192.0.2.7", anon=True)),
    (RC_ANON_V6, UserRef(0, "2001:DB8:0:0:0:0:0:1", anon=True)),
    (RC_ANON_V1, UserRef(0, "192.0.2.7", anon=True)),
    (RC_ACCOUNT, UserRef(2, "Alice")),
    ({**RC_TEMP, "temp": False}, UserRef(901, "~2025-12345-67")),  # the flag, not the name
])
def test_recent_changes_rows_keep_temp_and_anon_apart(row, expected):
    actor = event_from_rc("w", row).actor
    assert actor == expected
    assert not (actor.temp and actor.anon)


def test_log_revision_and_contribution_rows_carry_the_flags():
    assert event_from_log("w", LOG_TEMP).actor == UserRef(901, "~2025-12345-67", temp=True)
    assert revision_from_api(REV_TEMP).user == UserRef(901, "~2025-12345-67", temp=True)
    assert revision_from_api(REV_ANON).user == UserRef(0, "192.0.2.7", anon=True)
    assert event_from_contrib("w", CONTRIB_TEMP).actor.temp


def test_a_temporary_account_keeps_its_id_and_an_ip_has_none():
    temp, anon = event_from_rc("w", RC_TEMP).actor, event_from_rc("w", RC_ANON).actor
    assert temp.id == 901 and not temp.anon
    assert anon.id == 0 and not anon.temp


BAN = Ban("IB-1", ("Alice",), ("Bob",), T)
ALICE = Identity("w", "Alice", 2, "Alice")
BOB = Identity("w", "Bob", 3, "Bob")


@pytest.mark.parametrize("row", [RC_TEMP, RC_TEMP_SHORT, RC_TEMP_LONG, RC_TEMP_V1, RC_ANON,
                                 RC_ANON_V6, RC_ANON_V1])
@pytest.mark.parametrize("identities", [(ALICE, BOB), ()])  # resolved, and names only
def test_logged_out_edits_are_never_matched_to_the_banned_account(row, identities):
    registry = BanRegistry([BAN], ["w"], identities)
    actor = event_from_rc("w", row).actor
    assert not registry.is_watched("w", actor)
    assert registry.restrictions("w", actor, AT) == ()


def test_a_temporary_account_named_in_a_ban_is_matched_by_its_id():
    ban = Ban("IB-2", ("~2025-12345-67",), ("Bob",), T)
    resolved = BanRegistry([ban], ["w"], [Identity("w", "~2025-12345-67", 901,
                                                   "~2025-12345-67"), BOB])
    actor = event_from_rc("w", RC_TEMP).actor
    assert resolved.is_watched("w", actor)
    assert [r.ban.id for r in resolved.restrictions("w", actor, AT)] == ["IB-2"]
    # another temporary account (another id) is someone else, whatever its name looks like
    assert not resolved.is_watched("w", event_from_rc("w", RC_TEMP_SHORT).actor)
    assert not resolved.is_watched("w", UserRef(999, "~2025-12345-67", temp=True))


def test_an_ip_named_in_a_ban_matches_only_that_ip_and_never_a_temporary_account():
    ban = Ban("IB-3", ("192.0.2.7",), ("Bob",), T)
    registry = BanRegistry([ban], ["w"], [BOB])
    assert registry.is_watched("w", event_from_rc("w", RC_ANON).actor)
    assert not registry.is_watched("w", event_from_rc("w", RC_TEMP).actor)


def test_protected_side_temporary_accounts_are_not_the_protected_user():
    bob = Person(3, "Bob")
    assert not bob.is_user(UserRef(901, "~2025-12345-67", temp=True))
    assert not bob.is_user(UserRef(0, "192.0.2.7", anon=True))
    assert bob.is_user(UserRef(3, "Bob"))
