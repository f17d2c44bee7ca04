"""Review UI sign-in through MediaWiki OAuth: reviewers' wiki accounts, sign-ins under way.

Revision ID: 0006_oauth
Revises: 0005_backfill
Create Date: 2026-11-27
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.coltypes import MYSQL_TABLE
from migrations.coltypes import datetime_type as _dt

revision: str = "0006_oauth"
down_revision: str | None = "0005_backfill"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reviewer_wiki_accounts",
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("username", sa.String(191), nullable=False),
        sa.Column("reviewer", sa.String(191), nullable=False),
        sa.Column("central_id", sa.String(64), nullable=True),
        sa.Column("linked_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("wiki", "username", name="pk_reviewer_wiki_accounts"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_reviewer_wiki_accounts_reviewer", "reviewer_wiki_accounts",
                    ["reviewer"])
    op.create_table(
        "oauth_requests",
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("verifier", sa.String(128), nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name="pk_oauth_requests"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_oauth_requests_created_at", "oauth_requests", ["created_at"])


def downgrade() -> None:
    for table in ("oauth_requests", "reviewer_wiki_accounts"):
        op.drop_table(table)
