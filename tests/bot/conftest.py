"""Bot fixtures: a real knowledge base with the real embedder (loaded once per session),
a small home, kitchen & outdoor shop, and a real SQLite database for orders."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.brain import Brain
from bot.dialogue import Dialogue
from bot.runtime import Availability, OrderBook, Runtime, install
from bot.settings import BotSettings
from chat.db import Base, create_engine, session_factory
from chat.models import Order
from knowledge import Faq, KnowledgeBase, Product, get_embedder

FAQS = [
    Faq(id="shipping-time", question="How long does delivery take?",
        answer="Orders arrive within 2-4 working days in Germany.", url="https://shop.example/help/shipping",
        variants=["when will my parcel arrive", "how fast do you ship", "delivery time",
                  "how many days until my package comes"]),
    Faq(id="shipping-time-de", locale="de", question="Wie lange dauert der Versand?",
        answer="Bestellungen kommen in 2-4 Werktagen an.", url="https://shop.example/hilfe/versand",
        variants=["Wann kommt mein Paket an", "Lieferzeit", "wie schnell liefert ihr"]),
    Faq(id="returns", question="Can I return a product?",
        answer="Yes, you can return any item within 30 days for free.", url="https://shop.example/help/returns",
        variants=["how do returns work", "what is your return policy", "can I send something back",
                  "I want to return an item"]),
    Faq(id="payment", question="Which payment methods do you accept?",
        answer="We accept credit card, PayPal and invoice.", url="https://shop.example/help/payment",
        variants=["can I pay with paypal", "do you take credit cards", "can I pay by invoice"]),
    Faq(id="warranty", question="How long is the warranty?",
        answer="All products have a two-year warranty.", url="https://shop.example/help/warranty",
        variants=["is there a guarantee", "what if my product breaks", "warranty period"]),
    Faq(id="shipping-cost", question="How much does shipping cost?",
        answer="Shipping is free from 50 euro, otherwise 4.95 euro.", url="https://shop.example/help/shipping-cost",
        variants=["shipping fees", "is delivery free", "delivery charges"]),
]  # fmt: skip


def _tent(i: int, persons: int, season: str, price: float) -> Product:
    return Product(
        id=f"tent-{i}", title=f"Trailhead {persons}-person {season} tent {i}", price=price,
        category="Outdoor/Tents", brand="Trailhead", stock=5, url=f"https://shop.example/p/tent-{i}",
        image_url=f"https://shop.example/img/tent-{i}.jpg", rating=4.5,
        attributes={"persons": persons, "season": season},
        description=f"A {season} tent that sleeps {persons} people.",
    )  # fmt: skip


PRODUCTS = [
    _tent(1, 1, "summer", 89.0), _tent(2, 2, "summer", 129.0), _tent(3, 2, "3-season", 199.0),
    _tent(4, 3, "3-season", 249.0), _tent(5, 4, "3-season", 279.0), _tent(6, 4, "4-season", 449.0),
    _tent(7, 6, "3-season", 389.0), _tent(8, 2, "4-season", 359.0), _tent(9, 4, "summer", 159.0),
    _tent(10, 4, "summer", 199.0),
    Product(id="pan-cast-28", title="Cast iron frying pan 28 cm", price=59.0, category="Kitchen/Cookware",
            brand="Hearth & Co", stock=12, attributes={"material": "cast iron", "induction": True, "diameter_cm": 28},
            description="Heavy cast iron pan for searing."),
    Product(id="pan-steel-24", title="Stainless steel frying pan 24 cm", price=45.0, category="Kitchen/Cookware",
            brand="Küchenmeister", stock=3, attributes={"material": "stainless steel", "induction": True, "diameter_cm": 24},
            description="Stainless steel pan, oven safe."),
    Product(id="pan-alu-28", title="Aluminium non-stick pan 28 cm", price=29.0, category="Kitchen/Cookware",
            brand="Casa Verde", stock=20, attributes={"material": "aluminium", "induction": False, "diameter_cm": 28},
            description="Light non-stick frying pan."),
    Product(id="pan-cast-32", title="Cast iron frying pan 32 cm", price=79.0, category="Kitchen/Cookware",
            brand="Hearth & Co", stock=0, attributes={"material": "cast iron", "induction": True, "diameter_cm": 32},
            description="Big cast iron pan."),
    Product(id="pan-steel-28", title="Stainless steel frying pan 28 cm", price=65.0, category="Kitchen/Cookware",
            brand="Küchenmeister", stock=7, attributes={"material": "stainless steel", "induction": True, "diameter_cm": 28},
            description="Stainless steel pan for induction."),
    Product(id="lamp-1", title="Ceramic table lamp", price=49.0, category="Home/Lighting", brand="Lumo", stock=4,
            attributes={"colour": "white", "material": "ceramic"}, description="A white ceramic table lamp."),
    # Accessories: what they fit is catalog data (a product id or a category).
    Product(id="groundsheet-3", title="Groundsheet for the Trailhead tent 3", price=24.0,
            category="Outdoor/Accessories", brand="Trailhead", stock=6, attributes={"fits": "tent-3"},
            description="Protects the floor of the two-person three-season Trailhead."),
    Product(id="lantern-1", title="Rechargeable camping lantern", price=34.0, category="Outdoor/Accessories",
            brand="Lumo", stock=9, attributes={"compatible_with": "Outdoor/Tents"},
            description="Hangs from any tent roof; 300 lumen."),
    Product(id="lid-28", title="Glass lid 28 cm", price=19.0, category="Kitchen/Accessories", brand="Hearth & Co",
            stock=15, attributes={"fits": "pan-cast-28", "diameter_cm": 28}, description="Glass lid with steam vent."),
]  # fmt: skip

ORDERS = [
    {"id": "TP-10001", "customer_id": "cust-1001", "email": "anna@example.com", "status": "shipped",
     "total": 189.90, "tracking_url": "https://tracking.example/TP-10001",
     "items": [{"product_id": "tent-3", "title": "Trailhead tent", "quantity": 1, "price": 199.0}]},
    {"id": "TP-10002", "customer_id": "cust-1001", "email": "anna@example.com", "status": "delivered",
     "total": 59.00, "return_status": "return_received",
     "items": [{"product_id": "pan-cast-28", "title": "Cast iron pan 28 cm", "quantity": 1, "price": 59.0}]},
    {"id": "TP-10003", "customer_id": "cust-1002", "email": "ben@example.com", "status": "processing",
     "total": 34.50, "items": []},
]  # fmt: skip


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return KnowledgeBase.in_memory(faqs=FAQS, products=PRODUCTS, embedder=get_embedder())


@pytest.fixture(scope="session")
def brain(kb: KnowledgeBase) -> Brain:
    brain = Brain(kb)
    brain.faq_classifier()
    return brain


@pytest.fixture(scope="session")
def orders_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real SQLite database holding the orders table."""
    path: Path = tmp_path_factory.mktemp("orders") / "orders.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")

    async def prepare() -> None:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all, tables=[Order.__table__])
        sessions = session_factory(engine)
        async with sessions() as db:
            db.add_all(Order(**order, currency="EUR") for order in ORDERS)
            await db.commit()

    asyncio.run(prepare())
    yield session_factory(engine)
    asyncio.run(engine.dispose())


class AgentsOnline:
    """Agent availability the test sets, standing in for the hub's presence table."""

    def __init__(self) -> None:
        self.value = Availability(agents_online=2, queued=1, business_hours=True)

    async def __call__(self, site: str | None) -> Availability:
        return self.value


@pytest.fixture
def agents() -> AgentsOnline:
    return AgentsOnline()


@pytest.fixture
def settings() -> BotSettings:
    return BotSettings(handoff_cart_value=500.0)


@pytest.fixture
def runtime(
    brain: Brain, orders_db: Any, agents: AgentsOnline, settings: BotSettings
) -> Iterator[Runtime]:
    runtime = Runtime(
        brain=brain, settings=settings, orders=OrderBook(orders_db), availability=agents
    )
    install(runtime)
    yield runtime
    install(None)


@pytest.fixture
async def dialogue(runtime: Runtime) -> AsyncIterator[Dialogue]:
    yield Dialogue(runtime)


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo shop served by uvicorn on a free port, shared by the tests that need a
    running hub (starting one and embedding the demo takes a while). Without the widget
    there are no business hours: agents may answer at any time."""
    from chat.config import Settings
    from tests.conftest import start_server

    # Every test here connects from 127.0.0.1, a fresh shopper per question, more than a
    # shop's 60 connections and 120 messages a minute from one address (tests/chat test
    # those limits).
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("shop"),
        ip_connections_per_minute=600,
        ip_messages_per_minute=1200,
    )
    server = start_server(settings, plugins=["bot"], demo=True)
    yield server
    server.stop()
