"""Sign-in, sign-out, sessions and CSRF for the review UI.

The session cookie holds only a random token; the database keeps its SHA-256 with the
reviewer's name, a CSRF token and the expiry, so signing out (or disabling the account)
ends the session at once and no case data ever sits in a cookie. Failed sign-ins are
counted per name and per address; past the limit, sign-in is refused for the window.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import IbanbotError
from bot.storage import AuditNote, Store, WebSession
from bot.web import passwords
from bot.wiki.oauth import WikiProfile

SESSION_COOKIE = "ibanbot_session"
LOGIN_COOKIE = "ibanbot_login_csrf"  # double-submit token of the sign-in form only
PER_ADDRESS_FACTOR = 4  # an address may fail this many times the per-name limit
HOST_PREFIX = "__Host-"  # browsers take such a cookie only from this very host (Secure, Path=/)


class SignInRefused(IbanbotError):
    """Wrong name or password, a disabled account, or too many failed attempts."""


@dataclass(frozen=True)
class AuthPolicy:
    lifetime: timedelta
    attempts: int
    window: timedelta
    secure_cookies: bool


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


class Auth:
    def __init__(self, store: Store, policy: AuthPolicy, now: Callable[[], datetime]) -> None:
        self.store, self.policy, self.now = store, policy, now
        self.reviewers = store.reviewers
        self.accounts = store.wiki_accounts

    @property
    def session_cookie(self) -> str:
        """The session cookie's name: `__Host-` over https, so no sibling host can plant one."""
        return HOST_PREFIX + SESSION_COOKIE if self.policy.secure_cookies else SESSION_COOKIE

    @property
    def login_cookie(self) -> str:
        return HOST_PREFIX + LOGIN_COOKIE if self.policy.secure_cookies else LOGIN_COOKIE

    def sign_in(self, name: str, password: str, remote: str) -> tuple[str, WebSession]:
        """(token, session) for a correct name and password; SignInRefused otherwise.

        The attempt is recorded as failed before the limits are checked and the password is
        verified, so concurrent guesses count against each other: however many arrive at once,
        at most `attempts` per name (and four times that per address) are ever verified.
        """
        at = self.now()
        attempt = self.reviewers.open_attempt(name, remote, at)
        if self._over_limit(name, remote, at - self.policy.window):
            self.reviewers.drop_attempt(attempt)  # refused unchecked: not a guess
            raise SignInRefused("too many failed sign-ins; wait "
                                f"{int(self.policy.window.total_seconds() // 60)} minutes")
        reviewer = self.reviewers.get(name) if name else None
        ok = passwords.verify(reviewer.password_hash if reviewer else None, password)
        if not ok or reviewer is None or not reviewer.active:
            raise SignInRefused("wrong name or password")  # the attempt stays a failure
        self.reviewers.settle_attempt(attempt)
        return self._open(reviewer.name, "web", at)

    def sign_in_with_wiki(self, wiki: str, account: WikiProfile, remote: str
                          ) -> tuple[str, WebSession]:
        """(token, session) for a wiki account linked to an enabled reviewer.

        The wiki vouched for the account (OAuth); what is checked here is the allow-list.
        A refusal counts as a failed sign-in of the address, like a wrong password.
        """
        at = self.now()
        attempt = self.reviewers.open_attempt(f"{account.username}@{wiki}", remote, at)
        if self.reviewers.failures_since(at - self.policy.window, remote=remote) \
                > self.policy.attempts * PER_ADDRESS_FACTOR:
            self.reviewers.drop_attempt(attempt)
            raise SignInRefused("too many failed sign-ins; wait "
                                f"{int(self.policy.window.total_seconds() // 60)} minutes")
        name = self.accounts.match(wiki, account.central_id)
        if name is None:
            raise SignInRefused(f"the account {account.username} on {wiki} may not sign in "
                                "here; a reviewer must be linked to it "
                                "(ibanbot reviewers link)")
        self.reviewers.settle_attempt(attempt)
        return self._open(name, f"web, as {account.username} on {wiki} (OAuth)", at)

    def _open(self, reviewer: str, how: str, at: datetime) -> tuple[str, WebSession]:
        token, csrf = new_token(), new_token()
        self.reviewers.open_session(token, reviewer, csrf, at, self.policy.lifetime,
                                    AuditNote(reviewer, "sign-in", how, at))
        return token, WebSession(reviewer, csrf, at, at + self.policy.lifetime)

    def _over_limit(self, name: str, remote: str, since: datetime) -> bool:
        """More failures (this attempt included) than the policy allows, by name or address."""
        return (self.reviewers.failures_since(since, name=name) > self.policy.attempts
                or self.reviewers.failures_since(since, remote=remote)
                > self.policy.attempts * PER_ADDRESS_FACTOR)

    def session(self, token: str | None) -> WebSession | None:
        return self.reviewers.session(token, self.now()) if token else None

    def sign_out(self, token: str, session: WebSession) -> None:
        self.reviewers.close_session(token, AuditNote(session.reviewer, "sign-out", "web",
                                                      self.now()))
