"""Widget tables: per-site settings.

Revision ID: widget_0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "widget_0001"
down_revision = None
branch_labels = ("widget",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "widget_sites",
        sa.Column("site_key", sa.String(length=64), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("site_key", name=op.f("pk_widget_sites")),
    )


def downgrade() -> None:
    op.drop_table("widget_sites")
