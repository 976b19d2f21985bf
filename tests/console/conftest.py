"""Fixtures for the console tests; the helpers live in console_helpers.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from chat.config import Settings
from chat.demo import seed_core
from chat.hub import Hub
from tests.conftest import LiveServer, start_server
from tests.console.console_helpers import ConsoleServer

GRACE_SECONDS = 0.3  # an agent who disconnects loses their chats this fast


async def _seed_core_only(settings: Settings) -> None:
    # The core's demo agents, teams and shoppers without the knowledge base's
    # demo catalogue: embedding it takes seconds these tests do not need.
    hub = Hub(settings, plugins=[])
    await hub.migrate()
    await seed_core(hub)
    await hub.engine.dispose()


def _console_server(data_dir: Path) -> LiveServer:
    settings = Settings(data_dir=data_dir, agent_grace_seconds=GRACE_SECONDS)
    # Its own thread: the browser tests' Playwright owns this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(_seed_core_only(settings))).result()
    return start_server(settings, plugins=["agents_console"], demo=False)


@pytest.fixture
def console_hub(tmp_path: Path) -> Iterator[ConsoleServer]:
    """The console and what it requires (the knowledge engine, empty), with the demo agents."""
    hub = ConsoleServer(_console_server(tmp_path / "console"))
    yield hub
    hub.close()
    hub.server.stop()


@pytest.fixture(scope="module")
def shared_console_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    """As ``console_hub``, shared by a module's tests: they must not depend on each other's data."""
    hub = ConsoleServer(_console_server(tmp_path_factory.mktemp("console")))
    yield hub
    hub.close()
    hub.server.stop()


@pytest.fixture
def full_hub(live_server: Callable[..., Any]) -> Iterator[ConsoleServer]:
    """The console with the bot and the widget (its demo shop), all demo data and the catalogue."""
    hub = ConsoleServer(
        live_server(
            plugins=["agents_console", "bot", "widget"],
            demo=True,
            agent_grace_seconds=GRACE_SECONDS,
        )
    )
    yield hub
    hub.close()
