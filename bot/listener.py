"""Wires the bot to the hub: visitor messages in, bot messages and handoffs out.

Registered on ``message.created`` (answer visitors while the conversation is
with the bot) and ``conversation.status_changed`` (greet the shopper again when
an agent hands the conversation back). See docs/subsystems/bot.md.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import defaultdict
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from bot.actions.handoff import announce
from bot.dialogue import Dialogue, Reply, to_replies
from bot.engine import LEFT_MESSAGE, PRESSED_HUMAN, BotState, Facts, visitor_request_packet
from bot.nlu import by_rules
from bot.rasa_rest import RasaError, ask_rasa
from bot.runtime import Runtime
from bot.texts import say
from chat.events import (
    ConversationHandoffRequested,
    ConversationStatusChanged,
    DomainEvent,
    EventName,
    MessageCreated,
)
from chat.hub import Hub
from chat.lifecycle import Cause, ConversationState, LifecycleError, Status, bot_should_answer
from chat.service import ConversationContext

log = logging.getLogger("touchpoint.bot")
VISITOR_REQUEST = "visitor_request"  # the reason chat/ws.py gives for the request_human command
# How long the handoff packet waits for a bot turn in progress before describing what it has.
PACKET_WAIT_SECONDS = 2.0


def facts_of(
    context: ConversationContext, reply: str | None, customer_value: float | None
) -> Facts:
    contact = context.contact
    verified = contact.identity_verified and contact.customer_id is not None
    cart = contact.attributes.get("cart_value")
    return Facts(
        verified_customer=verified,
        customer_id=contact.customer_id if verified else None,
        # Purchase history only with consent, and only for a customer the shop vouched for.
        personalise=verified and contact.consent_personalisation is True,
        cart_value=float(cart) if isinstance(cart, int | float) else None,
        customer_value=customer_value,
        reply=reply,
        site=contact.site,
    )


class BotListener:
    def __init__(self, hub: Hub, runtime: Runtime) -> None:
        self.hub = hub
        self.runtime = runtime
        self.dialogue = Dialogue(runtime)
        # One message at a time per conversation: the bot state is read, changed and saved.
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    def install(self) -> None:
        self.hub.listeners.on(EventName.message_created)(self.on_message)
        self.hub.listeners.on(EventName.conversation_status_changed)(self.on_status_changed)
        self.hub.listeners.on(EventName.conversation_handoff_requested)(self.on_handoff_requested)
        self.hub.conversations.handoff_context_providers.append(self.handoff_context)

    async def handoff_context(self, cid: int) -> dict[str, Any] | None:
        """The packet for a handoff that arrives without one (the widget's "talk to a
        person", its offline form): what the bot's own handoff would carry, from the stored
        bot state and the recent messages. No model call: the shopper is waiting for a person."""
        lock = self._locks[cid]
        try:  # a turn in progress is about to save its state: wait for it, briefly
            await asyncio.wait_for(lock.acquire(), PACKET_WAIT_SECONDS)
            locked = True
        except TimeoutError:
            locked = False
        try:
            context = await self.hub.conversations.context(cid)
        finally:
            if locked:
                lock.release()
        state = BotState.from_dict(context.bot_state)
        visitor = [m for m in context.recent if m.sender.kind == "visitor"]
        last = by_rules(
            visitor[-1].text if visitor else "",
            locale=context.contact.locale,
            expecting_order=state.awaiting == "order",
        )
        left_message = bool(visitor) and "offline_message" in (visitor[-1].payload or {})
        return visitor_request_packet(
            last,
            state,
            products=self._shown(state, context),
            detail=LEFT_MESSAGE if left_message else PRESSED_HUMAN,
        )

    def _voice(self, context: ConversationContext) -> str:
        """The conversation's language so far, else the contact's locale."""
        language = BotState.from_dict(context.bot_state).language or _language(context)
        return self.runtime.voice(language)

    def _shown(self, state: BotState, context: ConversationContext) -> list[dict[str, Any]]:
        """The products the shopper last saw: the bot state's, or the last product cards
        posted (a shop's own Rasa keeps no state here)."""
        if state.shown:
            return [
                {"id": p.id, "title": p.title, "price": p.price}
                for p in self.runtime.brain.kb.products(state.shown)
            ]
        for message in reversed(context.recent):
            if message.sender.kind == "bot" and message.content_type == "product_cards":
                cards = (message.payload or {}).get("products") or []
                return [
                    {"id": c.get("id"), "title": c.get("title"), "price": c.get("price")}
                    for c in cards
                    if isinstance(c, dict)
                ]
        return []

    async def on_message(self, event: DomainEvent) -> None:
        created = event.payload
        assert isinstance(created, MessageCreated)
        if created.sender_kind != "visitor" or created.private:
            return
        cid = created.conversation_id
        async with self._locks[cid]:
            context = await self.hub.conversations.context(cid)
            status = Status(context.conversation.status)
            if not bot_should_answer(ConversationState(cid, status)):
                return
            message = next((m for m in context.recent if m.seq == created.seq), None)
            if message and "offline_message" in (message.payload or {}):
                return  # left for the team with the offline form: theirs to answer
            reply = (message.payload or {}).get("reply") if message else None
            if self.runtime.settings.rasa_url:
                await self._via_rasa(cid, created.text, context, reply)
                return
            await self._answer(
                cid, created.text, context, reply if isinstance(reply, str) else None
            )

    async def _answer(
        self, cid: int, text: str, context: ConversationContext, reply: str | None
    ) -> None:
        settings = self.runtime.settings
        customer_value = None
        if settings.handoff_customer_value is not None and context.contact.customer_id:
            customer_value = await self.runtime.orders.customer_value(context.contact.customer_id)
        result = await self.dialogue.respond(
            text,
            state=BotState.from_dict(context.bot_state),
            facts=facts_of(context, reply, customer_value),
            locale=context.contact.locale,
            sender_id=str(cid),
        )
        await self.hub.conversations.save_bot_state(cid, result.state.to_dict())
        log.info(
            "bot answered",
            extra={
                "conversation_id": cid,
                "action": result.action,
                "intent": result.state.last_intent,
            },
        )
        replies = result.replies
        if replies:  # the turn's outcome as data, on its first message
            first = replies[0]
            turn = {"bot_turn": result.outcome()}
            replies = [dataclasses.replace(first, payload={**(first.payload or {}), **turn})]
            replies += result.replies[1:]
        await self._deliver(cid, replies, result.handoff)

    async def _deliver(
        self, cid: int, replies: list[Reply], handoff: dict[str, Any] | None
    ) -> None:
        if handoff is not None:
            try:
                await self.hub.conversations.transition(
                    cid,
                    Cause.handoff,
                    actor="bot",
                    reason=str(handoff.get("reason", "asked")),
                    context=handoff,
                )
            except LifecycleError as exc:  # an agent took it meanwhile: nothing left to hand off
                log.info("handoff skipped", extra={"conversation_id": cid, "error": str(exc)})
                return
        for reply in replies:
            await self.hub.conversations.post_message(
                cid,
                sender_kind="bot",
                text=reply.text,
                content_type=reply.content_type,
                payload=reply.payload,
            )

    async def _via_rasa(
        self, cid: int, text: str, context: ConversationContext, reply: Any
    ) -> None:
        facts = facts_of(context, reply if isinstance(reply, str) else None, None)
        metadata = {
            "verified_customer": facts.verified_customer,
            "customer_id": facts.customer_id,
            "personalise": facts.personalise,
            "locale": context.contact.locale,
            "reply": facts.reply,
            "site": facts.site,
        }
        settings = self.runtime.settings
        try:
            replies, handoff = await ask_rasa(
                settings.rasa_url or "",
                sender=str(cid),
                text=reply if isinstance(reply, str) else text,
                metadata=metadata,
                timeout=settings.rasa_timeout_seconds,
            )
        except RasaError as exc:
            log.warning("rasa unavailable", extra={"conversation_id": cid, "error": str(exc)})
            replies = [Reply("text", say("fallback", self._voice(context)))]
            handoff = None
        await self._deliver(cid, replies, handoff)

    async def on_handoff_requested(self, event: DomainEvent) -> None:
        """The visitor pressed "talk to a human" (not through the bot): say what happens next."""
        requested = event.payload
        assert isinstance(requested, ConversationHandoffRequested)
        if requested.reason != VISITOR_REQUEST:
            return
        cid = requested.conversation_id
        context = await self.hub.conversations.context(cid)
        dispatcher = CollectingDispatcher()
        await announce(dispatcher, self.runtime, self._voice(context), {}, context.contact.site)
        replies, _, _ = to_replies(dispatcher.messages)
        await self._deliver(cid, replies, None)

    async def on_status_changed(self, event: DomainEvent) -> None:
        changed = event.payload
        assert isinstance(changed, ConversationStatusChanged)
        if changed.to_status != Status.bot.value or changed.cause != Cause.release.value:
            return
        cid = changed.conversation_id
        async with self._locks[cid]:
            context = await self.hub.conversations.context(cid)
            state = BotState.from_dict(context.bot_state)
            state.failed, state.handoff_offered = 0, False
            await self.hub.conversations.save_bot_state(cid, state.to_dict())
            await self.hub.conversations.post_message(
                cid, sender_kind="bot", text=say("welcome_back", self._voice(context))
            )


def _language(context: ConversationContext) -> str:
    return "de" if context.contact.locale.lower().startswith("de") else "en"
