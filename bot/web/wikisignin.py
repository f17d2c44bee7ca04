"""Sign-in with a wiki account (MediaWiki OAuth 2), for wikis with `oauth_client_id` set.

`/oauth/<wiki>/start` sends the browser to the wiki with a fresh `state`: a random nonce and
the time, signed (HMAC-SHA256) with a key kept in the database, bound to the wiki, and set in
a cookie scoped to the callback's path, which binds the answer to this browser. Nothing is
stored per start, so no number of starts can block anyone. The PKCE verifier is derived from
the state and the key: it never leaves the server. `/oauth/<wiki>/callback` checks the
signature and the age, records the state as answered (once only), trades the code for the
account's name and id, and opens a session if a reviewer is linked to that account
(`ibanbot reviewers link`): the same allow-list, sessions, rate limits and audit rows as a
password sign-in.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
import stat
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import Response, abort, current_app, make_response, redirect, request, url_for

from bot.config.settings import Settings, WikiSettings
from bot.errors import ConfigError
from bot.web.auth import HOST_PREFIX, SignInRefused, same
from bot.web.views import auth, bp, ibanbot, login_page
from bot.wiki import oauth

log = logging.getLogger(__name__)
STATE_COOKIE = "ibanbot_oauth_state"
MAX_WAIT = timedelta(minutes=10)  # from the redirect to the wiki until its answer
LOOPBACK_NAMES = {"localhost"}
NO_PUBLIC_URL = "wiki sign-in is not set up for this address ([web] public_url)"


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


def _callback_url(wiki: str) -> str | None:
    """On `[web] public_url`; without it, on the request's Host, which must be loopback
    (anyone can send any Host header: it must not choose where the wiki sends the code)."""
    public = ibanbot().settings.web.public_url
    path = url_for("web.oauth_callback", wiki=wiki)
    if public:
        return public + path[len(request.script_root):]
    if not _is_loopback(request.host):
        log.error("review UI: wiki sign-in was refused: off loopback it needs [web] public_url "
                  "(the address reviewers open); the Host header is not trusted")
        return None
    return url_for("web.oauth_callback", wiki=wiki, _external=True)


def _is_loopback(host: str) -> bool:
    if host.startswith("[") and "]" in host:  # [::1]:8000
        name = host[1:host.index("]")]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    name = name.lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _mac(key: bytes, purpose: str, wiki: str, nonce: str, issued: int) -> str:
    digest = hmac.new(key, f"{purpose}|{wiki}|{nonce}|{issued}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def _key() -> bytes:
    extensions = current_app.extensions
    if "ibanbot.state_key" not in extensions:
        extensions["ibanbot.state_key"] = ibanbot().store.wiki_accounts.state_key()
    return extensions["ibanbot.state_key"]


def new_state(key: bytes, wiki: str, now: datetime) -> tuple[str, str]:
    """(state, PKCE verifier). The state is `nonce.issued.signature`, the signature covering
    the wiki, the nonce and the time; the verifier is derived from the same three."""
    nonce, issued = secrets.token_urlsafe(24), int(now.timestamp())
    return (f"{nonce}.{issued}.{_mac(key, 'state', wiki, nonce, issued)}",
            _mac(key, "pkce", wiki, nonce, issued))


def check_state(key: bytes, wiki: str, state: str, now: datetime) -> str | None:
    """The PKCE verifier of a state this server signed for `wiki` within MAX_WAIT, or None."""
    parts = state.split(".")
    if len(parts) != 3 or not (parts[1].isascii() and parts[1].isdigit()) or \
            len(parts[1]) > 12:
        return None
    nonce, issued = parts[0], int(parts[1])
    if not hmac.compare_digest(parts[2].encode(), _mac(key, "state", wiki, nonce,
                                                       issued).encode()):
        return None
    age = now.timestamp() - issued
    if not -60 <= age <= MAX_WAIT.total_seconds():
        return None
    return _mac(key, "pkce", wiki, nonce, issued)  # 43 characters of [A-Za-z0-9_-]


@bp.get("/oauth/<wiki>/start")
def oauth_start(wiki: str) -> Response:
    client, now = _client(wiki), ibanbot().now()
    callback = _callback_url(wiki)
    if callback is None:
        return login_page(NO_PUBLIC_URL, 500)
    state, verifier = new_state(_key(), wiki, now)
    response = make_response(redirect(oauth.authorize_url(client, callback, state, verifier)))
    # SameSite=Lax: the wiki's redirect back is a top-level GET, which Lax cookies go with
    name, path = _state_cookie(wiki)
    response.set_cookie(name, state, max_age=int(MAX_WAIT.total_seconds()), httponly=True,
                        samesite="Lax", secure=auth().policy.secure_cookies, path=path)
    return response


@bp.get("/oauth/<wiki>/callback")
def oauth_callback(wiki: str) -> Response:
    client, args, now = _client(wiki), request.args, ibanbot().now()
    state = str(args.get("state", ""))[:200]
    verifier = check_state(_key(), wiki, state, now) \
        if same(state, request.cookies.get(_state_cookie(wiki)[0])) else None
    if verifier is not None and not ibanbot().store.wiki_accounts.use_once(
            state, wiki, now, now - MAX_WAIT - timedelta(minutes=1)):
        verifier = None  # answered already: a state is taken once
    if args.get("error"):  # Cancel on the wiki (Extension:OAuth's answer may lack the state)
        reason = " ".join(str(args["error"]).split())[:60]
        return _refused(wiki, f"the wiki did not sign you in ({reason})", 401)
    if verifier is None:
        return _refused(wiki, "this sign-in expired or began in another browser; try again",
                        400)
    if not args.get("code"):
        return _refused(wiki, "the wiki did not sign you in (no code)", 401)
    callback = _callback_url(wiki)
    if callback is None:
        return _refused(wiki, NO_PUBLIC_URL, 500)
    try:
        account = oauth.sign_in(client, args["code"], callback, verifier)
    except oauth.OAuthError as exc:
        log.warning("review UI: %s", exc)
        return _refused(wiki, f"{exc}; try again", 502)
    try:
        token, _ = auth().sign_in_with_wiki(wiki, account, request.remote_addr or "?")
    except SignInRefused as exc:
        return _refused(wiki, str(exc), 401)
    response = make_response(redirect(url_for("web.queue")))
    response.set_cookie(auth().session_cookie, token, httponly=True, samesite="Lax",
                        secure=auth().policy.secure_cookies,
                        max_age=int(auth().policy.lifetime.total_seconds()))
    _forget_state(response, wiki)
    return response


def _state_cookie(wiki: str) -> tuple[str, str]:
    """(name, path): over https `__Host-` (path / then, so one sign-in at a time per browser:
    no sibling host can plant it); over plain http scoped to the callback's path."""
    if auth().policy.secure_cookies:
        return HOST_PREFIX + STATE_COOKIE, "/"
    return STATE_COOKIE, url_for("web.oauth_callback", wiki=wiki)


def _refused(wiki: str, message: str, status: int) -> Response:
    response = login_page(message, status)
    _forget_state(response, wiki)
    return response


def _forget_state(response: Response, wiki: str) -> None:
    name, path = _state_cookie(wiki)
    response.delete_cookie(name, path=path,
                           httponly=True, samesite="Lax", secure=auth().policy.secure_cookies)
