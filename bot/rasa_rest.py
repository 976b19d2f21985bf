"""The REST connector to a shop's own Rasa server (TOUCHPOINT_BOT_RASA_URL).

Rasa's REST channel takes ``{"sender", "message", "metadata"}`` at
``/webhooks/rest/webhook`` and answers with a list of bot messages, which
``bot.dialogue.to_replies`` turns into hub messages.
"""

from __future__ import annotations

from typing import Any

import httpx

from bot.dialogue import Reply, to_replies


class RasaError(Exception):
    """The Rasa server could not be reached or answered something unusable."""


async def ask_rasa(
    url: str,
    *,
    sender: str,
    text: str,
    metadata: dict[str, Any],
    timeout: float,
) -> tuple[list[Reply], dict[str, Any] | None]:
    endpoint = url.rstrip("/") + "/webhooks/rest/webhook"
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(
                endpoint, json={"sender": sender, "message": text, "metadata": metadata}
            )
            response.raise_for_status()
            messages = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise RasaError(f"Rasa at {endpoint} failed: {exc}") from exc
    if not isinstance(messages, list):
        raise RasaError(f"Rasa at {endpoint} answered {type(messages).__name__}, not a list")
    replies, handoff, _ = to_replies([m for m in messages if isinstance(m, dict)])
    return replies, handoff
