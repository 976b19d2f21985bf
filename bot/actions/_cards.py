"""Product cards as the widget shows them, and the buttons under them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from bot.engine import REPLY_COMPARE, REPLY_RESTART
from bot.texts import say
from knowledge import Product


def product_card(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "title": product.title,
        "price": product.price,
        "currency": product.currency,
        "image_url": product.image_url,
        "url": product.url,
        "stock": product.stock,
        "rating": product.rating,
        "add_to_cart": {"event": "add_to_cart", "product_id": product.id},
    }


def utter_cards(dispatcher: CollectingDispatcher, text: str, products: Sequence[Product]) -> None:
    """``text`` with a card for each of ``products``."""
    cards = [product_card(p) for p in products]
    dispatcher.utter_message(text=text, json_message={"kind": "product_cards", "products": cards})


def after_cards(products: Sequence[Product], voice: str) -> list[dict[str, str]]:
    """The quick replies under product cards: compare them (where there are several),
    start over."""
    compare = [{"title": say("compare_button", voice), "payload": REPLY_COMPARE}]
    restart = [{"title": say("restart_button", voice), "payload": REPLY_RESTART}]
    return (compare if len(products) > 1 else []) + restart
