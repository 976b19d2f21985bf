"""What goes with a product, from catalog data: pure, no I/O.

Two sources, best first:

1. the catalog itself: a product whose attribute ``fits`` or ``compatible_with``
   names another product's id, its category or a parent category
   (``"fits": "TE-601"``, ``"compatible_with": "Outdoor/Tents"``) goes with it;
2. the content team's category relationships in bot/data/accessories.yml
   (``Outdoor/Tents: [{category: Outdoor/Sleeping bags}, ...]``), each a category
   to browse, optionally with search words.

The action (bot/actions/accessories.py) runs the searches these describe; only for
a consenting, identified customer does it start from a past purchase.
See docs/subsystems/bot.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

RULES_FILE = Path(__file__).parent / "data" / "accessories.yml"
FIT_ATTRIBUTES = ("fits", "compatible_with")
# Attributes a comparison never names: bookkeeping, not something a shopper weighs up.
NOT_COMPARED = {*FIT_ATTRIBUTES, "sku", "ean", "gtin"}


@dataclass(frozen=True)
class Related:
    """Browse ``category`` (searching ``query`` in it when given) for what goes with a product."""

    category: str
    query: str = ""


Rules = dict[str, tuple[Related, ...]]


def load_rules(path: Path = RULES_FILE) -> Rules:
    data: dict[str, list[dict[str, str]]] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        category: tuple(Related(r["category"], r.get("query", "")) for r in related)
        for category, related in data.items()
    }


def category_and_parents(category: str) -> list[str]:
    """``Outdoor/Tents`` -> ``["Outdoor/Tents", "Outdoor"]``: a rule or a ``fits`` may name either."""
    parts = [p for p in category.split("/") if p]
    return ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]


@dataclass(frozen=True)
class Search:
    """One catalog search: empty ``query`` browses what ``filters`` let through."""

    query: str
    filters: dict[str, str]


def searches_for(product_id: str | None, category: str, rules: Rules) -> list[Search]:
    """The searches that find what goes with a product (or, without ``product_id``, with
    anything of ``category``), in order of how sure the fit is."""
    targets = ([product_id] if product_id else []) + category_and_parents(category)
    found = [
        Search("", {f"attr.{attribute}": target})
        for target in targets
        for attribute in FIT_ATTRIBUTES
    ]
    for name in category_and_parents(category):
        found.extend(Search(r.query, {"category": r.category}) for r in rules.get(name, ()))
    return found


def pick(groups: list[list[Any]], *, exclude: set[str], k: int) -> list[Any]:
    """The first ``k`` products over the searches' results in order, each once, in stock
    first; never an excluded one (the product itself, what was bought)."""
    seen: set[str] = set()
    ranked: list[tuple[int, int, Any]] = []
    for rank, products in enumerate(groups):
        for product in products:
            if product.id in exclude or product.id in seen:
                continue
            seen.add(product.id)
            ranked.append((0 if product.stock > 0 else 1, rank, product))
    ranked.sort(key=lambda item: item[:2])
    return [product for *_, product in ranked[:k]]


def differences(
    new: dict[str, Any], old: dict[str, Any], limit: int = 2
) -> list[tuple[str, Any, Any]]:
    """Attributes both products have with different values: (name, new, old), at most ``limit``."""
    found: list[tuple[str, Any, Any]] = []
    for name, value in new.items():
        if name in NOT_COMPARED or name not in old or old[name] == value:
            continue
        found.append((name, value, old[name]))
        if len(found) == limit:
            break
    return found
