"""The widget's one table: each site's settings, as edited by admins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from chat.db import Base, utcnow


class WidgetSite(Base):
    __tablename__ = "widget_sites"

    site_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A SiteConfig as JSON; validated on the way in and on the way out.
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(320))
