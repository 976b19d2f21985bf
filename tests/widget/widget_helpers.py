"""Helpers for the widget tests: websocket clients usable from synchronous (Playwright)
tests, and a page object for the widget in a real browser."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Coroutine, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest

from tests.chat import helpers

T = TypeVar("T")
WIDGET = "touchpoint-widget"


class Loop:
    """An event loop on its own thread, so sync tests can drive the async websocket helpers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.clients: list[helpers.Client] = []

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        async def close_all() -> None:
            await asyncio.gather(
                *(client.close() for client in self.clients), return_exceptions=True
            )

        self.run(close_all())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


class SyncClient:
    """A websocket client (tests/chat/helpers.py) whose calls block until done."""

    def __init__(self, loop: Loop, client: helpers.Client) -> None:
        self.loop = loop
        self.client = client

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if not asyncio.iscoroutinefunction(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            return self.loop.run(attribute(*args, **kwargs))

        return call


def agent_client(
    loop: Loop, server: helpers.Server, email: str = "agent@demo.shop", password: str | None = None
) -> SyncClient:
    client = loop.run(helpers.agent(server, email, password))
    loop.clients.append(client)
    return SyncClient(loop, client)


def visitor_client(loop: Loop, server: helpers.Server, **hello: Any) -> SyncClient:
    client = loop.run(helpers.visitor(server, **hello))
    loop.clients.append(client)
    return SyncClient(loop, client)


class Widget:
    """The widget as a shopper sees it, in a Playwright page (selectors pierce the open shadow root)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.launcher = page.locator(f"{WIDGET} .tp-launcher")
        self.panel = page.locator(f"{WIDGET} .tp-panel")
        self.log = page.locator(f"{WIDGET} .tp-log")
        self.input = page.locator(f"{WIDGET} #tp-input")

    def open(self) -> None:
        self.launcher.click()
        self.input.wait_for()

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def bubble(self, text: str | re.Pattern[str]) -> Any:
        return self.log.locator(".tp-bubble", has_text=text)

    def from_others(self) -> Any:
        return self.log.locator(".tp-msg[data-seq]:not(.tp-from-visitor) .tp-bubble")

    def visitor_texts(self) -> list[str]:
        texts: list[str] = self.log.locator(".tp-from-visitor .tp-bubble").all_inner_texts()
        return texts

    def menu(self, item: str) -> None:
        self.page.locator(f"{WIDGET} .tp-head [aria-controls=tp-menu]").click()
        self.page.locator(f"{WIDGET} .tp-menu button", has_text=item).click()


def module_server(plugins: list[str] | None) -> Callable[..., Iterator[Any]]:
    """A demo server shared by one test module: seeding the demo catalogue embeds it (seconds),
    so each module pays for it once. Tests sharing it must not depend on each other's data."""

    @pytest.fixture(scope="module")
    def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
        from chat.config import Settings
        from tests.conftest import start_server

        running = start_server(
            Settings(data_dir=tmp_path_factory.mktemp("shop")), plugins=plugins, demo=True
        )
        yield running
        running.stop()

    return server


class ForeignShop:
    """Another shop's site on its own origin (http://localhost:PORT; the hub is 127.0.0.1),
    serving the pages it is given. A real server: Chromium lets only real loopback pages
    reach the loopback hub."""

    def __init__(self, pages: dict[str, str]) -> None:
        self.pages = pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args: Any) -> None:
                return None

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
