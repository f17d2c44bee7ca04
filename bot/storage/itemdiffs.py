"""The diff of a queue item's revision, kept once the review UI fetched it (`item_diffs`).

Migration 0011_item_diffs. The wiki's HTML is kept as the wiki gave it (untrusted: the web UI
sanitizes it each time it shows it), with the edit summary; the row goes with its item when
the retention purge deletes the item (bot.storage.ops), so nothing outlives the evidence.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Column, Engine, ForeignKey, Integer, Table, insert, select
from sqlalchemy.exc import IntegrityError

from bot.storage.engine import storage_errors, writing
from bot.storage.records import from_db_time, to_db_time
from bot.storage.schema import MYSQL_TABLE, long_text, metadata, queue_items, utc_datetime

item_diffs = Table(
    "item_diffs", metadata,
    Column("item_id", Integer, ForeignKey("queue_items.id", ondelete="CASCADE"),
           primary_key=True),
    Column("revid", BigInteger, nullable=False),
    Column("html", long_text(), nullable=False),  # UNTRUSTED rows of the wiki's diff table
    Column("comment", long_text(), nullable=False),
    Column("fetched_at", utc_datetime(), nullable=False),
    **MYSQL_TABLE,
)


@dataclass(frozen=True, slots=True)
class KeptDiff:
    item_id: int
    revid: int
    html: str  # UNTRUSTED
    comment: str
    fetched_at: datetime


class ItemDiffStore:
    """Kept diffs; one transaction per call. The first diff kept for an item stays."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, item_id: int) -> KeptDiff | None:
        c = item_diffs.c
        with storage_errors(self.engine, f"reading the diff of item {item_id}"), \
                self.engine.connect() as conn:
            row = conn.execute(select(item_diffs).where(c.item_id == item_id)).first()
        return KeptDiff(row.item_id, row.revid, row.html, row.comment,
                        from_db_time(row.fetched_at)) if row else None

    def keep(self, diff: KeptDiff) -> None:
        """Keep it, unless one is kept already (also by another process at the same time)."""
        with storage_errors(self.engine, f"keeping the diff of item {diff.item_id}"):
            try:
                with writing(self.engine) as conn:
                    kept = conn.execute(select(item_diffs.c.item_id).where(
                        item_diffs.c.item_id == diff.item_id)).first()
                    item = conn.execute(select(queue_items.c.id).where(
                        queue_items.c.id == diff.item_id)).first()
                    if kept is None and item is not None:  # none for a purged item
                        conn.execute(insert(item_diffs).values(
                            item_id=diff.item_id, revid=diff.revid, html=diff.html,
                            comment=diff.comment, fetched_at=to_db_time(diff.fetched_at)))
            except IntegrityError:
                pass  # kept by another process meanwhile (or the item was purged): fine
