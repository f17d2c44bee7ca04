"""Counts for the precision figures (bot.review.stats): items per wiki, finding kind, confidence and
status, counted in the database. An item counts once per kind it has a finding of, at the
highest confidence of its findings of that kind. No names, no ban ids."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from bot.storage.records import to_db_time
from bot.storage.schema import findings, queue_items


@dataclass(frozen=True, slots=True)
class Count:
    wiki: str
    kind: str
    confidence: float
    status: str
    items: int


def decision_counts(conn: Connection, since: datetime | None = None,
                    wiki: str | None = None) -> list[Count]:
    f, q = findings.c, queue_items.c
    per_kind = (select(f.item_id, f.kind, func.max(f.confidence).label("top"))
                .group_by(f.item_id, f.kind).subquery())
    stmt = (select(q.wiki, per_kind.c.kind, per_kind.c.top, q.status, func.count())
            .join(per_kind, per_kind.c.item_id == q.id)
            .group_by(q.wiki, per_kind.c.kind, per_kind.c.top, q.status))
    if since is not None:
        stmt = stmt.where(q.event_time >= to_db_time(since))
    if wiki is not None:
        stmt = stmt.where(q.wiki == wiki)
    return [Count(w, k, float(top), s, int(n)) for w, k, top, s, n in conn.execute(stmt).all()]
