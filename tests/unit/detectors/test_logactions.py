"""log-action detector: blocks, rights, renames, page logs and revision deletion."""
from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from detectors.bans import Ban, Person, Restriction
from detectors.base import Context
from detectors.logactions import DETECTOR
from detectors.model import Event, EventType, Kind, UserRef

T0 = datetime(2026, 11, 1, tzinfo=UTC)
ALICE, BOB, CAROL = UserRef(10, "Alice"), UserRef(20, "Bob"), UserRef(30, "Carol")


def context() -> Context:
    ban = Ban("IB-1", ("Alice",), ("Bob",), start=T0)
    return Context(Restriction(ban, Person(10, "Alice"), (Person(20, "Bob", ("Bobby",)),)))


def log(log_type: str, action: str, title: str = "", target: UserRef | None = None,
        **params) -> Event:
    return Event("devwiki", EventType.LOG, T0, ALICE, title=title, logid=7, log_type=log_type,
                 log_action=action, target=target, params=MappingProxyType(params))


# name, event, expected (confidence, evidence) or None
CASES = [
    ("block", log("block", "block", "User:Bob", BOB, duration="1 day"),
     (1.0, "blocked Bob (expiry 1 day)")),
    ("block, target from title", log("block", "block", "User:Bob", None, duration="infinite",
                                     flags=["nocreate"]),
     (1.0, "blocked Bob (expiry infinite; flags: nocreate)")),
    ("reblock", log("block", "reblock", "User:Bob", BOB, duration="1 week"),
     (1.0, "changed the block of Bob (expiry 1 week)")),
    ("unblock", log("block", "unblock", "User:Bob", BOB), (1.0, "unblocked Bob")),
    ("block by former name", log("block", "block", "User:Bobby", UserRef(0, "Bobby")),
     (1.0, "blocked Bobby")),
    ("block of someone else", log("block", "block", "User:Carol", CAROL), None),
    ("rights change", log("rights", "rights", "User:Bob", BOB,
                          oldgroups=["rollbacker", "autopatrolled"], newgroups=["autopatrolled"]),
     (1.0, "changed Bob's user rights (removed rollbacker)")),
    ("rights on someone else",
     log("rights", "rights", "User:Carol", CAROL, oldgroups=[], newgroups=["sysop"]),
     None),
    ("rename", log("renameuser", "renameuser", "User:Bob", None, olduser="Bob", newuser="Robert"),
     (1.0, "renamed Bob to Robert")),
    ("rename of someone else", log("renameuser", "renameuser", "User:Carol", None, olduser="Carol",
                                   newuser="Caroline"), None),
    ("move of a page they created",
     log("move", "move", "Foo", target_title="Bar", page_creator="Bob"),
     (0.8, "moved [[Foo]] to [[Bar]], a page Bob created")),
    ("move of their user page is userspace's",
     log("move", "move", "User:Bob/Draft", target_title="Draft:X", page_creator="Bob"), None),
    ("move into their user space is userspace's",
     log("move", "move", "Draft:X", target_title="User:Bob/X", page_creator="Bob"), None),
    ("move of someone else's page",
     log("move", "move", "Foo", target_title="Bar", page_creator="Carol"),
     None),
    ("deletion of a page they created", log("delete", "delete", "Foo", page_creator="Bob"),
     (0.8, "deleted [[Foo]], a page Bob created")),
    ("deletion in their user space", log("delete", "delete", "User talk:Bob/Archive"),
     (1.0, "deleted [[User talk:Bob/Archive]], in Bob's user space")),
    ("protection of a page they created", log("protect", "protect", "Foo", page_creator="Bob",
                                              description="[edit=sysop]"),
     (0.8, "protected [[Foo]], a page Bob created")),
    ("unprotection of their user page", log("protect", "unprotect", "User:Bob"),
     (1.0, "unprotected [[User:Bob]], in Bob's user space")),
    ("protection of someone else's page",
     log("protect", "protect", "Foo", page_creator="Carol"), None),
    ("revision deletion of their edits",
     log("delete", "revision", "Foo", type="revision", ids=["5", "6"],
         revision_authors=["Bob", "Carol", "Bob"]),
     (0.9, "hid 2 of Bob's revisions on [[Foo]]")),
    ("revision deletion of others' edits", log("delete", "revision", "Foo", type="revision",
                                               revision_authors=["Carol"]), None),
    ("thanks are not log-action", log("thanks", "thank", "User:Bob", BOB), None),
    ("creation log ignored", log("create", "create", "Foo", page_creator="Bob"), None),
]


@pytest.mark.parametrize("name,event,expected", CASES, ids=[c[0] for c in CASES])
def test_log_action_cases(name, event, expected):
    findings = DETECTOR.detect(event, context())
    if expected is None:
        assert findings == []
        return
    (f,) = findings
    assert (f.kind, f.target) == (Kind.LOG_ACTION, "Bob")
    assert (f.confidence, f.evidence) == expected


BAD = [
    log("block", "block"),
    log("block", "block", "User:", None),
    log("rights", "rights", "", None, oldgroups=None, newgroups=5),
    log("renameuser", "renameuser", olduser=None, newuser=3),
    log("move", "move", "", target_title=None, page_creator=None),
    log("delete", "revision", "Foo", revision_authors=None),
    log("delete", "revision", "Foo", revision_authors="Bob, Carol"),
    log("", ""),
    Event("devwiki", EventType.EDIT, T0, ALICE, title="User:Bob"),
    Event("devwiki", EventType.LOG, T0, ALICE, log_type="block", log_action="block", title=None,
          params=None),
]


@pytest.mark.parametrize("event", BAD)
def test_bad_input_never_raises(event):
    findings = DETECTOR.detect(event, context())
    assert all(f.kind is Kind.LOG_ACTION for f in findings)


def test_needs_nothing():
    assert DETECTOR.needs == frozenset() and DETECTOR.name == "log-action"
