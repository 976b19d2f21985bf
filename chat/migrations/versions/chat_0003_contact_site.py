"""Contacts: site, the widget site a visitor chats on (its business hours apply).

Revision ID: chat_0003
Revises: chat_0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "chat_0003"
down_revision = "chat_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("site", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("site")
