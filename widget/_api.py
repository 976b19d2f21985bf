"""The widget's HTTP surface: the scripts, the site settings and the queue status.

- GET /widget.js: the loader (short cache, ETag); GET /widget/app.<hash>.js: the
  app bundle (immutable).
- GET /api/widget/config?site=: public, for the widget (CORS is the hub's);
  PUT /api/widget/config?site=: admins.
- GET /api/widget/queue?conversation_id=: the visitor's place in the queue,
  authenticated by the visitor token in X-Visitor-Token.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response

from chat.api.deps import AdminAgent, DbSession, HubDep
from chat.auth import TokenError
from chat.db import utcnow
from widget import _storage as storage
from widget._assets import Asset, widget_assets
from widget._config import PublicConfig, SiteConfig, SiteKey, public_config
from widget._queue import WINDOW, QueueStatus, expected_wait, position_in_queue

log = logging.getLogger("touchpoint.widget")
router = APIRouter()
LOADER_CACHE = "public, max-age=300"
APP_CACHE = "public, max-age=31536000, immutable"
SiteQuery = Annotated[SiteKey | None, Query(description="the site key; default: the hub's site")]


def _serve(asset: Asset, request: Request, cache_control: str) -> Response:
    headers = {
        "ETag": asset.etag,
        "Cache-Control": cache_control,
        "Vary": "Accept-Encoding",
        # Shops that isolate their pages (COEP) may still load the widget.
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    body = asset.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["Content-Encoding"] = asset.gzipped, "gzip"
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


@router.get("/widget.js", include_in_schema=False)
async def loader(request: Request) -> Response:
    return _serve(widget_assets().loader, request, LOADER_CACHE)


@router.get("/widget/app.{version}.js", include_in_schema=False)
async def app_bundle(version: str, request: Request) -> Response:
    assets = widget_assets()
    if assets.app_path != f"widget/app.{version}.js":
        raise HTTPException(
            404,
            detail={
                "code": "unknown_version",
                "message": "this widget version is gone; reload the page for the current one",
            },
        )
    return _serve(assets.app, request, APP_CACHE)


async def _known_site(hub: HubDep, db: DbSession, site: SiteQuery = None) -> str:
    key = site or hub.settings.site_key
    if key != hub.settings.site_key and not await storage.site_exists(db, site_key=key):
        raise HTTPException(
            404,
            detail={
                "code": "unknown_site",
                "message": f"no widget site {key!r}: check data-touchpoint-site, or create the site "
                "with PUT /api/widget/config?site=...",
            },
        )
    return key


KnownSite = Annotated[str, Depends(_known_site)]


@router.get("/api/widget/config", response_model=PublicConfig)
async def get_config(
    site: KnownSite, hub: HubDep, db: DbSession, response: Response
) -> PublicConfig:
    config = await storage.site_config(db, site_key=site)
    response.headers["Cache-Control"] = "no-store"  # who is online changes by the minute
    return public_config(
        site, config, now=utcnow(), agents_online=await hub.presence.agents_online()
    )


@router.put("/api/widget/config", response_model=SiteConfig)
async def put_config(
    config: SiteConfig, admin: AdminAgent, hub: HubDep, db: DbSession, site: SiteQuery = None
) -> SiteConfig:
    key = site or hub.settings.site_key
    await storage.save_site_config(db, site_key=key, config=config, actor=f"agent:{admin.id}")
    log.info("widget settings saved", extra={"site": key, "agent_id": admin.id})
    return config


async def _visitor(hub: HubDep, x_visitor_token: Annotated[str | None, Header()] = None) -> str:
    if not x_visitor_token:
        raise HTTPException(
            401,
            detail={
                "code": "no_visitor_token",
                "message": "send the widget's visitor token in the X-Visitor-Token header",
            },
        )
    try:
        return hub.tokens.contact_id_from(x_visitor_token)
    except TokenError as exc:
        raise HTTPException(401, detail={"code": exc.code, "message": str(exc)}) from None


VisitorContact = Annotated[str, Depends(_visitor)]


@router.get("/api/widget/queue", response_model=QueueStatus)
async def queue_status(
    conversation_id: Annotated[int, Query(ge=1)],
    contact_id: VisitorContact,
    hub: HubDep,
    db: DbSession,
) -> QueueStatus:
    conversation = await storage.visitor_conversation(
        db, conversation_id=conversation_id, contact_id=contact_id
    )
    if conversation is None:
        raise HTTPException(
            404,
            detail={
                "code": "not_found",
                "message": f"conversation {conversation_id} does not exist",
            },
        )
    agents_online = await hub.presence.agents_online()
    queue = await storage.waiting(db)
    mine = next((w for w in queue if w.conversation_id == conversation_id), None)
    if conversation.status != "queued" or mine is None:
        return QueueStatus(
            conversation_id=conversation_id,
            status=conversation.status,
            position=None,
            waiting=len(queue),
            expected_wait_seconds=None,
            agents_online=agents_online,
        )
    now = utcnow()
    position = position_in_queue(mine, queue)
    assigned = await storage.assignments_since(db, since=now - WINDOW)
    return QueueStatus(
        conversation_id=conversation_id,
        status=conversation.status,
        position=position,
        waiting=len(queue),
        expected_wait_seconds=expected_wait(
            position, agents_online=agents_online, assigned_at=assigned, now=now
        ),
        agents_online=agents_online,
    )
