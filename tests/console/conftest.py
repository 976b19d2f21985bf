"""Fixtures for the console tests; the helpers live in console_helpers.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from console_helpers import ConsoleServer

from chat.config import Settings
from chat.demo import seed_core
from chat.hub import Hub

GRACE_SECONDS = 0.3  # an agent who disconnects loses their chats this fast


async def _seed_core_only(settings: Settings) -> None:
    # The core's demo agents, teams and shoppers without the knowledge base's
    # demo catalogue: embedding it takes seconds these tests do not need.
    hub = Hub(settings, plugins=[])
    await hub.migrate()
    await seed_core(hub)
    await hub.engine.dispose()


@pytest.fixture
def console_hub(live_server: Callable[..., Any], tmp_path: Path) -> Iterator[ConsoleServer]:
    """The console and what it requires (the knowledge engine, empty), with the demo agents."""
    data_dir = tmp_path / "console"
    settings = Settings(data_dir=data_dir)
    # Its own thread: the browser tests' Playwright owns this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(_seed_core_only(settings))).result()
    hub = ConsoleServer(
        live_server(plugins=["agents_console"], demo=False, data_dir=data_dir,
                    agent_grace_seconds=GRACE_SECONDS)
    )
    yield hub
    hub.close()


@pytest.fixture
def console_hub_with_catalog(live_server: Callable[..., Any]) -> Iterator[ConsoleServer]:
    """As ``console_hub``, plus the knowledge base's demo catalogue and FAQs."""
    hub = ConsoleServer(
        live_server(plugins=["agents_console"], demo=True, agent_grace_seconds=GRACE_SECONDS)
    )
    yield hub
    hub.close()
