"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from chat.api.deps import HubDep
from chat.bus import RedisBus
from chat.models import Conversation

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(hub: HubDep, response: Response) -> dict[str, object]:
    """The database (and Redis, when configured) answer."""
    checks: dict[str, str] = {}
    try:
        async with hub.sessions() as db:
            await db.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except (SQLAlchemyError, OSError) as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if isinstance(hub.bus, RedisBus):
        checks["bus"] = "ok" if hub.bus.connected.is_set() else "error: redis not connected"
    ready = all(value == "ok" for value in checks.values())
    if not ready:
        response.status_code = 503
    return {"status": "ok" if ready else "unavailable", "checks": checks}


@router.get("/metrics", response_class=Response)
async def metrics(hub: HubDep) -> Response:
    async with hub.sessions() as db:
        waiting = await db.scalar(select(func.count()).where(Conversation.status == "queued"))
    hub.metrics.queue_length.set(waiting or 0)
    return Response(generate_latest(hub.metrics.registry), media_type=CONTENT_TYPE_LATEST)
