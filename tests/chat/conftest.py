"""Fixtures of the hub core's tests; the shared ones are in tests/conftest.py."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chat.config import Settings
from chat.hub import create_hub

# `from tests.chat.helpers import ...` also under a bare `pytest` (python -m pytest adds the cwd).
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the core migrated and the demo seeded, made once per session.

    Seeding hashes four argon2 passwords (seconds on a busy machine); servers
    start from copies of this instead.
    """
    data_dir = tmp_path_factory.mktemp("core-demo")

    async def prepare() -> None:
        hub = create_hub(Settings(data_dir=data_dir), plugins=[])
        await hub.migrate()
        await hub.seed_demo()
        await hub.engine.dispose()

    asyncio.run(prepare())
    return data_dir


@pytest.fixture
def start_core(
    live_server: Callable[..., Any], demo_data_dir: Path, tmp_path: Path
) -> Callable[..., Any]:
    """Factory: ``start_core(**settings)`` -> a running core-only server (no bot, no
    knowledge) with the demo agents, on its own copy of the demo data."""
    copies = iter(range(1000))

    def start(**overrides: Any) -> Any:
        if "database_url" not in overrides:
            data_dir = tmp_path / f"core-{next(copies)}"
            shutil.copytree(demo_data_dir, data_dir)
            overrides["data_dir"] = data_dir
        return live_server(plugins=[], **overrides)

    return start


@pytest.fixture
def core(start_core: Callable[..., Any]) -> Any:
    """A running core-only server with the demo agents and default settings."""
    return start_core()
