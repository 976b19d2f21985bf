"""A month of demo chat history, so the analytics page and the gap list have something to
show (`touchpoint serve --demo`). Written for the demo shop; seeds an empty store only."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agents_console.insights._models import BotTurn
from chat.db import utcnow
from chat.hub import Hub
from chat.models import Agent, Contact, Conversation, CsatRating, Message, ShopperEvent

DAYS = 28
SEED = 7
BOT_FALLBACK = "Sorry, I don't know the answer to that. I can connect you with a colleague."
AGENT_REPLY = "Thanks for asking! Let me check that for you."

# (shopper question, FAQ id) the bot answers from the demo FAQs.
ANSWERED = [
    ("how long will shipping take?", "shipping-time"),
    ("when will my parcel arrive", "shipping-time"),
    ("what is your return policy", "returns"),
    ("can I send something back?", "returns"),
    ("do you take PayPal?", "payment-methods"),
    ("do you have gift vouchers", "gift-cards"),
    ("how do I clean a cast iron pan", "cast-iron-care"),
]
# (shopper request, products the bot shows)
SHOPPING = [
    ("I need a tent for two people", ["TE-601", "TE-606"]),
    ("looking for a cast iron pan", ["CW-101", "CW-102"]),
    ("a good chef's knife please", ["KN-201", "KN-202"]),
    ("warm sleeping bag for winter", ["SB-703", "SB-701"]),
]
# Topics the demo FAQs do not cover: they show up as knowledge gaps.
GAPS = [
    ["Can I pick up my order in your store?", "is click and collect possible", "can I collect my parcel at the shop myself?"],
    ["Do you have a student discount?", "is there a discount for students", "any student discounts?"],
    ["Can you engrave a knife as a gift?", "do you offer engraving on knives"],
    ["Do you repair tents?", "my tent pole broke, can you repair it?"],
]  # fmt: skip


@dataclass
class _Chat:
    db: AsyncSession
    conversation: Conversation
    at: dt.datetime
    seq: int = 0

    def say(
        self,
        kind: str,
        text: str,
        payload: dict[str, Any] | None = None,
        *,
        minutes: float = 0.5,
        sender_id: str | None = None,
    ) -> int:
        self.seq += 1
        self.at += dt.timedelta(minutes=minutes)
        content_type = "product_cards" if payload and "products" in payload else "text"
        self.db.add(
            Message(
                conversation_id=self.conversation.id, seq=self.seq, sender_kind=kind, text=text,
                content_type=content_type, payload=payload, created_at=self.at,
                sender_id=self.conversation.contact_id if kind == "visitor" else sender_id,
            )
        )  # fmt: skip
        self.conversation.last_seq = self.seq
        return self.seq

    def turn(self, question: str, visitor_seq: int, **values: Any) -> None:
        self.db.add(
            BotTurn(
                conversation_id=self.conversation.id, contact_id=self.conversation.contact_id,
                visitor_seq=visitor_seq, question=question, language="en", created_at=self.at,
                product_ids=values.pop("product_ids", []), **values,
            )
        )  # fmt: skip


async def seed_demo(hub: Hub) -> None:
    async with hub.sessions() as db:
        if await db.scalar(select(func.count()).select_from(BotTurn)):
            return
        agent = await db.scalar(select(Agent).where(Agent.email == "agent@demo.shop"))
        rng = random.Random(SEED)
        today = utcnow().replace(hour=9, minute=0, second=0, microsecond=0)
        for day in range(DAYS, 0, -1):
            for _ in range(rng.randint(2, 5)):
                start = today - dt.timedelta(days=day, minutes=-rng.randint(0, 600))
                await _conversation(db, rng, start, agent)
        await db.commit()


async def _conversation(
    db: AsyncSession, rng: random.Random, start: dt.datetime, agent: Agent | None
) -> None:
    contact = Contact(locale="en", created_at=start, last_seen_at=start)
    db.add(contact)
    await db.flush()
    conversation = Conversation(
        contact_id=contact.id, status="bot", created_at=start, updated_at=start
    )
    db.add(conversation)
    await db.flush()
    chat = _Chat(db, conversation, start)
    roll = rng.random()
    if roll < 0.4:
        question, faq_id = rng.choice(ANSWERED)
        seq = chat.say("visitor", question)
        chat.say("bot", f"(answer of the FAQ {faq_id})", {"faq_id": faq_id})
        chat.turn(
            question,
            seq,
            action="answer_faq",
            faq_id=faq_id,
            confidence=round(rng.uniform(0.8, 0.98), 3),
        )
    elif roll < 0.7:
        question, products = rng.choice(SHOPPING)
        seq = chat.say("visitor", question)
        chat.say("bot", "Here are the best matches:", {"products": [{"id": p} for p in products]})
        chat.turn(question, seq, action="show_products", product_ids=products, confidence=0.4)
        if rng.random() < 0.6:
            chosen = rng.choice(products)
            for kind, later in (("product_view", 1), ("add_to_cart", 4)):
                if kind == "add_to_cart" and rng.random() < 0.4:
                    break
                db.add(
                    ShopperEvent(
                        contact_id=contact.id, conversation_id=conversation.id, kind=kind, product_id=chosen,
                        data={"source": "chat"}, created_at=chat.at + dt.timedelta(minutes=later),
                    )
                )  # fmt: skip
    else:
        question = rng.choice(rng.choice(GAPS))
        seq = chat.say("visitor", question)
        chat.say("bot", BOT_FALLBACK)
        handoff = agent is not None and rng.random() < 0.6
        chat.turn(
            question,
            seq,
            action="fallback",
            gap="unanswered",
            confidence=round(rng.uniform(0.1, 0.4), 3),
        )
        if handoff and agent is not None:
            _human(chat, rng, agent)
            db.add(
                CsatRating(
                    conversation_id=conversation.id,
                    score=rng.choice([3, 4, 4, 5, 5, 5, 2]),
                    created_at=chat.at,
                )
            )
    conversation.updated_at = chat.at
    if conversation.status == "bot" and rng.random() < 0.5:
        conversation.status, conversation.resolved_at = (
            "resolved",
            chat.at + dt.timedelta(minutes=2),
        )


def _human(chat: _Chat, rng: random.Random, agent: Agent) -> None:
    c = chat.conversation
    c.handoff_reason = rng.choice(["no_answer", "no_answer", "asked"])
    c.queued_at = chat.at
    c.assigned_at = chat.at + dt.timedelta(seconds=rng.randint(10, 90))
    c.assignee_id = agent.id
    chat.at = c.assigned_at
    chat.say("agent", AGENT_REPLY, minutes=rng.uniform(0.2, 4), sender_id=str(agent.id))
    c.first_response_at = chat.at
    c.status, c.resolved_at = "resolved", chat.at + dt.timedelta(minutes=rng.randint(3, 25))
    chat.at = c.resolved_at
