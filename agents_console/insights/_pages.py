"""The content team's and admins' pages: /console/knowledge, /console/analytics, /console/privacy.

They reuse the console's stylesheet and its ES modules (api.js, dom.js): each
shell names the console's versioned asset folder in a meta tag and our modules
import from there. Our own files are versioned the same way as the console's.
"""

from __future__ import annotations

from importlib import resources
from string import Template

from fastapi import APIRouter, Response

from agents_console._pages import Assets, page_response

STATIC_PREFIX = "/console/insights/static"
PAGES = {"knowledge": "Knowledge", "analytics": "Analytics", "privacy": "Privacy"}


def pages_router() -> APIRouter:
    console = Assets(resources.files("agents_console") / "static")
    assets = Assets(resources.files("agents_console.insights") / "static", STATIC_PREFIX)
    templates = resources.files("agents_console.insights") / "templates"
    shell = Template((templates / "shell.html").read_text("utf-8"))
    shells = {
        name: shell.substitute(
            title=title, script=name, assets=assets.base, console=console.base,
            body=(templates / f"{name}.html").read_text("utf-8"),
        )
        .replace(f'<a href="/console/{name}"', f'<a href="/console/{name}" aria-current="page"')
        .encode()
        for name, title in PAGES.items()
    }  # fmt: skip
    router = APIRouter(include_in_schema=False)

    def add_page(name: str) -> None:
        async def page() -> Response:
            return page_response(shells[name])

        router.add_api_route(f"/console/{name}", page, methods=["GET"], name=f"insights_{name}")

    for name in PAGES:
        add_page(name)

    assets.add_route(router)
    return router
