"""Coverage per wiki, stream and ban: the spans the bot read with the ban loaded
(bot.pipeline.coverage).

Empty at first: holes are looked for only from when tracking began on each wiki's stream, so
the upgrade backfills nothing.

Revision ID: 0012_ban_coverage
Revises: 0011_item_diffs
Create Date: 2026-12-03
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.coltypes import MYSQL_TABLE
from migrations.coltypes import datetime_type as _dt

revision: str = "0012_ban_coverage"
down_revision: str | None = "0011_item_diffs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ban_coverage",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("ban_id", sa.String(64), nullable=False),
        sa.Column("start_at", _dt(), nullable=False),
        sa.Column("start_id", sa.BigInteger(), nullable=False),
        sa.Column("end_at", _dt(), nullable=False),
        sa.Column("end_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ban_coverage"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_ban_coverage_wiki_stream_ban_id_end_at", "ban_coverage",
                    ["wiki", "stream", "ban_id", "end_at"])
    op.create_table(
        "coverage_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("bans_key", sa.String(64), nullable=False),
        sa.Column("start_at", _dt(), nullable=False),
        sa.Column("start_id", sa.BigInteger(), nullable=False),
        sa.Column("end_at", _dt(), nullable=False),
        sa.Column("end_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coverage_runs"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_coverage_runs_wiki_stream", "coverage_runs", ["wiki", "stream"])
    op.create_table(
        "coverage_run_bans",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("ban_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["coverage_runs.id"], ondelete="CASCADE",
                                name="fk_coverage_run_bans_run_id_coverage_runs"),
        sa.PrimaryKeyConstraint("run_id", "ban_id", name="pk_coverage_run_bans"),
        **MYSQL_TABLE,
    )


def downgrade() -> None:
    op.drop_table("coverage_run_bans")
    op.drop_table("coverage_runs")
    op.drop_table("ban_coverage")
