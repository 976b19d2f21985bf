"""Conversation operations: persist, then publish, then tell the listeners.

Every change to a conversation goes through ``ConversationService``: the
websocket adapter, the REST routes and the bot all call it. The order is fixed:
the database transaction commits first (the record), then the bus rings
(``conv.<id>`` for watchers, ``agents`` for queue views), then local domain
listeners run. See docs/subsystems/delivery.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chat import lifecycle, storage
from chat.db import utcnow
from chat.events import (
    ConversationCreated,
    DomainEvent,
    MessageCreated,
    ShopperEventRecorded,
)
from chat.lifecycle import Cause, ConversationState, LifecycleError, Status
from chat.models import Agent, Contact, Conversation, CsatRating, Message, ShopperEvent
from chat.protocol import ConversationOut, MessageFrame, MessageOut
from chat.storage import PendingMessage, WriteOutcome

if TYPE_CHECKING:
    from chat.hub import Hub

log = logging.getLogger("touchpoint.service")
BOT_NAME = "Assistant"


HandoffContextProvider = Callable[[int], Awaitable[dict[str, Any] | None]]


class NotFound(Exception):
    """The conversation or contact does not exist."""


@dataclass(frozen=True)
class PostResult:
    message: MessageOut
    duplicate: bool


@dataclass
class ContactSnapshot:
    id: str
    customer_id: str | None
    identity_verified: bool
    email: str | None
    name: str | None
    locale: str
    consent_personalisation: bool | None
    attributes: dict[str, Any] = field(default_factory=dict)
    site: str | None = None


@dataclass
class ConversationContext:
    conversation: ConversationOut
    bot_state: dict[str, Any]
    handoff_context: dict[str, Any] | None
    contact: ContactSnapshot
    recent: list[MessageOut]


def conversation_channel(conversation_id: int) -> str:
    return f"conv.{conversation_id}"


def contact_channel(contact_id: str) -> str:
    return f"contact.{contact_id}"


AGENTS_CHANNEL = "agents"


async def resolve_idle_forever(hub: Hub) -> None:
    """At start and every few minutes (at most a quarter of the idle time), resolve the
    conversations left with the bot (``Settings.bot_idle_minutes``). Every process may
    run it: a conversation another one resolved first is skipped. Runs until cancelled."""
    idle = dt.timedelta(minutes=hub.settings.bot_idle_minutes)
    every = min(300.0, idle.total_seconds() / 4)
    while True:
        try:
            if resolved := await hub.conversations.resolve_idle(idle=idle):
                log.info("idle conversations resolved", extra={"resolved": resolved})
        except Exception:  # the sweep must go on
            log.exception("resolving idle conversations failed; trying again")
        await asyncio.sleep(every)


def message_notice(message: MessageOut) -> dict[str, Any]:
    """What the bus carries for a message: its seq, and the frame ready to send.

    Serialising once here spares every watching connection a parse and a dump."""
    return {
        "kind": "message",
        "conversation_id": message.conversation_id,
        "seq": message.seq,
        "private": message.private,
        "frame": MessageFrame(message=message).model_dump_json(exclude_none=True),
    }


class ConversationService:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._agent_names: dict[int, str] = {}
        # Plugins that know why a conversation needs a person (the bot) describe it
        # when the handoff itself carries no context, e.g. the widget's "talk to a person".
        self.handoff_context_providers: list[HandoffContextProvider] = []
        # SQLite allows one writer at a time and makes the others poll with growing
        # sleeps; queueing writers here instead keeps the tail latency low.
        self._write_lock: asyncio.Lock | contextlib.AbstractAsyncContextManager[None] = (
            asyncio.Lock() if hub.database_url.startswith("sqlite") else contextlib.nullcontext()
        )

    # ---- reading --------------------------------------------------------

    async def get(self, conversation_id: int) -> ConversationOut:
        async with self.hub.sessions() as db:
            conversation = await db.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFound(f"conversation {conversation_id} does not exist")
            return storage.conversation_out(conversation)

    async def messages_after(
        self, conversation_id: int, after_seq: int, *, limit: int, include_private: bool
    ) -> list[MessageOut]:
        async with self.hub.sessions() as db:
            rows = await storage.messages_after(
                db,
                conversation_id=conversation_id,
                after_seq=after_seq,
                limit=limit,
                include_private=include_private,
            )
            return [await self._out(row) for row in rows]

    async def context(self, conversation_id: int, *, recent: int = 20) -> ConversationContext:
        async with self.hub.sessions() as db:
            conversation = await db.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFound(f"conversation {conversation_id} does not exist")
            contact = await db.get(Contact, conversation.contact_id)
            assert contact is not None  # the foreign key guarantees it
            rows = await storage.latest_messages(
                db, conversation_id=conversation_id, limit=recent, include_private=False
            )
            return ConversationContext(
                conversation=storage.conversation_out(conversation),
                bot_state=dict(conversation.bot_state or {}),
                handoff_context=conversation.handoff_context,
                contact=ContactSnapshot(
                    id=contact.id,
                    customer_id=contact.customer_id if contact.identity_verified else None,
                    identity_verified=contact.identity_verified,
                    email=contact.email,
                    name=contact.name,
                    locale=contact.locale,
                    consent_personalisation=contact.consent_personalisation,
                    attributes=dict(contact.attributes or {}),
                    site=contact.site,
                ),
                recent=[await self._out(row) for row in rows],
            )

    # ---- writing --------------------------------------------------------

    async def start_conversation(
        self, contact_id: str, *, team_id: int | None = None
    ) -> ConversationOut:
        async with self.hub.sessions() as db:
            conversation = Conversation(
                contact_id=contact_id, status=Status.bot.value, team_id=team_id
            )
            db.add(conversation)
            await db.commit()
            out = storage.conversation_out(conversation)
        await self.hub.bus.publish(
            contact_channel(contact_id),
            {"kind": "conversation", "conversation": out.model_dump(mode="json")},
        )
        self.hub.listeners.dispatch(
            [DomainEvent.of(ConversationCreated(conversation_id=out.id, contact_id=contact_id))]
        )
        return out

    async def open_or_start(self, contact_id: str) -> ConversationOut:
        async with self.hub.sessions() as db:
            conversation = await storage.open_conversation_of(db, contact_id=contact_id)
            if conversation is not None:
                return storage.conversation_out(conversation)
        return await self.start_conversation(contact_id)

    async def post_message(
        self,
        conversation_id: int,
        *,
        sender_kind: str,
        sender_id: str | None = None,
        text: str = "",
        content_type: str = "text",
        payload: dict[str, Any] | None = None,
        client_msg_id: str | None = None,
        private: bool = False,
    ) -> PostResult:
        message = Message(
            conversation_id=conversation_id,
            sender_kind=sender_kind,
            sender_id=sender_id,
            content_type=content_type,
            text=text,
            payload=payload,
            client_msg_id=client_msg_id,
            private=private,
            created_at=utcnow(),
        )
        events: list[DomainEvent] = []
        outcome = await self.hub.message_writer.submit(
            PendingMessage(message, first_response=sender_kind == "agent" and not private)
        )
        if outcome is WriteOutcome.needs_lifecycle:
            outcome, events = await self._reopen_with(message)
        if outcome is WriteOutcome.missing:
            raise NotFound(f"conversation {conversation_id} does not exist")
        out = await self._out(message)
        if outcome is WriteOutcome.duplicate:
            return PostResult(out, duplicate=True)
        await self.hub.bus.publish(conversation_channel(conversation_id), message_notice(out))
        events.append(
            DomainEvent.of(
                MessageCreated(
                    conversation_id=conversation_id,
                    message_id=out.id,
                    seq=out.seq,
                    sender_kind=sender_kind,
                    content_type=content_type,
                    text=text,
                    private=private,
                )
            )
        )
        self.hub.listeners.dispatch(events)
        return PostResult(out, duplicate=False)

    async def _reopen_with(self, message: Message) -> tuple[WriteOutcome, list[DomainEvent]]:
        """A visitor writes into a resolved conversation: reopen it, then store the message."""
        cid = message.conversation_id
        async with self._write_lock, self.hub.sessions() as db:
            claimed = await storage.claim_seq(db, conversation_id=cid)
            if claimed is None:
                return WriteOutcome.missing, []
            reopened = lifecycle.on_visitor_message(_state(cid, claimed))
            if reopened is not None:  # else another request reopened it meanwhile
                status_row = await self._record_transition(
                    db, reopened, seq=claimed.seq, actor="visitor"
                )
                claimed = await storage.claim_seq(db, conversation_id=cid)
                assert claimed is not None
            message.seq = claimed.seq
            try:
                message.id = await storage.insert_message(db, message=message)
            except IntegrityError:
                await db.rollback()
                existing = await storage.find_by_client_id(
                    db,
                    conversation_id=cid,
                    sender_kind=message.sender_kind,
                    client_msg_id=message.client_msg_id or "",
                )
                if existing is None:
                    raise
                storage.copy_stored(existing, into=message)
                return WriteOutcome.duplicate, []
            await db.commit()
            if reopened is None:
                return WriteOutcome.stored, []
            conversation = storage.conversation_out(await self._conversation(db, cid))
        await self._publish_conversation(conversation, await self._out(status_row))
        return WriteOutcome.stored, reopened.events

    async def transition(
        self,
        conversation_id: int,
        cause: Cause,
        *,
        actor: str,
        agent_id: int | None = None,
        team_id: int | None = None,
        reason: str | None = None,
        context: dict[str, Any] | None = None,
        expected: Status | None = None,
    ) -> ConversationState:
        if cause is Cause.handoff and context is None:
            context = await self._handoff_context(conversation_id)
        async with self._write_lock, self.hub.sessions() as db:
            claimed = await storage.claim_seq(db, conversation_id=conversation_id)
            if claimed is None:
                raise NotFound(f"conversation {conversation_id} does not exist")
            state = _state(conversation_id, claimed)
            if expected is not None and state.status is not expected:
                await db.rollback()
                raise LifecycleError(
                    f"the conversation is {state.status.value}, not {expected.value}",
                    code="conflict",
                )
            try:
                change = lifecycle.apply(
                    state, cause, agent_id=agent_id, team_id=team_id, reason=reason, context=context
                )
            except LifecycleError:
                await db.rollback()
                raise
            row = await self._record_transition(db, change, seq=claimed.seq, actor=actor)
            await db.commit()
            status_message = await self._out(row)
            conversation = await db.get(Conversation, conversation_id)
            assert conversation is not None
            out = storage.conversation_out(conversation)
        await self._publish_conversation(out, status_message)
        self.hub.listeners.dispatch(change.events)
        log.info(
            "conversation transition",
            extra={
                "conversation_id": conversation_id,
                "cause": cause.value,
                "actor": actor,
                "from": state.status.value,
                "to": change.after.status.value,
            },
        )
        return change.after

    async def resolve_idle(self, *, idle: dt.timedelta, limit: int = 500) -> int:
        """Resolve the conversations with the bot nobody wrote in for ``idle``; how many."""
        async with self.hub.sessions() as db:
            found = await storage.idle_with_the_bot(db, since=utcnow() - idle, limit=limit)
        resolved = []
        for conversation_id, last_activity in found:
            try:
                await self.transition(
                    conversation_id, Cause.resolve, actor="bot", expected=Status.bot
                )
            except (LifecycleError, NotFound):
                continue  # a person took it, or it went, meanwhile
            resolved.append((conversation_id, last_activity))
        # They ended when the shopper left: the idle hour is no time to resolution.
        async with self.hub.sessions() as db:
            for conversation_id, last_activity in resolved:
                await storage.date_resolution(db, conversation_id=conversation_id, at=last_activity)
            await db.commit()
        return len(resolved)

    async def save_bot_state(self, conversation_id: int, state: dict[str, Any]) -> None:
        async with self.hub.sessions() as db:
            conversation = await db.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFound(f"conversation {conversation_id} does not exist")
            conversation.bot_state = state
            await db.commit()

    async def mark_read(self, conversation_id: int, *, by: str, seq: int) -> int:
        """Store a read mark (it only moves forward); returns the stored value."""
        async with self.hub.sessions() as db:
            conversation = await db.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFound(f"conversation {conversation_id} does not exist")
            seq = min(seq, conversation.last_seq)
            column = "visitor_read_seq" if by == "visitor" else "agent_read_seq"
            stored = max(getattr(conversation, column), seq)
            setattr(conversation, column, stored)
            await db.commit()
        await self.hub.bus.publish(
            conversation_channel(conversation_id),
            {"kind": "read", "conversation_id": conversation_id, "by": by, "seq": stored},
        )
        return stored

    async def rate(self, conversation_id: int, *, score: int, comment: str | None) -> None:
        async with self.hub.sessions() as db:
            conversation = await db.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFound(f"conversation {conversation_id} does not exist")
            if conversation.status != Status.resolved.value:
                raise LifecycleError("a conversation can be rated once it is resolved")
            rating = (
                await db.execute(
                    select(CsatRating).where(CsatRating.conversation_id == conversation_id)
                )
            ).scalar_one_or_none()
            if rating is None:
                rating = CsatRating(conversation_id=conversation_id, score=score, comment=comment)
                db.add(rating)
            else:
                rating.score, rating.comment = score, comment
            await db.commit()

    async def record_event(
        self,
        contact_id: str,
        *,
        kind: str,
        url: str | None = None,
        product_id: str | None = None,
        data: dict[str, Any] | None = None,
        conversation_id: int | None = None,
    ) -> None:
        async with self.hub.sessions() as db:
            db.add(
                ShopperEvent(
                    contact_id=contact_id,
                    conversation_id=conversation_id,
                    kind=kind,
                    url=url,
                    product_id=product_id,
                    data=data or {},
                )
            )
            contact = await db.get(Contact, contact_id)
            if contact is not None:
                contact.last_seen_at = utcnow()
            await db.commit()
        self.hub.listeners.dispatch(
            [
                DomainEvent.of(
                    ShopperEventRecorded(
                        contact_id=contact_id, kind=kind, conversation_id=conversation_id
                    )
                )
            ]
        )

    # ---- helpers --------------------------------------------------------

    async def _handoff_context(self, conversation_id: int) -> dict[str, Any] | None:
        for provider in self.handoff_context_providers:
            try:
                context = await provider(conversation_id)
            except Exception:
                # A missing packet must not stop the shopper from reaching a person.
                log.exception(
                    "handoff context provider failed", extra={"conversation_id": conversation_id}
                )
                continue
            if context:
                return context
        return None

    async def _record_transition(
        self, db: AsyncSession, change: lifecycle.Transition, *, seq: int, actor: str
    ) -> Message:
        conversation = await self._conversation(db, change.before.conversation_id)
        now = utcnow()
        after = change.after
        conversation.status = after.status.value
        conversation.assignee_id = after.assignee_id
        conversation.team_id = after.team_id
        # A queued conversation moving between teams keeps its original wait start.
        if after.status is Status.queued and change.before.status is not Status.queued:
            conversation.queued_at = now
        if after.status is Status.assigned and after.assignee_id != change.before.assignee_id:
            conversation.assigned_at = now
        if after.status is Status.resolved:
            conversation.resolved_at = now
        if after.status is Status.bot and change.before.status is Status.resolved:
            conversation.resolved_at = None
        for event in change.events:
            if event.name == "conversation.handoff_requested":
                payload = event.payload
                conversation.handoff_reason = payload.reason  # type: ignore[attr-defined]
                conversation.handoff_context = payload.context  # type: ignore[attr-defined]
        assignee = None
        if after.assignee_id is not None:
            assignee = {"id": after.assignee_id, "name": await self._agent_name(after.assignee_id)}
        message = Message(
            conversation_id=conversation.id,
            seq=seq,
            sender_kind="system",
            sender_id=actor,
            content_type="system_event",
            text=_describe_transition(change, assignee),
            payload={
                "event": "conversation.status_changed",
                "from": change.before.status.value,
                "to": after.status.value,
                "cause": change.cause.value,
                "assignee": assignee,
                "team_id": after.team_id,
            },
        )
        db.add(message)
        await db.flush()
        return message

    async def _conversation(self, db: AsyncSession, conversation_id: int) -> Conversation:
        conversation = await db.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound(f"conversation {conversation_id} does not exist")
        return conversation

    async def _publish_conversation(
        self, conversation: ConversationOut, status_message: MessageOut
    ) -> None:
        frame = {"kind": "conversation", "conversation": conversation.model_dump(mode="json")}
        await self.hub.bus.publish(
            conversation_channel(conversation.id),
            message_notice(status_message),
        )
        await self.hub.bus.publish(conversation_channel(conversation.id), frame)
        await self.hub.bus.publish(AGENTS_CHANNEL, frame)

    async def _out(self, message: Message) -> MessageOut:
        name: str | None = None
        if message.sender_kind == "agent" and message.sender_id:
            name = await self._agent_name(int(message.sender_id))
        elif message.sender_kind == "bot":
            name = BOT_NAME
        return storage.message_out(message, name)

    async def _agent_name(self, agent_id: int) -> str:
        if agent_id not in self._agent_names:
            async with self.hub.sessions() as db:
                agent = await db.get(Agent, agent_id)
            self._agent_names[agent_id] = agent.name if agent else f"Agent {agent_id}"
        return self._agent_names[agent_id]

    def forget_agent_name(self, agent_id: int) -> None:
        self._agent_names.pop(agent_id, None)


def _state(conversation_id: int, claimed: storage.ClaimedSeq) -> ConversationState:
    return ConversationState(
        conversation_id=conversation_id,
        status=Status(claimed.status),
        assignee_id=claimed.assignee_id,
        team_id=claimed.team_id,
    )


def _describe_transition(change: lifecycle.Transition, assignee: dict[str, Any] | None) -> str:
    to = change.after.status
    if to is Status.queued:
        return "Waiting for an agent"
    if to is Status.assigned and assignee:
        return f"{assignee['name']} joined the conversation"
    if to is Status.bot:
        return "The assistant is back in the conversation"
    if to is Status.resolved:
        return "The conversation was resolved"
    return f"Status changed to {to.value}"
