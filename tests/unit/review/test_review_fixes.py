"""Review fixes: concurrent sign-in guesses, report receipts that stay one line, one-line CLI
errors."""
from __future__ import annotations

import threading
from datetime import UTC, timedelta

import pytest

from bot.review import accounts
from bot.storage import ReviewerStore, Store
from bot.web import passwords
from bot.web.auth import Auth, AuthPolicy, SignInRefused
from bot.web.passwords import hash_password
from tests.storage_fixtures import T0

PASSWORD = "Correct-horse-battery-9"


@pytest.mark.db
def test_concurrent_wrong_passwords_cannot_exceed_the_limit(store: Store, monkeypatch) -> None:
    """Guesses arriving at once are counted against each other before any is verified."""
    accounts.add(store, "Ann Admin", hash_password(PASSWORD), T0)
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


HOSTILE = ("{{IBAN report|diff=12|diff2=see below\n== Injected heading ==\n"
           "* __NOINDEX__ '''bold''' ~~~~}}")


def test_receipt_of_a_multi_line_link_stays_one_inert_line() -> None:
    from detectors import reportpage as rp

    page = "Instructions.\n== Report ==\n" + HOSTILE + "\n== Later ==\nkept\n"
    diffs = rp.extract_diffs(HOSTILE, "example.org")
    assert diffs.revids == (12,) and diffs.unclear
    problems = [f"{rp.quoted(link)} (not a single revision)" for link in diffs.unclear]
    assert all("\n" not in p for p in problems)
    raw = [f"{link} (not a single revision)" for link in diffs.unclear]  # unquoted, as before
    for given in (problems, raw):
        line = rp.receipt_line("R-0123456789", "2026-11-27", given, accepted=True)
        assert "\n" not in line and "__" not in line and "''" not in line
        section = rp.split_sections(page)[0]
        text = rp.rewrite(page, [rp.Replacement(section, line)])
        assert [s.text for s in rp.split_sections(text)] == ["== Later ==\nkept"]
        assert rp.strip_receipts(text) == "Instructions.\n\n== Later ==\nkept\n", \
            "the receipt is one marked line: nothing of it is read again as a report"
    assert len(rp.quoted("x" * 500)) == rp.QUOTE_CHARS


@pytest.mark.db
def test_rejected_report_problems_survive_the_database_unchanged(store: Store,
                                                                   monkeypatch) -> None:
    """A problem echoing a multi-line link is stored as one problem, not split at its breaks."""
    from bot.config.settings import WikiSettings
    from bot.pipeline import reportintake as reports
    from bot.storage import ReportStore
    from bot.wiki.reports import Lookup
    from detectors.model import UserRef
    from tests.fakes import FakeGateway

    monkeypatch.setattr(reports.wiki_reports, "reported_revision",
                        lambda gateway, revid: Lookup(revid, problem="missing"))
    gateway = FakeGateway("devwiki")
    wiki = WikiSettings(name="devwiki", api="https://example.org/w/api.php",
                        report_min_edits=0)
    intake = reports.ReportIntake(wiki, gateway, examiner=None, store=ReportStore(store.engine),
                                  now=lambda: T0)
    report = intake.submit(reports.Submission(
        wiki="devwiki", origin="wiki", reporter=UserRef(7, "Rita"), text=HOSTILE,
        fingerprint="f-hostile", page="Project:Reports", section="Report", added_revid=3))
    assert report.outcome == "rejected"
    stored = ReportStore(store.engine).get(report.reference)
    assert stored.problems == report.problems and len(stored.problems) == 2
    assert all("\n" not in p for p in stored.problems)


def test_sign_in_works_when_the_ui_is_served_below_a_prefix(tmp_path) -> None:
    """Behind a proxy at /review/ (SCRIPT_NAME), the sign-in form's cookie must come back."""
    from datetime import datetime

    from bot.app import App
    from bot.web import create_app

    (tmp_path / "bans.toml").write_text("", encoding="utf-8")
    config = tmp_path / "settings.toml"
    config.write_text('[database]\nurl = "sqlite:///web.sqlite3"\n[bans]\nfile = "bans.toml"\n'
                      '[[wikis]]\nname = "devwiki"\napi = "http://127.0.0.1:9/api.php"\n',
                      encoding="utf-8")
    app = App.load(config)
    app.ensure_schema()
    accounts.add(app.store, "Ann Admin", hash_password(PASSWORD), datetime.now(UTC))
    client = create_app(app, secure_cookies=False).test_client()
    base = "http://localhost/review/"
    form = client.get("/login", base_url=base)
    assert "Path=/review/login" in form.headers["Set-Cookie"]
    csrf = form.get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]
    signed = client.post("/login", base_url=base,
                         data={"csrf": csrf, "name": "Ann Admin", "password": PASSWORD})
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/review/")
    assert client.get("/audit", base_url=base).status_code == 200


def _offline_settings(folder):
    (folder / "bans.toml").write_text("", encoding="utf-8")
    config = folder / "settings.toml"
    config.write_text('[database]\nurl = "sqlite:///web.sqlite3"\n[bans]\nfile = "bans.toml"\n'
                      '[[wikis]]\nname = "devwiki"\napi = "http://127.0.0.1:9/api.php"\n',
                      encoding="utf-8")
    return config


def test_out_of_range_numbers_are_usage_errors_or_not_found(tmp_path, capsys) -> None:
    from datetime import datetime

    from bot.app import App
    from bot.cli.entry import main
    from bot.errors import NotFound
    from bot.web import create_app

    config = _offline_settings(tmp_path)
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    capsys.readouterr()
    huge = str(2**64)
    for argv in (["queue", "show", huge], ["queue", "list", "--limit", "-1"],
                 ["queue", "decide", "0", "--decision", "confirmed", "--reviewer", "R"],
                 ["report", "list", "--limit", "0"], ["queue", "show", "x"]):
        code = main(["--config", str(config), *argv])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and "unexpected" not in err, (argv, err)
    app = App.load(config)
    for item_id in (2**64, 0, -3):
        with pytest.raises(NotFound):
            app.store.get_item(item_id)
        with pytest.raises(NotFound):
            app.store.decide(item_id, "confirmed", "Rita", "", datetime.now(UTC))
    accounts.add(app.store, "Ann Admin", hash_password(PASSWORD), datetime.now(UTC))
    client = create_app(app, secure_cookies=False).test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"csrf": csrf, "name": "Ann Admin", "password": PASSWORD})
    huge = client.get(f"/?page={2**64}")  # the CLI's `--page` error, not an overflow
    assert huge.status_code == 400 and "filter page must be from 1 to" in huge.get_data(
        as_text=True)
    assert client.get(f"/items/{2**64}").status_code == 404


def test_runtime_errors_name_no_database_before_sign_in(tmp_path, monkeypatch) -> None:
    from bot.app import App
    from bot.errors import StorageError
    from bot.web import create_app

    config = _offline_settings(tmp_path)
    app = App.load(config)
    app.ensure_schema()
    client = create_app(app, secure_cookies=False).test_client()
    form = client.get("/login").get_data(as_text=True)
    csrf = form.split('name="csrf" value="')[1].split('"')[0]

    def down(*args, **kwargs):
        raise StorageError(f"counting login attempts failed on {app.store.engine.url}: gone")

    monkeypatch.setattr(ReviewerStore, "failures_since", down)
    answer = client.post("/login", data={"csrf": csrf, "name": "Ann", "password": PASSWORD})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 500 and "try again later" in body
    assert "sqlite" not in body and str(tmp_path) not in body


@pytest.mark.db
def test_account_changes_and_their_audit_rows_are_one_transaction(store: Store,
                                                                   monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    from bot.errors import StorageError
    from bot.storage import audit as audit_module

    accounts.add(store, "Ann Admin", hash_password(PASSWORD), T0)
    real = audit_module.record_audit

    def audit_fails(*args, **kwargs):
        raise OperationalError("INSERT INTO audit_log", {}, Exception("disk full"))

    monkeypatch.setattr(audit_module, "record_audit", audit_fails)
    with pytest.raises(StorageError, match="disk full"):
        accounts.add(store, "Bea Boss", hash_password(PASSWORD), T0)
    with pytest.raises(StorageError, match="disk full"):
        accounts.disable(store, "Ann Admin", T0)
    policy = AuthPolicy(lifetime=timedelta(hours=1), attempts=3, window=timedelta(minutes=15),
                        secure_cookies=False)
    with pytest.raises(StorageError, match="disk full"):
        Auth(store, policy, lambda: T0).sign_in("Ann Admin", PASSWORD, "10.0.0.1")
    monkeypatch.setattr(audit_module, "record_audit", real)
    reviewers = ReviewerStore(store.engine)
    assert reviewers.get("Bea Boss") is None, "no account without its audit row"
    assert reviewers.get("Ann Admin").active, "not disabled without its audit row"
    assert [e.action for e in store.audit()] == ["reviewer-add"]
    token, _ = Auth(store, policy, lambda: T0).sign_in("Ann Admin", PASSWORD, "10.0.0.1")
    assert [e.action for e in store.audit()] == ["sign-in", "reviewer-add"]


@pytest.mark.db
def test_a_staff_warning_keeps_its_first_acknowledgment(store: Store) -> None:
    from bot.storage import Ledger

    ledger = Ledger(store)
    warning_id = ledger.add_warning("devwiki", "gap", "an outage longer than recent changes", T0)
    first = ledger.acknowledge(warning_id, "Staffer", T0 + timedelta(minutes=1))
    again = ledger.acknowledge(warning_id, "Someone Else", T0 + timedelta(minutes=5))
    assert (again.acknowledged_by, again.acknowledged_at) == ("Staffer", first.acknowledged_at)


def test_warnings_ack_needs_a_reviewer_name(tmp_path, capsys) -> None:
    from bot.cli.entry import main

    config = _offline_settings(tmp_path)
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    code = main(["--config", str(config), "warnings", "ack", "1", "--reviewer", "  "])
    assert code == 2 and "--reviewer" in capsys.readouterr().err


def test_a_plain_password_is_never_stored(store: Store) -> None:
    """The reviewer use cases take a PasswordHash (bot.web.passwords makes it), never a
    password: a plain string is refused before anything is written."""
    with pytest.raises(TypeError, match="hashed"):
        accounts.add(store, "Plain Pat", PASSWORD, T0)  # type: ignore[arg-type]
    assert [r.name for r in accounts.all_reviewers(store)] == []
    accounts.add(store, "Hashed Hal", hash_password(PASSWORD), T0)
    with pytest.raises(TypeError, match="hashed"):
        accounts.set_password(store, "Hashed Hal", "Another-password-42", T0)  # type: ignore
    assert repr(hash_password(PASSWORD)) == "PasswordHash(...)"  # no hash in a traceback
    with pytest.raises(TypeError, match="hash made by"):
        accounts.PasswordHash(PASSWORD)  # a password dressed as its hash
