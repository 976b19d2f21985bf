"""Gaps an editor closed carry when: a gap can now be closed without a new FAQ (the bot
answers it already, its wordings joined an FAQ, or it was no content gap).

Revision ID: insights_0002
Revises: insights_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "insights_0002"
down_revision = "insights_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bot_turns") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    # Gaps closed by a published FAQ before: when is unknown, the question's time stands in.
    op.execute("UPDATE bot_turns SET closed_at = created_at WHERE closed_by_faq IS NOT NULL")


def downgrade() -> None:
    # The old schema tells a closed gap only by its FAQ: an empty one keeps dismissed gaps closed.
    op.execute(
        "UPDATE bot_turns SET closed_by_faq = '' WHERE closed_at IS NOT NULL AND closed_by_faq IS NULL"
    )
    with op.batch_alter_table("bot_turns") as batch:
        batch.drop_column("closed_at")
