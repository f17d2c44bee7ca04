"""Reviewer accounts, sessions and login attempts on every database; the pure helpers of the UI."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from bot.errors import NotFound, StorageError, UsageError
from bot.review import accounts
from bot.review.timeline import build, format_gap
from bot.storage import ReviewerStore, Store, WikiAccountStore
from bot.web import passwords
from bot.web.html import sanitize_diff
from bot.web.passwords import hash_password
from detectors.model import UserRef
from tests.storage_fixtures import T0, later

PASSWORD = "Correct-horse-battery-9"


@pytest.mark.db
def test_reviewers_sessions_and_attempts(store: Store) -> None:
    reviewers = ReviewerStore(store.engine)
    ann = accounts.add(store, "Ann Ünïcødé", hash_password(PASSWORD), T0)
    assert ann.active and ann.password_hash.startswith("scrypt:")
    assert PASSWORD not in ann.password_hash
    assert passwords.verify(reviewers.get("Ann Ünïcødé").password_hash, PASSWORD)
    assert reviewers.get("ann Ünïcødé") is None, "names compare exactly"
    with pytest.raises(UsageError, match="already exists"):
        accounts.add(store, "Ann Ünïcødé", hash_password(PASSWORD), T0)
    with pytest.raises(StorageError, match="longer than 191"):
        reviewers.add("x" * 192, "hash", T0)
    reviewers.open_session("token-1", "Ann Ünïcødé", "csrf-1", T0, timedelta(hours=1))
    assert reviewers.session("token-1", later(59)).csrf == "csrf-1"
    assert reviewers.session("token-1", T0 + timedelta(hours=1, seconds=1)) is None
    assert reviewers.session("token-2", later(1)) is None
    for n in range(3):
        reviewers.record_attempt("Ann Ünïcødé", "10.0.0.1", False, later(n))
    reviewers.record_attempt("Ann Ünïcødé", "10.0.0.1", True, later(4))
    assert reviewers.failures_since(T0, name="Ann Ünïcødé") == 3
    assert reviewers.failures_since(later(2), remote="10.0.0.1") == 1
    accounts.disable(store, "Ann Ünïcødé", later(5))
    assert reviewers.session("token-1", later(6)) is None and not reviewers.get(
        "Ann Ünïcødé").active
    accounts.enable(store, "Ann Ünïcødé", later(7))
    assert [r.name for r in accounts.all_reviewers(store)] == ["Ann Ünïcødé"]
    with pytest.raises(NotFound):
        accounts.disable(store, "Nobody", later(8))
    actions = [e.action for e in store.audit()]
    assert actions == ["reviewer-enable", "reviewer-disable", "reviewer-add"]


def test_passwords_and_names_are_checked() -> None:
    with pytest.raises(UsageError, match="at least 12"):
        passwords.hash_password("short")
    assert not passwords.verify(None, PASSWORD)
    for bad in ("", " Ann", "Ann ", "<Ann>", "a/b", "x" * 65):
        with pytest.raises(UsageError):
            accounts.check_name(bad)


def test_sanitize_diff_keeps_the_table_and_drops_everything_active() -> None:
    rows = ('<tr><td class="diff-marker" data-marker="+" onclick="x()" style="color:red"></td>'
            '<td class="diff-addedline"><div>a &lt;b&gt; <a href="javascript:alert(1)">x</a>'
            '<script>alert(1)</script><img src=x onerror=alert(1)><ins class="diffchange">y'
            '</ins></div></td></tr>')
    assert sanitize_diff(rows) == (
        '<tr><td class="diff-marker" data-marker="+"></td><td class="diff-addedline">'
        '<div>a &lt;b&gt; x<ins class="diffchange">y</ins></div></td></tr>')


@dataclass(frozen=True)
class E:
    revid: int
    title: str
    timestamp: datetime
    comment: str = ""


def test_timeline_pages_both_edited_with_gaps() -> None:
    def at(minutes: int) -> datetime:
        return T0 + timedelta(minutes=minutes)
    first = [E(1, "Talk:A", at(0)), E(3, "Talk:A", at(10)), E(5, "Only mine", at(11)),
             E(6, "Talk:B", at(200))]
    second = [E(2, "Talk:A", at(5)), E(4, "Talk:B", at(12)), E(7, "Theirs", at(1))]
    t = build(("A", "B"), T0, at(300), first, second)
    assert t.pages == ("Talk:A", "Talk:B")
    assert [(r.side, r.revid, format_gap(r.since_other)) for r in t.rows] == [
        (0, 1, ""), (1, 2, "5 min 0 s"), (0, 3, "5 min 0 s"), (1, 4, "2 min 0 s"),
        (0, 6, "3 h 8 min")]
    assert t.edit_counts == (3, 2)
    assert format_gap(timedelta(days=2, hours=3)) == "2 d 3 h" and format_gap(None) == ""


class WikiUsers:
    """The wiki's accounts as `reviewers link` looks them up (bot.wiki's sign_in_id)."""

    def __init__(self, ids: dict[str, int]) -> None:
        self.ids = ids

    def sign_in_id(self, name: str) -> UserRef | None:
        return UserRef(self.ids[name], name) if name in self.ids else None


@pytest.mark.db
def test_wiki_accounts_allow_list_and_pending_sign_ins(store: Store) -> None:
    wikis = WikiAccountStore(store.engine)
    accounts.add(store, "Ann", None, T0)
    accounts.add(store, "Ben", hash_password(PASSWORD), T0)
    assert not ReviewerStore(store.engine).get("Ann").has_password
    assert not passwords.verify(ReviewerStore(store.engine).get("Ann").password_hash, "")
    users = WikiUsers({"Ann": 17, "Ann the reviewer": 17, "Ben": 5, "Ben 2": 6})
    with pytest.raises(NotFound, match="'Nobody' does not exist"):
        accounts.link(store, users, "Nobody", "devwiki", "Ann", T0)
    assert accounts.link(store, users, "Ann", "devwiki", "ann_the  reviewer", T0).username == \
        "Ann the reviewer"
    with pytest.raises(UsageError, match="already linked to reviewer 'Ann'"):
        accounts.link(store, users, "Ben", "devwiki", "Ann the reviewer", T0)
    with pytest.raises(UsageError, match="not a wiki user name"):
        accounts.link(store, users, "Ben", "devwiki", "Bad[name]", T0)
    with pytest.raises(UsageError, match="there is no user 'Nobody here' on devwiki"):
        accounts.link(store, users, "Ben", "devwiki", "Nobody here", T0)
    accounts.link(store, users, "Ben", "devwiki", "Ben", T0)
    accounts.link(store, users, "Ben", "devwiki", "Ben 2", T0)  # replaces Ben's account there
    assert [(a.reviewer, a.username, a.central_id) for a in accounts.wiki_accounts(store)] == [
        ("Ann", "Ann the reviewer", "17"), ("Ben", "Ben 2", "6")]
    # the user id pinned at link time is what signs in, whatever the account is called now
    assert wikis.match("devwiki", "17") == "Ann"
    assert wikis.match("devwiki", "18") is None
    assert wikis.match("otherwiki", "17") is None
    assert wikis.match("devwiki", "5") is None and wikis.match("devwiki", "") is None
    accounts.disable(store, "Ann", later(1))
    assert wikis.match("devwiki", "17") is None
    accounts.unlink(store, "Ben", "devwiki", later(2))
    with pytest.raises(NotFound, match="no account linked on devwiki"):
        accounts.unlink(store, "Ben", "devwiki", later(2))
    actions = [e.action for e in store.audit(limit=20)]
    assert actions.count("reviewer-link") == 3 and "reviewer-unlink" in actions
    # an answered state is taken once; old ones are forgotten; one signing key for all
    assert wikis.use_once("state-1", "devwiki", T0, T0 - timedelta(minutes=10))
    assert not wikis.use_once("state-1", "devwiki", T0, T0 - timedelta(minutes=10))
    assert wikis.use_once("state-2", "devwiki", later(700), later(100))
    assert wikis.pending() == 1, "answered before the cut: forgotten"
    key = wikis.state_key()
    assert len(key) == 32 and WikiAccountStore(store.engine).state_key() == key
