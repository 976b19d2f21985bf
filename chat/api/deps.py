"""FastAPI dependencies shared by every router: the hub, a DB session, the agent.

Usage in a route::

    @router.post("/things")
    async def create(agent: EditorAgent, db: DbSession) -> ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from chat.auth import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, TokenError, session_is_current
from chat.hub import Hub
from chat.models import Agent

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


async def get_db(hub: HubDep) -> AsyncIterator[AsyncSession]:
    async with hub.sessions() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(get_db)]


def _unauthorized(code: str, message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail={"code": code, "message": message},
        headers={"WWW-Authenticate": "Bearer"},
    )


async def current_agent(request: Request, hub: HubDep, db: DbSession) -> Agent:
    """The signed-in agent, from a bearer token or the session cookie (with CSRF check)."""
    header = request.headers.get("authorization", "")
    from_cookie = False
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    else:
        token = request.cookies.get(SESSION_COOKIE, "")
        from_cookie = True
    if not token:
        raise _unauthorized("not_signed_in", "sign in as an agent first")
    try:
        session = hub.tokens.agent_session(token)
    except TokenError as exc:
        raise _unauthorized(exc.code, str(exc)) from None
    if from_cookie and request.method not in SAFE_METHODS:
        # Double-submit: a cross-site form cannot read the cookie to copy it into the header.
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or sent != session.csrf or request.cookies.get(CSRF_COOKIE) != session.csrf:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail={"code": "csrf_failed", "message": f"send the {CSRF_HEADER} header"},
            )
    agent = await db.get(Agent, session.agent_id)
    if not session_is_current(session, agent):
        raise _unauthorized(
            "session_ended",
            "this session has ended (signed out or account disabled); sign in again",
        )
    assert agent is not None
    return agent


CurrentAgent = Annotated[Agent, Depends(current_agent)]


def require_role(*roles: str) -> Callable[..., Coroutine[Any, Any, Agent]]:
    async def check(agent: CurrentAgent) -> Agent:
        if agent.role not in roles and agent.role != "admin":
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail={
                    "code": "forbidden",
                    "message": f"this needs the role {' or '.join(roles)}",
                },
            )
        return agent

    return check


EditorAgent = Annotated[Agent, Depends(require_role("editor"))]
AdminAgent = Annotated[Agent, Depends(require_role("admin"))]
