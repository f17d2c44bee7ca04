"""Small builders for pure-core tests: bans, restrictions, events."""
from __future__ import annotations

from datetime import UTC, datetime

from detectors.bans import Ban, BanRegistry, Identity
from detectors.model import Event, EventType, UserRef

T0 = datetime(2026, 11, 1, tzinfo=UTC)
WIKI = "devwiki"


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def ban(**kw) -> Ban:
    base = dict(id="IB-1", banned=("Alice",), protected=("Bob",), start=T0)
    base.update(kw)
    return Ban(**base)


USERS = {"Alice": 2, "Bob": 3, "Carol": 4, "Dave": 5, "Erin": 6}


def registry(*bans: Ban, wikis=(WIKI,), renamed: dict[str, str] | None = None) -> BanRegistry:
    renamed = renamed or {}
    idents = [Identity(w, n, i, renamed.get(n, n)) for w in wikis for n, i in USERS.items()]
    return BanRegistry(bans, wikis, idents)


def user(name: str) -> UserRef:
    return UserRef(USERS.get(name, 0), name)


def edit(actor: str, title: str, when: datetime | None = None, new: bool = False,
         **kw) -> Event:
    return Event(wiki=WIKI, type=EventType.NEW if new else EventType.EDIT,
                 timestamp=when or at(10), actor=user(actor), title=title, revid=100,
                 old_revid=0 if new else 99, **kw)


def log_event(actor: str, log_type: str, action: str, title: str,
              target: str | None = None, when: datetime | None = None, **kw) -> Event:
    return Event(wiki=WIKI, type=EventType.LOG, timestamp=when or at(10), actor=user(actor),
                 title=title, logid=7, log_type=log_type, log_action=action,
                 target=UserRef(0, target) if target else None, **kw)
