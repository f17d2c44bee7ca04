"""Queue items by the revisions they are about: the timeline links its rows to them."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, select

from bot.storage.engine import storage_errors
from bot.storage.schema import queue_items

CHUNK = 500  # revision ids per query (bound parameters stay few on every database)


def items_by_revision(engine: Engine, wiki: str, revids: Iterable[int]
                      ) -> dict[int, tuple[int, ...]]:
    """{revision id: the ids of the queue items about it, oldest first} on `wiki`."""
    wanted = sorted({int(r) for r in revids if r})
    found: dict[int, list[int]] = {}
    q = queue_items.c
    with storage_errors(engine, "finding queue items by revision"), engine.connect() as conn:
        for start in range(0, len(wanted), CHUNK):
            rows = conn.execute(select(q.revid, q.id).where(
                q.wiki == wiki, q.revid.in_(wanted[start:start + CHUNK])).order_by(q.id))
            for revid, item_id in rows:
                found.setdefault(int(revid), []).append(int(item_id))
    return {revid: tuple(ids) for revid, ids in found.items()}
