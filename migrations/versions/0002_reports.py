"""Community reports: the reports table and its links to queue items.

Revision ID: 0002_reports
Revises: 0001
Create Date: 2026-11-27
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.coltypes import MYSQL_TABLE
from migrations.coltypes import datetime_type as _dt
from migrations.coltypes import text_type as _text

revision: str = "0002_reports"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.Column("page", sa.String(512), nullable=False),
        sa.Column("section", _text(), nullable=False),
        sa.Column("added_revid", sa.BigInteger(), nullable=False),
        sa.Column("reporter", sa.String(191), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column("text", _text(), nullable=False),
        sa.Column("diffs", _text(), nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("problems", _text(), nullable=False),
        sa.Column("received_at", _dt(), nullable=False),
        sa.Column("acknowledged_at", _dt(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint("reference", name="uq_reports_reference"),
        sa.UniqueConstraint("wiki", "fingerprint", name="uq_reports_wiki_fingerprint"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_reports_wiki_reporter_received_at", "reports",
                    ["wiki", "reporter", "received_at"])
    op.create_table(
        "report_items",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("revid", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE",
                                name="fk_report_items_report_id_reports"),
        sa.ForeignKeyConstraint(["item_id"], ["queue_items.id"], ondelete="CASCADE",
                                name="fk_report_items_item_id_queue_items"),
        sa.PrimaryKeyConstraint("report_id", "item_id", name="pk_report_items"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_report_items_item_id", "report_items", ["item_id"])


def downgrade() -> None:
    op.drop_table("report_items")
    op.drop_table("reports")
