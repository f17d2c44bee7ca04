"""Names in the bans file -> accounts (user ids) on each wiki, kept across renames.

An identity, once resolved, is stored; from then on the id is what counts. A stored id's
current name is refreshed from the wiki, so a renamed account stays banned and its new user
space is watched. A name that no longer exists is followed through the renameuser log.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from detectors.bans import Ban, Identity
from detectors.model import UserRef, normalize_user_name


class UserLookup(Protocol):
    name: str

    def users_by_name(self, names: Iterable[str]) -> dict[str, UserRef | None]: ...
    def users_by_id(self, ids: Iterable[int]) -> dict[int, str | None]: ...
    def renamed_to(self, name: str) -> str | None: ...


@dataclass(frozen=True)
class NameCheck:
    """The outcome for one name of one ban on one wiki."""

    wiki: str
    ban_id: str
    name: str
    status: str  # "ok", "renamed" (the file uses an old name) or "unknown"
    user_id: int = 0
    current_name: str = ""

    def message(self, bans_file: str) -> str:
        where = f"{bans_file}: ban {self.ban_id}: user {self.name!r}"
        if self.status == "renamed":
            return (f"{where} was renamed to {self.current_name!r} on {self.wiki} "
                    f"(user id {self.user_id}); the ban still applies; update the file")
        if self.status == "unknown":
            return f"{where} does not exist on {self.wiki}"
        return f"{where} is user id {self.user_id} on {self.wiki}"

    def log_message(self, bans_file: str) -> str:
        """The same for logs: the ban and the wiki, never the name or the account (staff see
        those in `ibanbot bans check`). Confidential bans are not logged one by one at all."""
        where = f"{bans_file}: ban {self.ban_id}: a name"
        if self.status == "renamed":
            return (f"{where} was renamed on {self.wiki}; the ban still applies to the "
                    "account; update the file (`ibanbot bans check` shows the new name)")
        if self.status == "unknown":
            return (f"{where} does not exist on {self.wiki}; it is not watched there "
                    "(`ibanbot bans check` names it)")
        return f"{where} is resolved on {self.wiki}"


def names_on(bans: Iterable[Ban], wiki: str) -> dict[str, list[str]]:
    """Normalized name -> the ids of the bans naming it on this wiki."""
    out: dict[str, list[str]] = {}
    for ban in bans:
        if ban.covers_wiki(wiki):
            for name in (*ban.banned, *ban.protected):
                out.setdefault(normalize_user_name(name), []).append(ban.id)
    return out


def resolve(bans: Iterable[Ban], wiki: UserLookup, stored: Iterable[Identity]
            ) -> tuple[list[Identity], list[NameCheck]]:
    """Resolve every name the bans use on this wiki; return identities and per-name checks."""
    names = names_on(bans, wiki.name)
    known = {normalize_user_name(i.name): i for i in stored if i.wiki == wiki.name}
    current = wiki.users_by_id(i.user_id for n, i in known.items() if n in names)
    identities: dict[str, Identity] = {}
    for name, ident in known.items():
        if name in names and (now := current.get(ident.user_id)):
            identities[name] = Identity(wiki.name, name, ident.user_id, now)
    missing = [n for n in names if n not in identities]
    found = wiki.users_by_name(missing) if missing else {}
    for name in missing:
        user = found.get(name) or _follow_rename(wiki, name)
        if user is not None:
            identities[name] = Identity(wiki.name, name, user.id, user.name)
    return list(identities.values()), _checks(names, identities, wiki.name)


def _follow_rename(wiki: UserLookup, name: str) -> UserRef | None:
    new = wiki.renamed_to(name)
    if not new:
        return None
    return wiki.users_by_name([new]).get(normalize_user_name(new))


def _checks(names: dict[str, list[str]], identities: dict[str, Identity], wiki: str
            ) -> list[NameCheck]:
    checks = []
    for name, ban_ids in sorted(names.items()):
        ident = identities.get(name)
        for ban_id in ban_ids:
            if ident is None:
                checks.append(NameCheck(wiki, ban_id, name, "unknown"))
            else:
                status = "ok" if ident.current_name == name else "renamed"
                checks.append(NameCheck(wiki, ban_id, name, status, ident.user_id,
                                        ident.current_name))
    return checks
