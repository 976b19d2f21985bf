"""The sites' business hours for the rest of the hub: the widget settings are the one
place a shop sets them, and the bot's handoff reads them here (hub service
``OpeningHours``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from chat.db import utcnow
from chat.hub import Hub
from widget import _storage as storage
from widget._config import describe_hours, is_open


@dataclass(frozen=True)
class Opening:
    open_now: bool
    hours: dict[str, str] = field(default_factory=dict)  # language -> text; {}: always open


class OpeningHours:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def now(self, site: str | None) -> Opening:
        """Whether ``site`` (None: the hub's own site) is within its business hours now."""
        async with self.hub.sessions() as db:
            config = await storage.site_config(db, site_key=site or self.hub.settings.site_key)
        hours = config.business_hours
        if hours is None:
            return Opening(open_now=True)
        return Opening(open_now=is_open(hours, utcnow()), hours=describe_hours(hours))
