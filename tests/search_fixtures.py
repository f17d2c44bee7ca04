"""One queue for the search tests (storage on three databases, the CLI, the web, parity).

Six items, named A-F, on two wikis and two bans (event times relative to T0):
- A devwiki IB-1 Alice(2) -> Bob, User talk:Bob, rev 10, userspace 1.0, T0-3d, new
- B devwiki IB-1 Alice(2) -> Bob, Talk:Foo, rev 11, reply 0.6 + mention 0.95, T0-2d, new
- C devwiki IB-2 Carol(7) -> Dave, Talk:Foo bar, rev 12, edit-change 0.3, T0-1d, dismissed
- D devwiki IB-2 Caroline(7) -> Dave, Talk:Foo/Archive, log 5, log-action 0.8, T0, confirmed
- E otherwiki IB-1 Alice(3) -> Bob, User:Bob, rev 10, userspace 1.0, T0-4d, needs-info
- F devwiki (no ban) Eve(8) -> Bob, Talk:Foo, rev 13, reported (no finding), T0-12h, new
Carol was renamed Caroline and Dave David (stored identities). Report R-1 names B and F.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.review import accounts
from bot.storage import NewReport, ReportStore, Store
from bot.web.passwords import hash_password
from detectors.bans import Identity
from detectors.model import Detection, Finding, Kind, UserRef

T0 = datetime(2026, 11, 27, 17, 15, 42, tzinfo=UTC)
DAY = timedelta(days=1)
LABELS = "ABCDEF"


def _det(key: str, wiki: str, ban: str, actor: UserRef, target: str, page: str,
         when: datetime, findings: tuple[Finding, ...], revid: int = 0, logid: int = 0,
         source: str = "detector") -> Detection:
    return Detection(wiki=wiki, ban_id=ban, event_key=key, actor=actor, target=target,
                     page=page, timestamp=when, revid=revid, logid=logid, findings=findings,
                     source=source)


def _f(kind: Kind, confidence: float, target: str) -> Finding:
    return Finding(kind, confidence, f"{kind.value} evidence", target)


def fill(store: Store) -> dict[str, int]:
    """The six items (and decisions, identities, the report); label -> item id."""
    alice, carol = UserRef(2, "Alice"), UserRef(7, "Carol")
    dets = {
        "A": _det("rev:10", "devwiki", "IB-1", alice, "Bob", "User talk:Bob", T0 - 3 * DAY,
                  (_f(Kind.USERSPACE, 1.0, "Bob"),), revid=10),
        "B": _det("rev:11", "devwiki", "IB-1", alice, "Bob", "Talk:Foo", T0 - 2 * DAY,
                  (_f(Kind.REPLY, 0.6, "Bob"), _f(Kind.MENTION, 0.95, "Bob")), revid=11),
        "C": _det("rev:12", "devwiki", "IB-2", carol, "Dave", "Talk:Foo bar", T0 - DAY,
                  (_f(Kind.EDIT_CHANGE, 0.3, "Dave"),), revid=12),
        "D": _det("log:5", "devwiki", "IB-2", UserRef(7, "Caroline"), "Dave",
                  "Talk:Foo/Archive", T0, (_f(Kind.LOG_ACTION, 0.8, "Dave"),), logid=5),
        "E": _det("rev:10", "otherwiki", "IB-1", UserRef(3, "Alice"), "Bob", "User:Bob",
                  T0 - 4 * DAY, (_f(Kind.USERSPACE, 1.0, "Bob"),), revid=10),
    }
    ids: dict[str, int] = {}
    for label, det in dets.items():
        (ids[label],) = store.save_batch(det.wiki, "recentchanges", None, [det], T0)
    report = _det("rev:13", "devwiki", "", UserRef(8, "Eve"), "Bob", "Talk:Foo",
                  T0 - DAY / 2, (), revid=13, source="report")
    saved = ReportStore(store.engine).save(NewReport(
        reference="R-1", wiki="devwiki", fingerprint="f1", origin="staff", page="",
        section="", added_revid=0, reporter="Bob", reporter_id=4, text="see these",
        diffs=(11, 13), outcome="accepted", problems=(), received_at=T0), [report, dets["B"]],
        T0)
    ids["F"] = next(i for i in saved.item_ids if i != ids["B"])
    store.decide(ids["C"], "dismissed", "Rita", "", T0)
    store.decide(ids["D"], "confirmed", "Rita", "", T0)
    store.decide(ids["E"], "needs-info", "Rita", "", T0)
    store.save_identity(Identity("devwiki", "Carol", 7, "Caroline"), T0)
    store.save_identity(Identity("devwiki", "Dave", 9, "David"), T0)
    store.save_identity(Identity("devwiki", "Alice", 2, "Alice"), T0)
    return ids


def labels(ids: dict[str, int], item_ids: list[int]) -> str:
    """Item ids -> their labels in order ("DFCBAE")."""
    back = {v: k for k, v in ids.items()}
    return "".join(back[i] for i in item_ids)


REVIEWER = "Rita Reviewer"


def queue_folder(folder: Path, settings: str, bans: str,
                 password: str) -> tuple[Path, dict[str, int]]:
    """A settings file, a bans file and a database holding the six items and the reviewer
    REVIEWER with `password`, in `folder`: (the settings path, label -> item id)."""
    (folder / "settings.toml").write_text(settings, encoding="utf-8")
    (folder / "bans.toml").write_text(bans, encoding="utf-8")
    store = Store(f"sqlite:///{folder / 'ibanbot.sqlite3'}")
    store.upgrade()
    ids = fill(store)
    accounts.add(store, REVIEWER, hash_password(password), T0)
    store.close()
    return folder / "settings.toml", ids
