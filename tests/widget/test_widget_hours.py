"""One set of business hours: the widget site's settings decide what the bot says when
a shopper asks for a person or for the hours (a real hub with the bot, real websockets)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.chat.helpers import DEMO_PASSWORDS
from tests.widget.widget_helpers import Loop, agent_client, module_server, visitor_client
from widget._config import WEEKDAYS

server = module_server(["widget", "bot"])
SITE = "hours-shop"


def set_hours(server: Any, business_hours: dict[str, Any] | None) -> None:
    token = httpx.post(
        f"{server.url}/api/auth/login",
        json={"email": "admin@demo.shop", "password": DEMO_PASSWORDS["admin@demo.shop"]},
    ).json()["token"]
    saved = httpx.put(
        f"{server.url}/api/widget/config",
        params={"site": SITE},
        headers={"Authorization": f"Bearer {token}"},
        json={"business_hours": business_hours},
    )
    assert saved.status_code == 200, saved.text


def bot_reply_to(loop: Loop, server: Any, text: str) -> dict[str, Any]:
    shopper = visitor_client(loop, server, site=SITE, locale="de")
    shopper.send_message(text)
    frame = shopper.expect("message", lambda f: f["message"]["sender"]["kind"] == "bot", timeout=30)
    return frame["message"]  # type: ignore[no-any-return]


def test_the_bot_hands_off_by_the_sites_business_hours(server: Any, loop: Loop) -> None:
    agent_client(loop, server)  # someone is online: only the hours can keep the shopper waiting
    tomorrow = WEEKDAYS[(dt.datetime.now(ZoneInfo("Europe/Berlin")).weekday() + 1) % 7]
    set_hours(server, {"timezone": "Europe/Berlin", "days": {tomorrow: ["09:00-18:00"]}})
    closed = bot_reply_to(loop, server, "Ich möchte mit einem Mitarbeiter sprechen")
    names = dict(zip(WEEKDAYS, ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"), strict=True))
    assert closed["content_type"] == "form", closed
    assert f"({names[tomorrow]} 09:00–18:00)" in closed["text"]
    asked = bot_reply_to(loop, server, "Wann seid ihr erreichbar?")
    assert asked["text"].startswith(f"Unser Team ist {names[tomorrow]} 09:00–18:00 im Chat")

    set_hours(server, None)  # no hours: agents answer at any time
    opened = bot_reply_to(loop, server, "Ich möchte mit einem Mitarbeiter sprechen")
    assert opened["content_type"] == "text" and "Wartezeit etwa" in opened["text"], opened
