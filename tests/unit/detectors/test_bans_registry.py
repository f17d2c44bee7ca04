"""Ban semantics: directions, accounts, time, wiki scope, exemptions, identities."""
from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import timedelta

import pytest

from detectors.bans import Ban, BanRegistry
from detectors.model import Namespace, SiteInfo, UserRef
from tests.core_helpers import T0, WIKI, at, ban, registry, user

CASES = [
    # (ban kwargs, actor, when, expected protected names or None)
    ({}, "Alice", at(10), ["Bob"]),
    ({}, "Bob", at(10), ["Alice"]),  # two-way by default
    ({"two_way": False}, "Bob", at(10), None),  # protected side of a one-way ban
    ({"two_way": False}, "Alice", at(10), ["Bob"]),
    ({"expires": at(5)}, "Alice", at(10), None),  # expired
    ({"expires": at(10)}, "Alice", at(10), None),  # expiry is exclusive
    ({"start": at(20)}, "Alice", at(10), None),  # not yet started
    ({"start": at(10)}, "Alice", at(10), ["Bob"]),  # start is inclusive
    ({}, "Carol", at(10), None),  # outside every ban
    ({"banned": ("Alice", "Carol")}, "Carol", at(10), ["Bob"]),  # several accounts per side
    ({"protected": ("Bob", "Dave")}, "Alice", at(10), ["Bob", "Dave"]),
    ({"wikis": ("otherwiki",)}, "Alice", at(10), None),  # other wiki only
    ({"wikis": ("*",)}, "Alice", at(10), ["Bob"]),
]


@pytest.mark.parametrize("kw,actor,when,expected", CASES)
def test_restrictions(kw, actor, when, expected):
    reg = registry(ban(**kw), wikis=(WIKI, "otherwiki"))
    found = reg.restrictions(WIKI, user(actor), when)
    if expected is None:
        assert found == ()
    else:
        assert [p.name for r in found for p in r.protected] == expected


def test_prefilter_ignores_time_but_not_wiki():
    reg = registry(ban(start=at(20)), wikis=(WIKI, "otherwiki"))
    assert reg.is_watched(WIKI, user("Alice"))
    assert not reg.is_watched(WIKI, user("Carol"))
    assert not reg.is_watched("unknownwiki", user("Alice"))


def test_match_is_by_user_id_after_a_rename():
    reg = registry(ban(), renamed={"Alice": "Alicia"})
    assert reg.restrictions(WIKI, UserRef(2, "Alicia"), at(10))
    # a new account that took the old name is not the banned person
    assert not reg.restrictions(WIKI, UserRef(99, "Alice"), at(10))


def test_renamed_protected_user_keeps_both_names():
    reg = registry(ban(), renamed={"Bob": "Robert"})
    (r,) = reg.restrictions(WIKI, user("Alice"), at(10))
    assert r.protected[0].name == "Robert"
    assert r.protected[0].names == ("Robert", "Bob")


def test_unresolved_names_match_by_normalized_name():
    reg = BanRegistry([ban(banned=("alice_smith",))], [WIKI])
    assert reg.restrictions(WIKI, UserRef(0, "Alice smith"), at(10))


def test_earliest_start_per_wiki():
    reg = registry(ban(start=at(3)), ban(id="IB-2", start=at(2), wikis=("otherwiki",)),
                   wikis=(WIKI, "otherwiki"))
    assert reg.earliest_start(WIKI) == at(3)
    assert reg.earliest_start("otherwiki") == at(2)


SITE = SiteInfo(namespaces=SiteInfo().namespaces[:4] + (
    Namespace(2, "User", "User", ("U",)), Namespace(3, "User talk", "User talk", ("UT",)),
    Namespace(4, "Project", "Wikipedia", ("WP",)), Namespace(5, "Project talk", "Wikipedia talk")))


@pytest.mark.parametrize("pattern,title,exempt", [
    ("Project:Arbitration/*", "Wikipedia:Arbitration/Case", True),
    ("Project:Arbitration/*", "WP:Arbitration/Case", True),
    ("Project:Arbitration/*", "wikipedia:Arbitration/Case", True),
    ("Project:Arbitration/*", "Wikipedia talk:Arbitration/Case", False),
    ("Project:Arbitration/*", "Arbitration/Case", False),
    ("Wikipedia:Appeals", "Project:Appeals", True),
    ("User talk:Bob/Appeal", "UT:Bob/Appeal", True),
    ("User talk:Bob/Appeal", "User_talk:Bob/Appeal", True),
    ("User talk:Bob/Appeal", "User talk:Bob", False),
])
def test_exempt_pages_with_namespace_aliases(pattern, title, exempt):
    assert ban(exempt_pages=(pattern,)).is_exempt(title, SITE) is exempt


def test_aliases_are_per_account():
    b = ban(aliases=(("Bob", ("Bobby",)),))
    assert b.aliases_of("bob") == ("Bobby",)
    assert b.aliases_of("Alice") == ()
    (r,) = registry(b).restrictions(WIKI, user("Alice"), at(10))
    assert r.protected[0].aliases == ("Bobby",)


def test_ban_is_frozen():
    with pytest.raises(FrozenInstanceError):
        ban().id = "x"  # type: ignore[misc]
    assert Ban(id="x", banned=("A",), protected=("B",), start=T0).active_at(T0 + timedelta(1))
