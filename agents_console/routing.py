"""Who gets the next waiting conversation: pure rules, no I/O, no clock.

The queue dispatcher (agents_console/_dispatcher.py) gathers the online agents,
their load and the waiting conversations, asks ``plan_assignments`` for a plan
and carries it out. See docs/subsystems/console.md#routing.

Rules:
- only agents that are online (not away) and under their ``max_concurrent`` take chats;
- a conversation for a team goes only to that team's members; one without a
  team goes to anyone;
- among the eligible, the least loaded wins; equals take turns (round robin:
  the one whose last assignment is the oldest goes first);
- the queue is served by priority, then oldest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

__all__ = ["Candidate", "Waiting", "choose_agent", "plan_assignments"]


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    load: int  # conversations assigned to the agent now
    capacity: int  # the agent's max_concurrent
    teams: frozenset[int]
    online: bool = True  # False: away, takes no new chats
    # Round-robin turn: a lower number got a conversation longer ago (0: never).
    last_turn: int = 0

    def can_take(self, team_id: int | None) -> bool:
        return (
            self.online and self.load < self.capacity and (team_id is None or team_id in self.teams)
        )


@dataclass(frozen=True)
class Waiting:
    conversation_id: int
    queued_at: dt.datetime
    team_id: int | None = None
    priority: int = 0


def choose_agent(candidates: Iterable[Candidate], *, team_id: int | None) -> Candidate | None:
    """The agent who should take a conversation of ``team_id``, or None if nobody can."""
    eligible = [c for c in candidates if c.can_take(team_id)]
    if not eligible:
        return None
    return min(eligible, key=lambda c: (c.load, c.last_turn, c.agent_id))


def plan_assignments(
    waiting: Iterable[Waiting], candidates: Iterable[Candidate], *, first_turn: int
) -> list[tuple[int, int]]:
    """(conversation_id, agent_id) pairs for as much of the queue as capacity allows.

    ``first_turn`` is the round-robin number the first assignment gets; each one
    after it counts up, so the plan itself takes turns like repeated single calls.
    """
    by_id = {c.agent_id: c for c in candidates}
    plan: list[tuple[int, int]] = []
    turn = first_turn
    for item in sorted(waiting, key=lambda w: (-w.priority, w.queued_at, w.conversation_id)):
        chosen = choose_agent(by_id.values(), team_id=item.team_id)
        if chosen is None:
            continue  # a later item may be for a team with room
        by_id[chosen.agent_id] = replace(chosen, load=chosen.load + 1, last_turn=turn)
        turn += 1
        plan.append((item.conversation_id, chosen.agent_id))
    return plan
