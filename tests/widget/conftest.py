"""Fixtures for the widget tests; the helpers live in widget_helpers.py."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# `from tests.chat import helpers` under a bare `pytest` too (python -m pytest adds the cwd).
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from widget_helpers import Loop, Widget


@pytest.fixture
def loop() -> Iterator[Loop]:
    running = Loop()
    yield running
    running.stop()


@pytest.fixture
def widget(page: Any) -> Widget:
    return Widget(page)
