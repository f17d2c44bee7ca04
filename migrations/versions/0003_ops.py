"""Operations: poll leases (one polling process per wiki) and poll health per wiki and stream.

Revision ID: 0003_ops
Revises: 0002_reports
Create Date: 2026-11-27
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0003_ops"
down_revision: str | None = "0002_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL_TABLE = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin",
               "mysql_engine": "InnoDB"}


def _dt() -> sa.types.TypeEngine:
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _text() -> sa.types.TypeEngine:
    return sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


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
