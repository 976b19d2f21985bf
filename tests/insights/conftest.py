"""Fixtures of the insights tests; helpers are in insights_helpers.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture(scope="session")
def embedder() -> Any:
    """The packaged MiniLM, loaded once for the session (the process-wide instance)."""
    from knowledge import get_embedder

    model = get_embedder()
    model.encode(["warm up"])
    return model
