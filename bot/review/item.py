"""One queue item as a reviewer sees it: the ItemView that `queue show` and the web item page
both render, built by one use case (`item_view`).

The view holds the facts of the item and everything around it that a reviewer needs: links to
the wiki, the actor's current name, the ban (or why there is none), the reports that named the
event, the case it belongs to and its audit trail. The entry points only choose how to show
it: text or JSON on the command line, HTML on the web (which adds the diff, read from the wiki
in the background, and the triage links of the reviewer's list).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.review import cases as _cases
from bot.review import queue as _queue
from bot.review.ports import App
from bot.storage import AuditEntry, QueueItem, Report
from bot.storage.records import NO_BAN_NOTE
from detectors.bans import Ban

TIMELINE_DAYS = 30  # the item's timeline button: this many days up to its event
AUDIT_LIMIT = 200  # audit rows shown with an item (an item has a handful)
GONE_NOTE = ("this ban is no longer in the bans file; it may have been confidential: do not "
             "mention it on-wiki")
UNREAD_NOTE = ("the bans file cannot be read now, so this ban's terms are not shown; it may be "
               "confidential: do not mention it on-wiki")
CONFIDENTIAL_NOTE = "a confidential ban: do not mention this ban on-wiki"


@dataclass(frozen=True)
class ItemView:
    item: QueueItem
    links: _queue.Links
    index: str  # the wiki's index.php; "" when the wiki is no longer configured
    current_actor: str | None  # the actor's name now, when known
    ban: Ban | None  # None: no ban (a community report) or no longer in the bans file
    reports: tuple[Report, ...]
    case: _cases.Case
    audit: tuple[AuditEntry, ...]
    bans_error: str | None = None  # the bans file could not be read: the ban is unknown

    @property
    def notes(self) -> tuple[str, ...]:
        """What a reviewer must know about the ban before judging, in both renderings."""
        if not self.item.ban_id:
            return (NO_BAN_NOTE,)
        if self.ban is None:
            return (UNREAD_NOTE if self.bans_error else GONE_NOTE,)
        return (CONFIDENTIAL_NOTE,) if self.ban.confidential else ()

    @property
    def timeline_start(self) -> datetime:
        return self.item.timestamp - timedelta(days=TIMELINE_DAYS)

    def to_json(self) -> dict[str, Any]:
        """`queue show --format json`: the DESIGN.md item, its `reports`, and (additive) its
        `case` (id and item ids, oldest first) and the `notes` of the text and web views."""
        return {**self.item.to_json(), "reports": [r.to_json() for r in self.reports],
                "case": {"id": self.case.id, "item_ids": list(self.case.item_ids)},
                "notes": list(self.notes)}


def item_view(app: App, item_id: int) -> ItemView:
    """The item (NotFound: "queue item N does not exist") and what surrounds it."""
    store = app.store
    item = store.get_item(item_id)
    wiki = next((w for w in app.settings.wikis if w.name == item.wiki), None)
    api = wiki.api if wiki else ""
    current = next((i.current_name for i in store.identities(item.wiki)
                    if item.actor_id and i.user_id == item.actor_id), None)
    window = timedelta(hours=app.settings.review.case_window_hours)
    return ItemView(
        item=item, links=_queue.links_for(item, api), index=_queue.index_url(api) if api else "",
        current_actor=current, ban=next((b for b in app.bans if b.id == item.ban_id), None),
        reports=tuple(store.reports.for_item(item_id)),
        case=_cases.case_of(store, window, item),
        audit=tuple(store.audit(limit=AUDIT_LIMIT, item_id=item_id)),
        bans_error=app.bans_error)


def render_text(view: ItemView) -> str:
    """`queue show`: the item, its case, its ban's state, its reports and its audit trail."""
    out = [_queue.render_item(view.item, view.links, view.current_actor)]
    if len(view.case.item_ids) > 1:
        out.append(f"Case {view.case.id}: {len(view.case.item_ids)} items "
                   f"({', '.join(map(str, view.case.item_ids))}); "
                   f"`ibanbot queue case {view.case.id}`")
    out += [f"Note: {note}" for note in view.notes]
    out += _reports(view)
    others = [e for e in view.audit if e.action != "decide"]  # decisions are listed above
    if others:
        out.append("Audit:")
        out += [f"  - {_queue.render_time(e.at)} {e.actor}: {e.action}"
                + (f" ({e.detail})" if e.detail else "") for e in others]
    return "\n".join(out)


def _reports(view: ItemView) -> list[str]:
    """Each report (reporter and full text)."""
    out: list[str] = []
    if view.reports:
        out.append(f"Reports ({len(view.reports)}):")
        for n, report in enumerate(view.reports):
            label = "reported by" if n == 0 else "also reported by"
            out.append(f"  - {report.reference} {label} {report.reporter or '(unknown)'} "
                       f"({report.origin}, {report.received_at:%Y-%m-%d %H:%M} UTC)")
            out += ["      | " + line for line in (report.text or "(empty)").splitlines()]
    return out
