"""Category names per language: what the bot's buttons call a category.

Revision ID: knowledge_0003
Revises: knowledge_0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "knowledge_0003"
down_revision = "knowledge_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_category_names",
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_kb_category_names")),
    )


def downgrade() -> None:
    op.drop_table("kb_category_names")
