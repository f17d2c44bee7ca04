"""FakeGateway: one wiki for the unit tests, answering from data and recording every call.

It implements bot.pipeline.join.Gateway and the optional capabilities the pipeline checks with
isinstance (Batching, ContributorLookup, CombinedLookup), plus the user lookups the App's
identity resolution calls (users_by_name, users_by_id, renamed_to). Configure it with data:

- `recent`: recent changes as API pages, each a sequence of Events; page n ends at
  Position(page_start + n minutes, n + 1). Each page's rows are judged by the caller's `keep`
  as the real gateway does (rows left out are counted in Page.dropped). `logs`: the same per
  log type ("thanks", ...). `on_page(stream, n)` runs after page n was consumed (a test can
  reload the bans between two pages).
- `revisions`: revid -> Revision, or a function (revid, with_text) -> Revision | None
  (`every_revision(...)` answers every id); without text the Revision comes back text=None.
- `histories` (title -> revisions), `contributors` (title -> users; None: too busy to tell),
  `creators` (title -> name), `users` (name -> UserRef; users_by_id answers from them too),
  `renames` (old name -> new name).
- `capabilities`: which of "batch_size", "contributors", "revisions_with_contributors" it
  has (none by default, like a minimal gateway); the others are blocked (the instance is of
  a subclass that sets them to None), so that isinstance against the capability Protocols is
  False, as for a gateway without them. `batch`: the batch size it reports.
- `fail`: method name -> the WikiError it raises (or just names: a generic WikiError).

`calls` lists every call as (method, *arguments); `requests()` the same without site_info
(which the real gateway reads once per process); `called(name)` those to one method.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.errors import WikiError
from bot.wiki.cursor import Position
from bot.wiki.gateway import Page
from detectors.model import Event, Revision, SiteInfo, UserRef

CAPABILITIES = ("batch_size", "contributors", "revisions_with_contributors")
PAGE_START = datetime(2026, 11, 10, 12, tzinfo=UTC)  # tests.core_helpers.at(10)

Keep = Callable[[UserRef, str], bool]
RevisionSource = Mapping[int, Revision] | Callable[[int, bool], Revision | None]
ALICE = UserRef(2, "Alice")  # tests.core_helpers.USERS


def every_revision(user: UserRef = ALICE, when: datetime = PAGE_START,
                   tags: tuple[str, ...] = ("t",)) -> Callable[[int, bool], Revision]:
    """A `revisions` source answering every id: revision i, parent i - 1, text "text i"."""
    def make(revid: int, with_text: bool) -> Revision:
        return Revision(revid, revid - 1, user, when, sha1=f"{revid:040x}",
                        text=f"text {revid}" if with_text else None, tags=tags)
    return make


class FakeGateway:
    """A wiki made of the data given (see the module docstring); every call is in `calls`."""

    def __new__(cls, *args: Any, capabilities: Iterable[str] = (), **kwargs: Any) -> FakeGateway:
        return super().__new__(_without(cls, frozenset(CAPABILITIES) - set(capabilities)))

    def __init__(self, name: str = "devwiki", *, site: SiteInfo | None = None,
                 recent: Sequence[Sequence[Event]] = (),
                 logs: Mapping[str, Sequence[Sequence[Event]]] | None = None,
                 page_start: datetime = PAGE_START,
                 on_page: Callable[[str, int], None] | None = None,
                 revisions: RevisionSource | None = None,
                 histories: Mapping[str, Sequence[Revision]] | None = None,
                 contributors: Mapping[str, Sequence[UserRef]] | None = None,
                 creators: Mapping[str, str | None] | None = None,
                 users: Mapping[str, UserRef] | None = None,
                 renames: Mapping[str, str] | None = None,
                 capabilities: Iterable[str] = (), batch: int = 50,
                 fail: Mapping[str, WikiError] | Iterable[str] = ()) -> None:
        self.name, self.site = name, site or SiteInfo()
        self.recent, self.logs = list(recent), dict(logs or {})
        self.page_start, self.on_page = page_start, on_page
        self._revisions: RevisionSource = revisions if revisions is not None else {}
        self.histories, self.creators = dict(histories or {}), dict(creators or {})
        self._contributors = contributors
        self.users, self.renames = dict(users or {}), dict(renames or {})
        self.batch = batch
        self.fail: dict[str, WikiError] = dict(fail) if isinstance(fail, Mapping) else {
            method: WikiError(f"wiki {name}: {method} failed (fake)") for method in fail}
        self.calls: list[tuple[Any, ...]] = []
        unknown = set(capabilities) - set(CAPABILITIES)
        if unknown:
            raise ValueError(f"unknown capabilities {sorted(unknown)}")

    def _call(self, method: str, *args: Any) -> None:
        self.calls.append((method, *args))
        if method in self.fail:
            raise self.fail[method]

    def requests(self) -> list[tuple[Any, ...]]:
        """The calls but site_info (the real gateway reads it once per process)."""
        return [c for c in self.calls if c[0] != "site_info"]

    def called(self, method: str) -> list[tuple[Any, ...]]:
        return [c for c in self.calls if c[0] == method]

    # -- bot.pipeline.join.Gateway ----------------------------------------------------------
    def site_info(self) -> SiteInfo:
        self._call("site_info")
        return self.site

    def recent_changes(self, position: Position, limit: int = 500,
                       keep: Keep | None = None) -> Iterator[Page]:
        self._call("recent_changes", position)
        return self._paged("recentchanges", self.recent, keep)

    def log_events(self, log_type: str, position: Position, limit: int = 500,
                   keep: Keep | None = None) -> Iterator[Page]:
        self._call("log_events", log_type, position)
        return self._paged(f"log:{log_type}", self.logs.get(log_type, ()), keep)

    def _paged(self, stream: str, pages: Sequence[Sequence[Event]],
               keep: Keep | None) -> Iterator[Page]:
        for n, rows in enumerate(pages):
            events = tuple(e for e in rows if keep is None or keep(e.actor, e.log_type or ""))
            yield Page(events, Position(self.page_start + timedelta(minutes=n), n + 1),
                       dropped=len(rows) - len(events))
            if self.on_page is not None:
                self.on_page(stream, n)

    def revisions(self, revids: Iterable[int], with_text: bool = True) -> dict[int, Revision]:
        ids = tuple(revids)
        self._call("revisions", ids, with_text)
        return self._answer(ids, with_text)

    def _answer(self, ids: Iterable[int], with_text: bool) -> dict[int, Revision]:
        found: dict[int, Revision] = {}
        for revid in ids:
            if callable(self._revisions):
                revision = self._revisions(revid, with_text)
            else:
                revision = self._revisions.get(revid)
                if revision is not None and not with_text:
                    revision = replace(revision, text=None)
            if revision is not None:
                found[revid] = revision
        return found

    def history(self, title: str, from_revid: int, limit: int, with_text: bool = False,
                max_bytes: int = 0) -> tuple[Revision, ...]:
        self._call("history", title, from_revid, limit, with_text)
        return tuple(self.histories.get(title, ()))[:limit]

    def page_creator(self, title: str) -> str | None:
        self._call("page_creator", title)
        return self.creators.get(title)

    # -- capabilities (bot.pipeline.join.Batching, ContributorLookup, CombinedLookup) ---------
    def batch_size(self) -> int:
        self._call("batch_size")
        return self.batch

    def contributors(self, titles: Iterable[str]) -> dict[str, tuple[UserRef, ...]] | None:
        self._call("contributors", tuple(titles))
        return self._people()

    def revisions_with_contributors(self, revids: Iterable[int]
                                    ) -> tuple[dict[int, Revision],
                                               dict[str, tuple[UserRef, ...]] | None]:
        ids = tuple(revids)
        self._call("revisions_with_contributors", ids)
        return self._answer(ids, True), self._people()

    def _people(self) -> dict[str, tuple[UserRef, ...]] | None:
        if self._contributors is None:
            return None
        return {title: tuple(users) for title, users in self._contributors.items()}

    # -- user lookups (the App's identity resolution) ----------------------------------------
    def users_by_name(self, names: Iterable[str]) -> dict[str, UserRef | None]:
        wanted = tuple(names)
        self._call("users_by_name", wanted)
        return {n: self.users.get(n) for n in wanted}

    def users_by_id(self, ids: Iterable[int]) -> dict[int, str | None]:
        wanted = tuple(ids)
        self._call("users_by_id", wanted)
        names = {u.id: u.name for u in self.users.values() if u.id}
        return {i: names.get(i) for i in wanted}

    def renamed_to(self, name: str) -> str | None:
        self._call("renamed_to", name)
        return self.renames.get(name)


_BLOCKED: dict[tuple[type, frozenset[str]], type] = {}


def _without(cls: type[FakeGateway], missing: frozenset[str]) -> type[FakeGateway]:
    """The class with the `missing` capabilities blocked (made once): a method set to None in
    a class fails the runtime check against a Protocol (issubclass, hence isinstance)."""
    if not missing:
        return cls
    key = (cls, missing)
    if key not in _BLOCKED:
        _BLOCKED[key] = type(cls.__name__, (cls,), dict.fromkeys(sorted(missing)))
    return _BLOCKED[key]


if TYPE_CHECKING:  # mypy: the fake is each Protocol the pipeline types its gateway with
    from bot.pipeline.join import Batching, CombinedLookup, ContributorLookup, Gateway

    _gateway: Gateway = FakeGateway()
    _batching: Batching = FakeGateway()
    _lookup: ContributorLookup = FakeGateway()
    _combined: CombinedLookup = FakeGateway()
