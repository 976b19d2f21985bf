"""Both Rasa paths for real: our actions as a Rasa action server (a subprocess), and the hub's
REST connector talking to a Rasa-REST-compatible server that calls that action server.

A full Rasa server cannot be installed here (no `rasa` package for this Python and
torch), so the stand-in below plays Rasa's part with a one-line policy; everything
else (action server, webhook formats, connector, hub) is the real thing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.chat.helpers import visitor
from tests.conftest import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def action_server(shop: Any) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "TOUCHPOINT_DATA_DIR": str(shop.settings.data_dir),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": ROOT,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions-module", "bot.actions", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(
                f"the action server did not start: {process.stderr.read().decode()[-2000:]}"
            )  # type: ignore[union-attr]
        time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(timeout=20)


def rasa_request(
    action: str, text: str, sender: str = "t-1", metadata: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What Rasa sends an action server when its policy picked ``action``."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.0",
        "domain": {"slots": {"bot_state": {"type": "any"}}, "forms": {}},
        "tracker": {
            "sender_id": sender,
            "slots": {"bot_state": None},
            "latest_message": {
                "text": text,
                "intent": {},
                "entities": [],
                "metadata": metadata or {},
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def test_action_server_answers_faq_and_searches_products(action_server: str) -> None:
    with httpx.Client(base_url=action_server, timeout=120) as http:
        answered = http.post(
            "/webhook", json=rasa_request("action_answer_faq", "How long does delivery take?")
        ).json()
        (response,) = answered["responses"]
        assert response["custom"]["faq_id"] == "shipping-time"
        assert any(e["event"] == "slot" and e["name"] == "bot_state" for e in answered["events"])
        searched = http.post(
            "/webhook", json=rasa_request("action_search_products", "I need a tent for 4 people")
        ).json()
        kinds = [r.get("custom", {}).get("kind") for r in searched["responses"]]
        assert "product_cards" in kinds or "candidates" in kinds
        unknown = http.post("/webhook", json=rasa_request("action_does_not_exist", "hi"))
        assert unknown.status_code == 404


def test_action_server_refuses_orders_without_identity(action_server: str) -> None:
    request = rasa_request("action_order_status", "Where is order TP-10001? ben@example.com")
    responses = httpx.post(f"{action_server}/webhook", json=request, timeout=120).json()[
        "responses"
    ]
    assert "couldn't find" in responses[0]["text"]


@pytest.fixture
def rasa_stand_in(action_server: str) -> Iterator[str]:
    """A Rasa-REST-compatible server: its policy names an action, our action server runs it."""
    app = FastAPI()

    @app.post("/webhooks/rest/webhook")
    def webhook(body: dict[str, Any]) -> list[dict[str, Any]]:
        text = str(body["message"])
        action = "action_handoff" if "human" in text.lower() else "action_answer_faq"
        request = rasa_request(
            action, text, sender=str(body["sender"]), metadata=body.get("metadata")
        )
        result = httpx.post(f"{action_server}/webhook", json=request, timeout=120).json()
        return [{"recipient_id": body["sender"], **r} for r in result["responses"]]

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


async def test_hub_forwards_visitor_messages_to_rasa(
    rasa_stand_in: str, shop: Any, live_server: Any
) -> None:
    os.environ["TOUCHPOINT_BOT_RASA_URL"] = rasa_stand_in
    try:
        server = live_server(plugins=["bot"], demo=False, data_dir=shop.settings.data_dir)
    finally:
        del os.environ["TOUCHPOINT_BOT_RASA_URL"]
    async with await visitor(server) as shopper:
        await shopper.send_message("How long does delivery take?")
        frame = await shopper.expect(
            "message", lambda f: f["message"]["sender"]["kind"] == "bot", timeout=120
        )
        assert frame["message"]["payload"]["faq_id"] == "shipping-time"
