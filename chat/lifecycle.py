"""The conversation lifecycle as a pure state machine: no I/O, no clock.

Transitions are a table keyed by (status, cause), as h11's _state.py keeps its
own. ``apply`` either returns the new state plus the domain events to publish,
or raises ``LifecycleError`` and changes nothing. Publishing is the caller's job.
See docs/subsystems/lifecycle.md (the diagram there is generated from TRANSITIONS).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from chat.events import (
    ConversationAssigned,
    ConversationHandoffRequested,
    ConversationStatusChanged,
    DomainEvent,
)


class Status(StrEnum):
    bot = "bot"
    queued = "queued"
    assigned = "assigned"
    resolved = "resolved"


class Cause(StrEnum):
    handoff = "handoff"  # the bot or the visitor asked for a human
    assign = "assign"  # an agent takes it (routing, manual pick, transfer to an agent)
    transfer_team = "transfer_team"  # back to the queue, for another team
    release = "release"  # an agent hands it back to the bot
    agent_lost = "agent_lost"  # the assignee stayed disconnected past the grace period
    resolve = "resolve"  # an agent, the bot or the visitor ("end chat") closes it
    visitor_returned = "visitor_returned"  # a visitor writes into a resolved conversation
    reopen = "reopen"  # an agent reopens a resolved conversation and keeps it


S, C = Status, Cause
TRANSITIONS: dict[tuple[Status, Cause], Status] = {
    (S.bot, C.handoff): S.queued,
    (S.bot, C.assign): S.assigned,
    (S.bot, C.resolve): S.resolved,
    (S.queued, C.assign): S.assigned,
    (S.queued, C.transfer_team): S.queued,
    (S.queued, C.release): S.bot,
    (S.queued, C.resolve): S.resolved,
    (S.assigned, C.assign): S.assigned,
    (S.assigned, C.transfer_team): S.queued,
    (S.assigned, C.release): S.bot,
    (S.assigned, C.agent_lost): S.queued,
    (S.assigned, C.resolve): S.resolved,
    (S.resolved, C.visitor_returned): S.bot,
    (S.resolved, C.reopen): S.assigned,
}
# Causes that name the agent who ends up holding the conversation.
NEEDS_AGENT = {C.assign, C.reopen}


class LifecycleError(Exception):
    """An illegal transition; ``code`` is what the protocol reports."""

    def __init__(self, message: str, code: str = "illegal_transition") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ConversationState:
    conversation_id: int
    status: Status
    assignee_id: int | None = None
    team_id: int | None = None


@dataclass(frozen=True)
class Transition:
    before: ConversationState
    after: ConversationState
    cause: Cause
    events: list[DomainEvent]


def apply(
    state: ConversationState,
    cause: Cause,
    *,
    agent_id: int | None = None,
    team_id: int | None = None,
    reason: str | None = None,
    context: dict[str, Any] | None = None,
) -> Transition:
    target = TRANSITIONS.get((state.status, cause))
    if target is None:
        raise LifecycleError(f"cannot {cause.value} a conversation that is {state.status.value}")
    if cause in NEEDS_AGENT and agent_id is None:
        raise LifecycleError(f"{cause.value} needs an agent", code="invalid_frame")
    if cause is C.assign and state.status is S.assigned and state.assignee_id == agent_id:
        raise LifecycleError("the conversation is already assigned to that agent")

    if target is S.assigned:
        assignee = agent_id
    elif target is S.resolved:
        # Who handled it stays on record, and keeps access, as in Chatwoot.
        assignee = state.assignee_id
    else:
        assignee = None
    new_team = team_id if cause is C.transfer_team else state.team_id
    after = replace(state, status=target, assignee_id=assignee, team_id=new_team)
    cid = state.conversation_id
    events = [
        DomainEvent.of(
            ConversationStatusChanged(
                conversation_id=cid,
                from_status=state.status.value,
                to_status=target.value,
                cause=cause.value,
                assignee_id=assignee,
                team_id=new_team,
            )
        )
    ]
    if cause is C.handoff:
        events.append(
            DomainEvent.of(
                ConversationHandoffRequested(
                    conversation_id=cid, reason=reason or "asked", context=context
                )
            )
        )
    if assignee != state.assignee_id:
        events.append(
            DomainEvent.of(
                ConversationAssigned(
                    conversation_id=cid,
                    assignee_id=assignee,
                    previous_assignee_id=state.assignee_id,
                )
            )
        )
    return Transition(before=state, after=after, cause=cause, events=events)


def on_visitor_message(state: ConversationState) -> Transition | None:
    """A visitor's message reopens a resolved conversation; elsewhere it changes nothing."""
    if state.status is S.resolved:
        return apply(state, C.visitor_returned)
    return None


def bot_should_answer(state: ConversationState) -> bool:
    return state.status is S.bot


def diagram() -> str:
    """TRANSITIONS as a mermaid state diagram (docs/subsystems/lifecycle.md embeds it)."""
    lines = ["stateDiagram-v2", f"    [*] --> {S.bot.value}"]
    for (before, cause), after in TRANSITIONS.items():
        lines.append(f"    {before.value} --> {after.value}: {cause.value}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(diagram())
