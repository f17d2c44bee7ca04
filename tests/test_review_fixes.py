"""Review fixes: concurrent sign-in guesses, report receipts that stay one line, one-line CLI errors."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.storage import ReviewerStore, Store
from bot.web import accounts, passwords
from bot.web.auth import Auth, AuthPolicy, SignInRefused
from tests.storage_fixtures import T0, db_url, empty_store, store  # noqa: F401

PASSWORD = "Correct-horse-battery-9"


@pytest.mark.db
def test_concurrent_wrong_passwords_cannot_exceed_the_limit(store: Store, monkeypatch) -> None:
    """Guesses arriving at once are counted against each other before any is verified."""
    accounts.add(store, "Ann Admin", PASSWORD, T0)
    policy = AuthPolicy(lifetime=timedelta(hours=1), attempts=2, window=timedelta(minutes=15),
                        secure_cookies=False)
    auth = Auth(store, policy, lambda: T0 + timedelta(minutes=1))
    guesses = 8
    arrived = threading.Barrier(guesses)
    verified: list[str] = []
    real_verify = passwords.verify

    def slow_verify(password_hash: str | None, password: str) -> bool:
        verified.append(password)
        return real_verify(password_hash, password)

    original_get = ReviewerStore.get

    def get_after_all_arrived(self: ReviewerStore, name: str):
        try:  # every request has passed the limit check before any password is verified
            arrived.wait(timeout=2)
        except threading.BrokenBarrierError:
            pass
        return original_get(self, name)

    monkeypatch.setattr(passwords, "verify", slow_verify)
    monkeypatch.setattr(ReviewerStore, "get", get_after_all_arrived)
    refused: list[str] = []

    def guess(n: int) -> None:
        try:
            auth.sign_in("Ann Admin", f"wrong guess number {n}", f"10.0.0.{n}")
        except SignInRefused as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(refused) == guesses
    assert len(verified) <= policy.attempts, "more passwords checked than the limit allows"
    reviewers = ReviewerStore(store.engine)
    assert reviewers.failures_since(T0, name="Ann Admin") == len(verified)
    monkeypatch.undo()
    # refused unchecked requests are not failures: the window is not extended by them
    later = Auth(store, policy, lambda: T0 + timedelta(minutes=17))
    token, session = later.sign_in("Ann Admin", PASSWORD, "10.0.1.1")
    assert token and session.reviewer == "Ann Admin"
