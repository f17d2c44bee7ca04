"""OAuth 2 sign-in against the real local wiki (localwiki's OAuthStandIn extension).

The wiki serves Extension:OAuth's OAuth 2 endpoints; these tests play the browser with
localwiki.oauth.authorize (real login form, real approval dialog, real session) and the
client with plain requests calls.
"""
from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from localwiki import LocalWiki, LocalWikiError
from localwiki.oauth import OAuthFlowError, authorize, build_authorize_url, pkce_pair, query_of
from localwiki.testing import WikiUser, admin, client, make_user, running_wiki
from localwiki.wiki import OAUTH_EXTENSION, OAuthClient

pytestmark = pytest.mark.wiki
CALLBACK = "https://staff.example.org/oauth/callback"
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def wiki() -> Iterator[LocalWiki]:
    with running_wiki("oauthtest") as started:
        yield started


@pytest.fixture
def app(wiki: LocalWiki) -> OAuthClient:
    return wiki.create_oauth_client("Admin", f"Staff UI {next(_serial)}", CALLBACK)


@pytest.fixture
def user(wiki: LocalWiki) -> WikiUser:
    return make_user(wiki, f"Reviewer {next(_serial)}")


def token_request(wiki: LocalWiki, **data: Any) -> requests.Response:
    return requests.post(f"{wiki.rest_url}/oauth2/access_token", data=data, timeout=60)


def exchange(wiki: LocalWiki, app: OAuthClient, code: str, **extra: Any) -> requests.Response:
    return token_request(wiki, grant_type="authorization_code", code=code, client_id=app.key,
                         client_secret=app.secret, **extra)


def profile(wiki: LocalWiki, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.get(f"{wiki.rest_url}/oauth2/resource/profile", headers=headers, timeout=60)


def sign_in(wiki: LocalWiki, app: OAuthClient, user: WikiUser, **url_args: Any) -> tuple[str, str]:
    """Authorize with PKCE; returns (code, verifier)."""
    verifier, challenge = pkce_pair()
    url = build_authorize_url(wiki, app.key, state="s-1", code_challenge=challenge, **url_args)
    query = query_of(authorize(wiki, user.name, user.password, url))
    assert query["state"] == "s-1"
    return query["code"], verifier


def assert_error(answer: requests.Response, status: int, error: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["error"] == error
    assert body["error_description"] and body["message"] == body["error_description"]
    return body


def test_full_flow_goes_through_the_login_and_returns_the_users_profile(
        wiki: LocalWiki, app: OAuthClient, user: WikiUser) -> None:
    client(wiki, user).edit("OAuth sandbox", "one edit")
    verifier, challenge = pkce_pair()
    url = build_authorize_url(wiki, app.key, state="xyz", code_challenge=challenge)

    first = requests.get(url, allow_redirects=False, timeout=60)
    assert first.status_code == 307
    login = parse_qs(urlsplit(first.headers["Location"]).query)
    assert login["title"] == ["Special:UserLogin"]
    assert login["returnto"][0].startswith("Special:OAuth/rest")
    assert "rest_url=%2Frest.php%2Foauth2%2Fauthorize" in login["returntoquery"][0]

    final = authorize(wiki, user.name, user.password, url)
    assert final.startswith(CALLBACK + "?")
    query = query_of(final)
    assert query["state"] == "xyz" and len(query["code"]) >= 32

    answer = exchange(wiki, app, query["code"], code_verifier=verifier)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert tokens["access_token"] and tokens["refresh_token"]
    assert answer.headers["Cache-Control"] == "no-store"

    me = profile(wiki, tokens["access_token"])
    assert me.status_code == 200, me.text
    data = me.json()
    assert data["sub"] == user.user_id == wiki.user_id(user.name)
    assert data["username"] == user.name
    assert data["editcount"] == 1
    assert data["confirmed_email"] is False and data["blocked"] is False
    assert len(data["registered"]) == 14 and data["registered"].isdigit()
    assert {"*", "user"} <= set(data["groups"]) and "sysop" not in data["groups"]
    assert "edit" in data["rights"] and "delete" not in data["rights"]
    assert data["grants"] == ["mwoauth-authonly"]
    assert "email" not in data and "realname" not in data


def test_profile_of_a_blocked_sysop(wiki: LocalWiki, app: OAuthClient) -> None:
    boss = make_user(wiki, f"Boss {next(_serial)}", groups=("sysop",))
    code, verifier = sign_in(wiki, app, boss)
    token = exchange(wiki, app, code, code_verifier=verifier).json()["access_token"]
    client(wiki, admin(wiki)).block(boss.name, reason="test")
    data = profile(wiki, token).json()
    assert data["sub"] == boss.user_id
    assert "sysop" in data["groups"] and "delete" in data["rights"]
    assert data["blocked"] is True


def test_a_code_is_single_use(wiki: LocalWiki, app: OAuthClient, user: WikiUser) -> None:
    code, verifier = sign_in(wiki, app, user)
    assert exchange(wiki, app, code, code_verifier=verifier).status_code == 200
    body = assert_error(exchange(wiki, app, code, code_verifier=verifier), 400, "invalid_request")
    assert "revoked" in body["hint"]


def test_an_expired_code_is_refused(wiki: LocalWiki, app: OAuthClient, user: WikiUser) -> None:
    code, verifier = sign_in(wiki, app, user)
    with sqlite3.connect(wiki.data_dir / "oauthstandin.sqlite", timeout=20) as db:
        db.execute("UPDATE codes SET expires = expires - 601")
    body = assert_error(exchange(wiki, app, code, code_verifier=verifier), 400, "invalid_request")
    assert "expired" in body["hint"]


def test_unknown_code(wiki: LocalWiki, app: OAuthClient) -> None:
    assert_error(exchange(wiki, app, "0" * 64), 400, "invalid_request")


def test_wrong_secret_leaves_the_code_usable(wiki: LocalWiki, app: OAuthClient,
                                              user: WikiUser) -> None:
    code, verifier = sign_in(wiki, app, user)
    wrong = token_request(wiki, grant_type="authorization_code", code=code, client_id=app.key,
                          client_secret="not-the-secret", code_verifier=verifier)
    assert_error(wrong, 401, "invalid_client")
    other = wiki.create_oauth_client("Admin", f"Other app {next(_serial)}", CALLBACK)
    stolen = token_request(wiki, grant_type="authorization_code", code=code, client_id=other.key,
                           client_secret=other.secret, code_verifier=verifier)
    assert_error(stolen, 400, "invalid_request")
    assert exchange(wiki, app, code, code_verifier=verifier).status_code == 200


def test_client_credentials_by_http_basic(wiki: LocalWiki, app: OAuthClient,
                                          user: WikiUser) -> None:
    code, verifier = sign_in(wiki, app, user)
    answer = requests.post(f"{wiki.rest_url}/oauth2/access_token", timeout=60,
                           auth=(app.key, app.secret),
                           data={"grant_type": "authorization_code", "code": code,
                                 "code_verifier": verifier})
    assert answer.status_code == 200, answer.text


def test_wrong_or_missing_verifier(wiki: LocalWiki, app: OAuthClient, user: WikiUser) -> None:
    code, verifier = sign_in(wiki, app, user)
    other, _ = pkce_pair()
    body = assert_error(exchange(wiki, app, code, code_verifier=other), 400, "invalid_grant")
    assert "code_verifier" in body["hint"]
    assert_error(exchange(wiki, app, code), 400, "invalid_request")
    assert exchange(wiki, app, code, code_verifier=verifier).status_code == 200


def test_redirect_uri_must_match(wiki: LocalWiki, app: OAuthClient, user: WikiUser) -> None:
    evil = "https://evil.example/steal"
    page = requests.get(build_authorize_url(wiki, app.key, state="s", redirect_uri=evil),
                        allow_redirects=False, timeout=60)
    assert page.status_code == 401 and "Location" not in page.headers
    assert "text/html" in page.headers["Content-Type"] and "invalid_client" in page.text
    with pytest.raises(OAuthFlowError) as raised:
        authorize(wiki, user.name, user.password,
                  build_authorize_url(wiki, app.key, state="s", redirect_uri=CALLBACK + "/more"))
    assert raised.value.status == 401

    code, verifier = sign_in(wiki, app, user, redirect_uri=CALLBACK)
    assert_error(exchange(wiki, app, code, code_verifier=verifier), 400, "invalid_request")
    assert_error(exchange(wiki, app, code, code_verifier=verifier, redirect_uri=evil),
                 401, "invalid_client")
    ok = exchange(wiki, app, code, code_verifier=verifier, redirect_uri=CALLBACK)
    assert ok.status_code == 200, ok.text


def test_prefix_client_accepts_redirects_under_its_callback(wiki: LocalWiki,
                                                            user: WikiUser) -> None:
    app = wiki.create_oauth_client("Admin", f"Prefix app {next(_serial)}",
                                   "http://127.0.0.1:9/staff/", prefix=True)
    target = "http://127.0.0.1:9/staff/oauth/callback?next=%2Fqueue"
    verifier, challenge = pkce_pair()
    final = authorize(wiki, user.name, user.password,
                      build_authorize_url(wiki, app.key, state="p", code_challenge=challenge,
                                    redirect_uri=target))
    assert final.startswith(target + "&code=")
    query = query_of(final)
    assert query["next"] == "/queue" and query["state"] == "p"
    answer = exchange(wiki, app, query["code"], code_verifier=verifier, redirect_uri=target)
    assert answer.status_code == 200, answer.text
    elsewhere = build_authorize_url(wiki, app.key, redirect_uri="http://127.0.0.1:9/other")
    outside = requests.get(elsewhere, allow_redirects=False, timeout=60)
    assert outside.status_code == 401 and "Location" not in outside.headers


def test_cancel_sends_the_real_extensions_denial(wiki: LocalWiki, app: OAuthClient,
                                                 user: WikiUser) -> None:
    url = build_authorize_url(wiki, app.key, state="c", redirect_uri=CALLBACK)
    final = authorize(wiki, user.name, user.password, url, allow=False)
    assert final.startswith(CALLBACK + "?")
    query = query_of(final)
    assert "code" not in query
    assert query["error"] == "unauthorized_client"   # Extension:OAuth's ClientApprovalDenyException
    assert query["error_description"]


def test_bad_missing_or_revoked_tokens_get_401(wiki: LocalWiki, app: OAuthClient,
                                               user: WikiUser) -> None:
    assert_error(profile(wiki, "0" * 64), 401, "access_denied")
    body = assert_error(profile(wiki, None), 401, "access_denied")
    assert "Authorization" in body["hint"]
    code, verifier = sign_in(wiki, app, user)
    tokens = exchange(wiki, app, code, code_verifier=verifier).json()
    assert profile(wiki, tokens["refresh_token"]).status_code == 401

    renewed = token_request(wiki, grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                            client_id=app.key, client_secret=app.secret)
    assert renewed.status_code == 200, renewed.text
    assert profile(wiki, renewed.json()["access_token"]).json()["sub"] == user.user_id
    assert_error(profile(wiki, tokens["access_token"]), 401, "access_denied")
    again = token_request(wiki, grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                          client_id=app.key, client_secret=app.secret)
    assert_error(again, 400, "invalid_request")


def test_scopes_resource(wiki: LocalWiki, user: WikiUser) -> None:
    app = wiki.create_oauth_client("Admin", f"Scoped {next(_serial)}", CALLBACK,
                                   grants=("basic", "highvolume"))
    assert app.grants == ("basic", "highvolume")
    code, verifier = sign_in(wiki, app, user, scope="basic")
    token = exchange(wiki, app, code, code_verifier=verifier).json()["access_token"]
    scopes = requests.get(f"{wiki.rest_url}/oauth2/resource/scopes", timeout=60,
                          headers={"Authorization": f"Bearer {token}"})
    assert scopes.json() == {"scopes": ["basic", "highvolume"]}
    assert profile(wiki, token).json()["grants"] == ["basic"]


def test_unknown_client_gets_an_error_page(wiki: LocalWiki, user: WikiUser) -> None:
    page = requests.get(build_authorize_url(wiki, "f" * 32, state="s", redirect_uri=CALLBACK),
                        allow_redirects=False, timeout=60)
    assert page.status_code == 401 and "Location" not in page.headers
    assert "invalid_client" in page.text
    wrong_type = requests.get(f"{wiki.rest_url}/oauth2/authorize?response_type=token&client_id=x",
                              allow_redirects=False, timeout=60)
    assert wrong_type.status_code == 400 and "Location" not in wrong_type.headers


def test_a_signed_in_user_who_allowed_before_is_not_asked_again(
        wiki: LocalWiki, app: OAuthClient, user: WikiUser) -> None:
    browser = requests.Session()
    first = authorize(wiki, user.name, user.password,
                      build_authorize_url(wiki, app.key, state="1"), session=browser)
    assert "code" in query_of(first)
    # allow=False would press Cancel if the dialog came again: a code proves it did not
    second = authorize(wiki, user.name, user.password,
                       build_authorize_url(wiki, app.key, state="2"), allow=False, session=browser)
    assert query_of(second)["state"] == "2" and "code" in query_of(second)


def test_approval_needs_the_csrf_token_and_cannot_be_forged(
        wiki: LocalWiki, app: OAuthClient, user: WikiUser) -> None:
    browser = requests.Session()
    api = client(wiki, user)
    browser.cookies.update(api.session.cookies)
    url = build_authorize_url(wiki, app.key, state="f") + "&approval_pass=1"
    to_dialog = browser.get(url, allow_redirects=False, timeout=60)
    assert to_dialog.status_code == 307
    dialog_url = to_dialog.headers["Location"]
    assert "Special:OAuth/approve" in dialog_url
    dialog = browser.get(dialog_url, timeout=60)
    assert dialog.status_code == 200 and 'id="mw-mwoauth-authorize-form"' in dialog.text
    params = query_of(dialog_url)
    forged = browser.post(f"{wiki.index_url}?title=Special:OAuth/approve", allow_redirects=False,
                          timeout=60, data={**params, "accept": "Allow", "wpEditToken": "+\\"})
    assert forged.status_code == 200 and 'id="mw-mwoauth-authorize-form"' in forged.text
    again = browser.get(url, allow_redirects=False, timeout=60)
    assert "Special:OAuth/approve" in again.headers["Location"]


def test_wrong_password_fails_the_login(wiki: LocalWiki, app: OAuthClient, user: WikiUser) -> None:
    with pytest.raises(OAuthFlowError, match="login"):
        authorize(wiki, user.name, "wrong password", build_authorize_url(wiki, app.key))


def test_the_maintenance_script_prints_the_real_scripts_json(wiki: LocalWiki) -> None:
    out = wiki.run_maintenance(
        str(OAUTH_EXTENSION / "maintenance/createOAuthConsumer.php"), "--user", "Admin",
        "--name", "Raw", "--description", "d", "--version", "1", "--callbackUrl", CALLBACK,
        "--grants", "mwoauth-authonly", "--oauthVersion", "2", "--approve", "--jsonOnSuccess")
    data = json.loads(out)
    assert set(data) == {"created", "id", "name", "key", "secret", "approved"}
    assert data["created"] is True and data["approved"] == 1 and data["name"] == "Raw"
    with pytest.raises(LocalWikiError):
        wiki.create_oauth_client("Admin", "Bad grant", CALLBACK, grants=("no-such-grant",))
    with pytest.raises(LocalWikiError):
        wiki.create_oauth_client("Nobody at all", "No owner", CALLBACK)


def test_reset_forgets_clients(wiki: LocalWiki, app: OAuthClient, user: WikiUser) -> None:
    sign_in(wiki, app, user)
    wiki.reset()
    assert wiki.is_running()
    page = requests.get(build_authorize_url(wiki, app.key), allow_redirects=False, timeout=60)
    assert page.status_code == 401
    assert not (wiki.data_dir / "oauthstandin.sqlite").exists() or \
        sqlite3.connect(wiki.data_dir / "oauthstandin.sqlite").execute(
            "SELECT COUNT(*) FROM clients").fetchone() == (0,)
