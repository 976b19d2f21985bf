"""Fixtures of the insights tests; helpers are in insights_helpers.py."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# `import insights_helpers` and `from tests... import` under a bare `pytest` too.
for folder in (Path(__file__).resolve().parent, Path(__file__).resolve().parents[2]):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture(scope="session")
def embedder() -> Any:
    """The packaged MiniLM, loaded once for the session (the process-wide instance)."""
    from knowledge import get_embedder

    model = get_embedder()
    model.encode(["warm up"])
    return model


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One demo hub with every plugin for the live and browser tests of this package:
    seeding embeds the demo catalogue, so it is paid once. The tests share it and so
    use data of their own (their own visitors, FAQs, periods), never each other's."""
    from chat.config import Settings
    from tests.conftest import start_server

    running = start_server(Settings(data_dir=tmp_path_factory.mktemp("insights")), plugins=None, demo=True)
    yield running
    running.stop()
