"""Sign-in with a wiki account (MediaWiki OAuth 2), for wikis with `oauth_client_id` set.

`/oauth/<wiki>/start` sends the browser to the wiki with a fresh `state` (kept in the
database by its hash, and in a cookie scoped to the callback's path, which binds the answer
to this browser) and a PKCE verifier (kept in the database only). `/oauth/<wiki>/callback`
takes that state once, trades the code for the account's name and id, and opens a session
if a reviewer is linked to that account (`ibanbot reviewers link`): the same allow-list,
sessions, rate limits and audit rows as a password sign-in.
"""
from __future__ import annotations

import logging
import os
import stat
from collections.abc import Mapping
from datetime import timedelta

from flask import Response, abort, current_app, make_response, redirect, request, url_for

from bot.errors import ConfigError
from bot.settings import Settings, WikiSettings
from bot.storage import WikiAccountStore
from bot.web.auth import SESSION_COOKIE, SignInRefused, new_token, same
from bot.web.views import login_page, auth, bp, ibanbot
from bot.wiki import oauth

log = logging.getLogger(__name__)
STATE_COOKIE = "ibanbot_oauth_state"
MAX_WAIT = timedelta(minutes=10)  # from the redirect to the wiki until its answer
MAX_PENDING = 1000  # sign-ins under way at once; more are refused (the table stays small)


def clients(settings: Settings, environ: Mapping[str, str] | None = None
            ) -> dict[str, oauth.OAuthClient]:
    """The OAuth client of every wiki that has one; ConfigError for an unreadable secret."""
    env = os.environ if environ is None else environ
    return {w.name: oauth.OAuthClient(w.name, w.oauth_rest_url, w.oauth_client_id,
                                      _secret(settings, w, env), settings.bot.contact)
            for w in settings.wikis if w.oauth_client_id}


def _secret(settings: Settings, wiki: WikiSettings, env: Mapping[str, str]) -> str | None:
    value = env.get(wiki.oauth_secret_env, "").strip()
    if value or wiki.oauth_secret_file is None:
        return value or None
    path = wiki.oauth_secret_file
    where = f"{settings.path}: wiki {wiki.name}: key 'oauth_secret_file': {path}"
    try:
        mode = os.stat(path).st_mode
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot be read ({type(exc).__name__})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{where}: other users may read it (mode {stat.S_IMODE(mode):o}); "
                          f"run: chmod 600 {path}")
    if not text:
        raise ConfigError(f"{where}: the file is empty")
    return text


def _client(wiki: str) -> oauth.OAuthClient:
    found = current_app.extensions["ibanbot.oauth"].get(wiki)
    if found is None:
        abort(404)
    return found


def _callback_url(wiki: str) -> str:
    public = ibanbot().settings.web.public_url
    path = url_for("web.oauth_callback", wiki=wiki)
    if public:
        return public + path[len(request.script_root):]
    return url_for("web.oauth_callback", wiki=wiki, _external=True)


@bp.get("/oauth/<wiki>/start")
def oauth_start(wiki: str) -> Response:
    client, now = _client(wiki), ibanbot().now()
    state, verifier = new_token(), oauth.new_verifier()
    if not WikiAccountStore(ibanbot().store.engine).begin(state, wiki, verifier, now,
                                                         now - MAX_WAIT, MAX_PENDING):
        return login_page("too many sign-ins are under way; try again in a few minutes", 429)
    response = make_response(redirect(oauth.authorize_url(client, _callback_url(wiki), state,
                                                          verifier)))
    # SameSite=Lax: the wiki's redirect back is a top-level GET, which Lax cookies go with
    response.set_cookie(STATE_COOKIE, state, max_age=int(MAX_WAIT.total_seconds()),
                        httponly=True, samesite="Lax", secure=auth().policy.secure_cookies,
                        path=url_for("web.oauth_callback", wiki=wiki))
    return response


@bp.get("/oauth/<wiki>/callback")
def oauth_callback(wiki: str) -> Response:
    client, args = _client(wiki), request.args
    state = args.get("state", "")
    pending = WikiAccountStore(ibanbot().store.engine).take(state) \
        if same(state, request.cookies.get(STATE_COOKIE)) else None
    if args.get("error"):  # Cancel on the wiki (Extension:OAuth's answer may lack the state)
        reason = " ".join(str(args["error"]).split())[:60]
        return _refused(wiki, f"the wiki did not sign you in ({reason})", 401)
    if pending is None or pending.wiki != wiki or \
            ibanbot().now() - pending.created_at > MAX_WAIT:
        return _refused(wiki, "this sign-in expired or began in another browser; try again",
                        400)
    if not args.get("code"):
        return _refused(wiki, "the wiki did not sign you in (no code)", 401)
    try:
        account = oauth.sign_in(client, args["code"], _callback_url(wiki), pending.verifier)
    except oauth.OAuthError as exc:
        log.warning("review UI: %s", exc)
        return _refused(wiki, f"{exc}; try again", 502)
    try:
        token, _ = auth().sign_in_with_wiki(wiki, account, request.remote_addr or "?")
    except SignInRefused as exc:
        return _refused(wiki, str(exc), 401)
    response = make_response(redirect(url_for("web.queue")))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax",
                        secure=auth().policy.secure_cookies,
                        max_age=int(auth().policy.lifetime.total_seconds()))
    _forget_state(response, wiki)
    return response


def _refused(wiki: str, message: str, status: int) -> Response:
    response = login_page(message, status)
    _forget_state(response, wiki)
    return response


def _forget_state(response: Response, wiki: str) -> None:
    response.delete_cookie(STATE_COOKIE, path=url_for("web.oauth_callback", wiki=wiki),
                           httponly=True, samesite="Lax", secure=auth().policy.secure_cookies)
