"""The console's HTML shells and static files, with cache and security headers.

No build step: plain ES modules and CSS from agents_console/static/. Their URLs
carry a version (a hash of every static file, computed at startup), so browsers
may cache them for a year and still pick up a new release at once; modules
import each other relatively and so stay inside the same version.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from string import Template

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import RedirectResponse

STATIC_PREFIX = "/console/static"
IMMUTABLE = "public, max-age=31536000, immutable"
# No inline script or style, nothing from elsewhere but product images, no framing.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
_ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(js|css|svg)$")
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


class Assets:
    """The static files of one folder, read once and served under ``prefix``;
    ``version`` changes when any of them does."""

    def __init__(self, folder: Traversable, prefix: str = STATIC_PREFIX) -> None:
        self.prefix = prefix
        self.files: dict[str, Asset] = {}
        digest = hashlib.sha256()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.is_file() or not _ASSET_NAME.match(entry.name):
                continue
            body = entry.read_bytes()
            suffix = "." + entry.name.rsplit(".", 1)[1]
            media_type = (
                _TYPES.get(suffix)
                or mimetypes.guess_type(entry.name)[0]
                or "application/octet-stream"
            )
            etag = hashlib.sha256(body).hexdigest()[:16]
            self.files[entry.name] = Asset(body=body, media_type=media_type, etag=f'"{etag}"')
            digest.update(entry.name.encode() + b"\0" + body)
        self.version = digest.hexdigest()[:12]

    @property
    def base(self) -> str:
        return f"{self.prefix}/{self.version}"

    def add_route(self, router: APIRouter) -> None:
        """Serve the files at ``{prefix}/{version}/{name}``."""

        async def static(version: str, name: str, request: Request) -> Response:
            asset = self.files.get(name)
            if asset is None:
                raise HTTPException(
                    status.HTTP_404_NOT_FOUND,
                    detail={"code": "not_found", "message": f"no asset named {name!r}"},
                )
            # An old version's URL still gets today's file, but must not be cached as that
            # version.
            cache = IMMUTABLE if version == self.version else "no-cache"
            headers = {
                "Cache-Control": cache,
                "ETag": asset.etag,
                "X-Content-Type-Options": "nosniff",
            }
            if request.headers.get("if-none-match") == asset.etag:
                return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
            return Response(asset.body, media_type=asset.media_type, headers=headers)

        router.add_api_route(self.prefix + "/{version}/{name}", static, methods=["GET"])


def page_response(shell: bytes) -> Response:
    # The shell is tiny and names the current asset version: never cache it.
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
    return Response(shell, media_type="text/html; charset=utf-8", headers=headers)


def _shell(name: str, assets: Assets) -> bytes:
    template = (resources.files("agents_console") / "templates" / name).read_text("utf-8")
    return Template(template).substitute(assets=assets.base).encode()


def pages_router() -> APIRouter:
    assets = Assets(resources.files("agents_console") / "static")
    shells = {name: _shell(f"{name}.html", assets) for name in ("console", "login")}
    router = APIRouter(include_in_schema=False)

    @router.get("/console")
    async def console() -> Response:
        return page_response(shells["console"])

    @router.get("/console/login")
    async def login() -> Response:
        return page_response(shells["login"])

    @router.get("/console/")
    async def slash() -> RedirectResponse:
        return RedirectResponse("/console", status.HTTP_308_PERMANENT_REDIRECT)

    assets.add_route(router)
    return router
