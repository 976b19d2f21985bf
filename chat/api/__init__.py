"""The hub core's HTTP surface: auth, conversations, contacts, orders, health."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from chat.api.routes import auth, contacts, conversations, health, orders
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
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    for module in (health, auth, conversations, contacts, orders):
        app.include_router(module.router)
    app.include_router(ws_router)


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
