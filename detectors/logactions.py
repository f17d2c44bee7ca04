"""`log-action`: logged actions on the protected user or on their pages.

What the wiki adapter puts on a LOG event (see README / report): `log_type`, `log_action`,
`title` (the log's page), `target` (the user concerned by block, rights and rename logs; else
taken from a `User:X` title), and `params` flattened as the API gives them, plus
`page_creator` (a user name) when known and, for revision deletion, `revision_authors` (the
user names of the hidden revisions).

- block / reblock / unblock (also the suppression log's blocks) of a protected user;
- rights changes and renames of a protected user;
- deletion, protection (and pending-changes settings) of a page in their user space or that
  they created; moves of a page they created (moves touching their user space are the
  userspace detector's);
- revision deletion hiding their revisions.
Thanks are the thanks detector's.
"""
from __future__ import annotations

from collections.abc import Sequence

from detectors.bans import Person
from detectors.base import Context, Need
from detectors.model import NS_USER, Event, EventType, Finding, Kind, UserRef
from detectors.userspace import owner_of, protected_owner

_BLOCKS = {"block": "blocked", "reblock": "changed the block of", "unblock": "unblocked"}
_PAGE_VERBS = {
    ("delete", "delete"): "deleted", ("delete", "delete_redir"): "deleted",
    ("suppress", "delete"): "suppressed",
    ("protect", "protect"): "protected", ("protect", "modify"): "changed the protection of",
    ("protect", "unprotect"): "unprotected", ("protect", "move_prot"): "moved the protection of",
    ("stable", "config"): "changed pending-changes settings of",
    ("stable", "modify"): "changed pending-changes settings of",
    ("stable", "reset"): "reset pending-changes settings of",
    ("move", "move"): "moved", ("move", "move_redir"): "moved",
}
_REVDEL = {("delete", "revision"), ("delete", "event"), ("suppress", "revision"),
           ("suppress", "event")}
_CREATOR_CONFIDENCE = 0.8


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _names(value: object) -> list[str]:
    """A list param as given (list, tuple, or comma-separated string) as names."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def _protected(context: Context, user: UserRef | None) -> Person | None:
    return context.restriction.protected_user(user)


def _by_name(context: Context, name: str) -> Person | None:
    return _protected(context, UserRef(0, name)) if name else None


def _target_user(event: Event, context: Context) -> UserRef | None:
    """The user a user-targeted log acts on: `event.target`, else the `User:X` title."""
    if event.target is not None:
        return event.target
    owned = owner_of(event.title.split("@")[0], context.site)
    if owned is None or owned[0] != NS_USER:
        return None
    return UserRef(0, owned[1])


def _block(event: Event, context: Context) -> list[Finding]:
    user = _target_user(event, context)
    person = _protected(context, user)
    if person is None or user is None:
        return []
    p = event.params
    expiry = _text(p.get("duration")) or _text(p.get("expiry"))
    flags = _names(p.get("flags"))
    detail = [f"expiry {expiry}"] if expiry and event.log_action != "unblock" else []
    detail += [f"flags: {', '.join(flags)}"] if flags else []
    evidence = f"{_BLOCKS[event.log_action]} {user.name}" + (
        f" ({'; '.join(detail)})" if detail else "")
    return [Finding(Kind.LOG_ACTION, 1.0, evidence, person.name)]


def _rights(event: Event, context: Context) -> list[Finding]:
    user = _target_user(event, context)
    person = _protected(context, user)
    if person is None or user is None:
        return []
    old, new = _names(event.params.get("oldgroups")), _names(event.params.get("newgroups"))
    added = [g for g in new if g not in old]
    removed = [g for g in old if g not in new]
    parts = ([f"added {', '.join(added)}"] if added else []) + (
        [f"removed {', '.join(removed)}"] if removed else [])
    evidence = f"changed {user.name}'s user rights" + (f" ({'; '.join(parts)})" if parts else "")
    return [Finding(Kind.LOG_ACTION, 1.0, evidence, person.name)]


def _rename(event: Event, context: Context) -> list[Finding]:
    old, new = _text(event.params.get("olduser")), _text(event.params.get("newuser"))
    person = _protected(context, event.target) or _by_name(context, old) or _by_name(context, new)
    if person is None:
        return []
    shown = f"renamed {old or person.name}" + (f" to {new}" if new else "")
    return [Finding(Kind.LOG_ACTION, 1.0, shown, person.name)]


def _userspace_owner(title: str, context: Context) -> Person | None:
    owned = protected_owner(title, context)
    return owned[0] if owned else None


def _page(event: Event, context: Context) -> list[Finding]:
    verb = _PAGE_VERBS[(event.log_type, event.log_action)]
    if event.log_type == "move":
        dest = _text(event.params.get("target_title"))
        if _userspace_owner(event.title, context) or _userspace_owner(dest, context):
            return []  # the userspace detector reports moves touching user space
        what = f"moved [[{event.title}]] to [[{dest}]]"
    else:
        what = f"{verb} [[{event.title}]]"
        owner = _userspace_owner(event.title, context)
        if owner is not None:
            return [Finding(Kind.LOG_ACTION, 1.0, f"{what}, in {owner.name}'s user space",
                            owner.name)]
    creator = _text(event.params.get("page_creator"))
    person = _by_name(context, creator)
    if person is None:
        return []
    return [Finding(Kind.LOG_ACTION, _CREATOR_CONFIDENCE, f"{what}, a page {creator} created",
                    person.name)]


def _revdel(event: Event, context: Context) -> list[Finding]:
    authors = _names(event.params.get("revision_authors"))
    hidden = "log entries" if event.log_action == "event" else "revisions"
    out = []
    for person in context.restriction.protected:
        theirs = [a for a in authors if person.is_user(UserRef(0, a))]
        if theirs:
            verb = "suppressed" if event.log_type == "suppress" else "hid"
            evidence = f"{verb} {len(theirs)} of {person.name}'s {hidden} on [[{event.title}]]"
            out.append(Finding(Kind.LOG_ACTION, 0.9, evidence, person.name))
    return out


def log_action_findings(event: Event, context: Context) -> list[Finding]:
    if event.type is not EventType.LOG or event.params is None:
        return []
    key = (event.log_type, event.log_action)
    if event.log_type in ("block", "suppress") and event.log_action in _BLOCKS:
        return _block(event, context)
    if event.log_type == "rights":
        return _rights(event, context)
    if event.log_type == "renameuser":
        return _rename(event, context)
    if key in _REVDEL:
        return _revdel(event, context)
    if key in _PAGE_VERBS:
        return _page(event, context)
    return []


class LogActionDetector:
    name = "log-action"
    kinds = frozenset({Kind.LOG_ACTION})
    needs: frozenset[Need] = frozenset()

    def detect(self, event: Event, context: Context) -> Sequence[Finding]:
        try:
            return log_action_findings(event, context)
        except (TypeError, ValueError, AttributeError, KeyError):  # malformed input
            return []


DETECTOR = LogActionDetector()
