"""The review web UI through Flask's test client, over a real queue built by the real bot
from the real local wiki (tests/web_fixtures.py)."""
from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from bot.review import accounts
from bot.web.auth import LOGIN_COOKIE, SESSION_COOKIE
from bot.web.passwords import hash_password
from tests.web_fixtures import PASSWORD

pytestmark = pytest.mark.wiki


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


def sign_in(client, name: str, password: str = PASSWORD):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"csrf": csrf_of(page), "name": name,
                                       "password": password})


def signed_in(env):
    client = env.flask().test_client()
    assert sign_in(client, env.reviewer).status_code == 302
    return client


def first_item_id(client, **query) -> int:
    page = client.get("/", query_string=query).get_data(as_text=True)
    return int(re.search(r'href="/items/(\d+)[?"]', page)[1])


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "iframe", "object", "embed", "img", "style"):
            self.bad.append(tag)
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.bad.append(f"{tag} {name}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                    ("javascript:", "data:", "vbscript:")):
                self.bad.append(f"{tag} {name}={value}")


def assert_inert(html: str) -> None:
    """No element that could run anything: the payloads are only ever text."""
    parser = _Elements()
    parser.feed(html)
    assert parser.bad == []


def test_nothing_without_sign_in(review_env):
    client = review_env.flask().test_client()
    for path in ("/", "/?status=new", "/items/1", "/audit", "/timeline"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith("/login"), path
    for path in ("/items/1/decide", "/timeline", "/logout"):
        assert client.post(path, data={"decision": "confirmed"}).status_code == 403, path
    login = client.get("/login")
    body = login.get_data(as_text=True)
    assert "Queue" not in body and "new:" not in body and review_env.alice not in body
    assert login.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "script-src" not in login.headers["Content-Security-Policy"]
    assert login.headers["X-Frame-Options"] == "DENY"
    assert login.headers["Referrer-Policy"] == "no-referrer"
    cookie = client.get_cookie(LOGIN_COOKIE, path="/login")
    assert cookie.http_only and cookie.same_site == "Strict"


def test_sign_in_refusals_and_rate_limit(review_env):
    client = review_env.flask().test_client()
    assert client.post("/login", data={"name": review_env.reviewer,
                                       "password": PASSWORD}).status_code == 403  # no CSRF
    wrong = sign_in(client, review_env.reviewer, "wrong password!!")
    assert wrong.status_code == 401 and "wrong name or password" in wrong.get_data(as_text=True)
    assert sign_in(client, "Nobody at all", PASSWORD).status_code == 401
    assert client.get("/").status_code == 302
    accounts.add(review_env.app().store, "Limited Larry", hash_password(PASSWORD),
                 review_env.clock())
    for _ in range(3):  # login_attempts = 3 in the fixture's [web] settings
        assert sign_in(client, "Limited Larry", "nope nope nope").status_code == 401
    refused = sign_in(client, "Limited Larry", PASSWORD)
    assert refused.status_code == 401 and "too many" in refused.get_data(as_text=True)
    review_env.clock.offset = timedelta(minutes=16)  # the window has passed
    try:
        assert sign_in(client, "Limited Larry", PASSWORD).status_code == 302
    finally:
        review_env.clock.offset = timedelta(0)


def test_queue_filters_counts_and_paging(review_env):
    client = signed_in(review_env)
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie.http_only and cookie.same_site == "Lax" and len(cookie.value) >= 40
    assert review_env.alice not in cookie.value and review_env.reviewer not in cookie.value
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert re.search(r"new: <b>(\d+)</b>", html)
    assert html.count('<tr class="item">\n    <td><a href="/items/') == 2  # page_size = 2
    assert "next &rarr;" in html
    second = client.get("/?page=2").get_data(as_text=True)
    assert "&larr; previous" in second
    mention = client.get("/?kind=mention").get_data(as_text=True)
    assert "mention" in mention and "Javascript:alert(1)" in mention
    assert "No queue items match" in client.get("/?status=dismissed&kind=thanks").get_data(
        as_text=True)
    assert client.get("/?status=bogus").status_code == 400
    assert client.get("/?kind=bogus").status_code == 400
    assert_inert(html + second + mention)


def test_item_shows_ban_findings_and_sanitized_diff(review_env):
    client = signed_in(review_env)
    item_id = first_item_id(client, kind="userspace", sort="newest")  # the edit, not the creation
    html = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert "<h2>Ban " in html and review_env.alice in html and review_env.bob in html
    assert "Project:Arbitration/*" in html  # exemptions
    assert "userspace" in html and re.search(
        r'<td><a href="/help/confidence#userspace"[^>]*>[01]\.\d\d</a></td>', html)
    assert 'class="diff-addedline' in html and '<ins class="diffchange' in html
    assert "&lt;script&gt;" in html  # the payload is shown as text
    assert "Reports (1)" in html and "Victim &lt;script&gt;" in html  # the staff report
    assert "?diff=" in html and "Special:Contributions/" in html and 'rel="noreferrer' in html
    assert_inert(html)
    assert client.get("/items/999999").status_code == 404


def test_decide_needs_csrf_and_is_audited(review_env):
    client = signed_in(review_env)
    item_id = first_item_id(client, status="new")
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    refused = client.post(f"/items/{item_id}/decide", data={"decision": "confirmed"})
    forged = client.post(f"/items/{item_id}/decide",
                         data={"decision": "confirmed", "csrf": "x" * 43})
    assert refused.status_code == forged.status_code == 403
    assert review_env.app().store.get_item(item_id).status == "new"
    bad = client.post(f"/items/{item_id}/decide", data={"decision": "maybe",
                                                        "csrf": csrf_of(page)})
    assert bad.status_code == 400
    done = client.post(f"/items/{item_id}/decide", data={
        "decision": "confirmed", "note": "clear <b>breach</b>", "csrf": csrf_of(page)})
    assert done.status_code == 302
    item = review_env.app().store.get_item(item_id)
    assert item.status == "confirmed" and item.decisions[-1].reviewer == review_env.reviewer
    audit = review_env.app().store.audit(item_id=item_id)
    assert (audit[0].actor, audit[0].action) == (review_env.reviewer, "decide")
    shown = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert "clear &lt;b&gt;breach&lt;/b&gt;" in shown and "status new -&gt; confirmed" in shown
    log = client.get("/audit").get_data(as_text=True)
    assert f'href="/items/{item_id}"' in log and "sign-in" in log


def test_timeline_of_two_users(review_env):
    client = signed_in(review_env)
    csrf = csrf_of(client.get("/timeline").get_data(as_text=True))
    today = review_env.clock()  # the fixture's edits were made earlier, maybe before midnight
    form = {"csrf": csrf, "wiki": "testwiki", "first": review_env.alice,
            "second": review_env.bob, "start": (today - timedelta(days=1)).strftime("%Y-%m-%d"),
            "end": today.strftime("%Y-%m-%d")}
    html = client.post("/timeline", data=form).get_data(as_text=True)
    assert "Talk:Common ground" in html and "Alice&#39;s reply" in html
    assert re.search(r'class="gap">\d+ (s|min)', html)
    assert f"User talk:{review_env.bob}" not in html.split("Pages both edited")[1]
    assert_inert(html)
    assert client.post("/timeline", data={**form, "second": review_env.alice}).status_code == 400
    assert client.post("/timeline", data={**form, "start": "yesterday"}).status_code == 400
    assert client.post("/timeline", data={**form, "csrf": ""}).status_code == 403


def test_sign_out_expiry_and_disable_end_sessions(review_env):
    client = signed_in(review_env)
    csrf = csrf_of(client.get("/").get_data(as_text=True))
    token = client.get_cookie(SESSION_COOKIE).value
    assert client.post("/logout", data={"csrf": csrf}).status_code == 302
    client.set_cookie(SESSION_COOKIE, token)
    assert client.get("/").status_code == 302, "a signed-out token is dead"
    assert ("sign-out", review_env.reviewer) in {
        (e.action, e.actor) for e in review_env.app().store.audit(limit=50)}
    client = signed_in(review_env)
    review_env.clock.offset = timedelta(hours=9)  # session_minutes = 480
    try:
        assert client.get("/").status_code == 302
    finally:
        review_env.clock.offset = timedelta(0)
    store = review_env.app().store
    accounts.add(store, "Temp Tess", hash_password(PASSWORD), review_env.clock())
    client = review_env.flask().test_client()
    assert sign_in(client, "Temp Tess").status_code == 302 and client.get("/").status_code == 200
    accounts.disable(store, "Temp Tess", review_env.clock())
    assert client.get("/").status_code == 302
    assert sign_in(client, "Temp Tess").status_code == 401

