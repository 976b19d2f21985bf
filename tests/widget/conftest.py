"""Fixtures for the widget tests; the helpers live in widget_helpers.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.widget.widget_helpers import Loop, Widget


@pytest.fixture
def loop() -> Iterator[Loop]:
    running = Loop()
    yield running
    running.stop()


@pytest.fixture
def widget(page: Any) -> Widget:
    return Widget(page)
