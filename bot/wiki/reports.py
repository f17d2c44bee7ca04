"""What report intake reads from a wiki: the report and run pages, a reported revision as an
Event, reporters' edit counts. Reads only; the one write is in bot.wiki.writer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.wiki import normalize, session
from bot.wiki.cursor import parse_ts
from bot.wiki.gateway import REV_PROPS, WikiGateway
from detectors.model import Event, EventType, UserRef, normalize_user_name


@dataclass(frozen=True)
class PageSnapshot:
    """A page's current text, with what a safe edit needs (base revision, start time)."""

    title: str
    text: str
    revid: int  # 0: the page does not exist
    timestamp: str  # of that revision, MediaWiki format
    start: str  # the server's time when we read it (the edit's starttimestamp)

    @property
    def exists(self) -> bool:
        return self.revid > 0


@dataclass(frozen=True)
class Lookup:
    """A reported revision: the Event, or why there is none ("missing" or "hidden")."""

    revid: int
    event: Event | None = None
    problem: str = ""


def read_page(gateway: WikiGateway, title: str) -> PageSnapshot:
    answer = gateway_call(gateway, {
        "action": "query", "prop": "revisions", "titles": title, "rvslots": "main",
        "rvprop": "ids|timestamp|content", "curtimestamp": 1})
    pages = (answer.get("query") or {}).get("pages") or [{}]
    revs = pages[0].get("revisions") or []
    start = str(answer.get("curtimestamp", ""))
    if pages[0].get("missing") or pages[0].get("invalid") or not revs:
        return PageSnapshot(title, "", 0, "", start)
    slot = (revs[0].get("slots") or {}).get("main") or {}
    return PageSnapshot(str(pages[0].get("title", title)), str(slot.get("content", "")),
                        int(revs[0]["revid"]), str(revs[0]["timestamp"]), start)


def gateway_call(gateway: WikiGateway, params: dict[str, Any]) -> dict[str, Any]:
    return session.call(gateway.site, gateway.name, params)


def reported_revision(gateway: WikiGateway, revid: int) -> Lookup:
    """The revision `revid` as an Event (page, author, time, parent, sha1, tags, comment)."""
    answer = gateway_call(gateway, {"action": "query", "prop": "revisions", "revids": revid,
                                    "rvprop": REV_PROPS})
    query = answer.get("query") or {}
    for page in query.get("pages") or ():
        for raw in page.get("revisions") or ():
            if int(raw.get("revid", 0)) != revid:
                continue
            if raw.get("userhidden") or "user" not in raw:
                return Lookup(revid, problem="hidden")
            return Lookup(revid, _event(gateway.name, page, raw))
    return Lookup(revid, problem="missing")


def _event(wiki: str, page: dict[str, Any], raw: dict[str, Any]) -> Event:
    rev = normalize.revision_from_api(raw)
    # the caller kept only rows with a revid and a timestamp, so this cannot fail
    assert rev is not None  # nosec B101
    return Event(
        wiki=wiki, type=EventType.NEW if not rev.parentid else EventType.EDIT,
        timestamp=parse_ts(str(raw["timestamp"])), actor=rev.user,
        title=str(page.get("title", "")), namespace=int(page.get("ns") or 0),
        page_id=int(page.get("pageid") or 0), revid=rev.revid, old_revid=rev.parentid,
        comment=rev.comment, tags=rev.tags, sha1=rev.sha1, size=rev.size)


def user_edit_count(gateway: WikiGateway, user: UserRef) -> int:
    """The account's edit count (0 for an IP or an unknown account)."""
    if not user.id and not user.name:
        return 0
    params: dict[str, Any] = {"action": "query", "list": "users", "usprop": "editcount"}
    params.update({"ususerids": user.id} if user.id else {"ususers": user.name})
    rows = (gateway_call(gateway, params).get("query") or {}).get("users") or ()
    return int(rows[0].get("editcount") or 0) if rows and not rows[0].get("missing") else 0


def user_by_name(gateway: WikiGateway, name: str) -> UserRef | None:
    return gateway.users_by_name([name]).get(normalize_user_name(name))
