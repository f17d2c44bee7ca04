"""Operations: poll leases (one polling process per wiki) and poll health per wiki and stream.

Revision ID: 0003_ops
Revises: 0002_reports
Create Date: 2026-11-27
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.coltypes import MYSQL_TABLE
from migrations.coltypes import datetime_type as _dt
from migrations.coltypes import text_type as _text

revision: str = "0003_ops"
down_revision: str | None = "0002_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(191), nullable=False),
        sa.Column("acquired_at", _dt(), nullable=False),
        sa.Column("expires_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("wiki", name="pk_leases"),
        **MYSQL_TABLE,
    )
    op.create_table(
        "poll_health",
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("last_attempt", _dt(), nullable=False),
        sa.Column("last_success", _dt(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", _text(), nullable=True),
        sa.Column("last_error_at", _dt(), nullable=True),
        sa.PrimaryKeyConstraint("wiki", "stream", name="pk_poll_health"),
        **MYSQL_TABLE,
    )


def downgrade() -> None:
    op.drop_table("poll_health")
    op.drop_table("leases")
