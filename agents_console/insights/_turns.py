"""One ``bot_turns`` row per shopper message the bot answered, for analytics and gaps.

The bot states what it did in the payload of a turn's first message
(``bot_turn``: action, FAQ id, confidence, handoff reason, suggested FAQs).
Replies from a shop's own Rasa server state nothing; for those the turn is
read back from what was stored: the replies after the shopper's message (an
FAQ answer carries the FAQ id, product cards the products, suggestions
``faq:`` quick replies, "I don't know" is one of the bot's texts), a handoff in
the timeline, and the bot state saved before replying (failed question,
confidence). ``read_turn`` is that reading, pure; ``TurnRecorder`` feeds it on
every bot message and upserts the row. The question is stored PII-redacted
(chat.privacy.redact).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agents_console.insights import _storage
from agents_console.insights._gaps import blames_previous, gap_kind
from bot import BotState, bare_handoff_request
from bot.texts import TEXTS
from chat.events import DomainEvent, EventName, MessageCreated
from chat.models import Conversation
from chat.privacy import redact

if TYPE_CHECKING:
    from chat.hub import Hub

log = logging.getLogger("touchpoint.insights")
SUGGESTION_PREFIX = "faq:"  # the bot's quick-reply value for "did you mean this FAQ?"
# Bot outcomes worth naming when no reply tells more (bot.engine.ActionName values).
NAMED_OUTCOMES = frozenset(
    {
        "greet",
        "goodbye",
        "order_status",
        "opening_hours",
        "ask_clarifying",
        "show_products",
        "product_details",
    }
)
# The bot's "I don't know" and "no product for that", in every language it speaks.
UNANSWERED = frozenset(text for key in ("fallback", "no_products") for text in TEXTS[key].values())


@dataclass(frozen=True)
class Reply:
    sender_kind: str
    content_type: str
    text: str
    payload: dict[str, Any] | None


@dataclass(frozen=True)
class Turn:
    action: str
    faq_id: str | None = None
    confidence: float | None = None
    handoff_reason: str | None = None
    suggested: bool = False
    product_ids: list[str] = field(default_factory=list)

    @property
    def gap(self) -> str | None:
        return gap_kind(self.action, suggested=self.suggested, handoff_reason=self.handoff_reason)


def read_turn(
    question: str, replies: list[Reply], bot_state: dict[str, Any], handoff_reason: str | None
) -> Turn | None:
    """What the bot did with ``question``, from the messages after it (None: not a bot turn).

    ``replies`` are the timeline entries after the question, oldest first;
    ``handoff_reason`` is the conversation's (set when the bot queued it). A
    release back to the bot means the bot's later greeting answers no question.
    """
    if any(_cause(r) == "release" for r in replies):
        return None
    bot = [r for r in replies if r.sender_kind == "bot"]
    if not bot:
        return None
    state = BotState.from_dict(bot_state)
    products = _products_shown(bot)
    stated = _stated(bot)
    if stated is not None:
        action = str(stated.get("action"))
        faq_id, confidence = stated.get("faq_id"), stated.get("confidence")
        reason = stated.get("handoff_reason")
        if action == "handoff" and not any(_cause(r) == "handoff" for r in replies):
            reason = _packet_reason(bot) or reason  # offered the e-mail form instead of queueing
        elif action == "handoff":
            reason = handoff_reason or reason
        return Turn(
            action,
            faq_id=faq_id if isinstance(faq_id, str) else None,
            confidence=float(confidence)
            if isinstance(confidence, int | float)
            else state.last_confidence,
            handoff_reason=reason if action == "handoff" and isinstance(reason, str) else None,
            suggested=bool(stated.get("suggested_faqs")),
            product_ids=products,
        )
    confidence = state.last_confidence
    for reply in bot:
        faq_id = (reply.payload or {}).get("faq_id")
        if reply.content_type == "text" and isinstance(faq_id, str):
            return Turn("answer_faq", faq_id=faq_id, confidence=confidence)
    if any(reply.content_type == "product_cards" for reply in bot):
        return Turn("show_products", confidence=confidence, product_ids=products)
    if any(_cause(r) == "handoff" for r in replies):
        return Turn("handoff", confidence=confidence, handoff_reason=handoff_reason)
    if any(_offers_offline_form(r) for r in bot):
        # Nobody was online: the bot offered the e-mail form instead of queueing. The form
        # does not say why; a question the bot failed on is the no-answer rule.
        reason = _packet_reason(bot) or (
            "no_answer" if state.failed_question == question else "asked"
        )
        return Turn("handoff", confidence=confidence, handoff_reason=reason)
    if any(_suggests(r) for r in bot):
        return Turn("ask_clarifying", confidence=confidence, suggested=True)
    if any(r.text in UNANSWERED for r in bot):
        return Turn("fallback", confidence=confidence)
    outcome = state.last_intent if state.last_intent in NAMED_OUTCOMES else "other"
    return Turn(outcome, confidence=confidence)


def _stated(bot: list[Reply]) -> dict[str, Any] | None:
    for reply in bot:
        outcome = (reply.payload or {}).get("bot_turn")
        if isinstance(outcome, dict) and isinstance(outcome.get("action"), str):
            return outcome
    return None


def _products_shown(bot: list[Reply]) -> list[str]:
    for reply in bot:
        if reply.content_type == "product_cards":
            products = (reply.payload or {}).get("products") or []
            return [str(p["id"]) for p in products if isinstance(p, dict) and p.get("id")]
    return []


def _cause(reply: Reply) -> str | None:
    if reply.content_type != "system_event":
        return None
    cause = (reply.payload or {}).get("cause")
    return cause if isinstance(cause, str) else None


def _packet_reason(bot: list[Reply]) -> str | None:
    for reply in bot:
        packet = (reply.payload or {}).get("handoff_packet")
        if isinstance(packet, dict) and isinstance(packet.get("reason"), str):
            return str(packet["reason"])
    return None


def _offers_offline_form(reply: Reply) -> bool:
    return reply.content_type == "form" and (reply.payload or {}).get("form") == "offline"


def _suggests(reply: Reply) -> bool:
    options = (reply.payload or {}).get("options") or []
    return reply.content_type == "quick_replies" and any(
        isinstance(o, dict) and str(o.get("value", "")).startswith(SUGGESTION_PREFIX)
        for o in options
    )


class TurnRecorder:
    """Listens for bot messages and keeps the turn they answer up to date."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        # A turn's bot messages arrive as separate events; one at a time per conversation.
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._waiting: Counter[int] = Counter()  # drop a conversation's lock when nobody needs it

    def install(self) -> None:
        self.hub.listeners.on(EventName.message_created)(self.on_message)

    async def on_message(self, event: DomainEvent) -> None:
        created = event.payload
        assert isinstance(created, MessageCreated)
        if created.sender_kind != "bot":
            return
        cid = created.conversation_id
        self._waiting[cid] += 1
        try:
            async with self._locks[cid]:
                await self.record(cid, created.seq)
        finally:
            self._waiting[cid] -= 1
            if not self._waiting[cid]:
                del self._waiting[cid], self._locks[cid]

    async def record(self, conversation_id: int, bot_seq: int) -> None:
        async with self.hub.sessions() as db:
            conversation = await db.get(Conversation, conversation_id)
            if conversation is None:
                return
            question = await _storage.question_before(
                db, conversation_id=conversation_id, seq=bot_seq
            )
            if question is None:
                return
            between = await _storage.timeline(
                db, conversation_id=conversation_id, after=question.seq, upto=bot_seq
            )
            replies = [Reply(m.sender_kind, m.content_type, m.text, m.payload) for m in between]
            if any(r.sender_kind == "agent" for r in replies):
                return  # a person answered in between: this is not the bot's turn
            turn = read_turn(
                question.text, replies, conversation.bot_state or {}, conversation.handoff_reason
            )
            if turn is None:
                return
            await _storage.save_turn(
                db,
                conversation_id=conversation_id,
                contact_id=conversation.contact_id,
                visitor_seq=question.seq,
                question=redact(question.text),
                language=await _storage.contact_locale(db, contact_id=conversation.contact_id),
                turn=turn,
                blame_previous=blames_previous(turn.action, turn.handoff_reason),
                names_topic=not bare_handoff_request(question.text),
            )
            await db.commit()
        log.debug(
            "bot turn recorded",
            extra={"conversation_id": conversation_id, "seq": question.seq, "action": turn.action},
        )
