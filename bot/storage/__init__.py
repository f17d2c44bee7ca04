"""Storage: the only package that imports SQLAlchemy (and Alembic).

`Store(url)` is the entry point; records are frozen dataclasses. See store.py for the API.
"""
from bot.storage.backfill import Ledger, StaffWarning  # backfill_state, staff_warnings
from bot.storage.itemdiffs import ItemDiffStore, KeptDiff  # item_diffs (0011_item_diffs)
from bot.storage.records import (
    DECISIONS,
    SOURCES,
    STATUSES,
    AuditEntry,
    Decision,
    ItemKey,
    QueueItem,
)
from bot.storage.reports import NewReport, Report, ReportStore, Version  # reports, report_items

# imported here so that its tables join schema.metadata wherever the metadata is used
from bot.storage.reviewers import AuditNote, Reviewer, ReviewerStore, WebSession
from bot.storage.store import Store
from bot.storage.wikiaccounts import WikiAccount, WikiAccountStore

__all__ = ["Store", "QueueItem", "ItemKey", "Decision", "AuditEntry", "STATUSES", "DECISIONS",
           "SOURCES",
           "ReviewerStore", "Reviewer", "WebSession", "AuditNote", "Ledger", "StaffWarning",
           "ReportStore", "Report", "NewReport", "Version",
           "WikiAccountStore", "WikiAccount", "ItemDiffStore", "KeptDiff"]
