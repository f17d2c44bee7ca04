"""Reviewer passwords: hashed with scrypt (werkzeug), checked in constant time."""
from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from bot.errors import UsageError
from bot.review.accounts import PasswordHash

MIN_LENGTH = 12
METHOD = "scrypt"  # werkzeug's scrypt:32768:8:1 with a 16-byte salt
# Checked against when the name is unknown, so the answer takes as long as for a real account.
_DUMMY = generate_password_hash("not a password of anyone", method=METHOD)


def hash_password(password: str) -> PasswordHash:
    """The password checked for strength and hashed, for bot.review.accounts to store."""
    check_strength(password)
    return PasswordHash(generate_password_hash(password, method=METHOD))


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise UsageError(f"the password must have at least {MIN_LENGTH} characters")
    if password.strip() != password:
        raise UsageError("the password must not start or end with spaces")


def verify(password_hash: str | None, password: str) -> bool:
    if not password_hash:  # no such reviewer, or one without a password
        check_password_hash(_DUMMY, password)
        return False
    return check_password_hash(password_hash, password)
