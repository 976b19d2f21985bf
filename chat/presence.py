"""Which agents are online, across server processes.

Each process keeps its own agents' connections; with Redis it also writes them
to a hash of its own (``presence:<process id>``) that expires unless refreshed,
so a crashed process's agents drop out by themselves. What an agent chose,
online or away, is stored with the agent (``Agent.chosen_status``), so a new
connection to any process starts there.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chat.bus import REDIS_ERRORS, RedisBus
from chat.events import AgentStatusChanged, DomainEvent
from chat.models import Agent

if TYPE_CHECKING:
    from chat.hub import Hub

log = logging.getLogger("touchpoint.presence")
HEARTBEAT_SECONDS = 10
EXPIRE_SECONDS = 30


@dataclass(frozen=True)
class AgentPresence:
    agent_id: int
    status: str  # online | away


def starting_status(agent: Agent) -> str:
    """Online or away as the agent last chose; never chosen, the content team (editors)
    starts away, as they sign in for the content pages, not for chats."""
    return agent.chosen_status or ("away" if agent.role == "editor" else "online")


class Presence:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.process_id = uuid.uuid4().hex[:12]
        self._connections: Counter[int] = Counter()
        self._status: dict[int, str] = {}
        self._heartbeat: asyncio.Task[None] | None = None

    @property
    def _redis(self) -> Any:
        bus = self.hub.bus
        return bus._redis if isinstance(bus, RedisBus) else None

    async def start(self) -> None:
        if self._redis is not None:
            self._heartbeat = asyncio.create_task(self._beat_forever())

    async def stop(self) -> None:
        if self._heartbeat:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
        if self._redis is not None:
            try:
                await self._redis.delete(self._key)
            except REDIS_ERRORS:
                log.warning("could not clear presence on shutdown")

    @property
    def _key(self) -> str:
        return f"presence:{self.process_id}"

    async def connected(self, agent_id: int, status: str = "online") -> None:
        """``status``: where the agent starts (``starting_status``)."""
        self._connections[agent_id] += 1
        if self._connections[agent_id] == 1:
            self._status[agent_id] = status
            await self._changed(agent_id, status)

    async def disconnected(self, agent_id: int) -> bool:
        """Returns True when that was the agent's last connection in this process."""
        self._connections[agent_id] -= 1
        if self._connections[agent_id] > 0:
            return False
        del self._connections[agent_id]
        self._status.pop(agent_id, None)
        await self._changed(agent_id, "offline")
        return True

    async def set_status(self, agent_id: int, status: str) -> None:
        if agent_id in self._connections and self._status.get(agent_id) != status:
            self._status[agent_id] = status
            await self._changed(agent_id, status)

    async def online_agents(self) -> list[AgentPresence]:
        statuses: dict[int, str] = dict(self._status)
        redis = self._redis
        if redis is not None:
            try:
                async for key in redis.scan_iter(match="presence:*", count=100):
                    for agent_id, status in (await redis.hgetall(key)).items():
                        # "online" anywhere wins over "away" elsewhere.
                        if statuses.get(int(agent_id)) != "online":
                            statuses[int(agent_id)] = status
            except REDIS_ERRORS:
                log.warning("presence: redis unavailable, showing this process only")
        return [AgentPresence(agent_id=a, status=s) for a, s in sorted(statuses.items())]

    async def agents_online(self) -> int:
        return sum(1 for p in await self.online_agents() if p.status == "online")

    async def is_online(self, agent_id: int) -> bool:
        return any(p.agent_id == agent_id for p in await self.online_agents())

    async def _changed(self, agent_id: int, status: str) -> None:
        await self._write()
        await self.hub.bus.publish(
            "agents", {"kind": "presence", "agent_id": agent_id, "status": status}
        )
        self.hub.listeners.dispatch(
            [DomainEvent.of(AgentStatusChanged(agent_id=agent_id, status=status))]
        )

    async def _write(self) -> None:
        redis = self._redis
        if redis is None:
            return
        try:
            async with redis.pipeline(transaction=True) as pipe:
                pipe.delete(self._key)
                if self._status:
                    pipe.hset(self._key, mapping={str(a): s for a, s in self._status.items()})
                    pipe.expire(self._key, EXPIRE_SECONDS)
                await pipe.execute()
        except REDIS_ERRORS:
            log.warning("presence: could not write to redis; retrying on the next heartbeat")

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await self._write()
