"""Fixtures for the console tests; the helpers live in console_helpers.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from console_helpers import ConsoleServer


@pytest.fixture
def console_hub(live_server: Callable[..., Any]) -> Iterator[ConsoleServer]:
    """The console with what it requires (the knowledge engine), demo data, a short grace period."""
    hub = ConsoleServer(live_server(plugins=["agents_console"], demo=True, agent_grace_seconds=0.3))
    yield hub
    hub.close()
