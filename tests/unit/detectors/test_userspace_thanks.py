"""The userspace and thanks detectors, data-driven."""
from __future__ import annotations

from types import MappingProxyType

import pytest

from detectors.base import Context
from detectors.model import Kind, Namespace, SiteInfo
from detectors.thanks import DETECTOR as THANKS
from detectors.userspace import DETECTOR as USERSPACE
from tests.core_helpers import WIKI, at, ban, edit, log_event, registry, user

SITE = SiteInfo(namespaces=SiteInfo().namespaces + (Namespace(100, "", "Portal"),))


def ctx(renamed=None, **kw) -> Context:
    (r,) = registry(ban(**kw), renamed=renamed).restrictions(WIKI, user("Alice"), at(10))
    return Context(restriction=r, site=SITE)


@pytest.mark.parametrize("title,new,expected", [
    ("User talk:Bob", False, "edited [[User talk:Bob]], Bob's user talk page"),
    ("User:Bob", False, "edited [[User:Bob]], Bob's user page"),
    ("User:Bob/sandbox", True, "created [[User:Bob/sandbox]], a subpage of Bob's user page"),
    ("user_talk:bob/Archive 1", False, "a subpage of Bob's user talk page"),
    ("User talk:Bobby", False, None),
    ("Talk:Bob", False, None),
    ("User talk:Carol", False, None),
    ("Bob", False, None),
    ("", False, None),
])
def test_userspace_edits(title, new, expected):
    found = USERSPACE.detect(edit("Alice", title, new=new), ctx())
    if expected is None:
        assert found == []
    else:
        (f,) = found
        assert f.kind is Kind.USERSPACE and f.target == "Bob" and expected in f.evidence


def test_userspace_after_rename_matches_new_and_old_names():
    c = ctx(renamed={"Bob": "Robert"})
    assert USERSPACE.detect(edit("Alice", "User talk:Robert"), c)[0].target == "Robert"
    assert USERSPACE.detect(edit("Alice", "User talk:Bob"), c)[0].target == "Robert"


@pytest.mark.parametrize("src,dest,hit", [
    ("User:Bob/draft", "Draft:Thing", True),
    ("Draft:Thing", "User:Bob/Thing", True),
    ("Draft:Thing", "Draft:Other", False),
])
def test_userspace_moves(src, dest, hit):
    e = log_event("Alice", "move", "move", src,
                  params=MappingProxyType({"target_title": dest}))
    assert bool(USERSPACE.detect(e, ctx())) is hit


@pytest.mark.parametrize("recipient,hit", [("Bob", True), ("bob", True), ("Carol", False),
                                           (None, False)])
def test_thanks(recipient, hit):
    e = log_event("Alice", "thanks", "thank", f"User:{recipient}", target=recipient)
    found = THANKS.detect(e, ctx())
    assert bool(found) is hit
    if hit:
        assert found[0].kind is Kind.THANKS and found[0].target == "Bob"


def test_thanks_ignores_other_logs_and_edits():
    block = log_event("Alice", "block", "block", "User:Bob", target="Bob")
    assert THANKS.detect(block, ctx()) == []
    assert THANKS.detect(edit("Alice", "User talk:Bob"), ctx()) == []


def test_thanks_to_renamed_user_names_both():
    e = log_event("Alice", "thanks", "thank", "User:Bob", target="Bob")
    (f,) = THANKS.detect(e, ctx(renamed={"Bob": "Robert"}))
    assert f.target == "Robert" and "Bob" in f.evidence and "Robert" in f.evidence
