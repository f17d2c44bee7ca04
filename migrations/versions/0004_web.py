"""Review web UI: reviewers, login attempts (rate limiting), sign-in sessions.

Revision ID: 0004_web
Revises: 0003_ops
Create Date: 2026-11-27
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.coltypes import MYSQL_TABLE
from migrations.coltypes import datetime_type as _dt

revision: str = "0004_web"
down_revision: str | None = "0003_ops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reviewers",
        sa.Column("name", sa.String(191), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.Column("disabled_at", _dt(), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_reviewers"),
        **MYSQL_TABLE,
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(191), nullable=False),
        sa.Column("remote", sa.String(64), nullable=False),
        sa.Column("at", _dt(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_login_attempts_name_at", "login_attempts", ["name", "at"])
    op.create_index("ix_login_attempts_remote_at", "login_attempts", ["remote", "at"])
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("reviewer", sa.String(191), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.Column("expires_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_web_sessions"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_web_sessions_reviewer", "web_sessions", ["reviewer"])
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])


def downgrade() -> None:
    for table in ("web_sessions", "login_attempts", "reviewers"):
        op.drop_table(table)
