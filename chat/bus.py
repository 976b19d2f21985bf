"""Fan-out between server processes: a doorbell, not a mailbox.

The database is the record; the bus only tells connections that something new
exists. A subscriber that missed a ring (Redis restarted, a process lagged)
fills the gap from storage by sequence number, so losing a bus message never
loses a chat message. See docs/subsystems/delivery.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.exceptions import RedisError

Handler = Callable[[dict[str, Any]], Awaitable[None]]
T = TypeVar("T")
log = logging.getLogger("touchpoint.bus")
# What a lost or refused Redis connection raises (timeouts are OSErrors too).
REDIS_ERRORS = (RedisError, OSError)


class Bus:
    """In-process bus: the default for a single server process."""

    # Whether other processes hear what this one publishes (a `touchpoint kb import`
    # beside a server on the in-process bus does not reach the server).
    crosses_processes = False

    def __init__(self) -> None:
        self._handlers: dict[str, set[Handler]] = defaultdict(set)
        self._reconnect_hooks: list[Callable[[], Awaitable[None]]] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await self._deliver(channel, message)

    def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        """Register ``handler`` for ``channel``; returns the function that unsubscribes."""
        first = not self._handlers[channel]
        self._handlers[channel].add(handler)
        if first:
            self._channel_added(channel)

        def unsubscribe() -> None:
            handlers = self._handlers.get(channel)
            if handlers is None:
                return
            handlers.discard(handler)
            if not handlers:
                del self._handlers[channel]
                self._channel_removed(channel)

        return unsubscribe

    def on_reconnect(self, hook: Callable[[], Awaitable[None]]) -> Callable[[], None]:
        """Run ``hook`` after the bus lost and regained its link (time to replay).

        Returns the function that removes the hook again."""
        self._reconnect_hooks.append(hook)
        return lambda: self._reconnect_hooks.remove(hook)

    async def _deliver(self, channel: str, message: dict[str, Any]) -> None:
        for handler in list(self._handlers.get(channel, ())):
            try:
                await handler(message)
            except Exception:
                log.exception("bus handler failed", extra={"channel": channel})

    def _channel_added(self, channel: str) -> None:
        return None

    def _channel_removed(self, channel: str) -> None:
        return None


class RedisBus(Bus):
    """Redis pub/sub shared by several server processes."""

    crosses_processes = True

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis.asyncio as redis

        self._redis = redis.from_url(url, decode_responses=True, health_check_interval=10)
        # Pub/sub ignores the database number: without a prefix, two installations
        # sharing one Redis server on different databases would hear each other's chats.
        self._prefix = f"touchpoint.db{self._redis.connection_pool.connection_kwargs.get('db', 0)}."
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[Any]] = set()
        self.connected = asyncio.Event()

    async def start(self) -> None:
        self._reader = asyncio.create_task(self._read_forever(), name="redis-bus-reader")
        try:
            await asyncio.wait_for(self.connected.wait(), timeout=10)
        except TimeoutError:
            log.warning("redis bus not reachable yet; retrying in the background")

    async def stop(self) -> None:
        if self._reader:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self._redis.aclose()

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        try:
            await self._redis.publish(
                self._prefix + channel, json.dumps(message, separators=(",", ":"))
            )
        except REDIS_ERRORS:
            # The message is stored already; subscribers replay it after reconnecting.
            log.warning("redis publish failed", extra={"channel": channel})

    def _channel_added(self, channel: str) -> None:
        if self._pubsub is not None and self.connected.is_set():
            self._spawn(self._pubsub.subscribe(self._prefix + channel))

    def _channel_removed(self, channel: str) -> None:
        if self._pubsub is not None and self.connected.is_set():
            self._spawn(self._pubsub.unsubscribe(self._prefix + channel))

    def _spawn(self, coro: Awaitable[Any]) -> None:
        async def run() -> None:
            try:
                await coro
            except REDIS_ERRORS:
                log.warning("redis subscription change failed; it is redone on reconnect")

        task = asyncio.ensure_future(run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _read_forever(self) -> None:
        delay = 0.1
        reconnecting = False
        while True:
            try:
                self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                # A dummy channel keeps the connection in subscribe mode with no handlers.
                await self._pubsub.subscribe(
                    *(self._prefix + c for c in ["keepalive", *self._handlers])
                )
                self.connected.set()
                delay = 0.1
                if reconnecting:
                    for hook in list(self._reconnect_hooks):
                        asyncio.ensure_future(hook())
                async for item in self._pubsub.listen():
                    if item.get("type") != "message":
                        continue
                    channel = item["channel"].removeprefix(self._prefix)
                    await self._deliver(channel, json.loads(item["data"]))
            except REDIS_ERRORS as exc:
                log.warning("redis bus link lost: %s; retrying in %.1fs", exc, delay)
            except Exception:
                # A bug here must not silence the bus for good: report it and start over.
                log.exception("redis bus reader failed; retrying in %.1fs", delay)
            self.connected.clear()
            reconnecting = True
            with contextlib.suppress(*REDIS_ERRORS):
                await self._pubsub.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def watch_database(
    read: Callable[[], Awaitable[T]],
    on_change: Callable[[], Awaitable[bool]],
    *,
    seen: T,
    every: float,
    what: str,
) -> None:
    """For a process whose bus does not cross processes: what another process did (a
    ``touchpoint kb import`` or ``privacy erase`` beside ``touchpoint serve``) shows only
    in the database. Every ``every`` seconds ``read`` a marker of it; when the marker
    moved from ``seen``, call ``on_change``, which returns False to see the same change
    again next time. Runs until cancelled; a failed look is logged and retried."""
    while True:
        await asyncio.sleep(every)
        try:
            marker = await read()
            if marker != seen and await on_change():
                seen = marker
        except Exception:  # whatever failed, the watch must go on
            log.exception("database watch failed; trying again", extra={"watch": what})


def create_bus(url: str | None) -> Bus:
    if url is None:
        return Bus()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBus(url)
    raise ValueError(f"TOUCHPOINT_BUS_URL must be a redis:// URL, not {url!r}")
