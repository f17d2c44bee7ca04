"""Store: the one entry point to the database. Every public method is one transaction.

Database failures come out as one-line StorageErrors (no password); a missing queue item as
NotFound; a bad decision or reviewer as UsageError. Datetimes in and out are aware UTC.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import URL, Engine

from bot.errors import UsageError
from bot.storage import audit as _audit
from bot.storage import byrevision as _byrevision
from bot.storage import coverage as _coverage  # its table joins schema.metadata (0010)
from bot.storage import cursors as _cursors
from bot.storage import locks as _locks
from bot.storage import migrate
from bot.storage import ops as _ops  # its tables join schema.metadata (migration 0003_ops)
from bot.storage import queue as _queue
from bot.storage import search as _search
from bot.storage import stats as _stats
from bot.storage.engine import make_engine, safe_url, storage_errors, writing
from bot.storage.itemdiffs import ItemDiffStore
from bot.storage.query import Search
from bot.storage.records import DECISIONS, SOURCES, AuditEntry, ItemKey, QueueItem
from bot.storage.reports import ReportStore
from bot.storage.reviewers import ReviewerStore
from bot.storage.wikiaccounts import WikiAccountStore
from detectors.bans import Identity
from detectors.model import Detection, Kind


class Store:
    def __init__(self, url: str | URL) -> None:
        self.engine: Engine = make_engine(url)
        self._locks: _locks.Locks | None = None

    def __repr__(self) -> str:
        return f"Store({safe_url(self.engine.url)!r})"

    def close(self) -> None:
        if self._locks is not None:  # its dedicated connection too (the session's locks go)
            self._locks.release_all()
        self.engine.dispose()

    # -- the other stores, built once on this engine: code outside bot.storage never touches
    # the engine (tests/architecture/test_architecture.py checks it)
    # --------------------------------------
    @cached_property
    def ops(self) -> _ops.Ops:
        """Poll leases, poll health and the retention purge (bot.storage.ops)."""
        return _ops.Ops(self.engine)

    @cached_property
    def reviewers(self) -> ReviewerStore:
        """Reviewer accounts, web sessions and sign-in attempts (bot.storage.reviewers)."""
        return ReviewerStore(self.engine)

    @cached_property
    def wiki_accounts(self) -> WikiAccountStore:
        """The wiki accounts reviewers sign in with, and sign-ins under way."""
        return WikiAccountStore(self.engine)

    @cached_property
    def reports(self) -> ReportStore:
        """Reports taken in from the report page (bot.storage.reports)."""
        return ReportStore(self.engine)

    @cached_property
    def item_diffs(self) -> ItemDiffStore:
        """The diffs kept with queue items (bot.storage.itemdiffs)."""
        return ItemDiffStore(self.engine)

    def items_by_revision(self, wiki: str, revids: Iterable[int]) -> dict[int, tuple[int, ...]]:
        """{revision id: the ids of the queue items about it, oldest first} on `wiki`."""
        return _byrevision.items_by_revision(self.engine, wiki, revids)

    def poll_locks(self, holder: str, lease_seconds: int,
                   now: Callable[[], datetime]) -> _locks.Locks:
        """This process's polling locks (bot.storage.locks). From now on every save that moves
        a cursor is fenced: it fails with LockLost, saving nothing, unless this process still
        holds the lock of each wiki (or of `*eventstreams`) whose cursor it moves."""
        self._locks = _locks.Locks(self.engine, holder, lease_seconds, now)
        return self._locks

    def _fence(self, conn, names) -> None:
        if self._locks is not None:
            for name in sorted(set(names)):
                self._locks.fence(conn, name)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------
    def upgrade(self, revision: str = "heads") -> None:
        migrate.upgrade(self.engine, revision)

    def downgrade(self, revision: str) -> None:
        migrate.downgrade(self.engine, revision)

    def current_revision(self) -> str | None:
        return migrate.current_revision(self.engine)

    @staticmethod
    def head_revision() -> str | None:
        return migrate.head_revision()

    def check_schema(self) -> None:
        migrate.check_schema(self.engine)

    # -- polling ---------------------------------------------------------------------------
    def get_cursor(self, wiki: str, stream: str) -> str | None:
        with storage_errors(self.engine, "reading a cursor"), self.engine.connect() as conn:
            return _cursors.get_cursor(conn, wiki, stream)

    def save_batch(self, wiki: str, stream: str, cursor: str | None,
                   detections: Sequence[Detection], detected_at: datetime,
                   covered: _coverage.Covered | None = None) -> list[int]:
        """Queue the detections and move the cursor, all or nothing; ids of NEW items.

        Detections already queued (same wiki, event_key, ban_id) are left as they are.
        `covered`: the bans loaded while the batch was read, recorded as coverage of the
        stream in the same transaction (bot.pipeline.coverage).
        """
        for d in detections:
            if d.source not in SOURCES:
                raise ValueError(f"detection {d.event_key}: unknown source {d.source!r}")
        new: list[int] = []
        with storage_errors(self.engine, f"saving a batch for {wiki}/{stream}"), \
                writing(self.engine) as conn:
            if cursor is not None:
                self._fence(conn, (wiki,))
            for d in detections:
                item_id = _queue.insert_detection(conn, d, detected_at)
                if item_id is not None:
                    new.append(item_id)
            if cursor is not None:
                _cursors.set_cursor(conn, wiki, stream, cursor, detected_at)
                if covered is not None:
                    _coverage.extend(conn, wiki, stream, covered, detected_at)
        return new

    def save_batch_cursors(self, cursors: Mapping[tuple[str, str], str],
                           detections: Sequence[Detection], detected_at: datetime,
                           covered: Mapping[tuple[str, str], _coverage.Covered] | None = None
                           ) -> list[int]:
        """Like save_batch, but moves several (wiki, stream) cursors in the same transaction
        (and records the coverage of those in `covered`)."""
        new: list[int] = []
        with storage_errors(self.engine, "saving a stream batch"), writing(self.engine) as conn:
            self._fence(conn, (wiki for wiki, _ in cursors))
            for d in detections:
                item_id = _queue.insert_detection(conn, d, detected_at)
                if item_id is not None:
                    new.append(item_id)
            for (wiki, stream), value in sorted(cursors.items()):
                _cursors.set_cursor(conn, wiki, stream, value, detected_at)
                if covered and (wiki, stream) in covered:
                    _coverage.extend(conn, wiki, stream, covered[(wiki, stream)], detected_at)
        return new

    # -- coverage (bot.pipeline.coverage) ----------------------------------------------------------
    def coverage(self, wiki: str, ban_ids: Iterable[str] | None = None
                 ) -> dict[tuple[str, str], tuple[_coverage.StoredSpan, ...]]:
        """(ban id, stream) -> the spans covered on `wiki`, in order (`*`: read at all)."""
        with storage_errors(self.engine, "reading coverage"), self.engine.connect() as conn:
            return _coverage.spans(conn, wiki, ban_ids)

    def record_coverage(self, wiki: str, stream: str, covered: _coverage.Covered,
                        at: datetime) -> None:
        """A backfill of these bans over [start, end] of the stream finished."""
        with storage_errors(self.engine, "saving coverage"), writing(self.engine) as conn:
            for ban_id in sorted(covered.ban_ids):
                _coverage.add_span(conn, wiki, stream, ban_id, covered, at)

    def set_cursor(self, wiki: str, stream: str, value: str, at: datetime) -> None:
        with storage_errors(self.engine, "saving a cursor"), writing(self.engine) as conn:
            _cursors.set_cursor(conn, wiki, stream, value, at)

    # -- identities ------------------------------------------------------------------------
    def save_identity(self, identity: Identity, resolved_at: datetime) -> None:
        with storage_errors(self.engine, "saving an identity"), writing(self.engine) as conn:
            _audit.save_identity(conn, identity, resolved_at)

    def identities(self, wiki: str | None = None) -> list[Identity]:
        with storage_errors(self.engine, "reading identities"), self.engine.connect() as conn:
            return _audit.list_identities(conn, wiki)

    # -- queue -----------------------------------------------------------------------------
    def list_items(self, status: str | None = None, ban_id: str | None = None,
                   wiki: str | None = None, kind: str | Kind | None = None,
                   source: str | None = None, limit: int | None = None,
                   offset: int = 0) -> list[QueueItem]:
        with storage_errors(self.engine, "listing the queue"), self.engine.connect() as conn:
            return _queue.list_items(conn, status=status, ban_id=ban_id, wiki=wiki, kind=kind,
                                     source=source, limit=limit, offset=offset)

    def neighbours(self, item_id: int, **filters: Any) -> tuple[int | None, int | None]:
        """(previous, next) item ids around item_id in list_items(**filters)'s order."""
        with storage_errors(self.engine, f"reading queue item {item_id}"), \
                self.engine.connect() as conn:
            return _queue.neighbours(conn, item_id, **filters)

    def search(self, search: Search, thresholds: Mapping[str, float] | None = None
               ) -> tuple[list[QueueItem], bool]:
        """One page of the items `search` selects (filtered, sorted, paged in SQL) and
        whether more follow; `thresholds`: kind -> the queue's minimum confidence."""
        with storage_errors(self.engine, "searching the queue"), self.engine.connect() as conn:
            return _search.search_items(conn, search, thresholds or {})

    def adjacent(self, search: Search, thresholds: Mapping[str, float] | None,
                 item_id: int) -> tuple[int | None, int | None]:
        """The ids before and after the item in the search's order (None: none)."""
        with storage_errors(self.engine, "searching the queue"), self.engine.connect() as conn:
            return _search.adjacent(conn, search, thresholds or {}, item_id)

    def count_below(self, search: Search, thresholds: Mapping[str, float]) -> int:
        """Items the search leaves aside as below their kinds' minimum confidence."""
        with storage_errors(self.engine, "counting the queue"), self.engine.connect() as conn:
            return _search.count_below(conn, search, thresholds)

    def queue_values(self) -> tuple[list[str], list[str]]:
        """The wikis and ban ids the queue holds."""
        with storage_errors(self.engine, "reading the queue"), self.engine.connect() as conn:
            return _search.known_values(conn)

    def decision_counts(self, since: datetime | None = None, wiki: str | None = None
                        ) -> list[_stats.Count]:
        """Items per (wiki, finding kind, confidence, status), for the precision figures."""
        with storage_errors(self.engine, "counting decisions"), self.engine.connect() as conn:
            return _stats.decision_counts(conn, since, wiki)

    def count_by_status(self) -> dict[str, int]:
        with storage_errors(self.engine, "counting the queue"), self.engine.connect() as conn:
            return _queue.count_by_status(conn)

    def get_item(self, item_id: int) -> QueueItem:
        with storage_errors(self.engine, f"reading queue item {item_id}"), \
                self.engine.connect() as conn:
            return _queue.get_item(conn, item_id)

    def decide(self, item_id: int, decision: str, reviewer: str, note: str,
               at: datetime, *, seen: str | None = None, force: bool = False) -> QueueItem:
        """Set the status, record the decision and an audit row, in one transaction.

        A `confirmed` or `dismissed` item changes only with `force`; given `seen` (the status
        the reviewer saw), only while the item still has it. Else DecisionConflict."""
        if decision not in DECISIONS:
            raise UsageError(f"decision must be one of {', '.join(DECISIONS)}, "
                             f"not {decision!r}")
        if not reviewer or not reviewer.strip():
            raise UsageError("a decision needs a reviewer name")
        reviewer, note = reviewer.strip(), note or ""
        with storage_errors(self.engine, f"deciding queue item {item_id}"), \
                writing(self.engine) as conn:
            old = _queue.record_decision(conn, item_id, decision, reviewer, note, at,
                                         seen=seen, force=force)
            _audit.record_audit(conn, reviewer, "decide", item_id,
                                f"status {old} -> {decision}", at)
            return _queue.get_item(conn, item_id)

    def item_keys(self, wiki: str | None = None, ban_id: str | None = None,
                  target: str | None = None) -> list[ItemKey]:
        with storage_errors(self.engine, "reading the queue"), self.engine.connect() as conn:
            return _queue.item_keys(conn, wiki=wiki, ban_id=ban_id, target=target)

    def decide_all(self, item_ids: Sequence[int], decision: str, reviewer: str, note: str,
                   at: datetime, *, seen: Mapping[int, str] | None = None, force: bool = False,
                   detail: str = "") -> list[int]:
        """One decision on several items, all or nothing, in one transaction: a decision row
        and an audit row each, with the rules of decide() per item (a DecisionConflict on one
        records none). Items that hold this decision already (and still the status seen) are
        left alone. Returns the ids decided."""
        if decision not in DECISIONS:
            raise UsageError(f"decision must be one of {', '.join(DECISIONS)}, "
                             f"not {decision!r}")
        if not reviewer or not reviewer.strip():
            raise UsageError("a decision needs a reviewer name")
        reviewer, note, done = reviewer.strip(), note or "", []
        with storage_errors(self.engine, "deciding queue items"), writing(self.engine) as conn:
            for item_id, old in _queue.lock_statuses(conn, item_ids).items():
                wanted = seen.get(item_id) if seen is not None else None
                if old == decision and wanted in (None, old):
                    continue
                _queue.record_decision(conn, item_id, decision, reviewer, note, at,
                                       seen=wanted, force=force)
                _audit.record_audit(conn, reviewer, "decide", item_id,
                                    f"status {old} -> {decision}{detail}", at)
                done.append(item_id)
        return done

    # -- audit and settings ----------------------------------------------------------------
    def audit(self, limit: int | None = 100, item_id: int | None = None) -> list[AuditEntry]:
        with storage_errors(self.engine, "reading the audit log"), \
                self.engine.connect() as conn:
            return _audit.audit(conn, limit, item_id)

    def record_audit(self, actor: str, action: str, item_id: int | None, detail: str,
                     at: datetime) -> AuditEntry:
        with storage_errors(self.engine, "writing the audit log"), writing(self.engine) as conn:
            return _audit.record_audit(conn, actor, action, item_id, detail, at)

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        with storage_errors(self.engine, "reading a setting"), self.engine.connect() as conn:
            value = _cursors.get_setting(conn, key)
        return default if value is None else value

    def set_setting(self, key: str, value: str) -> None:
        with storage_errors(self.engine, "saving a setting"), writing(self.engine) as conn:
            _cursors.set_setting(conn, key, value)
