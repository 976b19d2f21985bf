"""Agents: chosen_status, the online or away an agent chose, so that a reload, a
restart or another process behind the proxy starts them there again.

Revision ID: chat_0004
Revises: chat_0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "chat_0004"
down_revision = "chat_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("chosen_status", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("chosen_status")
