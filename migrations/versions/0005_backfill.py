"""Backfill state per (wiki, ban, stream) and staff warnings.

Revision ID: 0005_backfill
Revises: 0004_web
Create Date: 2026-11-27
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.coltypes import MYSQL_TABLE
from migrations.coltypes import datetime_type as _dt
from migrations.coltypes import text_type as _text

revision: str = "0005_backfill"
down_revision: str | None = "0004_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "backfill_state",
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("ban_id", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("position", sa.String(64), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("wiki", "ban_id", "stream", name="pk_backfill_state"),
        **MYSQL_TABLE,
    )
    op.create_table(
        "staff_warnings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("ban_id", sa.String(64), nullable=True),
        sa.Column("message", _text(), nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.Column("acknowledged_by", sa.String(255), nullable=True),
        sa.Column("acknowledged_at", _dt(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff_warnings"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_staff_warnings_acknowledged_at_id", "staff_warnings",
                    ["acknowledged_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_staff_warnings_acknowledged_at_id", table_name="staff_warnings")
    op.drop_table("staff_warnings")
    op.drop_table("backfill_state")
