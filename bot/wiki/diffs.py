"""What the review UI reads from a wiki: the diff of one revision, a user's contributions.

Both are plain reads through `call`, one API request (the review UI's anonymous reader,
`bot.wiki.reader`, or a gateway's site): never an edit. The diff is the wiki's own
`action=compare` table rows, as the wiki rendered them: untrusted HTML that the caller must
sanitize before showing it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.errors import WikiError
from bot.wiki.cursor import format_ts, parse_ts

Call = Callable[[dict[str, Any]], dict[str, Any]]  # one API request -> its JSON answer

CONTRIB_PROPS = "ids|title|timestamp|comment|size"
MAX_CONTRIBS = 5000  # per user and timeline; the answer says when it was cut


@dataclass(frozen=True)
class Comparison:
    """A revision against its parent (or against nothing, for a page's first revision)."""

    revid: int
    parent: int | None
    title: str
    user: str
    comment: str
    html: str  # <tr> rows of MediaWiki's diff table; UNTRUSTED


@dataclass(frozen=True)
class Contribution:
    user: str
    revid: int
    title: str
    timestamp: datetime
    comment: str
    size: int


@dataclass(frozen=True)
class Contributions:
    user: str
    edits: tuple[Contribution, ...]  # newest first
    truncated: bool  # more than MAX_CONTRIBS in the range


def compare(call: Call, wiki: str, revid: int) -> Comparison:
    params = {"action": "compare", "fromrev": revid, "torelative": "prev",
              "prop": "diff|ids|title|user|comment"}
    answer = call(params).get("compare")
    if not isinstance(answer, dict) or "torevid" not in answer and "fromrevid" not in answer:
        raise WikiError(f"wiki {wiki}: no diff for revision {revid}")
    if "torevid" not in answer:  # the first revision: compare answers with `from` only
        return Comparison(revid, None, str(answer.get("fromtitle", "")),
                          str(answer.get("fromuser", "")), str(answer.get("fromcomment", "")),
                          str(answer.get("body", "")))
    return Comparison(int(answer["torevid"]), _int(answer.get("fromrevid")),
                      str(answer.get("totitle", "")), str(answer.get("touser", "")),
                      str(answer.get("tocomment", "")), str(answer.get("body", "")))


def contributions(call: Call, user: str, start: datetime, end: datetime,
                  limit: int = MAX_CONTRIBS) -> Contributions:
    """The user's edits with start <= timestamp <= end, newest first (at most `limit`)."""
    params: dict[str, Any] = {
        "action": "query", "list": "usercontribs", "ucuser": user, "ucprop": CONTRIB_PROPS,
        "ucstart": format_ts(end), "ucend": format_ts(start), "ucdir": "older",
        "uclimit": 500}
    out: list[Contribution] = []
    for query in _pages(call, params, max_requests=limit // 500 + 2):
        for row in query.get("usercontribs") or ():
            if len(out) >= limit:
                return Contributions(user, tuple(out), True)
            out.append(_contribution(row))
    return Contributions(user, tuple(out), False)


def _pages(call: Call, params: dict[str, Any], max_requests: int
           ) -> Iterator[dict[str, Any]]:
    """Each `query` part of an action=query, following `continue` (at most max_requests)."""
    for _ in range(max_requests):
        answer = call(params)
        yield answer.get("query") or {}
        cont = answer.get("continue")
        if not isinstance(cont, dict):
            return
        params = {**params, **cont}


def _contribution(row: dict[str, Any]) -> Contribution:
    return Contribution(str(row.get("user", "")), int(row.get("revid") or 0),
                        str(row.get("title", "")), parse_ts(str(row.get("timestamp", ""))),
                        str(row.get("comment", "")), int(row.get("size") or 0))


def _int(value: Any) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None
