"""`userspace`: edits, creations and moves of pages in the protected user's user space.

Covers `User:Bob`, `User talk:Bob` and their subpages, under any namespace alias, for
every name the account is known by (so a page still named after a former name counts).
"""
from __future__ import annotations

from collections.abc import Sequence

from detectors.bans import Person
from detectors.base import Context, Need
from detectors.model import (
    NS_USER,
    NS_USER_TALK,
    Event,
    EventType,
    Finding,
    Kind,
    SiteInfo,
    normalize_user_name,
)

_SPACE = {NS_USER: "user page", NS_USER_TALK: "user talk page"}


def owner_of(title: str, site: SiteInfo) -> tuple[int, str, bool] | None:
    """(namespace, owner name, is subpage) for a title in user space, else None."""
    if not title:
        return None
    ns, rest = site.split_title(title)
    if ns not in _SPACE or not rest:
        return None
    root, slash, _ = rest.partition("/")
    return ns, normalize_user_name(root), bool(slash)


def protected_owner(title: str, context: Context) -> tuple[Person, int, bool] | None:
    """(protected person, namespace, is subpage) when `title` is in their user space."""
    owned = owner_of(title, context.site)
    if owned is None:
        return None
    ns, owner, sub = owned
    for person in context.restriction.protected:
        if owner in {normalize_user_name(n) for n in person.names}:
            return person, ns, sub
    return None


def _match(title: str, context: Context) -> tuple[Person, str] | None:
    owned = protected_owner(title, context)
    if owned is None:
        return None
    person, ns, sub = owned
    return person, ("a subpage of " if sub else "") + f"{person.name}'s {_SPACE[ns]}"


class UserspaceDetector:
    name = "userspace"
    kinds = frozenset({Kind.USERSPACE})
    needs: frozenset[Need] = frozenset()

    def detect(self, event: Event, context: Context) -> Sequence[Finding]:
        if event.is_edit:
            hit = _match(event.title, context)
            if hit is None:
                return []
            person, where = hit
            verb = "created" if event.type is EventType.NEW else "edited"
            return [Finding(Kind.USERSPACE, 1.0, f"{verb} [[{event.title}]], {where}", person.name)]
        if event.type is EventType.LOG and event.log_type == "move":
            return self._move(event, context)
        return []

    def _move(self, event: Event, context: Context) -> list[Finding]:
        dest = str(event.params.get("target_title", ""))
        for title, role in ((event.title, "from"), (dest, "to")):
            hit = _match(title, context)
            if hit is not None:
                person, where = hit
                return [Finding(Kind.USERSPACE, 1.0,
                                f"moved [[{event.title}]] to [[{dest}]] ({role} {where})",
                                person.name)]
        return []


DETECTOR = UserspaceDetector()
