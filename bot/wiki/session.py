"""pywikibot, configured for a bot that only reads, and one API call helper.

pywikibot reads its configuration when first imported, so `load_pywikibot` sets the
environment first: PYWIKIBOT_DIR (where an operator's user-config.py and user-password.py
live) and, when there is no user-config.py there, PYWIKIBOT_NO_USER_CONFIG so that
anonymous reading works with no file at all.

pywikibot caches one site per family name (the wiki's name here) in a process, whatever its URL;
`make_site` drops that site when the name is opened again at another api.php (the tests do;
`ibanbot` reads its settings once per process), so that it never reads the wrong wiki.
"""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from bot import __version__
from bot.errors import WikiError
from bot.wiki import credentials, probe

log = logging.getLogger(__name__)
VERSION = __version__
_APIS: dict[str, str] = {}  # wiki name -> its api.php, to explain a failed request
_ANSWERED: set[str] = set()  # wikis whose API answered in this process (a later 404: outage)
UNCLEAR = {"ApiTimeoutError", "SiteDefinitionError", "ServerError", "Server504Error",
           "FatalServerError", "ConnectionError", "Unreachable", "ReadTimeout"}


def load_pywikibot(base_dir: Path | None = None) -> ModuleType:
    if "pywikibot" not in sys.modules:
        if base_dir is not None:
            os.environ.setdefault("PYWIKIBOT_DIR", str(base_dir))
        folder = Path(os.environ.get("PYWIKIBOT_DIR", "."))
        if not (folder / "user-config.py").exists():
            os.environ.setdefault("PYWIKIBOT_NO_USER_CONFIG", "2")
    import pywikibot
    _quiet(pywikibot)
    return pywikibot


def _quiet(pwb: ModuleType) -> None:
    """pywikibot prints its own log (retries, tracebacks) to stderr; route it into ours.

    Its messages are wanted only with --debug: every failure reaches us as an exception,
    which becomes one WikiError line.
    """
    credentials.install_redaction()  # its debug log shows request bodies (lgpassword=...)
    probe.install(pwb.comms.http.session)  # connection refused: no waits, one plain line
    pwb.bot.init_handlers()
    own = logging.getLogger("pywiki")
    for handler in list(own.handlers):
        own.removeHandler(handler)
    own.propagate = True
    warnings_log = logging.getLogger("py.warnings")  # its terminal handler there too: each
    for handler in list(warnings_log.handlers):      # Python warning would be printed twice
        warnings_log.removeHandler(handler)
    # with --debug (the CLI leaves the "pywikibot" logger unset then) its INFO and above
    # (retries, warnings); never its DEBUG lines: they hold the requests, hence the user names
    # of bans (confidential ones too)
    debug = logging.getLogger("pywikibot").getEffectiveLevel() <= logging.DEBUG
    own.setLevel(logging.INFO if debug else logging.CRITICAL)


def configure(pwb: ModuleType, *, contact: str | None, maxlag: int, max_retries: int,
              retry_wait: float) -> None:
    """Settings that hold for every site: a read-only bot that fails fast and says who it is."""
    cfg = pwb.config
    cfg.user_agent_description = f"ibanbot/{VERSION}" + (f" ({contact})" if contact else "")
    cfg.max_retries = max_retries
    cfg.retry_wait = retry_wait
    cfg.retry_max = max(retry_wait, min(60, retry_wait * 12))  # doubling waits stay bounded
    for key in ("read_maxlag", "write_maxlag"):
        if hasattr(cfg, key):
            setattr(cfg, key, maxlag)
    cfg.minthrottle = 0
    # pywikibot would sleep `put_throttle` before each edit, counted from the site's creation;
    # the report pass paces its own edits instead (receipt_interval_seconds), never sleeping
    cfg.put_throttle = 0
    cfg.socket_timeout = (6.05, 30)


def make_site(pwb: ModuleType, name: str, api: str, user: str | None) -> Any:
    """A site from the API URL alone (pywikibot's AutoFamily), logged in when `user` is set."""
    if user:
        credentials.warn_about_password_file(_password_file(pwb))
    if _APIS.get(name, api) != api:  # the name was opened at another api.php in this process
        _forget(pwb, name)
    _APIS[name] = api
    try:
        site = pwb.Site(url=api, fam=name, user=user) if user else pwb.Site(url=api, fam=name)
        if user:
            site.login()
        return site
    except Exception as exc:  # pywikibot raises many unrelated types here
        plain = None if _first_contact(exc, name) else _plain(exc, name)
        raise WikiError(plain or f"wiki {name}: cannot open {api}: {_short(exc)}") from None


def _forget(pwb: ModuleType, name: str) -> None:
    """pywikibot keeps one site per family name (and code, user) in a process, whatever its
    URL: drop the sites of the wiki `name` so that the next one is made for its new api.php.
    The gateways holding an old site keep it; that api.php has not answered the new one yet."""
    # pywikibot.Site()'s cache ('APISite:family:code:user' -> site); private, hence getattr:
    # tests/wiki/test_wiki_session.py fails if a pywikibot upgrade moves it
    cache = getattr(pwb, "_sites", {})
    for key in [k for k, site in cache.items() if str(site.family) == name]:
        del cache[key]
    _ANSWERED.discard(name)


def _first_contact(exc: BaseException, wiki: str) -> bool:
    """A failure before the wiki ever answered in this process: one plain look at its api.php
    raises WikiConfigError (exit 2) if the URL cannot be right, WikiError with a plain line if
    it is in trouble; True when it looks fine (pywikibot's own error then stands)."""
    if wiki in _ANSWERED or wiki not in _APIS or isinstance(exc, probe.Unreachable):
        return False
    pwb = sys.modules.get("pywikibot")
    timeout = getattr(getattr(pwb, "config", None), "socket_timeout", (6.05, 30))
    probe.check(wiki, _APIS[wiki], _user_agent(pwb) if pwb else VERSION, timeout)
    return True


def _user_agent(pwb: ModuleType) -> str:
    return str(pwb.config.user_agent_description or f"ibanbot/{VERSION}")


def _plain(exc: BaseException, wiki: str) -> str | None:
    """pywikibot's unclear errors (retries used up, "Invalid AutoFamily", ...) as one plain
    line, from one fresh look at the wiki's api.php; None when it looks fine."""
    if type(exc).__name__ not in UNCLEAR or wiki not in _APIS:
        return None
    pwb = sys.modules.get("pywikibot")
    timeout = getattr(getattr(pwb, "config", None), "socket_timeout", (6.05, 30))
    return probe.explain(exc, wiki, _APIS[wiki], _user_agent(pwb) if pwb else VERSION,
                         timeout)


def _password_file(pwb: ModuleType) -> Path | None:
    name = getattr(pwb.config, "password_file", None)
    if not name:
        return None
    path = Path(name)
    return path if path.is_absolute() else Path(pwb.config.base_dir) / path


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def call(site: Any, wiki: str, params: dict[str, Any]) -> dict[str, Any]:
    """One API request (pywikibot handles maxlag, retries and the User-Agent)."""
    params = {"formatversion": "2", **params}
    try:
        answer = site.simple_request(**params).submit()
    except Exception as exc:
        what = (f"{params.get('action')} "
                f"{params.get('list') or params.get('prop') or params.get('meta') or ''}")
        plain = None if _first_contact(exc, wiki) else _plain(exc, wiki)
        raise WikiError(f"{plain} ({what.strip()} failed)" if plain else
                        f"wiki {wiki}: {what} failed: {_short(exc)}") from None
    _ANSWERED.add(wiki)
    if not isinstance(answer, dict):
        raise WikiError(f"wiki {wiki}: the API answered something that is not JSON object")
    return answer


def query_pages(site: Any, wiki: str, params: dict[str, Any], max_requests: int = 1000
                ) -> Iterator[dict[str, Any]]:
    """Yield each `query` part of an action=query, following `continue` (bounded)."""
    params = {"action": "query", **params}
    for _ in range(max_requests):
        answer = call(site, wiki, params)
        yield answer.get("query") or {}
        cont = answer.get("continue")
        if not isinstance(cont, dict):
            return
        params = {**params, **cont}
    log.warning("wiki %s: stopped following continuation after %d requests", wiki, max_requests)
