"""Bans and the registry that answers "is this actor restricted, from whom, here and then?".

A `Ban` is what staff wrote in the bans file. Names in it are resolved to user ids per wiki
by the bot (an `Identity`); the registry matches events by user id, so a rename does not let
anyone slip out of a ban. Unresolved names still match by normalized name.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from detectors.model import SiteInfo, UserRef, normalize_user_name

ALL_WIKIS = "*"


@dataclass(frozen=True)
class Ban:
    id: str
    banned: tuple[str, ...]
    protected: tuple[str, ...]
    start: datetime
    two_way: bool = True
    wikis: tuple[str, ...] = (ALL_WIKIS,)
    expires: datetime | None = None
    exempt_pages: tuple[str, ...] = ()
    confidential: bool = False
    note: str = ""
    # account name -> nicknames / former names that count as mentions of that account
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def covers_wiki(self, wiki: str) -> bool:
        return ALL_WIKIS in self.wikis or wiki in self.wikis

    def active_at(self, when: datetime) -> bool:
        """Judged at the event's time: start inclusive, expiry exclusive."""
        return self.start <= when and (self.expires is None or when < self.expires)

    def aliases_of(self, name: str) -> tuple[str, ...]:
        key = normalize_user_name(name)
        return next((a for n, a in self.aliases if normalize_user_name(n) == key), ())

    def is_exempt(self, title: str, site: SiteInfo) -> bool:
        """True when `title` matches one of the ban's `exempt_pages` globs.

        Both sides are normalized with the wiki's namespace names and aliases, so
        `Project:Arbitration/*` matches `Wikipedia:Arbitration/Case` where Project is Wikipedia.
        """
        if not self.exempt_pages or not title:
            return False
        page = site.normalize_title(title)
        return any(fnmatch.fnmatchcase(page, site.normalize_title(p)) for p in self.exempt_pages)


@dataclass(frozen=True, slots=True)
class Identity:
    """A name from the bans file resolved on one wiki: the account's id and current name."""

    wiki: str
    name: str  # as written in the bans file
    user_id: int
    current_name: str


@dataclass(frozen=True)
class Person:
    """One account on one wiki, with every name it is known by (current name first)."""

    user_id: int
    name: str
    former_names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.former_names)

    def is_user(self, user: UserRef | None) -> bool:
        if user is None:
            return False
        if self.user_id and user.id:
            return self.user_id == user.id
        return normalize_user_name(user.name) in {normalize_user_name(n) for n in self.names}


@dataclass(frozen=True)
class Restriction:
    """One ban seen from one restricted account: whom that account must leave alone."""

    ban: Ban
    actor: Person
    protected: tuple[Person, ...]

    def protected_user(self, user: UserRef | None) -> Person | None:
        return next((p for p in self.protected if p.is_user(user)), None)


class BanRegistry:
    """All bans, indexed per wiki by restricted user id (and by name for unresolved names)."""

    def __init__(self, bans: Iterable[Ban], wikis: Iterable[str],
                 identities: Iterable[Identity] = ()) -> None:
        self.bans: tuple[Ban, ...] = tuple(bans)
        self.wikis: tuple[str, ...] = tuple(wikis)
        self._identities: Mapping[tuple[str, str], Identity] = {
            (i.wiki, normalize_user_name(i.name)): i for i in identities}
        self._by_id: dict[str, dict[int, list[Restriction]]] = {w: {} for w in self.wikis}
        self._by_name: dict[str, dict[str, list[Restriction]]] = {w: {} for w in self.wikis}
        self._unresolved: dict[str, set[str]] = {w: set() for w in self.wikis}  # names, no id
        for ban in self.bans:
            for wiki in self.wikis:
                if ban.covers_wiki(wiki):
                    self._index(wiki, ban)

    def person(self, wiki: str, name: str, ban: Ban) -> Person:
        ident = self._identities.get((wiki, normalize_user_name(name)))
        written = normalize_user_name(name)
        if ident is None:
            return Person(0, written, (), ban.aliases_of(name))
        former = () if ident.current_name == written else (written,)
        return Person(ident.user_id, ident.current_name, former, ban.aliases_of(name))

    def _index(self, wiki: str, ban: Ban) -> None:
        sides = [(ban.banned, ban.protected)]
        if ban.two_way:
            sides.append((ban.protected, ban.banned))
        for actors, others in sides:
            protected = tuple(self.person(wiki, n, ban) for n in others)
            for name in actors:
                actor = self.person(wiki, name, ban)
                restriction = Restriction(ban, actor, protected)
                if actor.user_id:
                    self._by_id[wiki].setdefault(actor.user_id, []).append(restriction)
                else:
                    self._unresolved[wiki].update(actor.names)
                for n in actor.names:
                    self._by_name[wiki].setdefault(n, []).append(restriction)

    def is_watched(self, wiki: str, user: UserRef) -> bool:
        """The prefilter: is this user restricted by any ban on this wiki, at any time?"""
        by_id = self._by_id.get(wiki)
        if by_id is None:
            return False
        if user.id:  # an account: its id, or a name not resolved to an id yet
            if user.id in by_id:
                return True
            unresolved = self._unresolved[wiki]
            return bool(unresolved) and normalize_user_name(user.name) in unresolved
        return normalize_user_name(user.name) in self._by_name[wiki]

    def restrictions(self, wiki: str, user: UserRef, at: datetime) -> tuple[Restriction, ...]:
        """The restrictions on `user` on `wiki` in force at `at` (the event's time)."""
        found = list(self._by_id.get(wiki, {}).get(user.id, ())) if user.id else []
        for r in self._by_name.get(wiki, {}).get(normalize_user_name(user.name), ()):
            if r not in found and not (r.actor.user_id and user.id and r.actor.user_id != user.id):
                found.append(r)
        return tuple(r for r in found if r.ban.active_at(at))

    def watched_ids(self, wiki: str) -> frozenset[int]:
        return frozenset(self._by_id.get(wiki, {}))

    def watched_people(self, wiki: str) -> tuple[Person, ...]:
        people = {r.actor for rs in self._by_name.get(wiki, {}).values() for r in rs}
        return tuple(sorted(people, key=lambda p: p.name))

    def earliest_start(self, wiki: str) -> datetime | None:
        starts = [b.start for b in self.bans if b.covers_wiki(wiki)]
        return min(starts) if starts else None

    def get(self, ban_id: str) -> Ban | None:
        return next((b for b in self.bans if b.id == ban_id), None)
