"""Fixtures of the knowledge tests: one embedding model per session, the demo content."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest

from knowledge import Embedder, Faq, KnowledgeBase, Product, get_embedder


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return get_embedder()


@pytest.fixture(scope="session")
def demo_products() -> list[Product]:
    data = json.loads((resources.files("knowledge") / "demo" / "products.json").read_text())
    return [Product.model_validate(row) for row in data["products"]]


@pytest.fixture(scope="session")
def demo_faqs() -> list[Faq]:
    data = json.loads((resources.files("knowledge") / "demo" / "faqs.json").read_text())
    return [Faq.model_validate(row) for row in data["faqs"]]


@pytest.fixture(scope="session")
def demo_kb(
    embedder: Embedder, demo_products: list[Product], demo_faqs: list[Faq]
) -> KnowledgeBase:
    """The demo shop, read-only: tests that change content build their own."""
    return KnowledgeBase.in_memory(products=demo_products, faqs=demo_faqs, embedder=embedder)


GERMAN = [
    Product(id="de-1", title="Gusseisen Bratpfanne 28 cm", description="Schwere Pfanne für den Gasherd und Induktion",
            price=49.9, category="Küche/Kochgeschirr", brand="Eisenwerk", attributes={"Größe": "28 cm"}, stock=3),
    Product(id="de-2", title="Klappbarer Stuhl für den Garten", description="Leichter Stuhl aus Aluminium für Garten und Balkon",
            price=39.0, category="Garten/Möbel", brand="Gartenfreund", stock=10),
    Product(id="de-3", title="Küchenmesser aus Damaststahl", description="Ein scharfes Messer für die Küche",
            price=89.0, category="Küche/Messer", brand="Schneidwerk", stock=5),
    Product(id="de-4", title="Wasserkocher mit Temperaturwahl", description="Der Kocher für Tee und Kaffee",
            price=69.0, category="Küche/Geräte", brand="Brühmeister", stock=0),
    Product(id="de-5", title="Gartenschlauch 30 m", description="Ein flexibler Schlauch mit Brause",
            price=29.0, category="Garten/Werkzeug", brand="Grünkraft", stock=7),
]  # fmt: skip


@pytest.fixture(scope="session")
def german_kb(embedder: Embedder) -> KnowledgeBase:
    return KnowledgeBase.in_memory(products=GERMAN, embedder=embedder)


_cli: list[Any] = []


@pytest.fixture(scope="session")
def cli() -> Callable[..., Any]:
    """Run `touchpoint ...` in this process (the model stays loaded between commands)."""
    from typer.testing import CliRunner

    from chat.cli import build_cli

    if not _cli:
        _cli.append(build_cli())
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Any:
        return runner.invoke(
            _cli[0], [str(arg) for arg in args], input=input, catch_exceptions=False
        )

    return invoke
