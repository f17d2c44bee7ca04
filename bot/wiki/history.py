"""What one user did on a wiki since a time: contributions and log actions, for backfills.

Recent changes expire (30 to 90 days); contributions and logs are kept. A backfill reads the
restricted users' own contributions (`list=usercontribs`, by user id, every namespace) and log
actions (`list=logevents&leuser=`, thanks too) and turns them into the same Events as polling,
so the pipeline's detection applies unchanged. `oldest_recent_change` tells whether recent
changes still reach back to a cursor.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.wiki.cursor import Position, format_ts, parse_ts
from bot.wiki.gateway import LOG_PROPS, Page, WikiGateway
from bot.wiki.normalize import event_from_log, user_ref
from detectors.model import Event, EventType

UC_PROPS = "ids|title|timestamp|comment|size|sizediff|flags|tags"


def event_from_contrib(wiki: str, row: Mapping[str, Any]) -> Event | None:
    """A `list=usercontribs` row -> Event (EDIT or NEW), or None when it cannot be one."""
    if "revid" not in row or "timestamp" not in row:
        return None
    try:
        ts = parse_ts(str(row["timestamp"]))
    except ValueError:
        return None
    size = int(row.get("size") or 0)
    return Event(
        wiki=wiki, type=EventType.NEW if row.get("new") else EventType.EDIT, timestamp=ts,
        actor=user_ref(row),
        title=str(row.get("title", "")), namespace=int(row.get("ns") or 0),
        page_id=int(row.get("pageid") or 0), revid=int(row["revid"]),
        old_revid=int(row.get("parentid") or 0),
        comment="" if row.get("commenthidden") else str(row.get("comment", "")),
        tags=tuple(str(t) for t in row.get("tags") or ()),
        size=size, old_size=size - int(row.get("sizediff") or 0))


class UserHistory:
    """Contributions and log actions of one account, one API page at a time."""

    def __init__(self, gateway: WikiGateway) -> None:
        self.gateway = gateway
        self.name = gateway.name

    def contributions(self, user_id: int, position: Position, until: datetime,
                      limit: int = 500) -> Iterator[Page]:
        """Edits and page creations from `position` to `until`, oldest first.

        Null revisions (a move's or a protection's, same content as their parent) are left
        out: the log entry that made them is read from the logs.
        """
        params = {"list": "usercontribs", "ucuserids": user_id, "ucdir": "newer",
                  "ucprop": UC_PROPS, "uclimit": limit,
                  "ucstart": format_ts(position.read_from()), "ucend": format_ts(until)}
        for page in self.gateway._stream(params, "usercontribs", "revid", event_from_contrib,
                                         position):
            yield replace(page, events=self._with_sha1(page.events))

    def log_actions(self, user_name: str, position: Position, until: datetime,
                    log_type: str = "", limit: int = 500) -> Iterator[Page]:
        """Log entries this user made (of one type, or all) from `position` to `until`."""
        params = {"list": "logevents", "leprop": LOG_PROPS, "ledir": "newer",
                  "leuser": user_name, "lelimit": limit,
                  "lestart": format_ts(position.read_from()), "leend": format_ts(until)}
        if log_type:
            params["letype"] = log_type
        yield from self.gateway._stream(params, "logevents", "logid", event_from_log, position)

    def oldest_recent_change(self) -> Position | None:
        """The oldest row recent changes still hold (timestamp, rcid), None when empty."""
        query = next(self.gateway._query({"list": "recentchanges", "rcdir": "newer",
                                          "rclimit": 1, "rcprop": "ids|timestamp"}))
        rows = query.get("recentchanges") or ()
        if not rows or "timestamp" not in rows[0]:
            return None
        return Position(parse_ts(str(rows[0]["timestamp"])), int(rows[0].get("rcid") or 0))

    def first_revision_since(self, since: datetime) -> datetime | None:
        """When the first revision at or after `since` was saved (None: none since).

        Page histories keep what recent changes expire. Revisions, not log entries: every
        saved revision had a recent-changes row, while some log types never get one (thanks).
        """
        query = next(self.gateway._query({"list": "allrevisions", "arvdir": "newer",
                                          "arvlimit": 1, "arvprop": "timestamp",
                                          "arvstart": format_ts(since)}))
        stamps = [parse_ts(str(r["timestamp"])) for p in query.get("allrevisions") or ()
                  for r in p.get("revisions") or () if "timestamp" in r]
        return min(stamps, default=None)

    def _with_sha1(self, events: tuple[Event, ...]) -> tuple[Event, ...]:
        """sha1 from prop=revisions (usercontribs has none); null revisions dropped."""
        if not events:
            return events
        ids = [e.revid for e in events] + [e.old_revid for e in events if e.old_revid]
        revs = self.gateway.revisions(ids, with_text=False)
        out = []
        for event in events:
            rev, parent = revs.get(event.revid), revs.get(event.old_revid)
            sha1 = rev.sha1 if rev else ""
            if sha1 and parent is not None and parent.sha1 == sha1:
                continue
            out.append(replace(event, sha1=sha1))
        return tuple(out)
