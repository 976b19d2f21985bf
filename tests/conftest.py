"""Shared fixtures: a real server on a free port, real services, real Chromium.

PostgreSQL and Redis tests use the servers at 127.0.0.1:5432 and :6379. When
one is missing they skip with the reason, except under CI=true, where a missing
service fails the run instead.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from chat.config import Settings
from chat.hub import Hub, create_app
from widget._bench import CHROMIUM, CHROMIUM_ARGS

IN_CI = os.environ.get("CI") == "true"
POSTGRES_URL = os.environ.get(
    "TOUCHPOINT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TOUCHPOINT_TEST_REDIS", "redis://127.0.0.1:6379/0")


def missing_service(reason: str) -> None:
    """Skip locally; under CI a missing service is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required service missing)")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    ws_url: str
    hub: Hub
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)

    plugins: list[str] | None = None
    # The fixture's list of servers to stop; a restarted server joins it.
    registry: list[LiveServer] | None = None

    def restart(self) -> LiveServer:
        """Stop (if still running) and start again on the same port and data."""
        self.stop()
        again = start_server(
            self.settings, plugins=self.plugins, port=int(self.url.rsplit(":", 1)[1])
        )
        again.registry = self.registry
        if self.registry is not None:
            self.registry.append(again)
        return again


def start_server(
    settings: Settings, *, plugins: list[str] | None, demo: bool = False, port: int | None = None
) -> LiveServer:
    port = port or free_port()
    settings.public_url = f"http://127.0.0.1:{port}"
    app = create_app(settings, plugins=plugins, demo=demo)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # Generous: loading the embedding model on a busy 2-core machine takes a while.
    deadline = time.monotonic() + 300
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start (see the log above)")
        time.sleep(0.02)
    return LiveServer(
        url=f"http://127.0.0.1:{port}",
        ws_url=f"ws://127.0.0.1:{port}",
        hub=app.state.hub,
        settings=settings,
        server=server,
        thread=thread,
        plugins=plugins,
    )


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Factory: ``live_server(plugins=None, demo=True, **settings)`` -> a running server.

    ``plugins=None`` loads every installed plugin; ``plugins=[]`` only the core.
    """
    started: list[LiveServer] = []

    def start(plugins: list[str] | None = None, demo: bool = True, **overrides: Any) -> LiveServer:
        overrides.setdefault("data_dir", tmp_path / f"data-{len(started)}")
        server = start_server(Settings(**overrides), plugins=plugins, demo=demo)
        server.registry = started
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty schema in the test PostgreSQL database."""
    if not port_open("127.0.0.1", 5432):
        missing_service("PostgreSQL is not running at 127.0.0.1:5432")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:10]}"
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    # Each test gets its own schema through the search_path, so tests never collide.
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def redis_url() -> str:
    if not port_open("127.0.0.1", 6379):
        missing_service("Redis is not running at 127.0.0.1:6379")
    return REDIS_URL


# Module scope: Playwright's sync API keeps an event loop running in the main
# thread while it is open, which breaks later tests that call asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        missing_service(
            f"{CHROMIUM} is missing (apt-get install chromium chromium-driver; `make test` does it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "page" in getattr(item, "fixturenames", ()) or "browser" in getattr(
            item, "fixturenames", ()
        ):
            item.add_marker(pytest.mark.browser)
