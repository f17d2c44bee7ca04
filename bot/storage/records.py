"""What the store hands out: frozen records, and the queue JSON of DESIGN.md."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from detectors.exceptions import exception_note
from detectors.model import Finding

STATUSES = ("new", "confirmed", "dismissed", "needs-info")
DECISIONS = ("confirmed", "dismissed", "needs-info")
SOURCES = ("detector", "report")
NO_BAN_NOTE = ("reported; no registered ban restricts this account at the time of the "
               "event (a ban may be unregistered)")


def to_db_time(when: datetime) -> datetime:
    """Aware (any zone) -> naive UTC for the columns. Naive input is taken to be UTC already."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def from_db_time(when: datetime) -> datetime:
    """A naive UTC column value -> aware UTC."""
    if when.tzinfo is not None:
        return when.astimezone(UTC)
    return when.replace(tzinfo=UTC)


def json_time(when: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` (seconds precision, UTC)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Decision:
    id: int
    item_id: int
    decision: str
    reviewer: str
    note: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"decision": self.decision, "reviewer": self.reviewer, "note": self.note,
                "at": json_time(self.at)}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    item_id: int | None
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": json_time(self.at), "actor": self.actor,
                "action": self.action, "item_id": self.item_id, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class ItemKey:
    """What grouping an item into a case needs (bot.review.cases): who, whom, under which ban,
    when."""

    id: int
    wiki: str
    ban_id: str
    actor_id: int
    actor: str
    target: str
    timestamp: datetime
    status: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One (wiki, event, ban) awaiting or after review. `actor` is the name at the time."""

    id: int
    wiki: str
    ban_id: str
    event_key: str
    actor: str
    actor_id: int
    target: str
    page: str
    revid: int
    logid: int
    timestamp: datetime
    detected_at: datetime
    status: str
    source: str
    findings: tuple[Finding, ...] = ()
    decisions: tuple[Decision, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md queue item, keys in its order; `decisions` is an extra, last.

        A reported event by someone under no registered ban has `ban_id` null and a `note`.
        """
        extra = {} if self.ban_id else {"note": NO_BAN_NOTE}
        return {
            "id": self.id, "wiki": self.wiki, "ban_id": self.ban_id or None, "actor": self.actor,
            "target": self.target, "page": self.page, "revid": self.revid or None,
            "logid": self.logid or None, "timestamp": json_time(self.timestamp),
            "detected_at": json_time(self.detected_at), "status": self.status,
            "source": self.source,
            "findings": [{"kind": f.kind.value, "confidence": f.confidence,
                          "evidence": f.evidence} for f in self.findings],
            "decisions": [d.to_json() for d in self.decisions],
            "exception": self.exception, **extra,
        }

    @property
    def exception(self) -> str | None:
        """What the event claims as an exception to the ban, or its dispute-resolution page
        (`detectors.exceptions`), as the evidence starts with it; None when nothing."""
        return next((n for f in self.findings if (n := exception_note(f.evidence))), None)
