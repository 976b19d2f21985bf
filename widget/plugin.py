"""The widget plugin: the shopper chat widget's scripts and settings API, and the demo shop."""

from __future__ import annotations

from chat.hub import Hub
from chat.plugins import Plugin
from widget import _storage as storage
from widget._api import router as api_router
from widget._bench import bench_app
from widget._cli import widget_app
from widget._config import SiteConfig
from widget._demo import router as demo_router
from widget._opening import OpeningHours


def setup(hub: Hub) -> None:
    hub.provide(OpeningHours, OpeningHours(hub))
    hub.include_router(api_router)
    hub.include_router(demo_router)


async def seed_demo(hub: Hub) -> None:
    """The demo site's settings, so the consent notice links the demo shop's privacy page."""
    key = hub.settings.site_key
    async with hub.sessions() as db:
        if not await storage.site_exists(db, site_key=key):
            await storage.save_site_config(
                db, site_key=key, config=SiteConfig(privacy_url="/demo/privacy"), actor="demo-seed"
            )


plugin = Plugin(
    name="widget",
    requires=("knowledge",),
    migrations="widget:migrations/versions",
    setup=setup,
    cli={"widget": widget_app, "bench": bench_app},
    seed_demo=seed_demo,
)
