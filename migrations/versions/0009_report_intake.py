"""Report intake: where it began on each report page, every version of a report's text, and
reporter names up to MediaWiki's 255 characters.

Pages that already have reports begin just before the oldest of them, so nothing already
taken in is treated as older than intake.

Revision ID: 0009_report_intake
Revises: 0008_report_retention
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.coltypes import MYSQL_TABLE
from migrations.coltypes import datetime_type as _dt
from migrations.coltypes import text_type as _text

revision: str = "0009_report_intake"
down_revision: str | None = "0008_report_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_pages",
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("page", sa.String(512), nullable=False),
        sa.Column("began_revid", sa.BigInteger(), nullable=False),
        sa.Column("began_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("wiki", name="pk_report_pages"),
        **MYSQL_TABLE,
    )
    op.create_table(
        "report_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("revid", sa.BigInteger(), nullable=False),
        sa.Column("editor", sa.String(255), nullable=False),
        sa.Column("editor_id", sa.BigInteger(), nullable=False),
        sa.Column("by_other", sa.Boolean(), nullable=False),
        sa.Column("text", _text(), nullable=False),
        sa.Column("seen_at", _dt(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE",
                                name="fk_report_versions_report_id_reports"),
        sa.PrimaryKeyConstraint("id", name="pk_report_versions"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_report_versions_report_id", "report_versions", ["report_id"])
    op.create_index("ix_report_versions_editor_id_seen_at", "report_versions",
                    ["editor_id", "seen_at"])
    with op.batch_alter_table("reports") as batch:
        batch.alter_column("reporter", existing_type=sa.String(191), type_=sa.String(255),
                           existing_nullable=False)
    op.execute(
        "INSERT INTO report_pages (wiki, page, began_revid, began_at) "
        "SELECT wiki, MIN(page), MIN(added_revid) - 1, MIN(received_at) FROM reports "
        "WHERE origin = 'wiki' AND added_revid > 0 GROUP BY wiki")
    op.get_bind().execute(
        sa.text("INSERT INTO report_versions (report_id, revid, editor, editor_id, by_other, "
                "text, seen_at) SELECT id, added_revid, reporter, reporter_id, :by_other, text, "
                "received_at FROM reports WHERE purged_at IS NULL"),
        {"by_other": False})


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.alter_column("reporter", existing_type=sa.String(255), type_=sa.String(191),
                           existing_nullable=False)
    op.drop_table("report_versions")
    op.drop_table("report_pages")
