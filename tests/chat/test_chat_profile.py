"""The shopper profile next to a conversation: visit, cart, segment, consent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from chat.api.routes.contacts import cart_of, current_visit, segment_of
from chat.models import ShopperEvent
from tests.chat.helpers import login, visitor

T0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def event(kind: str, minutes: int, **data: Any) -> ShopperEvent:
    return ShopperEvent(
        kind=kind,
        created_at=T0 + dt.timedelta(minutes=minutes),
        product_id=data.pop("product_id", None),
        data=data,
    )


def test_the_visit_ends_at_a_pause_of_more_than_half_an_hour() -> None:
    newest_first = [event("page_view", m) for m in (100, 80, 40, 0)]
    assert current_visit(newest_first) == newest_first[:2]


def test_an_order_empties_the_cart() -> None:
    visit = [
        event("add_to_cart", 30, product_id="b"),
        event("order", 20),
        event("add_to_cart", 10, product_id="a"),
    ]
    assert [item["product_id"] for item in cart_of(visit)] == ["b"]


def test_segments() -> None:
    assert segment_of(orders=0, total_spent=0, conversations=1) == "new"
    assert segment_of(orders=1, total_spent=40, conversations=1) == "returning"
    assert segment_of(orders=0, total_spent=0, conversations=2) == "returning"
    assert segment_of(orders=3, total_spent=120, conversations=1) == "regular"
    assert segment_of(orders=1, total_spent=800, conversations=1) == "high_value"


async def test_visit_history_is_shown_to_agents_only_with_consent(core: Any) -> None:
    shopper = await visitor(core)
    contact_id = shopper.welcome["contact_id"]
    await shopper.send(
        {
            "type": "event",
            "kind": "page_view",
            "url": "https://shop.example/kettles",
            "data": {"title": "Kettles"},
        }
    )
    await shopper.send(
        {"type": "event", "kind": "product_view", "product_id": "k-1", "data": {"title": "Kettle"}}
    )
    await shopper.send(
        {"type": "event", "kind": "add_to_cart", "product_id": "k-1", "data": {"price": 39.0}}
    )
    await shopper.send({"type": "ping"})
    await shopper.expect("pong")  # frames are handled in order: the events are stored

    session = await login(core, "agent@demo.shop", "demo-agent")
    async with httpx.AsyncClient(
        base_url=core.url, headers={"Authorization": f"Bearer {session['token']}"}
    ) as http:
        profile = (await http.get(f"/api/contacts/{contact_id}")).json()
        assert profile["browsing_hidden"] is True
        assert profile["pages"] == [] and profile["products_viewed"] == []
        assert profile["current_page"] == "https://shop.example/kettles"
        assert [item["product_id"] for item in profile["cart"]] == ["k-1"]
        assert profile["customer_id"] is None and profile["orders"] == []

        assert (await shopper.command("consent", granted=True)) == {"granted": True}
        profile = (await http.get(f"/api/contacts/{contact_id}")).json()
    assert profile["browsing_hidden"] is False
    assert [p["title"] for p in profile["pages"]] == ["Kettles"]
    assert [p["product_id"] for p in profile["products_viewed"]] == ["k-1"]
    assert [(c["purpose"], c["granted"], c["source"]) for c in profile["consent_records"]] == [
        ("personalisation", True, "widget")
    ]
