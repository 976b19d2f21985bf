"""Agent sign-in: a signed session token as an HttpOnly cookie or a bearer token."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from chat.api.deps import CurrentAgent, DbSession, HubDep
from chat.auth import CSRF_COOKIE, SESSION_COOKIE, spend_verification, verify_password
from chat.models import Agent
from chat.service import AGENTS_CHANNEL
from chat.storage import agent_info

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class LoginResponse(BaseModel):
    token: str
    csrf: str
    agent: dict[str, Any]


@router.post("/login", response_model=LoginResponse)
async def login(
    body: LoginRequest, request: Request, response: Response, hub: HubDep, db: DbSession
) -> LoginResponse:
    ip = request.client.host if request.client else "unknown"
    now = time.monotonic()
    # Attempts per account and address, and failures per address over all accounts
    # (password spraying).
    wait = max(
        hub.limits.logins.hit(f"{ip}|{body.email.lower()}", now),
        hub.limits.ip_logins.waiting(ip, now),
    )
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail={
                "code": "rate_limited",
                "message": f"too many sign-in attempts; try again in {wait:.0f} s",
            },
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    agent = (
        await db.execute(select(Agent).where(Agent.email == body.email.lower()))
    ).scalar_one_or_none()
    # Argon2 takes a good part of a second of CPU by design: in a worker thread (it
    # releases the GIL), so every websocket of the hub goes on meanwhile.
    if agent is None or not agent.active:
        await asyncio.to_thread(spend_verification, body.password)
        valid = False
    else:
        valid = await asyncio.to_thread(verify_password, agent.password_hash, body.password)
    if agent is None or not valid:
        hub.limits.ip_logins.hit(ip, now)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail={"code": "bad_credentials", "message": "e-mail or password is wrong"},
        )
    token, csrf = hub.tokens.agent_token(agent.id, agent.role, agent.session_epoch)
    max_age = hub.settings.session_hours * 3600
    secure = hub.settings.cookie_secure
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax", secure=secure
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=max_age, httponly=False, samesite="lax", secure=secure
    )
    return LoginResponse(token=token, csrf=csrf, agent=agent_info(agent))


@router.post("/logout", status_code=204)
async def logout(agent: CurrentAgent, hub: HubDep, db: DbSession, response: Response) -> Response:
    """Sign out everywhere: every token of this agent stops working."""
    agent.session_epoch += 1
    await db.commit()
    # Open sockets of this agent, in any process, check their session now and close.
    await hub.bus.publish(AGENTS_CHANNEL, {"kind": "agent_changed", "agent_id": agent.id})
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    response.status_code = 204
    return response


@router.get("/me")
async def me(agent: CurrentAgent) -> dict[str, Any]:
    return agent_info(agent)
