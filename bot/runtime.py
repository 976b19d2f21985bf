"""What the actions need at run time: the brain, the catalog, orders and agent availability.

In the hub the plugin installs a ``Runtime`` at start-up; in a stand-alone Rasa
action server (``python -m rasa_sdk --actions-module bot.actions``) the first
action builds one from the environment (TOUCHPOINT_DATA_DIR and friends).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.brain import Brain
from bot.nlu import Understanding
from bot.selling import Flow
from bot.settings import BotSettings
from bot.texts import voice as voice_of
from chat.models import Conversation, Order


@dataclass(frozen=True)
class OrderView:
    number: str
    status: str
    total: float
    currency: str
    tracking_url: str | None
    return_status: str | None
    items: list[Any]
    placed_at: dt.datetime

    @classmethod
    def of(cls, order: Order) -> OrderView:
        return cls(
            number=order.id,
            status=order.status,
            total=float(order.total),
            currency=order.currency,
            tracking_url=order.tracking_url,
            return_status=order.return_status,
            items=list(order.items or []),
            placed_at=order.placed_at,
        )


def spellings(number: str) -> set[str]:
    """How a shop may write the order number the shopper wrote: "TP-10001" for
    "TP10001" or "tp 10001", and the other way round."""
    typed = number.strip().upper()
    if (parts := re.fullmatch(r"([A-Z]+)[\s-]?(\d+)", typed)) is None:
        return {typed}
    letters, digits = parts.groups()
    return {typed, f"{letters}-{digits}", f"{letters}{digits}"}


class OrderBook:
    """Order look-ups that never say whether an order exists to someone not entitled to it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession] | None) -> None:
        self._sessions = sessions

    async def for_customer(self, customer_id: str, number: str | None = None) -> list[OrderView]:
        if self._sessions is None:
            return []
        query = select(Order).where(Order.customer_id == customer_id)
        if number:
            query = query.where(func.upper(Order.id).in_(spellings(number)))
        async with self._sessions() as db:
            rows = (await db.scalars(query.order_by(Order.placed_at.desc()).limit(3))).all()
        return [OrderView.of(row) for row in rows]

    async def matching(self, number: str, email: str) -> OrderView | None:
        """The order only when number and e-mail both match, else None (same for both misses)."""
        if self._sessions is None:
            return None
        query = select(Order).where(
            func.upper(Order.id).in_(spellings(number)),
            func.lower(Order.email) == email.strip().lower(),
        )
        async with self._sessions() as db:
            row = (await db.scalars(query)).first()
        return OrderView.of(row) if row else None

    async def customer_value(self, customer_id: str) -> float:
        if self._sessions is None:
            return 0.0
        async with self._sessions() as db:
            total = await db.scalar(
                select(func.coalesce(func.sum(Order.total), 0)).where(
                    Order.customer_id == customer_id
                )
            )
        return float(total or 0)


@dataclass(frozen=True)
class Availability:
    agents_online: int
    queued: int
    business_hours: bool
    hours: Mapping[str, str] = field(default_factory=dict)  # language -> "Mon–Fri 09:00–18:00"

    @property
    def reachable(self) -> bool:
        return self.business_hours and self.agents_online > 0

    def expected_wait_minutes(self, per_conversation: float) -> int:
        return max(1, round((self.queued + 1) * per_conversation / max(self.agents_online, 1)))


# What the bot asks about the shopper's widget site (None: the hub's own).
AvailabilityProbe = Callable[[str | None], Awaitable[Availability]]
# Whether the site is within its business hours, and the hours per language.
OpeningProbe = Callable[[str | None], Awaitable[tuple[bool, Mapping[str, str]]]]


async def no_agents(site: str | None = None) -> Availability:
    return Availability(agents_online=0, queued=0, business_hours=False)


def availability_probe(
    sessions: async_sessionmaker[AsyncSession],
    agents_online: Callable[[], Awaitable[int]],
    opening: OpeningProbe,
) -> AvailabilityProbe:
    async def probe(site: str | None) -> Availability:
        async with sessions() as db:
            queued = await db.scalar(
                select(func.count())
                .select_from(Conversation)
                .where(Conversation.status == "queued")
            )
        open_now, hours = await opening(site)
        return Availability(
            agents_online=await agents_online(),
            queued=int(queued or 0),
            business_hours=open_now,
            hours=hours,
        )

    return probe


class UnderstandingBatcher:
    """Messages arriving together are embedded together: one model call for a burst
    costs little more than for one message, which is what lifts throughput on 2 cores."""

    def __init__(self, brain: Brain, max_batch: int = 32) -> None:
        self._brain = brain
        self._max_batch = max_batch
        self._waiting: list[tuple[str, str, bool, asyncio.Future[Understanding]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def understand(self, text: str, locale: str, expecting_order: bool) -> Understanding:
        future: asyncio.Future[Understanding] = asyncio.get_running_loop().create_future()
        self._waiting.append((text, locale, expecting_order, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = (
                self._waiting[: self._max_batch],
                self._waiting[self._max_batch :],
            )
            try:
                results = await asyncio.to_thread(self._run, batch)
            except Exception as exc:  # noqa: BLE001  (each waiting caller gets the error)
                for *_, future in batch:
                    future.set_exception(exc)
                continue
            for (*_, future), result in zip(batch, results, strict=True):
                future.set_result(result)

    def _run(self, batch: list[tuple[str, str, bool, Any]]) -> list[Understanding]:
        # Locale and order expectation only shape rules; group so each group is one call.
        results: dict[int, Understanding] = {}
        groups: dict[tuple[str, bool], list[int]] = {}
        for i, (_, locale, expecting, _) in enumerate(batch):
            groups.setdefault((locale, expecting), []).append(i)
        for (locale, expecting), members in groups.items():
            texts = [batch[i][0] for i in members]
            found = self._brain.understand_many(texts, locale=locale, expecting_order=expecting)
            results.update(zip(members, found, strict=True))
        return [results[i] for i in range(len(batch))]


@dataclass
class Runtime:
    brain: Brain
    settings: BotSettings
    orders: OrderBook
    availability: AvailabilityProbe = no_agents
    batcher: UnderstandingBatcher | None = None

    @property
    def flows(self) -> list[Flow]:
        return self.brain.flows

    def voice(self, language: str) -> str:
        """The wording of the bot's replies in ``language`` (bot/texts.py)."""
        return voice_of(language, self.settings.german_address)

    async def understand(self, text: str, locale: str, expecting_order: bool) -> Understanding:
        if self.batcher is None:
            self.batcher = UnderstandingBatcher(self.brain)
        return await self.batcher.understand(text, locale, expecting_order)


_current: Runtime | None = None
# The runtime of the hub serving this task: several hubs may share a process (tests).
_active: ContextVar[Runtime | None] = ContextVar("touchpoint_bot_runtime", default=None)
_starting = asyncio.Lock()


def install(runtime: Runtime | None) -> None:
    global _current
    _current = runtime


def activate(runtime: Runtime) -> None:
    """Make ``runtime`` the one actions find in this task (and the threads it starts)."""
    _active.set(runtime)


async def current() -> Runtime:
    """The installed runtime; a stand-alone action server starts a hub on first use
    (``TOUCHPOINT_DATA_DIR`` and friends say which store), whose bot plugin installs it."""
    active = _active.get()
    if active is not None:
        return active
    async with _starting:
        if _current is None:
            from chat.config import Settings
            from chat.hub import create_hub

            hub = create_hub(Settings(), plugins=["bot"])
            await hub.start()
    assert _current is not None, "the bot plugin did not install its runtime"
    return _current
