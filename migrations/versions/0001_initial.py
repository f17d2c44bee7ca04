"""Initial schema: queue items, findings, decisions, audit log, cursors, identities, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.coltypes import MYSQL_TABLE
from migrations.coltypes import datetime_type as _dt
from migrations.coltypes import text_type as _text

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _queue_items() -> None:
    op.create_table(
        "queue_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("ban_id", sa.String(64), nullable=False),
        sa.Column("event_key", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("page", sa.String(512), nullable=False),
        sa.Column("revid", sa.BigInteger(), nullable=False),
        sa.Column("logid", sa.BigInteger(), nullable=False),
        sa.Column("event_time", _dt(), nullable=False),
        sa.Column("detected_at", _dt(), nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_queue_items"),
        sa.UniqueConstraint("wiki", "event_key", "ban_id",
                            name="uq_queue_items_wiki_event_key_ban_id"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_queue_items_status", "queue_items", ["status"])
    op.create_index("ix_queue_items_ban_id", "queue_items", ["ban_id"])
    op.create_index("ix_queue_items_event_time_id", "queue_items", ["event_time", "id"])


def _item_children() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("evidence", _text(), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["queue_items.id"], ondelete="CASCADE",
                                name="fk_findings_item_id_queue_items"),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_findings_item_id", "findings", ["item_id"])
    op.create_index("ix_findings_kind", "findings", ["kind"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(64), nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("note", _text(), nullable=False),
        sa.Column("decided_at", _dt(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["queue_items.id"], ondelete="CASCADE",
                                name="fk_decisions_item_id_queue_items"),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_decisions_item_id", "decisions", ["item_id"])


def _bookkeeping() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", _dt(), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("detail", _text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        **MYSQL_TABLE,
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_item_id", "audit_log", ["item_id"])


def _state() -> None:
    op.create_table(
        "cursors",
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("value", _text(), nullable=False),
        sa.Column("updated_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("wiki", "stream", name="pk_cursors"),
        **MYSQL_TABLE,
    )
    op.create_table(
        "identities",
        sa.Column("wiki", sa.String(64), nullable=False),
        sa.Column("name", sa.String(191), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("current_name", sa.String(255), nullable=False),
        sa.Column("resolved_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("wiki", "name", name="pk_identities"),
        **MYSQL_TABLE,
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(191), nullable=False),
        sa.Column("value", _text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
        **MYSQL_TABLE,
    )


def upgrade() -> None:
    _queue_items()
    _item_children()
    _bookkeeping()
    _state()


def downgrade() -> None:
    for table in ("settings", "identities", "cursors", "audit_log", "decisions", "findings",
                  "queue_items"):
        op.drop_table(table)
