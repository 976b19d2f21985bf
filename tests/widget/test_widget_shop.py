"""The demo storefront's pages (pure rendering): escaping, categories, pictures."""

from __future__ import annotations

import json
import re
from typing import Any

from knowledge.schemas import Faq, Product
from widget._shop import (
    DemoCustomer,
    Page,
    in_category,
    placeholder_svg,
    render_help,
    render_home,
    render_product,
    top_categories,
)

HOSTILE = '<img src=x onerror="alert(1)"></script><script>alert(2)</script>'


def product(id: str, title: str, category: str, **fields: Any) -> Product:
    return Product(
        **{"id": id, "title": title, "category": category, "price": 10.0, "stock": 3, **fields}
    )


CATALOGUE = [
    product("t1", "Trail Tent 2", "Camping/Tents", popular=True),
    product("t2", "Storm Tent 3", "Camping/Tents"),
    product("s1", "Down Bag", "Camping/Sleeping bags"),
    product("c1", "Pan", "Kitchen"),
]


def page_data(html: str) -> dict[str, Any]:
    match = re.search(
        r'<script type="application/json" id="page-data">(.*?)</script>', html, re.DOTALL
    )
    assert match
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_categories() -> None:
    assert top_categories(CATALOGUE) == ["Camping", "Kitchen"]
    assert [p.id for p in in_category(CATALOGUE, "Camping/Tents")] == ["t1", "t2"]
    assert {p.id for p in in_category(CATALOGUE, "Camping")} == {"t1", "t2", "s1"}
    assert in_category(CATALOGUE, "Camp") == []  # a prefix of a name is not a parent category


def test_every_page_embeds_the_widget_once() -> None:
    html = render_home(Page(site_key="demo"), CATALOGUE)
    assert html.count('<script src="/widget.js" data-touchpoint-site="demo" async></script>') == 1


def test_catalogue_text_is_escaped_everywhere() -> None:
    evil = product(
        "x1",
        HOSTILE,
        "Camping/Tents",
        description=HOSTILE,
        brand=HOSTILE,
        attributes={HOSTILE: HOSTILE},
    )
    html = render_product(Page(site_key="demo"), [*CATALOGUE, evil], evil)
    assert "<img src=x" not in html and "<script>alert" not in html
    # The page's data block cannot be closed early by catalogue text either.
    assert page_data(html)["product"]["title"] == HOSTILE


def test_logged_in_page_carries_the_identity_for_identify() -> None:
    anna = DemoCustomer(customer_id="cust-1001", name="Anna", email="anna@example.com")
    html = render_home(Page(site_key="demo", customer=anna, identity_hmac="ab" * 32), CATALOGUE)
    assert page_data(html)["identity"] == {
        "customerId": "cust-1001",
        "email": "anna@example.com",
        "name": "Anna",
        "hmac": "ab" * 32,
    }
    assert 'action="/demo/logout"' in html
    assert "identity" not in page_data(render_home(Page(site_key="demo"), CATALOGUE))


def test_out_of_stock_cannot_be_added() -> None:
    gone = product("g1", "Gone", "Kitchen", stock=0)
    html = render_product(Page(site_key="demo"), CATALOGUE, gone)
    assert re.search(r'class="buy" data-add-to-cart="[^"]*" disabled', html)


def test_placeholder_picture_is_self_contained_and_escaped() -> None:
    svg = placeholder_svg("p1", 'Tent <b>"2"</b> & more words here')
    assert svg.startswith("<svg") and "&lt;b&gt;" in svg
    assert "href" not in svg and "url(" not in svg  # nothing it could fetch
    assert placeholder_svg("p1", "A") == placeholder_svg("p1", "A")


def test_the_help_page_lists_each_faq_under_its_id_by_language() -> None:
    faqs = [
        Faq(id="versand", question="Was kostet der Versand?", answer="4,90 EUR.", locale="de"),
        Faq(id="returns", question="Returns?", answer="30 days.\nFree.", locale="en"),
        Faq(id="evil", question=HOSTILE, answer=HOSTILE, locale="en"),
    ]
    html = render_help(Page(site_key="demo"), CATALOGUE, faqs)
    # English first, then German; a bot answer's link "/demo/help#returns" lands on its own.
    assert html.index("Help in English") < html.index("Hilfe auf Deutsch")
    assert (
        '<section id="returns" class="faq" lang="en"><h3>Returns?</h3><p>30 days.</p><p>Free.</p>'
        in html
    )
    assert '<section id="versand" class="faq" lang="de">' in html
    assert "<img src=x" not in html and "<script>alert" not in html
