"""Database access for insights: bot turns, a period's analytics rows, gaps and flows.

Functions take the session and keyword arguments; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from agents_console.insights._gaps import Question
from agents_console.insights._metrics import (
    SHOWS_PRODUCTS,
    ConversationRow,
    Rows,
    ShopEventRow,
    TurnRow,
)
from agents_console.insights._models import BotTurn, SellingFlow
from chat.db import utcnow
from chat.models import AuditEntry, Contact, Conversation, CsatRating, Message, ShopperEvent

if TYPE_CHECKING:
    from agents_console.insights._turns import Turn

# A previous answer followed by "let me talk to a person" is a gap; these outcomes never are.
NOT_BLAMED = ("greet", "goodbye", "handoff", "order_status", "opening_hours")


async def contact_locale(db: AsyncSession, *, contact_id: str) -> str:
    return await db.scalar(select(Contact.locale).where(Contact.id == contact_id)) or "en"


async def question_before(db: AsyncSession, *, conversation_id: int, seq: int) -> Message | None:
    """The shopper's last message before ``seq``."""
    return await db.scalar(
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.sender_kind == "visitor",
            Message.seq < seq,
        )
        .order_by(Message.seq.desc())
        .limit(1)
    )


async def timeline(
    db: AsyncSession, *, conversation_id: int, after: int, upto: int
) -> list[Message]:
    """The public timeline entries with ``after < seq <= upto``, oldest first."""
    rows = await db.scalars(
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.seq > after,
            Message.seq <= upto,
            Message.private.is_(False),
        )
        .order_by(Message.seq)
    )
    return list(rows)


async def save_turn(
    db: AsyncSession,
    *,
    conversation_id: int,
    contact_id: str,
    visitor_seq: int,
    question: str,
    language: str,
    turn: Turn,
    blame_previous: bool,
    names_topic: bool,
) -> BotTurn:
    """Insert or update the turn answering ``visitor_seq``.

    ``blame_previous``: the turn says the answer before it did not help (see
    ``_gaps.blames_previous``); with no such answer the turn itself is the gap, if
    its question ``names_topic`` ("a person, please" names none)."""
    row = await db.scalar(
        select(BotTurn).where(
            BotTurn.conversation_id == conversation_id, BotTurn.visitor_seq == visitor_seq
        )
    )
    if row is None:
        row = BotTurn(
            conversation_id=conversation_id, contact_id=contact_id, visitor_seq=visitor_seq
        )
        db.add(row)
    row.question, row.language = question, language
    row.action, row.faq_id, row.confidence = turn.action, turn.faq_id, turn.confidence
    row.handoff_reason, row.product_ids, row.gap = turn.handoff_reason, turn.product_ids, turn.gap
    if blame_previous:
        previous = await db.scalar(
            select(BotTurn)
            .where(BotTurn.conversation_id == conversation_id, BotTurn.visitor_seq < visitor_seq)
            .order_by(BotTurn.visitor_seq.desc())
            .limit(1)
        )
        if previous is not None and previous.action not in NOT_BLAMED:
            previous.gap = previous.gap or "handoff"
        elif names_topic:
            row.gap = row.gap or "handoff"
    await db.flush()
    return row


# ---- analytics ----------------------------------------------------------------


async def analytics_rows(
    db: AsyncSession, *, since: dt.datetime, until: dt.datetime, turns_since: dt.datetime
) -> Rows:
    """Conversations started, ratings given and shop events in [since, until); bot turns
    from ``turns_since`` (earlier, so a recommendation can explain a later add-to-cart)."""
    visitor = func.sum(case((Message.sender_kind == "visitor", 1), else_=0))
    agent = func.sum(case((Message.sender_kind == "agent", 1), else_=0))
    conversations = await db.execute(
        select(Conversation, visitor, agent)
        .outerjoin(
            Message, (Message.conversation_id == Conversation.id) & Message.private.is_(False)
        )
        .where(Conversation.created_at >= since, Conversation.created_at < until)
        .group_by(Conversation.id)
        .order_by(Conversation.id)
    )
    rows = Rows()
    for c, visitor_messages, agent_messages in conversations.tuples():
        rows.conversations.append(
            ConversationRow(
                id=c.id,
                created_at=c.created_at,
                visitor_messages=int(visitor_messages or 0),
                human=bool(agent_messages) or c.queued_at is not None or c.assigned_at is not None,
                handoff_reason=c.handoff_reason,
                queued_at=c.queued_at,
                first_response_at=c.first_response_at,
                resolved_at=c.resolved_at,
            )
        )
    rows.ratings = list(
        await db.scalars(
            select(CsatRating.score).where(
                CsatRating.created_at >= since, CsatRating.created_at < until
            )
        )
    )
    turns = await db.scalars(
        select(BotTurn)
        .where(BotTurn.created_at >= turns_since, BotTurn.created_at < until)
        .order_by(BotTurn.id)
    )
    rows.turns = [
        TurnRow(
            contact_id=t.contact_id,
            action=t.action,
            faq_id=t.faq_id,
            product_ids=tuple(str(p) for p in t.product_ids or ()),
            created_at=t.created_at,
        )
        for t in turns
    ]
    events = await db.scalars(
        select(ShopperEvent)
        .where(
            ShopperEvent.kind.in_(("product_view", "add_to_cart")),
            ShopperEvent.created_at >= since,
            ShopperEvent.created_at < until,
        )
        .order_by(ShopperEvent.id)
    )
    rows.events = [
        ShopEventRow(
            contact_id=e.contact_id,
            kind=e.kind,
            product_id=e.product_id,
            from_chat=(e.data or {}).get("source") == "chat",
            created_at=e.created_at,
        )
        for e in events
    ]
    return rows


# ---- gaps ---------------------------------------------------------------------


async def open_gaps(
    db: AsyncSession, *, since: dt.datetime, until: dt.datetime, limit: int
) -> list[Question]:
    """The newest ``limit`` gap turns of the period that no editor closed yet."""
    turns = await db.scalars(
        select(BotTurn)
        .where(
            BotTurn.gap.is_not(None),
            BotTurn.closed_at.is_(None),
            BotTurn.created_at >= since,
            BotTurn.created_at < until,
        )
        .order_by(BotTurn.id.desc())
        .limit(limit)
    )
    return [
        Question(
            turn_id=t.id, text=t.question, kind=t.gap or "", at=t.created_at,
            language=t.language, faq_id=t.faq_id,
            showed_products=t.action in SHOWS_PRODUCTS and bool(t.product_ids),
        )
        for t in turns
    ]  # fmt: skip


async def turns_by_ids(db: AsyncSession, *, ids: Sequence[int]) -> list[BotTurn]:
    return list(await db.scalars(select(BotTurn).where(BotTurn.id.in_(ids)).order_by(BotTurn.id)))


async def close_gaps(db: AsyncSession, *, ids: Sequence[int], faq_id: str | None) -> int:
    """Close the open gaps among ``ids``, answered by ``faq_id`` (None: dismissed)."""
    result = await db.execute(
        update(BotTurn)
        .where(BotTurn.id.in_(ids), BotTurn.gap.is_not(None), BotTurn.closed_at.is_(None))
        .values(closed_at=utcnow(), closed_by_faq=faq_id)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# ---- privacy ----------------------------------------------------------------------


async def find_contacts(db: AsyncSession, *, term: str, limit: int) -> list[Contact]:
    """Contacts by exact id or customer id, or by part of the e-mail address or name."""
    pattern = f"%{term.lower()}%"
    rows = await db.scalars(
        select(Contact)
        .where(
            or_(
                Contact.id == term,
                Contact.customer_id == term,
                func.lower(Contact.email).like(pattern),
                func.lower(Contact.name).like(pattern),
            )
        )
        .order_by(Contact.last_seen_at.desc())
        .limit(limit)
    )
    return list(rows)


async def conversations_with_agents(db: AsyncSession, *, contact_id: str) -> list[int]:
    """The contact's conversations waiting for or assigned to an agent."""
    query = select(Conversation.id).where(
        Conversation.contact_id == contact_id, Conversation.status.in_(("queued", "assigned"))
    )
    return list(await db.scalars(query))


async def audit_entries(
    db: AsyncSession, *, action: str | None, before_id: int | None, limit: int
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if before_id:
        query = query.where(AuditEntry.id < before_id)
    return list(await db.scalars(query))


async def turns_of_contact(db: AsyncSession, *, contact_id: str) -> list[BotTurn]:
    return list(
        await db.scalars(
            select(BotTurn).where(BotTurn.contact_id == contact_id).order_by(BotTurn.id)
        )
    )


async def delete_turns(db: AsyncSession, *, ids: Sequence[int]) -> int:
    result = await db.execute(delete(BotTurn).where(BotTurn.id.in_(ids)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_turns_before(db: AsyncSession, *, before: dt.datetime) -> int:
    result = await db.execute(delete(BotTurn).where(BotTurn.created_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# ---- selling flows ---------------------------------------------------------------


async def edited_flows(db: AsyncSession) -> list[SellingFlow]:
    return list(await db.scalars(select(SellingFlow).order_by(SellingFlow.category)))


async def save_flow(
    db: AsyncSession, *, category: str, definition: dict[str, Any], actor: str
) -> SellingFlow:
    row = await db.get(SellingFlow, category)
    if row is None:
        row = SellingFlow(category=category, definition=definition, updated_by=actor)
        db.add(row)
    else:
        row.definition, row.updated_by = definition, actor
    await db.flush()
    return row


async def delete_flow(db: AsyncSession, *, category: str) -> bool:
    result = await db.execute(delete(SellingFlow).where(SellingFlow.category == category))
    return bool(result.rowcount)  # type: ignore[attr-defined]
