"""The content team's and admins' pages: /console/knowledge, /console/analytics, /console/privacy.

They reuse the console's stylesheet and its ES modules (api.js, dom.js): each
shell names the console's versioned asset folder in a meta tag and our modules
import from there. Our own files are versioned the same way as the console's.
"""

from __future__ import annotations

from importlib import resources
from string import Template

from fastapi import APIRouter, HTTPException, Request, Response, status

from agents_console._pages import IMMUTABLE, SECURITY_HEADERS, Assets

STATIC_PREFIX = "/console/insights/static"
PAGES = {"knowledge": "Knowledge", "analytics": "Analytics", "privacy": "Privacy"}


def pages_router() -> APIRouter:
    console = Assets(resources.files("agents_console") / "static")
    assets = Assets(resources.files("agents_console.insights") / "static")
    base = f"{STATIC_PREFIX}/{assets.version}"
    templates = resources.files("agents_console.insights") / "templates"
    shell = Template((templates / "shell.html").read_text("utf-8"))
    shells = {
        name: shell.substitute(
            title=title, script=name, assets=base, console=console.base,
            body=(templates / f"{name}.html").read_text("utf-8"),
        )
        .replace(f'<a href="/console/{name}"', f'<a href="/console/{name}" aria-current="page"')
        .encode()
        for name, title in PAGES.items()
    }  # fmt: skip
    router = APIRouter(include_in_schema=False)

    def add_page(name: str) -> None:
        async def page() -> Response:
            headers = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
            return Response(shells[name], media_type="text/html; charset=utf-8", headers=headers)

        router.add_api_route(f"/console/{name}", page, methods=["GET"], name=f"insights_{name}")

    for name in PAGES:
        add_page(name)

    @router.get(STATIC_PREFIX + "/{version}/{name}")
    async def static(version: str, name: str, request: Request) -> Response:
        asset = assets.files.get(name)
        if asset is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                detail={"code": "not_found", "message": f"no asset named {name!r}"},
            )
        headers = {
            "Cache-Control": IMMUTABLE if version == assets.version else "no-cache",
            "ETag": asset.etag,
            "X-Content-Type-Options": "nosniff",
        }
        if request.headers.get("if-none-match") == asset.etag:
            return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(asset.body, media_type=asset.media_type, headers=headers)

    return router
