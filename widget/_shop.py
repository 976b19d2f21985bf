"""The demo storefront's pages as plain HTML (pure: products in, markup out).

A few server-rendered pages of the demo catalog with the widget embedded the
way docs/embedding.md tells a shop to. Every catalogue value is escaped; data
for the page's script goes in a JSON block with "<" escaped, never into code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

SHOP_NAME = "Trailhead Outdoor (demo shop)"
# The optional stub from docs/embedding.md: calls made before widget.js arrives are queued.
STUB = (
    "window.Touchpoint=window.Touchpoint||{q:[]};"
    '["init","open","close","identify","track","setLocale","on","reset"].forEach(function(m){'
    "Touchpoint[m]=Touchpoint[m]||function(){Touchpoint.q.push([m,[].slice.call(arguments)])}});"
)


class ShopProduct(Protocol):
    """What the pages read of a catalogue product (knowledge's Product has it all)."""

    id: str
    title: str
    description: str
    price: float
    currency: str
    category: str
    brand: str
    stock: int
    rating: float | None
    popular: bool
    attributes: dict[str, Any]


P = TypeVar("P", bound=ShopProduct)


class ShopFaq(Protocol):
    """What the help page reads of an FAQ (knowledge's Faq has it all)."""

    id: str
    question: str
    answer: str
    locale: str


@dataclass(frozen=True)
class DemoCustomer:
    customer_id: str
    name: str
    email: str


@dataclass(frozen=True)
class Page:
    """What every page shares: where the widget comes from and who is logged in."""

    site_key: str
    customer: DemoCustomer | None = None
    identity_hmac: str | None = None


def slug(product_id: str) -> str:
    """How the demo shop names a product in its addresses (the catalogue's url and image_url agree)."""
    return product_id.lower()


def product_path(product_id: str) -> str:
    return f"/demo/products/{quote(slug(product_id), safe='')}"


def image_path(product_id: str) -> str:
    return f"/demo/img/{quote(slug(product_id), safe='')}.svg"


def by_slug(products: Iterable[P], wanted: str) -> P | None:
    return next((p for p in products if slug(p.id) == wanted.lower()), None)


def category_path(category: str) -> str:
    return "/demo/c/" + "/".join(quote(part, safe="") for part in category.split("/"))


def top_categories(products: Iterable[ShopProduct]) -> list[str]:
    return sorted({p.category.split("/")[0] for p in products if p.category})


def in_category(products: Iterable[P], category: str) -> list[P]:
    chosen = [
        p for p in products if p.category == category or p.category.startswith(category + "/")
    ]
    return sorted(chosen, key=lambda p: (not p.popular, p.title))


def price_text(price: float, currency: str) -> str:
    return f"{price:,.2f} {currency}"


def _json_block(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script type="application/json" id="page-data">{text}</script>'


def _card_data(product: ShopProduct) -> str:
    return escape(
        json.dumps(
            {
                "id": product.id,
                "title": product.title,
                "price": product.price,
                "currency": product.currency,
            }
        )
    )


def _layout(
    page: Page, title: str, body: str, categories: Sequence[str], data: dict[str, Any]
) -> str:
    nav = "".join(f'<a href="{escape(category_path(c))}">{escape(c)}</a>' for c in categories)
    if page.customer:
        account = (
            f'<form method="post" action="/demo/logout" data-logout>'
            f"<span>Logged in as {escape(page.customer.name)}</span> "
            f'<button type="submit">Log out</button></form>'
        )
        data = {
            **data,
            "identity": {
                "customerId": page.customer.customer_id,
                "email": page.customer.email,
                "name": page.customer.name,
                "hmac": page.identity_hmac,
            },
        }
    else:
        account = (
            '<form method="post" action="/demo/login">'
            '<button type="submit">Log in as Anna (cust-1001)</button></form>'
        )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · {escape(SHOP_NAME)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/demo/shop.css">
<script>{STUB}</script>
<script src="/widget.js" data-touchpoint-site="{escape(page.site_key)}" async></script>
</head>
<body>
<header class="shop-header">
<a class="shop-logo" href="/demo">{escape(SHOP_NAME)}</a>
<nav aria-label="Categories">{nav}</nav>
<div class="shop-tools">
<button type="button" data-locale="de" lang="de">Deutsch</button>
<button type="button" data-locale="en" lang="en">English</button>
<a href="/demo/cart">Cart (<span data-cart-count>0</span>)</a>
{account}
</div>
</header>
<main>
{body}
</main>
<footer class="shop-footer"><a href="/demo/help">Help</a> · <a href="/demo/privacy">Privacy</a> · A demo storefront for the Touchpoint chat widget.</footer>
{_json_block(data)}
<script src="/demo/shop.js"></script>
</body>
</html>
"""


def _tile(product: ShopProduct) -> str:
    return f"""<li class="tile">
<a href="{escape(product_path(product.id))}"><img src="{escape(image_path(product.id))}" alt="" width="320" height="240">
<span class="tile-title">{escape(product.title)}</span></a>
<span class="price">{escape(price_text(product.price, product.currency))}</span>
<button type="button" data-add-to-cart="{_card_data(product)}"{" disabled" if product.stock <= 0 else ""}>Add to cart</button>
</li>"""


def _grid(products: Iterable[ShopProduct]) -> str:
    return '<ul class="grid">' + "".join(_tile(p) for p in products) + "</ul>"


def render_home(page: Page, products: Sequence[ShopProduct]) -> str:
    categories = top_categories(products)
    featured = sorted(products, key=lambda p: (not p.popular, p.title))[:8]
    sections = "".join(
        f'<li><a href="{escape(category_path(c))}">{escape(c)}</a></li>' for c in categories
    )
    body = f"""<h1>Gear for your next trip</h1>
<p class="lead">Questions about a tent, delivery or returns? Ask the assistant in the corner.</p>
<h2>Shop by category</h2><ul class="categories">{sections}</ul>
<h2>Popular right now</h2>{_grid(featured)}"""
    return _layout(page, "Home", body, categories, {"page": "home"})


def render_category(page: Page, products: Sequence[ShopProduct], category: str) -> str:
    chosen = in_category(products, category)
    body = f"<h1>{escape(category)}</h1><p>{len(chosen)} products</p>{_grid(chosen)}"
    return _layout(
        page, category, body, top_categories(products), {"page": "category", "category": category}
    )


def render_product(page: Page, products: Sequence[ShopProduct], product: ShopProduct) -> str:
    facts = "".join(
        f"<tr><th>{escape(str(name))}</th><td>{escape(str(value))}</td></tr>"
        for name, value in sorted(product.attributes.items())
    )
    stock = "Out of stock" if product.stock <= 0 else f"In stock ({product.stock})"
    rating = f"<p>Rated {product.rating:.1f} of 5</p>" if product.rating is not None else ""
    body = f"""<article class="product">
<img src="{escape(image_path(product.id))}" alt="{escape(product.title)}" width="480" height="360">
<div>
<p class="crumbs"><a href="{escape(category_path(product.category))}">{escape(product.category)}</a></p>
<h1>{escape(product.title)}</h1>
<p class="brand">{escape(product.brand)}</p>
<p class="price">{escape(price_text(product.price, product.currency))}</p>
<p>{escape(stock)}</p>{rating}
<button type="button" class="buy" data-add-to-cart="{_card_data(product)}"{" disabled" if product.stock <= 0 else ""}>Add to cart</button>
<p class="description">{escape(product.description)}</p>
<table class="facts">{facts}</table>
</div>
</article>"""
    data = {
        "page": "product",
        "product": {
            "id": product.id,
            "title": product.title,
            "price": product.price,
            "currency": product.currency,
        },
    }
    return _layout(page, product.title, body, top_categories(products), data)


def render_cart(page: Page, products: Sequence[ShopProduct]) -> str:
    body = """<h1>Your cart</h1>
<ul class="cart" data-cart-items></ul>
<p data-cart-empty>Your cart is empty.</p>
<button type="button" data-checkout>Place order</button>
<p data-order-done hidden>Thank you for your order (this is a demo: nothing was charged).</p>"""
    return _layout(page, "Cart", body, top_categories(products), {"page": "cart"})


def render_privacy(page: Page, products: Sequence[ShopProduct]) -> str:
    body = """<h1>Privacy</h1>
<p>The chat assistant uses your browsing and purchase history for personal recommendations
only if you agree in the chat window. You can change your choice at any time from the
chat's menu. Conversations are kept to answer your questions and improve our service.</p>"""
    return _layout(page, "Privacy", body, top_categories(products), {"page": "privacy"})


HELP_SECTIONS = {"en": "Help in English", "de": "Hilfe auf Deutsch"}


def render_help(page: Page, products: Sequence[ShopProduct], faqs: Iterable[ShopFaq]) -> str:
    """The FAQs by language, each under its id: the bot's answers link here
    ("More: /demo/help#returns")."""
    by_language: dict[str, list[ShopFaq]] = {}
    for faq in faqs:
        by_language.setdefault(faq.locale.split("-")[0], []).append(faq)
    sections = []
    for language, entries in sorted(by_language.items(), key=lambda item: item[0] != "en"):
        items = "".join(
            f'<section id="{escape(faq.id)}" class="faq" lang="{escape(faq.locale)}">'
            f"<h3>{escape(faq.question)}</h3>"
            + "".join(f"<p>{escape(part)}</p>" for part in faq.answer.split("\n") if part.strip())
            + "</section>"
            for faq in entries
        )
        heading = HELP_SECTIONS.get(language, language)
        sections.append(f'<h2 lang="{escape(language)}">{escape(heading)}</h2>{items}')
    body = "<h1>Help</h1>" + "".join(sections)
    return _layout(page, "Help", body, top_categories(products), {"page": "help"})


def placeholder_svg(product_id: str, title: str) -> str:
    """A product picture without any external request: a tinted scene and the name."""
    hue = int(hashlib.sha256(product_id.encode()).hexdigest()[:4], 16) % 360
    words = title.split()
    lines = [" ".join(words[i : i + 3]) for i in range(0, min(len(words), 6), 3)]
    text = "".join(
        f'<text x="160" y="{196 + 22 * n}" text-anchor="middle">{escape(line)}</text>'
        for n, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 240" width="320" height="240">'
        f'<rect width="320" height="240" fill="hsl({hue},45%,88%)"/>'
        f'<path d="M40 170 120 70l50 60 30-30 80 70z" fill="hsl({hue},40%,45%)"/>'
        f'<circle cx="250" cy="60" r="22" fill="hsl({(hue + 40) % 360},70%,65%)"/>'
        f'<g font-family="sans-serif" font-size="17" fill="hsl({hue},40%,20%)">{text}</g>'
        "</svg>"
    )
