"""The bot plugin: the runtime, the hub listener, the CLI groups and demo orders."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.brain import Brain
from bot.cli import bench_app, bot_app
from bot.listener import BotListener
from bot.runtime import OpeningProbe, OrderBook, Runtime, availability_probe, install
from bot.settings import BotSettings
from chat.db import utcnow
from chat.hub import Hub
from chat.models import Order
from chat.plugins import Plugin
from knowledge import KnowledgeBase
from widget import OpeningHours


def setup(hub: Hub) -> None:
    settings = BotSettings()
    runtime = Runtime(
        brain=Brain(hub.require(KnowledgeBase)),
        settings=settings,
        orders=OrderBook(hub.sessions),
        availability=availability_probe(hub.sessions, hub.presence.agents_online, _opening_of(hub)),
    )
    hub.provide(Runtime, runtime)
    install(runtime)  # the actions find it here
    BotListener(hub, runtime).install()


def _opening_of(hub: Hub) -> OpeningProbe:
    async def opening(site: str | None) -> tuple[bool, Mapping[str, str]]:
        # Without the widget there are no business hours: agents may answer at any time.
        hours = hub.optional(OpeningHours)
        if hours is None:
            return True, {}
        now = await hours.now(site)
        return now.open_now, now.hours

    return opening


async def startup(hub: Hub) -> None:
    brain = hub.require(Runtime).brain
    # Fit the FAQ classifier and embed the intent examples before the first shopper.
    await asyncio.to_thread(brain.faq_classifier)
    await asyncio.to_thread(lambda: brain.intents)


DEMO_ORDERS = [
    {"id": "TP-10001", "customer_id": "cust-1001", "email": "anna@example.com", "status": "shipped",
     "total": 329.00, "tracking_url": "https://tracking.example/TP-10001",
     "items": [{"product_id": "TE-601", "title": "Trail 2 ultralight tent", "quantity": 1, "price": 329.00}]},
    {"id": "TP-10002", "customer_id": "cust-1001", "email": "anna@example.com", "status": "delivered",
     "total": 49.90, "return_status": "return_received",
     "items": [{"product_id": "CW-101", "title": "Cast iron skillet 28 cm", "quantity": 1, "price": 49.90}]},
    {"id": "TP-10003", "customer_id": "cust-1002", "email": "ben@example.com", "status": "processing",
     "total": 34.50, "items": [{"product_id": "CW-103", "title": "Non-stick frying pan 24 cm", "quantity": 1, "price": 34.50}]},
]  # fmt: skip


async def seed_demo(hub: Hub) -> None:
    """A few orders for the demo customers (the lead seeds the contacts)."""
    async with hub.sessions() as db:
        if await db.get(Order, DEMO_ORDERS[0]["id"]) is not None:
            return
        db.add_all(Order(**order, currency="EUR", placed_at=utcnow()) for order in DEMO_ORDERS)
        await db.commit()


plugin = Plugin(
    name="bot",
    requires=("knowledge",),
    setup=setup,
    startup=startup,
    cli={"bot": bot_app, "bench": bench_app},
    seed_demo=seed_demo,
)
