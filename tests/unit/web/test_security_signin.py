"""Issue 18's findings on sign-in, through Flask's test client: starting wiki sign-ins cannot
block them for others (7); the login CSRF cookie cannot be planted from a sibling host, and a
cross-origin sign-in form is refused (13); the Host header never chooses the OAuth callback
off loopback (13)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from bot.app import App
from bot.storage import WikiAccountStore
from bot.web import create_app
from bot.web.auth import LOGIN_COOKIE
from bot.web.wikisignin import STATE_COOKIE
from tests.unit.web.test_web_oauth import ENV, flask, settings, start


def test_a_thousand_anonymous_starts_block_no_one(tmp_path):
    """Finding 7: the state is signed, not stored: no row per start, no global cap to fill."""
    app, web = flask(settings(tmp_path))
    attacker = web.test_client()
    for _ in range(1000):
        assert attacker.get("/oauth/dev-wiki/start").status_code == 302
    assert WikiAccountStore(app.store.engine).pending() == 0, "no row per start"
    reviewer = web.test_client()
    location, _ = start(reviewer)
    state = parse_qs(location.query)["state"][0]
    assert reviewer.get_cookie(STATE_COOKIE, path="/oauth/dev-wiki/callback").value == state


def test_a_signed_state_is_bound_to_its_wiki_and_cannot_be_forged(tmp_path):
    path = settings(tmp_path, web="")
    path.write_text(path.read_text(encoding="utf-8") + 'oauth_client_id = "client-2"\n',
                    encoding="utf-8")  # the second wiki ("other") gets a client too
    _, web = flask(path)
    client = web.test_client()
    location, _ = start(client)
    state = parse_qs(location.query)["state"][0]
    nonce, issued, mac = state.split(".")
    for forged in (f"{nonce}.{int(issued) + 1}.{mac}", f"{nonce}x.{issued}.{mac}", "x.y.z", "",
                   f"{nonce}.{issued}.{mac}é", f"{nonce}.²{issued}.{mac}"):
        client.set_cookie(STATE_COOKIE, forged, path="/oauth/dev-wiki/callback")
        answer = client.get("/oauth/dev-wiki/callback", query_string={"state": forged,
                                                                       "code": "c"})
        assert answer.status_code == 400, forged
    client.set_cookie(STATE_COOKIE, state, path="/oauth/other/callback")
    answer = client.get("/oauth/other/callback", query_string={"state": state, "code": "c"})
    assert answer.status_code == 400, "a state of dev-wiki is no state of another wiki"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


def test_login_csrf_cookie_is_host_only_over_https(tmp_path):
    """Finding 13: `__Host-` keeps a sibling subdomain from planting the sign-in token."""
    app = App.load(settings(tmp_path, web='public_url = "https://review.example.org"'))
    app.ensure_schema()
    web = create_app(app, secure_cookies=True, environ=ENV)
    client = web.test_client()
    response = client.get("/login", base_url="https://review.example.org")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-" + LOGIN_COOKIE + "=")
    assert "Secure" in cookie and "Path=/;" in cookie + ";" and "Domain" not in cookie
    started = client.get("/oauth/dev-wiki/start", base_url="https://review.example.org")
    assert started.headers["Set-Cookie"].startswith("__Host-" + STATE_COOKIE + "=")
    assert "Path=/;" in started.headers["Set-Cookie"]
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    answer = client.get("/oauth/dev-wiki/callback", base_url="https://review.example.org",
                        query_string={"state": state, "code": "c"})
    assert answer.status_code == 502, "the state held: the (unreachable) wiki was asked"
    csrf = _csrf(response.get_data(as_text=True))
    planted = web.test_client()  # a token under the old name, as a sibling could plant it
    planted.set_cookie(LOGIN_COOKIE, csrf, domain="review.example.org")
    refused = planted.post("/login", base_url="https://review.example.org",
                           data={"csrf": csrf, "name": "x", "password": "y"})
    assert refused.status_code == 403


def test_a_sign_in_form_posted_from_another_origin_is_refused(tmp_path):
    """Finding 13, the server-side check: Origin (or Sec-Fetch-Site) must be our own."""
    _, web = flask(settings(tmp_path))
    client = web.test_client()
    csrf = _csrf(client.get("/login").get_data(as_text=True))
    data = {"csrf": csrf, "name": "x", "password": "y"}
    for headers in ({"Origin": "http://evil.localhost"},
                    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
                    {"Sec-Fetch-Site": "same-site"},
                    {"Sec-Fetch-Site": "cross-site"}):
        assert client.post("/login", data=data, headers=headers).status_code == 403, headers
    for headers in ({"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
                    {"Origin": "null", "Sec-Fetch-Site": "same-origin"}):  # no-referrer's
        same = client.post("/login", data=data, headers=headers)
        assert same.status_code == 401, "our own origin: the form is checked (wrong password)"


def test_the_host_header_chooses_no_callback_off_loopback(tmp_path):
    """Finding 13: without `[web] public_url`, only a loopback Host may build the callback."""
    _, web = flask(settings(tmp_path))
    client = web.test_client()
    refused = client.get("/oauth/dev-wiki/start", base_url="http://evil.example.org")
    assert refused.status_code == 500 and "public_url" in refused.get_data(as_text=True)
    for host in ("localhost", "127.0.0.1:8000", "[::1]:8000"):
        ok = client.get("/oauth/dev-wiki/start", base_url=f"http://{host}")
        assert ok.status_code == 302, host
        redirect = parse_qs(urlsplit(ok.headers["Location"]).query)["redirect_uri"][0]
        assert redirect == f"http://{host}/oauth/dev-wiki/callback"
