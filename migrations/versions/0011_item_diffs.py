"""Diffs kept with their queue items: fetched once by the review UI, purged with the item.

Revision ID: 0011_item_diffs
Revises: 0009_report_intake
Create Date: 2026-12-03
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.coltypes import MYSQL_TABLE
from migrations.coltypes import datetime_type as _dt
from migrations.coltypes import text_type as _text

revision: str = "0011_item_diffs"
down_revision: str | None = "0009_report_intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_diffs",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("revid", sa.BigInteger(), nullable=False),
        sa.Column("html", _text(), nullable=False),
        sa.Column("comment", _text(), nullable=False),
        sa.Column("fetched_at", _dt(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["queue_items.id"], ondelete="CASCADE",
                                name="fk_item_diffs_item_id_queue_items"),
        sa.PrimaryKeyConstraint("item_id", name="pk_item_diffs"),
        **MYSQL_TABLE,
    )


def downgrade() -> None:
    op.drop_table("item_diffs")
