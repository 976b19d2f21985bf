"""When a server process runs CPython's full garbage collection.

Every open connection keeps a few hundred objects that the cyclic collector
tracks (the ASGI stack's coroutines, tasks, queues, our Connection). With 2,000
connections a full collection walks about half a million of them and pauses the
event loop for 150-400 ms on a small machine; CPython starts one whenever the
long-lived objects have grown by a quarter, which is what a wave of new
connections does. A message relayed during that pause waits for it.

``IdleCollector`` moves that work to quiet moments (as browsers' and Go's
collectors do): after the full collection it freezes the survivors
(``gc.freeze``), so CPython's own collections only walk objects made since and
stay short. A full collection is due again when a quarter more connections have
opened than were open at the last one, or ``interval`` seconds have passed (what
froze and has since become garbage, e.g. closed connections, is freed only then).
A due collection waits for ``idle`` seconds without incoming frames, but never
longer than ``max_defer``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from dataclasses import dataclass

log = logging.getLogger("touchpoint.collector")


@dataclass(frozen=True)
class CollectorPolicy:
    interval: float = 600.0  # a full collection at least this often (seconds)
    growth: float = 0.25  # ... or once this share more connections have opened
    min_opened: int = 100  # ... but not for fewer new connections than this
    idle: float = 0.2  # wait for this long without incoming frames
    max_defer: float = 30.0  # ... but no longer than this once due
    poll: float = 0.1  # how often the task looks


def due_since(
    policy: CollectorPolicy,
    *,
    now: float,
    last_full: float,
    opened_since: int,
    open_at_last: int,
    due_at: float | None,
) -> float | None:
    """When the next full collection became due (``due_at`` if it already was), or None. Pure."""
    if due_at is not None:
        return due_at
    if now - last_full >= policy.interval:
        return now
    if opened_since >= max(policy.min_opened, policy.growth * open_at_last):
        return now
    return None


def should_collect(
    policy: CollectorPolicy, *, now: float, due_at: float | None, last_activity: float
) -> bool:
    """Collect now: due, and either quiet for ``idle`` or deferred ``max_defer`` already. Pure."""
    if due_at is None:
        return False
    return now - last_activity >= policy.idle or now - due_at >= policy.max_defer


class IdleCollector:
    """Schedules full collections for one server process; see the module docstring."""

    def __init__(self, policy: CollectorPolicy | None = None) -> None:
        self.policy = policy or CollectorPolicy()
        self.last_activity = time.monotonic()
        self.last_full = time.monotonic()
        self.open_connections = 0
        self.opened_since = 0
        self.open_at_last = 0
        self.due_at: float | None = None
        self.collections = 0
        self.last_pause = 0.0

    def frame_received(self) -> None:
        self.last_activity = time.monotonic()

    def connection_opened(self) -> None:
        self.open_connections += 1
        self.opened_since += 1

    def connection_closed(self) -> None:
        self.open_connections -= 1

    def collect(self) -> None:
        """A full collection over everything, frozen objects included; then freeze the survivors."""
        started = time.perf_counter()
        gc.unfreeze()
        freed = gc.collect()
        gc.freeze()
        self.last_pause = time.perf_counter() - started
        self.collections += 1
        self.last_full = time.monotonic()
        self.opened_since, self.open_at_last, self.due_at = 0, self.open_connections, None
        log.info(
            "full garbage collection",
            extra={
                "pause_ms": round(self.last_pause * 1000, 1),
                "freed": freed,
                "frozen": gc.get_freeze_count(),
            },
        )

    def step(self, now: float) -> bool:
        """Look once: collect if it is time. Returns whether it collected."""
        self.due_at = due_since(
            self.policy,
            now=now,
            last_full=self.last_full,
            opened_since=self.opened_since,
            open_at_last=self.open_at_last,
            due_at=self.due_at,
        )
        if not should_collect(
            self.policy, now=now, due_at=self.due_at, last_activity=self.last_activity
        ):
            return False
        self.collect()
        return True

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.policy.poll)
            self.step(time.monotonic())
