"""Plain lines for a wiki that fails, and no waiting for one that refuses connections.

- `FailFast`, mounted on pywikibot's HTTP session, turns a connection that cannot be made
  (refused, host unknown, no connection within the connect timeout) into `Unreachable`, a
  builtin ConnectionError that pywikibot passes on at once instead of retrying it with
  doubling waits (3 tries and 35 s by default). The supervisor's backoff is the retry.
- `check(name, api)` asks api.php for its siteinfo once, with plain `requests`, and says in
  one line what is wrong: "connection refused", "HTTP 404: not a MediaWiki api.php", "not an
  API answer", ... A URL that cannot be a MediaWiki API raises WikiConfigError (exit 2).
"""
from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

from bot.errors import WikiConfigError, WikiError

FIX = "fix the wiki's `api` in the settings file (the URL of its api.php)"


class Unreachable(ConnectionError):
    """No connection to the wiki's server (pywikibot re-raises builtin ConnectionErrors)."""


def connection_problem(exc: BaseException) -> str:
    """`requests`' long connection error as a few words."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout) or "timed out" in text:
        return "no connection (timed out)"
    if "Connection refused" in text:
        return "connection refused"
    if "NameResolutionError" in text or "Name or service not known" in text \
            or "nodename nor servname" in text or "[Errno -2]" in text:
        return "host name not found (check `api`)"
    if "Network is unreachable" in text:
        return "network unreachable"
    if "reset by peer" in text or "RemoteDisconnected" in text or "aborted" in text:
        return "connection closed by the server"
    return "cannot connect: " + text.splitlines()[0][:200] if text else "cannot connect"


class FailFast(HTTPAdapter):
    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().send(request, *args, **kwargs)
        except requests.exceptions.ConnectionError as exc:
            if _connected(exc):  # the server dropped an answer: pywikibot's retries apply
                raise
            raise Unreachable(connection_problem(exc)) from None


def _connected(exc: BaseException) -> bool:
    text = str(exc)
    return "reset by peer" in text or "RemoteDisconnected" in text


def install(session: requests.Session) -> None:
    """Mount FailFast for every URL on pywikibot's session (idempotent)."""
    for prefix in ("http://", "https://"):
        if not isinstance(session.adapters.get(prefix), FailFast):
            session.mount(prefix, FailFast())


def check(name: str, api: str, user_agent: str, timeout: tuple[float, float]) -> None:
    """Raise WikiError (WikiConfigError when `api` cannot be right) unless api.php answers."""
    where = f"wiki {name}: cannot open {api}"
    try:
        answer = requests.get(api, params={"action": "query", "meta": "siteinfo",
                                           "format": "json"},
                              headers={"User-Agent": user_agent}, timeout=timeout)
    except requests.exceptions.ConnectionError as exc:
        raise WikiError(f"{where}: {connection_problem(exc)}") from None
    except requests.exceptions.Timeout:
        raise WikiError(f"{where}: no answer within {timeout[1]:.0f} s") from None
    except requests.RequestException as exc:
        raise WikiError(f"{where}: {type(exc).__name__}: {str(exc)[:200]}") from None
    _judge(where, answer)


def _judge(where: str, answer: requests.Response) -> None:
    code = answer.status_code
    if code in (404, 410):
        raise WikiConfigError(f"{where}: HTTP {code}: not a MediaWiki api.php; {FIX}")
    if code >= 400:
        raise WikiError(f"{where}: HTTP {code} {answer.reason or ''}".rstrip())
    try:
        data = answer.json()
    except ValueError:
        kind = answer.headers.get("Content-Type", "?").split(";")[0]
        raise WikiConfigError(f"{where}: not an API answer (HTTP {code}, {kind}, not JSON); "
                              f"{FIX}") from None
    if not isinstance(data, dict) or not ("query" in data or "error" in data):
        raise WikiConfigError(f"{where}: not an API answer (JSON without `query`); {FIX}")
    error = data.get("error")
    if isinstance(error, dict):
        raise WikiError(f"{where}: API error {error.get('code')}: "
                        f"{str(error.get('info', ''))[:200]}")


def explain(exc: BaseException, name: str, api: str, user_agent: str,
            timeout: tuple[float, float]) -> str | None:
    """A plain line for a failed pywikibot request, or None when the API itself looks fine."""
    if isinstance(exc, Unreachable):
        return f"wiki {name}: cannot open {api}: {exc}"
    try:
        check(name, api, user_agent, timeout)
    except WikiError as found:
        return str(found)
    return None
