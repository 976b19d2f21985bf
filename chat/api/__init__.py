"""The hub core's HTTP surface: auth, conversations, contacts, orders, health."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chat.api.routes import auth, contacts, conversations, health, orders
from chat.auth import SESSION_COOKIE
from chat.hub import Hub
from chat.ws import router as ws_router

__all__ = ["install_core_routes"]


def install_core_routes(app: FastAPI, hub: Hub) -> None:
    app.add_middleware(
        CORSMiddleware,
        allow_origins=hub.settings.allowed_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["content-type", "x-visitor-token"],
    )
    app.add_middleware(
        BodyLimit,
        max_bytes=hub.settings.max_body_bytes,
        max_upload_bytes=hub.settings.max_upload_bytes,
    )
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    for module in (health, auth, conversations, contacts, orders):
        app.include_router(module.router)
    app.include_router(ws_router)


class BodyLimit:
    """413 for a request body over the limit, before anything reads all of it.

    FastAPI reads and parses a body before the route's dependencies check who is
    asking, so without this anyone could make the server parse a huge JSON body (on
    the event loop, stalling every socket) just to be told to sign in.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        upload = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        # Only a request that carries an agent's credentials may send a large file: the
        # form is parsed (and spooled to disk) before the route checks them.
        credentials = b"authorization" in headers or SESSION_COOKIE.encode() in headers.get(
            b"cookie", b""
        )
        limit = self.max_upload_bytes if upload and credentials else self.max_bytes
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit, sign_in=upload and not credentials)
            return
        received = 0
        over = False

        async def counted() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}  # stop the app reading on
            return message

        answered = False

        async def reply(message: Message) -> None:
            nonlocal answered
            if over:  # whatever the app makes of the cut body, the answer is 413
                if not answered:
                    answered = True
                    await _too_large(send, limit, sign_in=upload and not credentials)
                return
            await send(message)

        try:
            await self.app(scope, counted, reply)
        except Exception:
            if not over:
                raise
        if over and not answered:
            await _too_large(send, limit, sign_in=upload and not credentials)


async def _too_large(send: Send, limit: int, *, sign_in: bool) -> None:
    hint = " (uploading larger files needs an agent's sign-in)" if sign_in else ""
    response = JSONResponse(
        status_code=413,
        content={
            "detail": {
                "code": "too_large",
                "message": f"the request body is over the limit of {limit} bytes;"
                f" send less at once{hint}",
            }
        },
    )
    await response({"type": "http"}, _nothing, send)


async def _nothing() -> dict[str, Any]:
    return {"type": "http.disconnect"}


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one entry a field, in the same shape as every other error. A validator's
    own words without the "Value error, " Pydantic puts before them."""
    fields = [
        {
            "field": ".".join(str(p) for p in error["loc"] if p != "body"),
            "message": error["msg"].removeprefix("Value error, "),
        }
        for error in exc.errors()
    ]
    return JSONResponse(
        status_code=422,
        content={
            "detail": {
                "code": "invalid_request",
                "message": "the request has invalid fields",
                "fields": fields,
            }
        },
    )
