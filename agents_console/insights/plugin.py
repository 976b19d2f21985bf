"""The insights plugin: the content workspace, chat analytics with knowledge gaps, and
privacy (export, erasure, retention). See docs/subsystems/insights.md and docs/privacy.md.
"""

from __future__ import annotations

import asyncio
import logging

from agents_console.insights._api import router as insights_router
from agents_console.insights._cli import bench_app, privacy_app
from agents_console.insights._clusters import GapFinder
from agents_console.insights._demo import seed_demo
from agents_console.insights._flows import FlowBook
from agents_console.insights._pages import pages_router
from agents_console.insights._privacy import TurnData, run_purge
from agents_console.insights._privacy import router as privacy_router
from agents_console.insights._settings import InsightsSettings
from agents_console.insights._turns import TurnRecorder
from chat import privacy
from chat.hub import Hub
from chat.plugins import Plugin
from knowledge import KnowledgeBase

log = logging.getLogger("touchpoint.insights")
RETENTION_ACTOR = "retention"


def setup(hub: Hub) -> None:
    settings = InsightsSettings()
    hub.provide(InsightsSettings, settings)
    finder = GapFinder(hub, hub.require(KnowledgeBase).embedder, settings)
    hub.provide(GapFinder, finder)
    hub.provide(FlowBook, FlowBook(hub))
    TurnRecorder(hub).install()
    privacy.register(hub, TurnData(hub, finder.forget_everywhere))
    privacy.secure_delete(hub.engine)
    hub.include_router(insights_router)
    hub.include_router(privacy_router)
    hub.include_router(pages_router())


async def startup(hub: Hub) -> None:
    await hub.require(GapFinder).start()
    await hub.require(FlowBook).start()
    days = hub.require(InsightsSettings).retention_days
    if days is not None:
        hub.run_in_background(_purge_regularly(hub, days))


async def shutdown(hub: Hub) -> None:
    hub.require(FlowBook).stop()
    await hub.require(GapFinder).stop()


async def _purge_regularly(hub: Hub, days: int) -> None:
    interval = hub.require(InsightsSettings).purge_interval_seconds
    while True:
        try:
            await run_purge(hub, days, actor=RETENTION_ACTOR)
        except Exception:  # the next run tries again; the server keeps serving
            log.exception("retention purge failed", extra={"days": days})
        await asyncio.sleep(interval)


plugin = Plugin(
    name="insights",
    requires=("knowledge", "bot", "agents_console"),
    migrations="agents_console.insights:migrations/versions",
    setup=setup,
    startup=startup,
    shutdown=shutdown,
    cli={"privacy": privacy_app, "bench": bench_app},
    seed_demo=seed_demo,
)
