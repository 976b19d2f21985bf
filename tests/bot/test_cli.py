"""`touchpoint bot ask` on a real data dir holding the demo shop."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from chat.cli import build_cli

APP = build_cli()


def test_ask_prints_the_decision_as_json(shop: Any) -> None:
    runner = CliRunner()
    result = runner.invoke(
        APP,
        [
            "--data-dir",
            str(shop.settings.data_dir),
            "bot",
            "ask",
            "How long does delivery take?",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output.strip().splitlines()[-1])
    assert answer["action"] == "answer_faq" and answer["faq_id"] == "shipping-time"
    assert set(answer) == {"text", "action", "faq_id", "product_ids", "confidence", "reply"}

    lines = "Ich suche ein Zelt\nwhat is the capital of France\n"
    result = runner.invoke(
        APP, ["--data-dir", str(shop.settings.data_dir), "bot", "ask", "-", "--json"], input=lines
    )
    assert result.exit_code == 0, result.output
    tent, capital = (json.loads(line) for line in result.output.strip().splitlines()[-2:])
    assert tent["action"] in ("ask_clarifying", "show_products") and tent["product_ids"]
    assert all(pid.startswith("TE-") for pid in tent["product_ids"])
    assert capital["action"] == "fallback" and capital["faq_id"] is None


def test_ask_rejects_empty_input(shop: Any) -> None:
    result = CliRunner().invoke(
        APP, ["--data-dir", str(shop.settings.data_dir), "bot", "ask", "-", "--json"], input="\n"
    )
    assert result.exit_code == 2
    assert "non-empty text" in result.output
