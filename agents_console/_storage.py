"""Data access for the console: agents, teams, canned responses, the audit log.

Small functions with keyword-only arguments; routes call these and never build SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from chat.models import (
    Agent,
    AuditEntry,
    CannedResponse,
    Contact,
    Conversation,
    Message,
    Order,
    Team,
)

OPEN_STATUSES = ("bot", "queued", "assigned")


class UnknownTeams(Exception):
    def __init__(self, team_ids: Sequence[int]) -> None:
        super().__init__(f"no team with id {', '.join(map(str, team_ids))}")
        self.team_ids = list(team_ids)


# ---- agents -----------------------------------------------------------------


async def list_agents(db: AsyncSession) -> list[Agent]:
    return list((await db.execute(select(Agent).order_by(Agent.name, Agent.id))).scalars())


async def active_agents(db: AsyncSession, *, ids: Sequence[int]) -> list[Agent]:
    if not ids:
        return []
    query = select(Agent).where(Agent.id.in_(ids), Agent.active.is_(True)).order_by(Agent.id)
    return list((await db.execute(query)).scalars())


async def agent_by_email(db: AsyncSession, *, email: str) -> Agent | None:
    return (await db.execute(select(Agent).where(Agent.email == email))).scalar_one_or_none()


async def count_active_admins(db: AsyncSession) -> int:
    query = (
        select(func.count()).select_from(Agent).where(Agent.role == "admin", Agent.active.is_(True))
    )
    return int((await db.execute(query)).scalar_one())


# ---- teams ------------------------------------------------------------------


async def list_teams(db: AsyncSession) -> list[Team]:
    return list((await db.execute(select(Team).order_by(Team.name))).scalars())


async def team_by_name(db: AsyncSession, *, name: str) -> Team | None:
    return (await db.execute(select(Team).where(Team.name == name))).scalar_one_or_none()


async def teams_by_ids(db: AsyncSession, *, ids: Sequence[int]) -> list[Team]:
    """The teams with these ids; raises ``UnknownTeams`` naming any that do not exist."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    teams = list((await db.execute(select(Team).where(Team.id.in_(wanted)))).scalars())
    missing = sorted(set(wanted) - {t.id for t in teams})
    if missing:
        raise UnknownTeams(missing)
    return teams


async def team_members(db: AsyncSession) -> dict[int, list[int]]:
    """team id -> ids of the agents in it."""
    members: dict[int, list[int]] = {}
    for agent in await list_agents(db):
        for team in agent.teams:
            members.setdefault(team.id, []).append(agent.id)
    return members


# ---- canned responses -------------------------------------------------------


async def list_canned(
    db: AsyncSession, *, team_ids: Sequence[int] | None, query: str | None = None
) -> list[CannedResponse]:
    """Canned responses for everyone plus those of ``team_ids`` (None: all teams)."""
    statement = select(CannedResponse).order_by(CannedResponse.shortcut)
    if team_ids is not None:
        statement = statement.where(
            or_(CannedResponse.team_id.is_(None), CannedResponse.team_id.in_(team_ids))
        )
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                func.lower(CannedResponse.shortcut).like(pattern),
                func.lower(CannedResponse.title).like(pattern),
                func.lower(CannedResponse.text).like(pattern),
            )
        )
    return list((await db.execute(statement)).scalars())


async def count_canned_of_team(db: AsyncSession, *, team_id: int) -> int:
    query = (
        select(func.count()).select_from(CannedResponse).where(CannedResponse.team_id == team_id)
    )
    return int((await db.execute(query)).scalar_one())


async def canned_by_shortcut(db: AsyncSession, *, shortcut: str) -> CannedResponse | None:
    query = select(CannedResponse).where(CannedResponse.shortcut == shortcut)
    return (await db.execute(query)).scalar_one_or_none()


# ---- all open conversations (the supervisors' view) -------------------------


@dataclass
class OpenConversation:
    conversation: Conversation
    contact_name: str | None
    contact_email: str | None
    last_message: Message | None = None
    last_agent_reply_at: dt.datetime | None = None
    unanswered_since: dt.datetime | None = None  # the shopper's first message since a reply


async def open_conversations(db: AsyncSession, *, limit: int) -> list[OpenConversation]:
    """Every conversation that is not resolved (oldest first, at most ``limit``), with
    what was last said and since when the shopper waits for an answer.

    Three queries whatever the number of conversations: the conversations with their
    contacts, the last words, the shopper's unanswered messages.
    """
    rows = await db.execute(
        select(Conversation, Contact.name, Contact.email)
        .outerjoin(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.status.in_(OPEN_STATUSES))
        .order_by(Conversation.id)
        .limit(limit)
    )
    found = {
        conversation.id: OpenConversation(conversation, name, email)
        for conversation, name, email in rows.all()
    }
    if not found:
        return []
    # What the shopper saw: no private notes, no status changes. Joined to the open
    # conversations rather than given their ids: no bound parameter per conversation
    # (those beyond ``limit`` are counted too, and dropped).
    said = and_(
        Conversation.status.in_(OPEN_STATUSES),
        Message.private.is_(False),
        Message.content_type != "system_event",
    )
    replies = (
        select(
            Message.conversation_id.label("conversation_id"),
            func.max(Message.seq).label("last_seq"),
            func.max(case((Message.sender_kind == "agent", Message.seq))).label("agent_seq"),
            func.max(case((Message.sender_kind == "agent", Message.created_at))).label("agent_at"),
            func.max(case((Message.sender_kind.in_(("agent", "bot")), Message.seq))).label(
                "reply_seq"
            ),
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(said)
        .group_by(Message.conversation_id)
        .subquery()
    )
    last = await db.execute(
        select(Message, replies.c.agent_at).join(
            replies,
            and_(
                Message.conversation_id == replies.c.conversation_id,
                Message.seq == replies.c.last_seq,
            ),
        )
    )
    for message, agent_at in last.all():
        item = found.get(message.conversation_id)
        if item is not None:
            item.last_message = message
            item.last_agent_reply_at = agent_at
    # With the bot any reply answers the shopper; waiting for a person, only a person's.
    answered = case((Conversation.status == "bot", replies.c.reply_seq), else_=replies.c.agent_seq)
    unanswered = await db.execute(
        select(Message.conversation_id, func.min(Message.created_at))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .outerjoin(replies, replies.c.conversation_id == Message.conversation_id)
        .where(said, Message.sender_kind == "visitor", Message.seq > func.coalesce(answered, 0))
        .group_by(Message.conversation_id)
    )
    for conversation_id, since in unanswered.all():
        item = found.get(conversation_id)
        if item is not None:
            item.unanswered_since = since
    return list(found.values())


# ---- what placeholders are filled from -------------------------------------


async def latest_order_number(db: AsyncSession, *, customer_id: str) -> str | None:
    query = (
        select(Order.id)
        .where(Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc())
        .limit(1)
    )
    return (await db.execute(query)).scalar_one_or_none()


# ---- audit ------------------------------------------------------------------


def audit(
    db: AsyncSession, *, actor: Agent, action: str, target: str, details: dict[str, Any]
) -> None:
    """Adds an audit entry to the caller's transaction."""
    db.add(AuditEntry(actor=f"agent:{actor.id}", action=action, target=target, details=details))
