"""REST for the console: agents and teams (admins write), canned responses
(editors write), placeholder rendering. Every signed-in agent may read the
directories, because transfers need them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from agents_console import _storage
from agents_console._dispatcher import QueueDispatcher
from agents_console._schemas import (
    AgentCreate,
    AgentOut,
    AgentUpdate,
    CannedIn,
    CannedOut,
    LastWords,
    OpenConversationOut,
    OpenConversations,
    Rendered,
    TeamIn,
    TeamOut,
    TeamRef,
)
from agents_console.placeholders import first_name, render
from chat import storage as core_storage
from chat.api.deps import AdminAgent, CurrentAgent, DbSession, EditorAgent, HubDep
from chat.auth import hash_password
from chat.hub import Hub
from chat.models import Agent, CannedResponse, Contact, Conversation, Team
from chat.service import AGENTS_CHANNEL

log = logging.getLogger("touchpoint.console.api")
router = APIRouter(prefix="/api", tags=["console"])


def _error(status_code: int, code: str, message: str) -> HTTPException:
    return HTTPException(status_code, detail={"code": code, "message": message})


def _not_found(what: str, ident: int) -> HTTPException:
    return _error(status.HTTP_404_NOT_FOUND, "not_found", f"no {what} with id {ident}")


async def _agent_out(hub: Hub, db: AsyncSession, agents: list[Agent]) -> list[AgentOut]:
    presence = {p.agent_id: p.status for p in await hub.presence.online_agents()}
    loads = await core_storage.agent_loads(db)
    return [
        AgentOut(
            id=a.id,
            email=a.email,
            name=a.name,
            role=a.role,  # type: ignore[arg-type]
            max_concurrent=a.max_concurrent,
            active=a.active,
            teams=[TeamRef(id=t.id, name=t.name) for t in sorted(a.teams, key=lambda t: t.name)],
            status=presence.get(a.id, "offline"),  # type: ignore[arg-type]
            load=loads.get(a.id, 0),
        )
        for a in agents
    ]


async def _teams(db: AsyncSession, team_ids: list[int]) -> list[Team]:
    try:
        return await _storage.teams_by_ids(db, ids=team_ids)
    except _storage.UnknownTeams as exc:
        raise _error(status.HTTP_422_UNPROCESSABLE_CONTENT, "unknown_team", str(exc)) from None


# ---- agents -----------------------------------------------------------------


@router.get("/agents", response_model=list[AgentOut])
async def list_agents(_agent: CurrentAgent, hub: HubDep, db: DbSession) -> list[AgentOut]:
    return await _agent_out(hub, db, await _storage.list_agents(db))


@router.post("/agents", response_model=AgentOut, status_code=status.HTTP_201_CREATED)
async def create_agent(
    body: AgentCreate, admin: AdminAgent, hub: HubDep, db: DbSession
) -> AgentOut:
    if await _storage.agent_by_email(db, email=body.email):
        raise _error(
            status.HTTP_409_CONFLICT, "email_taken", f"{body.email} already has an account"
        )
    agent = Agent(
        email=body.email,
        name=body.name,
        password_hash=await asyncio.to_thread(hash_password, body.password),
        role=body.role,
        max_concurrent=body.max_concurrent,
        teams=await _teams(db, body.team_ids),
    )
    db.add(agent)
    await db.flush()
    _storage.audit(
        db,
        actor=admin,
        action="agent.created",
        target=f"agent:{agent.id}",
        details={
            "role": agent.role,
            "max_concurrent": agent.max_concurrent,
            "team_ids": body.team_ids,
        },
    )
    await db.commit()
    log.info("agent created", extra={"agent_id": agent.id, "by": admin.id, "role": agent.role})
    return (await _agent_out(hub, db, [agent]))[0]


@router.get("/agents/{agent_id}", response_model=AgentOut)
async def get_agent(agent_id: int, _agent: CurrentAgent, hub: HubDep, db: DbSession) -> AgentOut:
    agent = await db.get(Agent, agent_id)
    if agent is None:
        raise _not_found("agent", agent_id)
    return (await _agent_out(hub, db, [agent]))[0]


@router.patch("/agents/{agent_id}", response_model=AgentOut)
async def update_agent(
    agent_id: int, body: AgentUpdate, admin: AdminAgent, hub: HubDep, db: DbSession
) -> AgentOut:
    agent = await db.get(Agent, agent_id)
    if agent is None:
        raise _not_found("agent", agent_id)
    changes = body.model_dump(exclude_unset=True, exclude={"password"})
    loses_admin = (
        agent.role == "admin"
        and agent.active
        and ((body.role is not None and body.role != "admin") or body.active is False)
    )
    if loses_admin and await _storage.count_active_admins(db) <= 1:
        raise _error(
            status.HTTP_409_CONFLICT,
            "last_admin",
            "this is the only active admin; make another agent admin first",
        )
    if body.team_ids is not None:
        agent.teams = await _teams(db, body.team_ids)
    for field in ("name", "role", "max_concurrent", "active"):
        value = getattr(body, field)
        if value is not None:
            setattr(agent, field, value)
    if body.password is not None:
        # Argon2 takes ~0.5 s: off the event loop. A new password ends the agent's
        # sessions, as signing out everywhere does.
        agent.password_hash = await asyncio.to_thread(hash_password, body.password)
        agent.session_epoch += 1
        changes["password"] = "changed"
    _storage.audit(
        db, actor=admin, action="agent.updated", target=f"agent:{agent.id}", details=changes
    )
    await db.commit()
    hub.conversations.forget_agent_name(agent.id)
    # The agent's open sockets check their session and role again now, not within 5 s.
    await hub.bus.publish(AGENTS_CHANNEL, {"kind": "agent_changed", "agent_id": agent.id})
    log.info("agent updated", extra={"agent_id": agent.id, "by": admin.id, "fields": list(changes)})
    dispatcher = hub.require(QueueDispatcher)
    if body.active is False:
        # A deactivated agent's open socket lingers; their shoppers must not wait on it.
        await dispatcher.requeue_agent(agent.id, actor=f"agent:{admin.id}")
    # Capacity, teams or activation changed: waiting conversations may fit now.
    await dispatcher.drain()
    return (await _agent_out(hub, db, [agent]))[0]


@router.delete("/agents/{agent_id}", status_code=status.HTTP_204_NO_CONTENT)
async def deactivate_agent(
    agent_id: int, admin: AdminAgent, hub: HubDep, db: DbSession
) -> Response:
    """Deactivates: the agent can no longer sign in, their history stays."""
    await update_agent(agent_id, AgentUpdate(active=False), admin, hub, db)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- teams ------------------------------------------------------------------


async def _team_out(db: AsyncSession, teams: list[Team]) -> list[TeamOut]:
    members = await _storage.team_members(db)
    return [TeamOut(id=t.id, name=t.name, agent_ids=members.get(t.id, [])) for t in teams]


@router.get("/teams", response_model=list[TeamOut])
async def list_teams(_agent: CurrentAgent, db: DbSession) -> list[TeamOut]:
    return await _team_out(db, await _storage.list_teams(db))


async def _save_team(db: AsyncSession, team: Team, admin: Agent, action: str) -> TeamOut:
    clash = await _storage.team_by_name(db, name=team.name)
    if clash is not None and clash is not team:
        raise _error(
            status.HTTP_409_CONFLICT, "team_exists", f"a team named {team.name!r} already exists"
        )
    db.add(team)
    await db.flush()
    _storage.audit(
        db, actor=admin, action=action, target=f"team:{team.id}", details={"name": team.name}
    )
    await db.commit()
    return (await _team_out(db, [team]))[0]


@router.post("/teams", response_model=TeamOut, status_code=status.HTTP_201_CREATED)
async def create_team(body: TeamIn, admin: AdminAgent, db: DbSession) -> TeamOut:
    return await _save_team(db, Team(name=body.name), admin, "team.created")


@router.patch("/teams/{team_id}", response_model=TeamOut)
async def rename_team(team_id: int, body: TeamIn, admin: AdminAgent, db: DbSession) -> TeamOut:
    team = await db.get(Team, team_id)
    if team is None:
        raise _not_found("team", team_id)
    with db.no_autoflush:
        team.name = body.name
        return await _save_team(db, team, admin, "team.renamed")


@router.delete("/teams/{team_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_team(team_id: int, admin: AdminAgent, db: DbSession) -> Response:
    team = await db.get(Team, team_id)
    if team is None:
        raise _not_found("team", team_id)
    # Deleting would cascade to the team's canned responses; make that a choice.
    canned = await _storage.count_canned_of_team(db, team_id=team_id)
    if canned:
        raise _error(
            status.HTTP_409_CONFLICT,
            "team_in_use",
            f"the team still has {canned} canned responses; move or delete them first",
        )
    _storage.audit(
        db,
        actor=admin,
        action="team.deleted",
        target=f"team:{team.id}",
        details={"name": team.name},
    )
    await db.delete(team)
    await db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- all open conversations (admins) ----------------------------------------

LAST_WORDS_CHARS = 200


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    # Aggregates (min, max) may come back without the column type's time zone.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _waiting_since(item: _storage.OpenConversation) -> dt.datetime | None:
    conversation = item.conversation
    queued_at = _utc(conversation.queued_at)
    agent_at = _utc(item.last_agent_reply_at)
    starts = [_utc(item.unanswered_since)]
    if queued_at is not None and (
        conversation.status == "queued"
        # Assigned from the queue, and no agent has answered since: still waiting.
        or (conversation.status == "assigned" and (agent_at is None or agent_at < queued_at))
    ):
        starts.append(queued_at)
    return min((start for start in starts if start is not None), default=None)


def _open_out(item: _storage.OpenConversation) -> OpenConversationOut:
    conversation, message = item.conversation, item.last_message
    return OpenConversationOut(
        id=conversation.id,
        status=conversation.status,  # type: ignore[arg-type]
        contact_id=conversation.contact_id,
        contact_name=item.contact_name,
        contact_email=item.contact_email,
        team_id=conversation.team_id,
        assignee_id=conversation.assignee_id,
        priority=conversation.priority,
        handoff_reason=conversation.handoff_reason,
        created_at=conversation.created_at,
        queued_at=conversation.queued_at,
        waiting_since=_waiting_since(item),
        last_seq=conversation.last_seq,
        last_message=None
        if message is None
        else LastWords(
            seq=message.seq,
            sender_kind=message.sender_kind,
            sender_id=message.sender_id,
            content_type=message.content_type,
            text=message.text[:LAST_WORDS_CHARS],
            created_at=message.created_at,
        ),
    )


@router.get("/open-conversations", response_model=OpenConversations)
async def open_conversations(
    _admin: AdminAgent,
    db: DbSession,
    limit: int = Query(1000, ge=1, le=2000, description="at most this many, the oldest first"),
) -> OpenConversations:
    """Every conversation not resolved, for the supervisors' *All open* view: one
    request for all of them, with their last words and how long the shopper waits."""
    items = await _storage.open_conversations(db, limit=limit + 1)
    return OpenConversations(
        conversations=[_open_out(item) for item in items[:limit]],
        truncated=len(items) > limit,
    )


# ---- canned responses -------------------------------------------------------


def _visible_teams(agent: Agent) -> list[int] | None:
    return None if agent.role == "admin" else [t.id for t in agent.teams]


@router.get("/canned-responses", response_model=list[CannedOut])
async def list_canned(
    agent: CurrentAgent,
    db: DbSession,
    q: str | None = Query(None, max_length=100, description="part of shortcut, title or text"),
) -> list[CannedOut]:
    query = q.strip().lstrip("/") if q else None
    rows = await _storage.list_canned(db, team_ids=_visible_teams(agent), query=query)
    return [CannedOut.of(row) for row in rows]


async def _save_canned(
    db: AsyncSession, canned: CannedResponse, editor: Agent, action: str
) -> None:
    if canned.team_id is not None:
        await _teams(db, [canned.team_id])
    clash = await _storage.canned_by_shortcut(db, shortcut=canned.shortcut)
    if clash is not None and clash is not canned:
        raise _error(
            status.HTTP_409_CONFLICT,
            "shortcut_taken",
            f"/{canned.shortcut} is already used by {clash.title!r}",
        )
    db.add(canned)
    await db.flush()
    _storage.audit(
        db,
        actor=editor,
        action=action,
        target=f"canned:{canned.id}",
        details={"shortcut": canned.shortcut},
    )
    await db.commit()


@router.post("/canned-responses", response_model=CannedOut, status_code=status.HTTP_201_CREATED)
async def create_canned(body: CannedIn, editor: EditorAgent, db: DbSession) -> CannedOut:
    canned = CannedResponse(**body.model_dump())
    await _save_canned(db, canned, editor, "canned.created")
    return CannedOut.of(canned)


async def _canned(db: AsyncSession, canned_id: int) -> CannedResponse:
    canned = await db.get(CannedResponse, canned_id)
    if canned is None:
        raise _not_found("canned response", canned_id)
    return canned


@router.put("/canned-responses/{canned_id}", response_model=CannedOut)
async def replace_canned(
    canned_id: int, body: CannedIn, editor: EditorAgent, db: DbSession
) -> CannedOut:
    canned = await _canned(db, canned_id)
    with db.no_autoflush:
        for field, value in body.model_dump().items():
            setattr(canned, field, value)
        await _save_canned(db, canned, editor, "canned.updated")
    return CannedOut.of(canned)


@router.delete("/canned-responses/{canned_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_canned(canned_id: int, editor: EditorAgent, db: DbSession) -> Response:
    canned = await _canned(db, canned_id)
    _storage.audit(
        db,
        actor=editor,
        action="canned.deleted",
        target=f"canned:{canned.id}",
        details={"shortcut": canned.shortcut, "text": canned.text},
    )
    await db.delete(canned)
    await db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/canned-responses/{canned_id}/render", response_model=Rendered)
async def render_canned(
    canned_id: int,
    agent: CurrentAgent,
    db: DbSession,
    conversation_id: int = Query(..., ge=1),
) -> Rendered:
    canned = await _canned(db, canned_id)
    visible = _visible_teams(agent)
    if canned.team_id is not None and visible is not None and canned.team_id not in visible:
        raise _not_found("canned response", canned_id)
    conversation = await db.get(Conversation, conversation_id)
    if conversation is None or not core_storage.may_see(agent, conversation):
        raise _not_found("conversation", conversation_id)
    contact = await db.get(Contact, conversation.contact_id)
    values: dict[str, str | None] = {
        "agent_name": agent.name,
        "first_name": first_name(contact.name if contact else None),
        "order_number": await _order_number(db, conversation.handoff_context, contact),
    }
    result = render(canned.text, values)
    return Rendered(text=result.text, missing=result.missing)


async def _order_number(
    db: AsyncSession, handoff: dict[str, Any] | None, contact: Contact | None
) -> str | None:
    """The order the shopper talked about with the bot, else their latest verified one."""
    mentioned = _find_key(handoff or {}, "order_number")
    if mentioned:
        return mentioned
    if contact is not None and contact.identity_verified and contact.customer_id:
        return await _storage.latest_order_number(db, customer_id=contact.customer_id)
    return None


def _find_key(data: dict[str, Any], key: str) -> str | None:
    """``data[key]``, also one level down (the bot keeps slots in a sub-dict)."""
    value = data.get(key)
    if isinstance(value, str | int) and value:
        return str(value)
    for nested in data.values():
        if isinstance(nested, dict) and isinstance(nested.get(key), str | int) and nested[key]:
            return str(nested[key])
    return None
