"""docs/embedding.md must match the widget: its API, its stub and its HMAC recipe."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from chat.auth import identity_hmac
from widget._assets import _source
from widget._shop import STUB

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "embedding.md").read_text()


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE, flags=re.DOTALL)


def test_every_api_method_is_documented() -> None:
    loader = _source("loader.js")
    api = loader[loader.index("var api = {") : loader.index("window.Touchpoint = api;")]
    methods = set(re.findall(r"^    (\w+): guard\(", api, flags=re.MULTILINE))
    documented = set(re.findall(r"^\| `Touchpoint\.(\w+)\(", PAGE, flags=re.MULTILINE))
    documented |= set(re.findall(r"`Touchpoint\.(\w+)\(\)` / `Touchpoint\.(\w+)\(\)`", PAGE)[0])
    assert (
        methods
        == documented
        == {"init", "open", "close", "identify", "track", "setLocale", "on", "reset"}
    )


def test_the_documented_stub_is_the_one_the_demo_shop_uses() -> None:
    assert f"<script>{STUB}</script>" in PAGE


def test_python_hmac_recipe_matches_the_hub() -> None:
    namespace: dict[str, Any] = {}
    exec(code_blocks("python")[0], namespace)  # noqa: S102 (our own documentation)
    assert namespace["touchpoint_hmac"]("s3cret", "cust-1001") == identity_hmac(
        "s3cret", "cust-1001"
    )
