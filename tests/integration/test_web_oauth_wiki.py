"""Sign-in with a wiki account, end to end against the local MediaWiki: its real accounts,
login and sessions, and the OAuth 2 endpoints of localwiki's stand-in for Extension:OAuth
(Debian's MediaWiki has no OAuth extension; see localwiki/extensions/OAuthStandIn).

The browser's part (log in on the wiki, allow the client) is driven with requests by
`localwiki.oauth.authorize`; tests/integration/test_web_browser.py does it in a real browser."""
from __future__ import annotations

import io
import itertools
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.app import App
from bot.cli.entry import main
from bot.review import accounts
from bot.storage import ReviewerStore
from bot.web import create_app
from bot.web.auth import SESSION_COOKIE
from localwiki import oauth as wiki_oauth
from localwiki.testing import WikiUser, make_user
from localwiki.wiki import ADMIN

pytestmark = pytest.mark.wiki
CALLBACK = "http://localhost/oauth/oauthwiki/callback"  # Flask's test client is "localhost"
_serial = itertools.count(1)


@dataclass
class Env:
    wiki: object
    settings: Path
    secret: str

    def app(self) -> App:
        return App.load(self.settings)

    def flask(self, secret: str | None = None):
        app = self.app()
        env = {"IBANBOT_OAUTH_SECRET_OAUTHWIKI": self.secret if secret is None else secret}
        return app, create_app(app, secure_cookies=False, environ=env)


@pytest.fixture(scope="module")
def env(tmp_path_factory, local_wiki) -> Env:
    folder = tmp_path_factory.mktemp("oauth")
    client = local_wiki.create_oauth_client(ADMIN, f"ibanbot review {folder.name}",
                                            CALLBACK)
    (folder / "bans.toml").write_text("", encoding="utf-8")
    settings = folder / "settings.toml"
    settings.write_text(
        '[database]\nurl = "sqlite:///review.sqlite3"\n[bans]\nfile = "bans.toml"\n'
        f'[[wikis]]\nname = "oauthwiki"\napi = "{local_wiki.api_url}"\nmax_retries = 0\n'
        f'retry_wait = 0\noauth_client_id = "{client.key}"\n', encoding="utf-8")
    App.load(settings).ensure_schema()
    return Env(local_wiki, settings, client.secret)


def wiki_user(env: Env, stem: str) -> WikiUser:
    return make_user(env.wiki, f"{stem} {next(_serial)}")


def reviewer_for(env: Env, user: WikiUser) -> str:
    name = f"Reviewer {next(_serial)}"
    app = env.app()
    accounts.add(app.store, name, None, app.now())
    accounts.link(app.store, app.gateways["oauthwiki"], name, "oauthwiki", user.name, app.now())
    return name


def sign_in(env: Env, web, user: WikiUser, allow: bool = True):
    """The whole round: our start page, the wiki (login, allow), our callback."""
    browser = web.test_client()
    start = browser.get("/oauth/oauthwiki/start")
    assert start.status_code == 302
    back = wiki_oauth.authorize(env.wiki, user.name, user.password,
                                start.headers["Location"], allow=allow)
    assert back.startswith(CALLBACK + "?"), back
    parts = urlsplit(back)
    return browser, browser.get(parts.path, query_string=parts.query)


def test_a_linked_wiki_account_signs_in_as_its_reviewer(env: Env):
    user = wiki_user(env, "Rita")
    name = reviewer_for(env, user)
    app, web = env.flask()
    browser, answer = sign_in(env, web, user)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert browser.get_cookie(SESSION_COOKIE) is not None
    queue = browser.get("/")
    assert queue.status_code == 200 and name in queue.get_data(as_text=True)
    row = next(e for e in app.store.audit(limit=10) if e.action == "sign-in")
    assert (row.actor, row.detail) == (name, f"web, as {user.name} on oauthwiki (OAuth)")
    # the wiki's user id was pinned by the link
    assert accounts.wiki_accounts(app.store)[-1].central_id == str(user.user_id)


def test_a_linked_name_taken_over_before_the_first_sign_in_is_refused(env: Env):
    """Security issue, finding 2: the link pins the user id at once. The linked account is
    renamed and someone registers its old name before the reviewer ever signs in: the
    newcomer is refused (the old code pinned whoever signed in first and let them in), and
    the renamed reviewer still signs in."""
    user = wiki_user(env, "Victor")
    name = reviewer_for(env, user)
    env.wiki.rename_user(user.name, f"{user.name} renamed")
    squatter = make_user(env.wiki, user.name)
    assert squatter.user_id != user.user_id
    app, web = env.flask()
    browser, answer = sign_in(env, web, squatter)
    assert answer.status_code == 401 and "may not sign in here" in answer.get_data(True)
    assert browser.get("/").status_code == 302
    renamed = WikiUser(f"{user.name} renamed", user.password, user.user_id)
    browser, answer = sign_in(env, web, renamed)
    assert answer.status_code == 302 and browser.get("/").status_code == 200
    assert name in browser.get("/").get_data(as_text=True)


def test_reviewers_link_refuses_unknown_names_and_shows_the_pinned_id(env: Env):
    user = wiki_user(env, "Linked")
    name = reviewer_for(env, user)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--config", str(env.settings), "reviewers", "link", name, "--wiki",
                     "oauthwiki", "--user", "Nobody by this name 7"])
        listed = main(["--config", str(env.settings), "reviewers", "list"])
    assert code == 2
    assert "Error: there is no user 'Nobody by this name 7' on oauthwiki" in err.getvalue()
    assert listed == 0
    assert f"{user.name}@oauthwiki (user id {user.user_id})" in out.getvalue()


def test_an_account_nobody_is_linked_to_is_refused(env: Env):
    user = wiki_user(env, "Stranger")
    app, web = env.flask()
    browser, answer = sign_in(env, web, user)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 401
    assert f"the account {user.name} on oauthwiki may not sign in here" in text
    assert browser.get_cookie(SESSION_COOKIE) is None and browser.get("/").status_code == 302
    failures = ReviewerStore(app.store.engine).failures_since(app.now().replace(year=2000),
                                                             name=f"{user.name}@oauthwiki")
    assert failures == 1


def test_cancel_on_the_wiki_and_a_disabled_reviewer(env: Env):
    user = wiki_user(env, "Cancel")
    name = reviewer_for(env, user)
    app, web = env.flask()
    _, answer = sign_in(env, web, user, allow=False)
    assert answer.status_code == 401
    # Extension:OAuth answers Cancel with error=unauthorized_client (ClientApprovalDenyException)
    assert "the wiki did not sign you in (unauthorized_client)" in answer.get_data(as_text=True)
    accounts.disable(app.store, name, app.now())
    _, answer = sign_in(env, web, user)
    assert answer.status_code == 401 and "may not sign in here" in answer.get_data(True)


def test_a_wrong_client_secret_is_refused_by_the_wiki(env: Env):
    user = wiki_user(env, "Secret")
    reviewer_for(env, user)
    _, web = env.flask(secret="not-the-secret")
    _, answer = sign_in(env, web, user)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 502 and "not-the-secret" not in text
    assert "wiki oauthwiki: access_token refused (HTTP 401: invalid_client)" in text


def test_a_new_account_under_a_renamed_reviewers_old_name_is_refused(env: Env):
    user = wiki_user(env, "Old name")
    reviewer_for(env, user)
    _, web = env.flask()
    assert sign_in(env, web, user)[1].status_code == 302  # pins the id
    env.wiki.rename_user(user.name, f"{user.name} renamed")
    impostor = make_user(env.wiki, user.name)  # a new account takes the old name
    assert impostor.user_id != user.user_id
    _, answer = sign_in(env, web, impostor)
    assert answer.status_code == 401 and "may not sign in here" in answer.get_data(True)
