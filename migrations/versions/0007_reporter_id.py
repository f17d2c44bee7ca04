"""Reports: an index to count a reporter's reports by user id (the daily limit survives a rename).

Revision ID: 0007_reporter_id
Revises: 0006_oauth
Create Date: 2026-11-27
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_reporter_id"
down_revision: str | None = "0006_oauth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_reports_wiki_reporter_id_received_at", "reports",
                    ["wiki", "reporter_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_reports_wiki_reporter_id_received_at", table_name="reports")
