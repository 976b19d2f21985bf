"""The widget's reads and writes; routes call these and never build SQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chat import storage
from chat.models import AuditEntry, Conversation
from widget._config import SiteConfig
from widget._models import WidgetSite
from widget._queue import Waiting


async def site_config(db: AsyncSession, *, site_key: str) -> SiteConfig:
    """The site's settings, or the defaults for a site nobody configured yet."""
    row = await db.get(WidgetSite, site_key)
    return SiteConfig.model_validate(row.config) if row else SiteConfig()


async def site_exists(db: AsyncSession, *, site_key: str) -> bool:
    return await db.get(WidgetSite, site_key) is not None


async def save_site_config(
    db: AsyncSession, *, site_key: str, config: SiteConfig, actor: str
) -> None:
    row = await db.get(WidgetSite, site_key)
    data = config.model_dump(mode="json")
    if row is None:
        db.add(WidgetSite(site_key=site_key, config=data, updated_by=actor))
    else:
        row.config, row.updated_by = data, actor
    db.add(
        AuditEntry(
            actor=actor, action="widget.config_updated", target=f"site:{site_key}", details=data
        )
    )
    await db.commit()


async def visitor_conversation(
    db: AsyncSession, *, conversation_id: int, contact_id: str
) -> Conversation | None:
    """The conversation if it belongs to this visitor; None otherwise (the same for both)."""
    conversation = await db.get(Conversation, conversation_id)
    return conversation if conversation and conversation.contact_id == contact_id else None


async def waiting(db: AsyncSession) -> list[Waiting]:
    return [
        Waiting(
            conversation_id=row.id,
            team_id=row.team_id,
            priority=row.priority,
            queued_at=_aware(row.queued_at or row.created_at),
        )
        for row in await storage.waiting_conversations(db)
    ]


async def assignments_since(db: AsyncSession, *, since: dt.datetime) -> list[dt.datetime]:
    rows = await db.scalars(
        select(Conversation.assigned_at).where(Conversation.assigned_at >= since)
    )
    return [_aware(moment) for moment in rows if moment is not None]


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands timestamps back without their zone; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
