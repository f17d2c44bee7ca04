"""Sign-in with a wiki account: the client side of MediaWiki's OAuth 2 (Extension:OAuth).

The authorization-code flow with PKCE (S256), as the extension serves it under rest.php:
`/oauth2/authorize` (the browser goes there), `/oauth2/access_token` (we trade the code for
a token) and `/oauth2/resource/profile` (who signed in). The client needs only the grant
"User identity verification only"; the token is used for the profile and then dropped.
Every failure is an `OAuthError` whose one-line message names the wiki and never a secret.
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from bot.errors import WikiError
from bot.wiki import session

TIMEOUT = 15.0  # seconds per request: a reviewer waits on the other end
MAX_ANSWER = 64 * 1024  # bytes; a profile is well under 1 kB


class OAuthError(WikiError):
    """The wiki refused or garbled a step of the sign-in."""


@dataclass(frozen=True)
class OAuthClient:
    wiki: str  # our name for the wiki
    rest_url: str  # the provider's rest.php
    client_id: str
    secret: str | None  # None: a non-confidential client (PKCE only)
    contact: str | None = None  # for the User-Agent

    def __repr__(self) -> str:  # never the secret, in a traceback or a log line
        return f"OAuthClient(wiki={self.wiki!r}, rest_url={self.rest_url!r})"


@dataclass(frozen=True)
class WikiProfile:
    """Who signed in: the wiki's answer at /oauth2/resource/profile."""

    central_id: str  # `sub`: the user's id (global on a wiki farm with central accounts)
    username: str


def new_verifier() -> str:
    """A PKCE code verifier (RFC 7636: 43 to 128 characters of [A-Za-z0-9-._~])."""
    return secrets.token_urlsafe(48)


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(client: OAuthClient, redirect_uri: str, state: str, verifier: str) -> str:
    """Where the reviewer's browser goes to sign in on the wiki and allow the client."""
    query = {"response_type": "code", "client_id": client.client_id,
             "redirect_uri": redirect_uri, "state": state,
             "code_challenge": challenge(verifier), "code_challenge_method": "S256"}
    return f"{client.rest_url}/oauth2/authorize?{urlencode(query)}"


def sign_in(client: OAuthClient, code: str, redirect_uri: str, verifier: str) -> WikiProfile:
    """Trade the code the wiki sent back for a token, and read whose it is."""
    return profile(client, access_token(client, code, redirect_uri, verifier))


def access_token(client: OAuthClient, code: str, redirect_uri: str, verifier: str) -> str:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": client.client_id, "code_verifier": verifier}
    if client.secret:
        form["client_secret"] = client.secret
    answer = _request(client, "POST", "/oauth2/access_token", data=form)
    token = answer.get("access_token")
    if not isinstance(token, str) or not token or \
            str(answer.get("token_type", "")).lower() != "bearer":
        raise OAuthError(f"wiki {client.wiki}: the token answer has no bearer access_token")
    return token


def profile(client: OAuthClient, token: str) -> WikiProfile:
    answer = _request(client, "GET", "/oauth2/resource/profile",
                      headers={"Authorization": f"Bearer {token}"})
    username, sub = answer.get("username"), answer.get("sub")
    if not isinstance(username, str) or not username.strip() or \
            not isinstance(sub, (str, int)) or isinstance(sub, bool) or not str(sub).strip():
        raise OAuthError(f"wiki {client.wiki}: the profile has no username and sub")
    return WikiProfile(str(sub).strip(), username.strip())


def _request(client: OAuthClient, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    agent = f"ibanbot/{session.VERSION}" + (f" ({client.contact})" if client.contact else "")
    headers = {"User-Agent": agent, "Accept": "application/json", **kwargs.pop("headers", {})}
    step = path.rsplit("/", 1)[-1]
    try:
        with requests.request(method, client.rest_url + path, headers=headers,
                              timeout=TIMEOUT, allow_redirects=False, stream=True,
                              **kwargs) as response:
            body = response.raw.read(MAX_ANSWER + 1, decode_content=True)
    except (requests.RequestException, OSError) as exc:
        raise OAuthError(f"wiki {client.wiki}: {step} request failed "
                         f"({type(exc).__name__})") from None
    if len(body) > MAX_ANSWER:
        raise OAuthError(f"wiki {client.wiki}: the {step} answer is over {MAX_ANSWER} bytes")
    answer = _json(body)
    if response.status_code != 200:
        raise OAuthError(f"wiki {client.wiki}: {step} refused (HTTP {response.status_code}"
                         f"{_reason(answer)})")
    if answer is None:
        raise OAuthError(f"wiki {client.wiki}: the {step} answer is not a JSON object")
    return answer


def _json(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _reason(answer: dict[str, Any] | None) -> str:
    """`: invalid_grant` from an OAuth error answer, cut short and on one line."""
    if not answer:
        return ""
    error = answer.get("error") or answer.get("errorKey") or ""
    return f": {' '.join(str(error).split())[:80]}" if error else ""
