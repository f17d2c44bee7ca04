"""The review UI's reads from a wiki (diffs, contributions), anonymous and read-only.

The bot's own account may edit (report receipts), and pywikibot keeps one cookie jar for the
whole process: a read through a pywikibot site would go out signed in as the bot. The review
UI reads only public data, so it reads over a `requests` session of its own that keeps no
cookie and never logs in. A failure is a one-line `WikiError` naming the wiki.
"""
from __future__ import annotations

from datetime import datetime
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests

from bot.errors import WikiError
from bot.wiki import diffs, session

TIMEOUT = 5.0  # seconds to connect, and between bytes of the answer ([web] wiki_timeout_seconds)
MAX_ANSWER = 20 * 1024 * 1024  # bytes; a diff of two 2 MiB revisions stays well under


class AnonymousReader:
    """One wiki's API, read as an anonymous visitor (no login, no cookie ever sent)."""

    def __init__(self, name: str, api: str, contact: str | None = None, maxlag: int = 5,
                 timeout: float = TIMEOUT) -> None:
        self.name, self.api, self.maxlag, self.timeout = name, api, maxlag, timeout
        self._http = requests.Session()
        self._http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # keeps none
        self._http.headers["User-Agent"] = (f"ibanbot/{session.VERSION} (review UI)"
                                            + (f" ({contact})" if contact else ""))

    def __repr__(self) -> str:
        return f"AnonymousReader({self.name!r})"

    def call(self, params: dict[str, Any]) -> dict[str, Any]:
        what = f"wiki {self.name}: {params.get('action')} {params.get('list') or ''}".strip()
        query = {"format": "json", "formatversion": "2", "maxlag": self.maxlag, **params}
        try:
            r = self._http.get(self.api, params=query, timeout=self.timeout)
            r.raise_for_status()
            if len(r.content) > MAX_ANSWER:
                raise WikiError(f"{what} failed: the answer is over {MAX_ANSWER} bytes")
            answer = r.json()
        except (requests.RequestException, ValueError) as exc:
            raise WikiError(f"{what} failed ({type(exc).__name__})") from None
        if not isinstance(answer, dict):
            raise WikiError(f"{what} failed: the answer is not a JSON object")
        error = answer.get("error")
        if isinstance(error, dict):
            raise WikiError(f"{what} failed: {str(error.get('code', ''))[:80]}")
        return answer

    def ping(self) -> None:
        """One small read (siteinfo): WikiError unless the wiki answers."""
        self.call({"action": "query", "meta": "siteinfo", "siprop": "general"})

    def compare(self, revid: int) -> diffs.Comparison:
        """The wiki's diff of a revision against its parent (untrusted HTML rows)."""
        return diffs.compare(self.call, self.name, revid)

    def contributions(self, user: str, start: datetime, end: datetime) -> diffs.Contributions:
        return diffs.contributions(self.call, user, start, end)


def readers(wikis: list[tuple[str, str]], contact: str | None, timeout: float = TIMEOUT
            ) -> dict[str, AnonymousReader]:
    """An anonymous reader per (name, api) pair."""
    return {name: AnonymousReader(name, api, contact, timeout=timeout) for name, api in wikis}
