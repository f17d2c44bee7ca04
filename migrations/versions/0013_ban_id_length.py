"""Ban ids as long as the bans file allows (100 characters, was 64) in every column that
holds one: a valid ban with a longer id had its breaches refused.

On SQLite each table is rebuilt (foreign keys are off while migrations run, so the rows that
refer to queue items stay: bot.storage.migrate).

Revision ID: 0013_ban_id_length
Revises: 0012_ban_coverage
Create Date: 2026-12-03
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_ban_id_length"
down_revision: str | None = "0012_ban_coverage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD, NEW = 64, 100
COLUMNS = (  # (table, nullable)
    ("queue_items", False),
    ("backfill_state", False),
    ("staff_warnings", True),
    ("ban_coverage", False),
    ("coverage_run_bans", False),
)


def _resize(old: int, new: int) -> None:
    for table, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("ban_id", type_=sa.String(new), existing_type=sa.String(old),
                               existing_nullable=nullable)


def upgrade() -> None:
    _resize(OLD, NEW)


def downgrade() -> None:
    _resize(NEW, OLD)
