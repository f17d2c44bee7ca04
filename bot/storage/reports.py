"""Community reports: the `reports` table and its links to queue items (`report_items`).

Every report is kept, accepted or not: the reporter, the full text, the section, an opaque
reference, when it was received and what came of it. A report of an event already queued is
linked to that item ("also reported by"); a report of an event by someone under no registered
ban gets an item with an empty ban id (shown as `ban_id: null` with a note).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger, Column, Connection, Engine, ForeignKey, Index, Integer, String, Table,
    UniqueConstraint, func, insert, select, update,
)

from bot.errors import NotFound
from bot.storage import queue as _queue
from bot.storage.audit import record_audit
from bot.storage.engine import storage_errors
from bot.storage.records import from_db_time, json_time, to_db_time
from bot.storage.schema import (
    INDEXED_NAME, KEY, MYSQL_TABLE, TITLE, WIKI, check_lengths, long_text, metadata,
    utc_datetime,
)
from detectors.model import Detection

ORIGINS = ("wiki", "staff")
OUTCOMES = ("queued", "rejected")

reports = Table(
    "reports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(KEY), nullable=False, unique=True),
    Column("wiki", String(WIKI), nullable=False),
    Column("fingerprint", String(KEY), nullable=False),
    Column("origin", String(KEY), nullable=False),
    Column("page", String(TITLE), nullable=False),
    Column("section", long_text(), nullable=False),
    Column("added_revid", BigInteger, nullable=False),
    Column("reporter", String(INDEXED_NAME), nullable=False),
    Column("reporter_id", BigInteger, nullable=False),
    Column("text", long_text(), nullable=False),
    Column("diffs", long_text(), nullable=False),  # revision ids, space separated
    Column("outcome", String(KEY), nullable=False),
    Column("problems", long_text(), nullable=False),  # one per line, as told to the reporter
    Column("received_at", utc_datetime(), nullable=False),
    Column("acknowledged_at", utc_datetime(), nullable=True),
    Column("purged_at", utc_datetime(), nullable=True),  # migration 0008_report_retention
    UniqueConstraint("wiki", "fingerprint"),
    Index(None, "wiki", "reporter", "received_at"),
    Index(None, "wiki", "reporter_id", "received_at"),  # migration 0007_reporter_id
    **MYSQL_TABLE,
)

report_items = Table(
    "report_items", metadata,
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", Integer, ForeignKey("queue_items.id", ondelete="CASCADE"),
           primary_key=True, index=True),
    Column("revid", BigInteger, nullable=False),
    **MYSQL_TABLE,
)


@dataclass(frozen=True)
class NewReport:
    reference: str
    wiki: str
    fingerprint: str
    origin: str
    page: str
    section: str
    added_revid: int
    reporter: str
    reporter_id: int
    text: str
    diffs: tuple[int, ...]
    outcome: str
    problems: tuple[str, ...]
    received_at: datetime


@dataclass(frozen=True)
class Report(NewReport):
    """A stored report: what was received, plus its id, acknowledgment and queue items."""

    id: int = 0
    acknowledged_at: datetime | None = None
    item_ids: tuple[int, ...] = ()
    purged_at: datetime | None = None  # retention deleted its text and reporter

    def to_json(self) -> dict[str, Any]:
        return {"reference": self.reference, "wiki": self.wiki, "origin": self.origin,
                "reporter": self.reporter, "page": self.page or None,
                "section": self.section or None, "text": self.text, "diffs": list(self.diffs),
                "outcome": self.outcome, "problems": list(self.problems),
                "received_at": json_time(self.received_at),
                "acknowledged_at": json_time(self.acknowledged_at)
                if self.acknowledged_at else None, "items": list(self.item_ids),
                "purged_at": json_time(self.purged_at) if self.purged_at else None}


def _values(r: NewReport) -> dict[str, Any]:
    return {"reference": r.reference, "wiki": r.wiki, "fingerprint": r.fingerprint,
            "origin": r.origin, "page": r.page, "section": r.section,
            "added_revid": r.added_revid, "reporter": r.reporter, "reporter_id": r.reporter_id,
            "text": r.text, "diffs": " ".join(map(str, r.diffs)), "outcome": r.outcome,
            "problems": "\n".join(r.problems), "received_at": to_db_time(r.received_at)}


def _record(row: Any, item_ids: Sequence[int]) -> Report:
    return Report(
        id=row["id"], reference=row["reference"], wiki=row["wiki"],
        fingerprint=row["fingerprint"], origin=row["origin"], page=row["page"],
        section=row["section"], added_revid=int(row["added_revid"]), reporter=row["reporter"],
        reporter_id=int(row["reporter_id"]), text=row["text"],
        diffs=tuple(int(d) for d in row["diffs"].split()), outcome=row["outcome"],
        problems=tuple(p for p in row["problems"].split("\n") if p),
        received_at=from_db_time(row["received_at"]),
        acknowledged_at=from_db_time(row["acknowledged_at"]) if row["acknowledged_at"] else None,
        item_ids=tuple(item_ids),
        purged_at=from_db_time(row["purged_at"]) if row["purged_at"] else None)


class ReportStore:
    """Reports in the bot's database; every public method is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find(self, wiki: str, fingerprint: str) -> Report | None:
        with storage_errors(self.engine, "reading a report"), self.engine.connect() as conn:
            row = conn.execute(select(reports).where(
                reports.c.wiki == wiki, reports.c.fingerprint == fingerprint)).mappings().first()
            return _load(conn, [row])[0] if row else None

    def get(self, reference: str) -> Report:
        with storage_errors(self.engine, "reading a report"), self.engine.connect() as conn:
            row = conn.execute(select(reports).where(reports.c.reference == reference)
                               ).mappings().first()
            if row is None:
                raise NotFound(f"report {reference} does not exist")
            return _load(conn, [row])[0]

    def count_since(self, wiki: str, reporter: str, since: datetime,
                    excluding: str = "", reporter_id: int = 0) -> int:
        """On-wiki reports by this reporter since `since`: by user id when it is known, so
        that a rename does not start a new count; by name otherwise."""
        r = reports.c
        who = r.reporter_id == reporter_id if reporter_id > 0 else r.reporter == reporter
        stmt = select(func.count()).select_from(reports).where(
            r.wiki == wiki, who, r.received_at >= to_db_time(since),
            r.origin == "wiki", r.fingerprint != excluding)
        with storage_errors(self.engine, "counting reports"), self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def save(self, report: NewReport, detections: Sequence[Detection],
             detected_at: datetime) -> Report:
        """Store (or update, same wiki and fingerprint) a report with its queue items.

        Detections already queued (same wiki, event and ban) get the report linked to them
        instead of a second item. All or nothing.
        """
        values = _values(report)
        check_lengths("reports", values, f"report {report.reference}")
        with storage_errors(self.engine, f"saving report {report.reference}"), \
                self.engine.begin() as conn:
            report_id = _upsert(conn, report, values)
            for d in detections:
                item_id = (_queue.insert_detection(conn, d, detected_at)  # None: queued before
                           or _queue.find_item_id(conn, d.wiki, d.event_key, d.ban_id))
                _link(conn, report_id, int(item_id), d.revid)
            row = conn.execute(select(reports).where(reports.c.id == report_id)).mappings().one()
            return _load(conn, [row])[0]

    def mark_acknowledged(self, references: Sequence[str], at: datetime) -> None:
        if not references:
            return
        with storage_errors(self.engine, "marking reports acknowledged"), \
                self.engine.begin() as conn:
            conn.execute(update(reports).where(reports.c.reference.in_(list(references)))
                         .values(acknowledged_at=to_db_time(at)))

    def purge(self, cutoff: datetime, now: datetime, actor: str) -> int:
        """Retention: forget the text, heading, diffs, reporter and problems of the reports
        received before `cutoff` that no queue item holds any more (their items were purged,
        or they were rejected); one audit row each. The row stays, marked `purged_at`, so the
        same report still standing on a report page is not taken in again."""
        r = reports.c
        stmt = select(r.id, r.reference, r.wiki, r.outcome).where(
            r.purged_at.is_(None), r.received_at < to_db_time(cutoff),
            r.id.not_in(select(report_items.c.report_id))).order_by(r.id)
        with storage_errors(self.engine, "purging reports"), self.engine.begin() as conn:
            rows = conn.execute(stmt).all()
            for row in rows:
                record_audit(conn, actor, "purge", None, f"retention purge: report "
                             f"{row.reference} (wiki {row.wiki}, {row.outcome}); its text and "
                             "reporter deleted", now)
            ids = [row.id for row in rows]
            for start in range(0, len(ids), 500):
                conn.execute(update(reports).where(r.id.in_(ids[start:start + 500])).values(
                    text="", section="", diffs="", reporter="", reporter_id=0, problems="",
                    purged_at=to_db_time(now)))
            return len(ids)

    def for_item(self, item_id: int) -> list[Report]:
        """The reports linked to a queue item, oldest first."""
        ids = select(report_items.c.report_id).where(report_items.c.item_id == item_id)
        stmt = select(reports).where(reports.c.id.in_(ids)).order_by(reports.c.received_at,
                                                                      reports.c.id)
        with storage_errors(self.engine, f"reading reports of item {item_id}"), \
                self.engine.connect() as conn:
            return _load(conn, conn.execute(stmt).mappings().all())

    def list(self, wiki: str | None = None, outcome: str | None = None,
             limit: int | None = None) -> list[Report]:
        """Newest first."""
        r = reports.c
        stmt = select(reports).order_by(r.received_at.desc(), r.id.desc())
        if wiki:
            stmt = stmt.where(r.wiki == wiki)
        if outcome:
            stmt = stmt.where(r.outcome == outcome)
        if limit is not None:
            stmt = stmt.limit(limit)
        with storage_errors(self.engine, "listing reports"), self.engine.connect() as conn:
            return _load(conn, conn.execute(stmt).mappings().all())


def _upsert(conn: Connection, report: NewReport, values: dict[str, Any]) -> int:
    r = reports.c
    existing = conn.execute(select(r.id).where(r.wiki == report.wiki,
                                               r.fingerprint == report.fingerprint)
                            .with_for_update()).scalar_one_or_none()
    if existing is None:
        return int(conn.execute(insert(reports).values(values)).inserted_primary_key[0])
    keep = {"reference", "received_at", "fingerprint", "wiki", "origin"}
    conn.execute(update(reports).where(r.id == existing)
                 .values({k: v for k, v in values.items() if k not in keep}))
    return int(existing)


def _link(conn: Connection, report_id: int, item_id: int, revid: int) -> None:
    ri = report_items.c
    found = conn.execute(select(ri.report_id).where(ri.report_id == report_id,
                                                    ri.item_id == item_id)).first()
    if not found:
        conn.execute(insert(report_items).values(report_id=report_id, item_id=item_id,
                                                 revid=revid))


def _load(conn: Connection, rows: Sequence[Any]) -> list[Report]:
    ids = [row["id"] for row in rows]
    links: dict[int, list[int]] = {}
    if ids:
        stmt = select(report_items.c.report_id, report_items.c.item_id).where(
            report_items.c.report_id.in_(ids)).order_by(report_items.c.item_id)
        for report_id, item_id in conn.execute(stmt).all():
            links.setdefault(report_id, []).append(int(item_id))
    return [_record(row, links.get(row["id"], ())) for row in rows]
