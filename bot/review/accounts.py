"""Reviewer accounts: the use cases behind `ibanbot reviewers add|list|link|unlink|password|
disable|enable`, for any entry point.

A password reaches them hashed (`PasswordHash`, made by bot.web.passwords, the one place that
hashes and checks passwords): the use cases never see a password, and a plain string passed
for one is refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.errors import UsageError
from bot.storage import AuditNote, Reviewer, Store, WikiAccount
from detectors.model import UserRef, normalize_user_name

NAME = re.compile(r"[^\s<>&\"'/][^<>&\"'/]{0,62}[^\s<>&\"'/]|[^\s<>&\"'/]")
CLI_ACTOR = "cli"
# stored as the hash of a reviewer who signs in with a wiki account only (never verifies)
NO_PASSWORD = ""  # nosec B105
HASH = re.compile(r"(scrypt|pbkdf2):[\w:]+\$[^$]+\$[0-9a-f]+")  # werkzeug's method$salt$hash


@dataclass(frozen=True, repr=False)
class PasswordHash:
    """A password as stored (bot.web.passwords.hash_password makes it); never shown."""

    value: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not HASH.fullmatch(self.value):
            raise TypeError("a PasswordHash holds a hash made by bot.web.passwords")

    def __repr__(self) -> str:
        return "PasswordHash(...)"


def _stored(password: PasswordHash) -> str:
    if not isinstance(password, PasswordHash):  # a plain password must never be stored
        raise TypeError("reviewer passwords reach the use cases hashed (PasswordHash)")
    return password.value


def check_name(name: str) -> str:
    if not NAME.fullmatch(name or ""):
        raise UsageError("a reviewer name has 1 to 64 characters, no spaces at either end, "
                         "and none of < > & \" ' /")
    return name


def check_new(store: Store, name: str) -> str:
    """The name of a reviewer to add, checked before a password is asked for."""
    same = next((r.name for r in store.reviewers.all()
                 if r.name.casefold() == name.casefold()), None)
    if same is not None:  # the audit must never hold two spellings of one reviewer
        raise UsageError(f"reviewer {name!r} already exists" +
                         (f" as {same!r}" if same != name else ""))
    return check_name(name)


def add(store: Store, name: str, password: PasswordHash | None, at: datetime) -> Reviewer:
    """A new reviewer; with no password, one who signs in with a linked wiki account only."""
    how = "" if password is not None else " (no password: wiki sign-in only)"
    same = next((r.name for r in store.reviewers.all()
                 if r.name.casefold() == name.casefold() and r.name != name), None)
    if same is not None:  # the audit must never hold two spellings of one reviewer
        raise UsageError(f"reviewer {name!r} already exists as {same!r}")
    return store.reviewers.add(
        check_name(name), _stored(password) if password is not None else NO_PASSWORD, at,
        AuditNote(CLI_ACTOR, "reviewer-add", f"reviewer {name} added{how}", at))


class SignInIds(Protocol):
    def sign_in_id(self, name: str) -> UserRef | None: ...


def link(store: Store, wiki_users: SignInIds, name: str, wiki: str, username: str,
         at: datetime) -> WikiAccount:
    """Let a wiki account sign in as reviewer `name`. The account's user id is looked up and
    pinned now: only that account signs in, even if another one takes the name later (a
    rename, or a name registered before the reviewer's first sign-in)."""
    username = normalize_user_name(username)  # as MediaWiki spells it
    if not username or any(c in username for c in "#<>[]|{}") or \
            not username.isprintable() or len(username.encode("utf-8")) > 255:
        raise UsageError(f"{username!r} is not a wiki user name")
    account = wiki_users.sign_in_id(username)
    if account is None:
        raise UsageError(f"there is no user {username!r} on {wiki}")
    return store.wiki_accounts.link(
        name, wiki, account.name, str(account.id), at,
        AuditNote(CLI_ACTOR, "reviewer-link",
                  f"reviewer {name} may sign in as {account.name} (user id {account.id}) on "
                  f"{wiki}", at))


def unlink(store: Store, name: str, wiki: str, at: datetime) -> None:
    store.wiki_accounts.unlink(
        name, wiki, AuditNote(CLI_ACTOR, "reviewer-unlink",
                              f"reviewer {name}: no wiki account on {wiki} any more", at))


def wiki_accounts(store: Store) -> list[WikiAccount]:
    return store.wiki_accounts.accounts()


def set_password(store: Store, name: str, password: PasswordHash, at: datetime) -> None:
    store.reviewers.set_password(
        name, _stored(password),
        AuditNote(CLI_ACTOR, "reviewer-password",
                  f"reviewer {name}: password changed, sessions ended", at))


def disable(store: Store, name: str, at: datetime) -> None:
    store.reviewers.disable(
        name, at, AuditNote(CLI_ACTOR, "reviewer-disable",
                            f"reviewer {name} disabled, sessions ended", at))


def enable(store: Store, name: str, at: datetime) -> None:
    store.reviewers.enable(
        name, AuditNote(CLI_ACTOR, "reviewer-enable", f"reviewer {name} enabled", at))


def all_reviewers(store: Store) -> list[Reviewer]:
    return store.reviewers.all()
