"""Conversations over HTTP: lists for the console, history for reloads and resyncs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, status
from sqlalchemy import select

from chat import storage
from chat.api.deps import CurrentAgent, DbSession, HubDep, current_agent
from chat.auth import TokenError
from chat.models import Agent, Contact, Conversation
from chat.protocol import MAX_ID, ConversationOut, MessageOut

router = APIRouter(prefix="/api/conversations", tags=["conversations"])
StatusFilter = Literal["bot", "queued", "assigned", "resolved"]
ConversationIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


class ConversationSummary(ConversationOut):
    contact: dict[str, Any] | None = None
    handoff_context: dict[str, Any] | None = None


def _not_found(conversation_id: int) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        detail={"code": "not_found", "message": f"conversation {conversation_id} does not exist"},
    )


async def _summary(db: DbSession, conversation: Conversation) -> ConversationSummary:
    return _summary_of(conversation, await db.get(Contact, conversation.contact_id))


def _summary_of(conversation: Conversation, contact: Contact | None) -> ConversationSummary:
    return ConversationSummary(
        **storage.conversation_out(conversation).model_dump(),
        contact=storage.contact_summary(contact) if contact else None,
        handoff_context=conversation.handoff_context,
    )


async def _agent_conversation(conversation_id: int, agent: Agent, db: DbSession) -> Conversation:
    conversation = await db.get(Conversation, conversation_id)
    if conversation is None:
        raise _not_found(conversation_id)
    if not storage.may_see(agent, conversation):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={
                "code": "forbidden",
                "message": "this conversation belongs to a team you are not in",
            },
        )
    return conversation


@router.get("", response_model=list[ConversationSummary])
async def list_conversations(
    agent: CurrentAgent,
    db: DbSession,
    status_: Annotated[StatusFilter | None, Query(alias="status")] = None,
    mine: bool = False,
    contact_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[ConversationSummary]:
    rows = await storage.conversations_for_agent(
        db, agent=agent, status=status_, mine=mine, contact_id=contact_id, limit=limit
    )
    # Their contacts in one query, not one each.
    found = await db.scalars(
        select(Contact).where(Contact.id.in_({row.contact_id for row in rows}))
    )
    contacts = {contact.id: contact for contact in found}
    return [_summary_of(row, contacts.get(row.contact_id)) for row in rows]


@router.get("/{conversation_id}", response_model=ConversationSummary)
async def get_conversation(
    conversation_id: ConversationIdPath, agent: CurrentAgent, db: DbSession
) -> ConversationSummary:
    return await _summary(db, await _agent_conversation(conversation_id, agent, db))


@router.get("/{conversation_id}/messages", response_model=list[MessageOut])
async def conversation_messages(
    conversation_id: ConversationIdPath,
    request: Request,
    hub: HubDep,
    db: DbSession,
    after_seq: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    x_visitor_token: Annotated[str | None, Header()] = None,
) -> list[MessageOut]:
    """For agents (with private notes), or for the visitor who owns the conversation."""
    if x_visitor_token:
        try:
            contact_id = hub.tokens.contact_id_from(x_visitor_token)
        except TokenError as exc:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, detail={"code": exc.code, "message": str(exc)}
            ) from None
        conversation = await db.get(Conversation, conversation_id)
        if conversation is None or conversation.contact_id != contact_id:
            raise _not_found(conversation_id)
        contact = await db.get(Contact, contact_id)
        if contact is not None and contact.identity_verified:
            # As over the websocket: a known customer's token alone may be the next
            # person's on a shared device, and here no identity can come with it.
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail={
                    "code": "identity_required",
                    "message": "a known customer's conversation is read over the websocket, "
                    "with their identity in hello (docs/protocol.md)",
                },
            )
        include_private = False
    else:
        agent = await current_agent(request, hub, db)
        await _agent_conversation(conversation_id, agent, db)
        include_private = True
    return await hub.conversations.messages_after(
        conversation_id, after_seq, limit=limit, include_private=include_private
    )
