"""Reports: `purged_at`, set when retention deletes a report's text and reporter.

Revision ID: 0008_report_retention
Revises: 0007_reporter_id
Create Date: 2026-11-27
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.coltypes import datetime_type as _dt

revision: str = "0008_report_retention"
down_revision: str | None = "0007_reporter_id"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("purged_at", _dt(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("purged_at")
