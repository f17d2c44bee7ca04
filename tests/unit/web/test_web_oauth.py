"""Sign-in with a wiki account, the parts that need no wiki: the redirect, the state, refusals,
the client's secret. The whole flow against the local wiki is in test_web_oauth_wiki.py."""
from __future__ import annotations

import logging
from datetime import UTC
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.app import App
from bot.errors import ConfigError
from bot.storage import WikiAccountStore
from bot.web import create_app
from bot.web.wikisignin import STATE_COOKIE
from bot.wiki import oauth

SECRET = "s3cret-of-the-client-0123456789"
ENV = {"IBANBOT_OAUTH_SECRET_DEV_WIKI": SECRET}


def settings(folder: Path, wiki_extra: str = "", web: str = "") -> Path:
    (folder / "bans.toml").write_text("", encoding="utf-8")
    path = folder / "settings.toml"
    path.write_text(
        '[database]\nurl = "sqlite:///web.sqlite3"\n[bans]\nfile = "bans.toml"\n'
        f"[web]\n{web}\n"
        '[[wikis]]\nname = "dev-wiki"\napi = "http://127.0.0.1:9/w/api.php"\n'
        'max_retries = 0\nretry_wait = 0\noauth_client_id = "client-key-1"\n' + wiki_extra
        + '[[wikis]]\nname = "other"\napi = "http://127.0.0.1:9/other/api.php"\n',
        encoding="utf-8")
    return path


def flask(path: Path, environ: dict[str, str] | None = None):
    app = App.load(path)
    app.ensure_schema()
    return app, create_app(app, secure_cookies=False, environ=ENV if environ is None else environ)


def start(client, wiki: str = "dev-wiki"):
    response = client.get(f"/oauth/{wiki}/start")
    assert response.status_code == 302
    return urlsplit(response.headers["Location"]), response


def test_login_page_offers_the_wikis_with_a_client(tmp_path):
    _, web = flask(settings(tmp_path))
    page = web.test_client().get("/login").get_data(as_text=True)
    assert 'href="/oauth/dev-wiki/start">Sign in with dev-wiki</a>' in page
    assert "/oauth/other/start" not in page
    assert web.test_client().get("/oauth/other/start").status_code == 404
    assert web.test_client().get("/oauth/nowhere/callback?state=x").status_code == 404


def test_start_sends_the_browser_to_the_wiki_with_state_and_pkce(tmp_path):
    app, web = flask(settings(tmp_path))
    client = web.test_client()
    location, response = start(client)
    assert (location.scheme, location.netloc, location.path) == (
        "http", "127.0.0.1:9", "/w/rest.php/oauth2/authorize")
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["response_type"] == "code" and query["client_id"] == "client-key-1"
    assert query["redirect_uri"] == "http://localhost/oauth/dev-wiki/callback"
    assert query["code_challenge_method"] == "S256" and SECRET not in location.geturl()
    cookie = client.get_cookie(STATE_COOKIE, path="/oauth/dev-wiki/callback")
    assert cookie.value == query["state"] and cookie.http_only
    assert "SameSite=Lax" in response.headers["Set-Cookie"]
    from bot.web.wikisignin import check_state

    verifier = check_state(WikiAccountStore(app.store.engine).state_key(), "dev-wiki",
                           query["state"], app.now())
    assert oauth.challenge(verifier) == query["code_challenge"]
    assert verifier not in location.geturl()


def test_public_url_and_a_provider_elsewhere(tmp_path):
    path = settings(tmp_path, 'oauth_url = "https://meta.example.org/w/rest.php"\n',
                    'public_url = "https://review.example.org/ibanbot/"')
    location, _ = start(flask(path)[1].test_client())
    query = parse_qs(location.query)
    assert location.geturl().startswith("https://meta.example.org/w/rest.php/oauth2/authorize?")
    assert query["redirect_uri"] == ["https://review.example.org/ibanbot/oauth/dev-wiki/callback"]


def test_the_answer_must_come_back_to_the_browser_that_asked_and_once(tmp_path):
    _, web = flask(settings(tmp_path))
    client = web.test_client()
    location, _ = start(client)
    state = parse_qs(location.query)["state"][0]
    stranger = web.test_client()  # another browser (no state cookie): a forged answer
    answer = stranger.get("/oauth/dev-wiki/callback", query_string={"state": state, "code": "x"})
    assert answer.status_code == 400 and "began in another browser" in answer.get_data(True)
    denied = client.get("/oauth/dev-wiki/callback",
                        query_string={"state": state, "error": "access_denied"})
    assert denied.status_code == 401
    assert "the wiki did not sign you in (access_denied)" in denied.get_data(as_text=True)
    assert client.get_cookie(STATE_COOKIE, path="/oauth/dev-wiki/callback") is None
    client.set_cookie(STATE_COOKIE, state, path="/oauth/dev-wiki/callback")
    replay = client.get("/oauth/dev-wiki/callback", query_string={"state": state, "code": "x"})
    assert replay.status_code == 400, "a state is taken once"
    assert client.get("/").status_code == 302, "still signed out"


def test_an_unreachable_wiki_is_a_one_line_error_without_the_secret(tmp_path, caplog):
    _, web = flask(settings(tmp_path))
    client = web.test_client()
    location, _ = start(client)
    state = parse_qs(location.query)["state"][0]
    with caplog.at_level(logging.DEBUG):
        answer = client.get("/oauth/dev-wiki/callback",
                            query_string={"state": state, "code": "a-code"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 502
    assert "wiki dev-wiki: access_token request failed (ConnectionError)" in text
    assert SECRET not in text and SECRET not in caplog.text and "a-code" not in caplog.text


def test_client_secret_from_the_environment_or_a_private_file(tmp_path):
    app = App.load(settings(tmp_path))
    from bot.web.wikisignin import clients

    assert clients(app.settings, ENV)["dev-wiki"].secret == SECRET
    assert clients(app.settings, {})["dev-wiki"].secret is None  # a non-confidential client
    assert SECRET not in repr(clients(app.settings, ENV))
    secret = tmp_path / "secret"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    secret.chmod(0o600)
    path = settings(tmp_path, 'oauth_secret_file = "secret"\n')
    assert clients(App.load(path).settings, {})["dev-wiki"].secret == SECRET
    secret.chmod(0o644)
    with pytest.raises(ConfigError, match=r"wiki dev-wiki: key 'oauth_secret_file': .*secret: "
                                          r"other users may read it \(mode 644\); run: chmod 600"):
        flask(path, environ={})
    secret.unlink()
    with pytest.raises(ConfigError, match="cannot be read"):
        clients(App.load(path).settings, {})


def test_bad_oauth_settings_name_the_key(tmp_path):
    path = settings(tmp_path, 'oauth_url = "https://meta.example.org/w/api.php"\n')
    with pytest.raises(ConfigError, match=r"wiki dev-wiki: key 'oauth_url': .*ending in rest.php"):
        App.load(path)
    path = settings(tmp_path, web='public_url = "review.example.org"')
    with pytest.raises(ConfigError, match=r"key 'web.public_url'.*http\(s\) URL"):
        App.load(path)


def test_answers_are_remembered_ten_minutes_only(tmp_path):
    from datetime import datetime, timedelta

    clock = [datetime(2026, 11, 27, 12, 0, tzinfo=UTC)]
    app = App.load(settings(tmp_path), now=lambda: clock[0])
    app.ensure_schema()
    client = create_app(app, secure_cookies=False, environ=ENV).test_client()
    for _ in range(3):
        location, _ = start(client)
        state = parse_qs(location.query)["state"][0]
        client.get("/oauth/dev-wiki/callback", query_string={"state": state, "error": "x"})
    assert WikiAccountStore(app.store.engine).pending() == 3, "answers, not starts"
    clock[0] += timedelta(minutes=12)  # expired states need no memory
    location, _ = start(client)
    state = parse_qs(location.query)["state"][0]
    client.get("/oauth/dev-wiki/callback", query_string={"state": state, "error": "x"})
    assert WikiAccountStore(app.store.engine).pending() == 1


@pytest.mark.parametrize("hops, counted", [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_behind_a_trusted_proxy_the_client_address_is_counted(tmp_path, hops, counted):
    from datetime import timedelta

    from bot.storage import ReviewerStore

    app, web = flask(settings(tmp_path, web=f"trusted_proxies = {hops}"))
    client = web.test_client()
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "review.example.org"}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    client.post("/login", headers=headers, data={"csrf": csrf, "name": "x", "password": "y"})
    since = app.now() - timedelta(minutes=5)
    assert ReviewerStore(app.store.engine).failures_since(since, remote=counted) == 1
    started = client.get("/oauth/dev-wiki/start", headers=headers)
    if hops:  # the forwarded host is no loopback: the callback needs [web] public_url
        assert started.status_code == 500 and "public_url" in started.get_data(as_text=True)
        return
    location = urlsplit(started.headers["Location"])
    assert parse_qs(location.query)["redirect_uri"] == ["http://localhost/oauth/dev-wiki/callback"]
