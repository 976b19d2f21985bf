"""Carries out the routing plan: the I/O around agents_console/routing.py.

Any change that can let a waiting conversation meet a free agent wakes the
dispatcher: a handoff, a conversation leaving an agent (resolved, released,
transferred, agent lost), an agent coming online, an admin raising a capacity.
It reads presence, loads and the queue, asks ``plan_assignments`` what to do
and assigns with ``expected=queued``, so a conversation another process or an
agent's manual pick got first is skipped, never assigned twice.

See docs/subsystems/console.md#routing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from agents_console import _storage
from agents_console.routing import Candidate, Waiting, plan_assignments
from chat import storage as core_storage
from chat.events import (
    AgentStatusChanged,
    ConversationStatusChanged,
    DomainEvent,
    EventName,
)
from chat.lifecycle import Cause, LifecycleError, Status
from chat.service import NotFound

if TYPE_CHECKING:
    from chat.hub import Hub

log = logging.getLogger("touchpoint.console.routing")
MAX_ROUNDS = 5


class QueueDispatcher:
    """One per process. Runs one pass at a time; wake-ups during a pass make it
    run once more, and a pass covers every wake-up that came before it."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._lock = asyncio.Lock()
        self._wanted = False
        # Round-robin memory of this process: agent id -> turn of its last assignment.
        self._turns: dict[int, int] = {}
        self._turn = 0

    def install(self) -> None:
        listeners = self.hub.listeners
        listeners.on(EventName.conversation_handoff_requested)(self._wake)
        listeners.on(EventName.conversation_status_changed)(self._on_status_changed)
        listeners.on(EventName.agent_status_changed)(self._on_agent_status)

    async def _wake(self, _event: DomainEvent) -> None:
        await self.drain()

    async def _on_status_changed(self, event: DomainEvent) -> None:
        change = event.payload
        assert isinstance(change, ConversationStatusChanged)
        # Capacity frees up when a conversation leaves an agent; a transfer to a
        # team or a lost agent puts one back into the queue.
        if change.from_status == Status.assigned or change.to_status == Status.queued:
            await self.drain()

    async def _on_agent_status(self, event: DomainEvent) -> None:
        change = event.payload
        assert isinstance(change, AgentStatusChanged)
        if change.status == "online":
            await self.drain()

    async def drain(self) -> list[tuple[int, int]]:
        """Assign what the queue and the online agents allow; returns what this call assigned.

        Callers queue on the lock; when it returns, a full pass that began after
        the call has finished, so an admin's capacity change is in effect.
        """
        self._wanted = True
        assigned: list[tuple[int, int]] = []
        async with self._lock:
            # Bounded: a conversation that keeps failing must not spin the loop.
            for _ in range(MAX_ROUNDS):
                if not self._wanted:
                    break
                self._wanted = False
                assigned += await self._drain_once()
        return assigned

    async def requeue_agent(self, agent_id: int, *, actor: str) -> list[int]:
        """Put a deactivated agent's conversations back in the queue (routing then
        gives them to someone else); returns their ids."""
        async with self.hub.sessions() as db:
            held = [c.id for c in await core_storage.assigned_to(db, agent_id=agent_id)]
        moved: list[int] = []
        for conversation_id in held:
            try:
                await self.hub.conversations.transition(
                    conversation_id, Cause.agent_lost, actor=actor, expected=Status.assigned
                )
            except (LifecycleError, NotFound):
                continue  # resolved or moved meanwhile: nothing to hand over
            moved.append(conversation_id)
        log.info(
            "agent's conversations requeued", extra={"agent_id": agent_id, "conversations": moved}
        )
        return moved

    async def _drain_once(self) -> list[tuple[int, int]]:
        presence = {p.agent_id: p.status for p in await self.hub.presence.online_agents()}
        if not presence:
            return []
        async with self.hub.sessions() as db:
            queue = await core_storage.waiting_conversations(db)
            if not queue:
                return []
            loads = await core_storage.agent_loads(db)
            agents = await _storage.active_agents(db, ids=list(presence))
        waiting = [
            Waiting(
                conversation_id=c.id,
                queued_at=c.queued_at or c.created_at,
                team_id=c.team_id,
                priority=c.priority,
            )
            for c in queue
        ]
        candidates = [
            Candidate(
                agent_id=a.id,
                load=loads.get(a.id, 0),
                capacity=a.max_concurrent,
                teams=frozenset(t.id for t in a.teams),
                online=presence[a.id] == "online",
                last_turn=self._turns.get(a.id, 0),
            )
            for a in agents
        ]
        done: list[tuple[int, int]] = []
        for conversation_id, agent_id in plan_assignments(
            waiting, candidates, first_turn=self._turn + 1
        ):
            try:
                await self.hub.conversations.transition(
                    conversation_id,
                    Cause.assign,
                    actor="routing",
                    agent_id=agent_id,
                    expected=Status.queued,
                )
            except (LifecycleError, NotFound) as exc:
                # Taken by hand or by another process meanwhile: the next drain re-plans.
                log.info(
                    "assignment skipped",
                    extra={
                        "conversation_id": conversation_id,
                        "agent_id": agent_id,
                        "reason": str(exc),
                    },
                )
                self._wanted = True
                continue
            self._turn += 1
            self._turns[agent_id] = self._turn
            done.append((conversation_id, agent_id))
            log.info(
                "conversation routed",
                extra={"conversation_id": conversation_id, "agent_id": agent_id},
            )
        return done
