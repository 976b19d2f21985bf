"""Insights tables: bot turns (analytics, knowledge gaps) and edited selling flows.

Revision ID: insights_0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "insights_0001"
down_revision = None
branch_labels = ("insights",)
depends_on = "chat_0001"


def upgrade() -> None:
    op.create_table(
        "bot_turns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=False),
        sa.Column("visitor_seq", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("faq_id", sa.String(length=128), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("handoff_reason", sa.String(length=32), nullable=True),
        sa.Column("gap", sa.String(length=16), nullable=True),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("closed_by_faq", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_bot_turns_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_bot_turns_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_turns")),
        sa.UniqueConstraint(
            "conversation_id", "visitor_seq", name="uq_bot_turns_conversation_visitor_seq"
        ),
    )
    op.create_index(op.f("ix_bot_turns_contact_id"), "bot_turns", ["contact_id"], unique=False)
    op.create_index(
        op.f("ix_bot_turns_conversation_id"), "bot_turns", ["conversation_id"], unique=False
    )
    op.create_index(op.f("ix_bot_turns_created_at"), "bot_turns", ["created_at"], unique=False)
    op.create_index(op.f("ix_bot_turns_gap"), "bot_turns", ["gap"], unique=False)
    op.create_table(
        "selling_flows",
        sa.Column("category", sa.String(length=500), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("category", name=op.f("pk_selling_flows")),
    )


def downgrade() -> None:
    op.drop_table("selling_flows")
    op.drop_index(op.f("ix_bot_turns_gap"), table_name="bot_turns")
    op.drop_index(op.f("ix_bot_turns_created_at"), table_name="bot_turns")
    op.drop_index(op.f("ix_bot_turns_conversation_id"), table_name="bot_turns")
    op.drop_index(op.f("ix_bot_turns_contact_id"), table_name="bot_turns")
    op.drop_table("bot_turns")
