"""Fixtures of the insights tests; helpers are in tests/insights/insights_helpers.py."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# `from tests... import` under a bare `pytest` too (python -m pytest adds the cwd).
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@pytest.fixture(scope="session")
def embedder() -> Any:
    """The packaged MiniLM, loaded once for the session (the process-wide instance)."""
    from knowledge import get_embedder

    model = get_embedder()
    model.encode(["warm up"])
    return model


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[Any]:
    """One demo hub with every plugin for the live and browser tests of this package:
    seeding embeds the demo catalogue, so it is paid once. The tests share it and so
    use data of their own (their own visitors, FAQs, periods), never each other's.
    The model is loaded first, outside the server's start-up deadline."""
    from chat.config import Settings
    from tests.conftest import start_server

    # The tests sign in as the same demo users from one address, more often than a
    # person would; the sign-in limit itself is tested in tests/chat.
    settings = Settings(data_dir=tmp_path_factory.mktemp("insights"), login_attempts_per_minute=600)
    running = start_server(settings, plugins=None, demo=True)
    yield running
    running.stop()
