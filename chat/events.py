"""The hub's whole event vocabulary, in one place (as Chatwoot's events/types.rb).

Domain events are what the lifecycle and the service produce; listeners (the
bot, routing, analytics) subscribe by name. Typing and presence are ephemeral
signals and are not here: they are never persisted or replayed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class EventName(StrEnum):
    conversation_created = "conversation.created"
    conversation_status_changed = "conversation.status_changed"
    conversation_handoff_requested = "conversation.handoff_requested"
    conversation_assigned = "conversation.assigned"
    message_created = "message.created"
    message_updated = "message.updated"
    contact_identified = "contact.identified"
    shopper_event_recorded = "shopper_event.recorded"
    agent_status_changed = "agent.status_changed"


class ConversationCreated(BaseModel):
    conversation_id: int
    contact_id: str


class ConversationStatusChanged(BaseModel):
    conversation_id: int
    from_status: str
    to_status: str
    cause: str  # the lifecycle event that caused it
    assignee_id: int | None = None
    team_id: int | None = None


class ConversationHandoffRequested(BaseModel):
    conversation_id: int
    reason: str
    context: dict[str, Any] | None = None


class ConversationAssigned(BaseModel):
    conversation_id: int
    assignee_id: int | None
    previous_assignee_id: int | None = None


class MessageCreated(BaseModel):
    conversation_id: int
    message_id: int
    seq: int
    sender_kind: str
    content_type: str
    text: str
    private: bool = False


class MessageUpdated(BaseModel):
    conversation_id: int
    message_id: int


class ContactIdentified(BaseModel):
    contact_id: str
    customer_id: str


class ShopperEventRecorded(BaseModel):
    contact_id: str
    kind: str
    conversation_id: int | None = None


class AgentStatusChanged(BaseModel):
    agent_id: int
    status: str  # online | away | offline


PAYLOADS: dict[EventName, type[BaseModel]] = {
    EventName.conversation_created: ConversationCreated,
    EventName.conversation_status_changed: ConversationStatusChanged,
    EventName.conversation_handoff_requested: ConversationHandoffRequested,
    EventName.conversation_assigned: ConversationAssigned,
    EventName.message_created: MessageCreated,
    EventName.message_updated: MessageUpdated,
    EventName.contact_identified: ContactIdentified,
    EventName.shopper_event_recorded: ShopperEventRecorded,
    EventName.agent_status_changed: AgentStatusChanged,
}


class DomainEvent(BaseModel):
    name: EventName
    payload: BaseModel

    @classmethod
    def of(cls, payload: BaseModel) -> DomainEvent:
        name = next(n for n, model in PAYLOADS.items() if type(payload) is model)
        return cls(name=name, payload=payload)
