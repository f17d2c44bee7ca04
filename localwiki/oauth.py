"""OAuth 2 sign-in against a LocalWiki (its OAuthStandIn extension) without a browser.

`authorize` plays the user's browser: it opens the authorize URL, logs in through the wiki's
real Special:UserLogin form when the wiki asks for it, answers the approval dialog
(Special:OAuth/approve) with Allow or Cancel, follows the wiki's own redirects, and returns
the first redirect that leaves the wiki (the client's callback with ?code=&state= or
?error=...) without following it.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

from .errors import LocalWikiError
from .wiki import LocalWiki

USER_AGENT = "ibanbot-localwiki-oauth-browser/0.1"
APPROVAL_FORM_ID = "mw-mwoauth-authorize-form"
_REDIRECTS = (301, 302, 303, 307, 308)


class OAuthFlowError(LocalWikiError):
    """The browser-side flow stopped on the wiki (an error page, a failed login ...)."""

    def __init__(self, message: str, status: int = 0, url: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.url = url


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) as RFC 7636 wants them."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def build_authorize_url(wiki: LocalWiki, client_id: str, *, state: str | None = None,
                  code_challenge: str | None = None, redirect_uri: str | None = None,
                  scope: str | None = None) -> str:
    """{rest_url}/oauth2/authorize?response_type=code&client_id=...&... (None values left out)."""
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
              "scope": scope, "state": state, "code_challenge": code_challenge,
              "code_challenge_method": "S256" if code_challenge else None}
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{wiki.rest_url}/oauth2/authorize?{query}"


def query_of(url: str) -> dict[str, str]:
    """The query of `url` as a flat dict (first value of each name)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def authorize(wiki: LocalWiki, user: str, password: str, authorize_url: str,
              allow: bool = True, *, session: requests.Session | None = None,
              max_steps: int = 20) -> str:
    """Drive the browser side of the flow from `authorize_url`; returns the callback URL
    (not followed): ?code=...&state=... after Allow, ?error=... after Cancel.

    `session` keeps the wiki's cookies between calls (a browser that is still logged in);
    by default a fresh one, so the wiki asks for the login first.
    """
    browser = session or requests.Session()
    browser.headers.setdefault("User-Agent", USER_AGENT)
    on_wiki = wiki.server_url + "/"
    url, method, data = authorize_url, "GET", None
    logins = 0
    for _ in range(max_steps):
        answer = browser.request(method, url, data=data, allow_redirects=False, timeout=60)
        if answer.status_code in _REDIRECTS:
            target = urljoin(answer.url, answer.headers["Location"])
            if not target.startswith(on_wiki):
                return target
            if answer.status_code not in (307, 308):
                method, data = "GET", None
            url = target
            continue
        if answer.status_code != 200:
            raise OAuthFlowError(f"the wiki answered {answer.status_code} at {url}: "
                                 f"{_text(answer.text)[:500]}", answer.status_code, url)
        forms = _forms(answer.text)
        login = next((f for f in forms if "wpName" in f.fields), None)
        approval = next((f for f in forms if f.attrs.get("id") == APPROVAL_FORM_ID), None)
        if login is not None:
            logins += 1
            if logins > 1:
                raise OAuthFlowError(f"login as {user!r} failed: {_text(answer.text)[:300]}",
                                     answer.status_code, url)
            data = {**login.fields, "wpName": user, "wpPassword": password,
                    **login.buttons_named("wploginattempt")}
        elif approval is not None:
            data = {**approval.fields, **approval.buttons_named("accept" if allow else "cancel")}
        else:
            raise OAuthFlowError(f"no login form and no approval dialog at {url}: "
                                 f"{_text(answer.text)[:500]}", answer.status_code, url)
        form = login if login is not None else approval
        method, url = "POST", urljoin(answer.url, form.attrs.get("action") or answer.url)
    raise OAuthFlowError(f"no redirect off the wiki after {max_steps} steps (last: {url})")


@dataclass
class _Form:
    attrs: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)      # inputs but submit buttons
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def buttons_named(self, name: str) -> dict[str, str]:
        for button, value in self.buttons:
            if button == name:
                return {button: value}
        raise OAuthFlowError(f"form {self.attrs.get('id', '?')} has no button {name!r}")


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self.text: list[str] = []
        self._form: _Form | None = None
        self._button: tuple[str, str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "form":
            self._form = _Form(a)
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "submit":
                self._form.buttons.append((a["name"], a.get("value", "")))
            elif kind not in ("checkbox", "radio") or "checked" in a:
                self._form.fields[a["name"]] = a.get("value", "")
        elif self._form is not None and tag == "button" and a.get("name"):
            if a.get("type", "submit").lower() == "submit":
                self._form.buttons.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(data.strip())


def _forms(html: str) -> list[_Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def _text(html: str) -> str:
    parser = _FormParser()
    parser.feed(html)
    return " ".join(parser.text)
