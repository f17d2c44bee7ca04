"""Reviewer accounts: the use cases behind `ibanbot reviewers add|list|disable|enable|password`."""
from __future__ import annotations

import re
from datetime import datetime

from bot.errors import UsageError
from bot.storage import AuditNote, Reviewer, ReviewerStore, Store
from bot.web import passwords

NAME = re.compile(r"[^\s<>&\"'/][^<>&\"'/]{0,62}[^\s<>&\"'/]|[^\s<>&\"'/]")
CLI_ACTOR = "cli"


def check_name(name: str) -> str:
    if not NAME.fullmatch(name or ""):
        raise UsageError("a reviewer name has 1 to 64 characters, no spaces at either end, "
                         "and none of < > & \" ' /")
    return name


def add(store: Store, name: str, password: str, at: datetime) -> Reviewer:
    return ReviewerStore(store.engine).add(
        check_name(name), passwords.hash_password(password), at,
        AuditNote(CLI_ACTOR, "reviewer-add", f"reviewer {name} added", at))


def set_password(store: Store, name: str, password: str, at: datetime) -> None:
    ReviewerStore(store.engine).set_password(
        name, passwords.hash_password(password),
        AuditNote(CLI_ACTOR, "reviewer-password",
                  f"reviewer {name}: password changed, sessions ended", at))


def disable(store: Store, name: str, at: datetime) -> None:
    ReviewerStore(store.engine).disable(
        name, at, AuditNote(CLI_ACTOR, "reviewer-disable",
                            f"reviewer {name} disabled, sessions ended", at))


def enable(store: Store, name: str, at: datetime) -> None:
    ReviewerStore(store.engine).enable(
        name, AuditNote(CLI_ACTOR, "reviewer-enable", f"reviewer {name} enabled", at))


def all_reviewers(store: Store) -> list[Reviewer]:
    return ReviewerStore(store.engine).all()
