"""A synthetic home & outdoor catalog of any size, for benchmarks. Deterministic per seed."""

from __future__ import annotations

import random
from dataclasses import dataclass

from knowledge.schemas import AttributeValue, Product


@dataclass(frozen=True)
class _Family:
    category: str
    nouns: tuple[str, ...]
    attributes: dict[str, tuple[str | int, ...]]
    price: tuple[float, float]


FAMILIES = (
    _Family("Kitchen/Cookware", ("frying pan", "saucepan", "stock pot", "wok", "casserole", "grill pan"),
            {"size": ("20 cm", "24 cm", "28 cm", "32 cm"), "material": ("cast iron", "stainless steel", "aluminium", "copper")}, (15, 180)),
    _Family("Kitchen/Knives", ("chef's knife", "bread knife", "paring knife", "santoku", "knife block"),
            {"material": ("carbon steel", "stainless steel", "ceramic"), "size": ("9 cm", "15 cm", "20 cm")}, (12, 220)),
    _Family("Kitchen/Appliances", ("kettle", "toaster", "blender", "coffee grinder", "hand mixer"),
            {"colour": ("black", "white", "red", "silver"), "power": ("800 W", "1200 W", "2000 W")}, (20, 300)),
    _Family("Garden/Furniture", ("garden chair", "folding table", "bench", "sun lounger", "parasol"),
            {"material": ("teak", "aluminium", "rattan", "steel"), "colour": ("green", "grey", "natural", "white")}, (30, 600)),
    _Family("Garden/Tools", ("spade", "pruning shears", "rake", "watering can", "hose reel"),
            {"material": ("steel", "plastic", "ash wood"), "size": ("small", "medium", "large")}, (8, 90)),
    _Family("Outdoor/Tents", ("dome tent", "tunnel tent", "ultralight tent", "family tent", "pop-up tent"),
            {"persons": (1, 2, 3, 4, 6, 8), "season": ("3-season", "4-season", "summer"), "colour": ("green", "orange", "sand")}, (40, 900)),
    _Family("Outdoor/Sleeping bags", ("mummy sleeping bag", "rectangular sleeping bag", "down sleeping bag", "liner"),
            {"season": ("summer", "3-season", "winter"), "comfort": ("+10 C", "+2 C", "-5 C", "-15 C")}, (25, 500)),
    _Family("Outdoor/Backpacks", ("daypack", "trekking backpack", "hydration pack", "travel pack"),
            {"volume": ("20 l", "35 l", "50 l", "65 l"), "colour": ("black", "blue", "red", "olive")}, (30, 320)),
    _Family("Home/Lighting", ("table lamp", "floor lamp", "string lights", "lantern", "ceiling light"),
            {"colour": ("brass", "black", "white"), "power": ("LED 5 W", "LED 9 W", "solar")}, (10, 260)),
    _Family("Home/Textiles", ("blanket", "cushion", "bath towel", "table cloth", "hammock"),
            {"material": ("cotton", "linen", "wool", "fleece"), "colour": ("blue", "beige", "grey", "green", "red")}, (9, 150)),
)  # fmt: skip
BRANDS = (
    "Alpina", "Nordkamm", "Fjellsport", "Kitcheneer", "Castiron & Co", "Gartenfreund", "Lumen",
    "Hearthside", "Wayfar", "Trailhead", "Sonnweg", "Ironleaf", "Brightwood", "Kupferhaus", "Driftline",
    "Moorland", "Seastone", "Oakridge", "Polaris", "Feldmark",
)  # fmt: skip
ADJECTIVES = (
    "classic",
    "compact",
    "premium",
    "lightweight",
    "robust",
    "everyday",
    "pro",
    "eco",
    "deluxe",
    "travel",
)
USES = (
    "for everyday use",
    "for camping trips",
    "for the garden",
    "for small kitchens",
    "for families",
    "for hiking",
)


def synthetic_catalog(count: int, seed: int = 7) -> list[Product]:
    rng = random.Random(seed)
    products = []
    for number in range(count):
        family = FAMILIES[number % len(FAMILIES)]
        noun = rng.choice(family.nouns)
        attributes: dict[str, AttributeValue] = {
            name: rng.choice(values) for name, values in family.attributes.items()
        }
        brand = rng.choice(BRANDS)
        headline = " ".join(str(v) for v in list(attributes.values())[:1])
        title = f"{brand} {rng.choice(ADJECTIVES)} {noun} {headline}"
        low, high = family.price
        products.append(
            Product(
                id=f"SKU-{number:06d}",
                title=title,
                description=f"A {noun} made of {attributes.get('material', 'durable materials')} "
                f"{rng.choice(USES)}. Model {number}.",
                price=round(rng.uniform(low, high), 2),
                category=family.category,
                brand=brand,
                attributes=attributes,
                stock=rng.choice((0, 0, 3, 8, 20, 50)),
                rating=round(rng.uniform(2.5, 5.0), 1),
                popular=rng.random() < 0.05,
                url=f"https://shop.example/p/{number}",
            )
        )
    return products


def synthetic_queries(count: int, seed: int = 11) -> list[str]:
    """Shopper-style queries over the catalog's vocabulary, each one different."""
    rng = random.Random(seed)
    queries: list[str] = []
    seen: set[str] = set()
    while len(queries) < count:
        family = rng.choice(FAMILIES)
        name, values = rng.choice(list(family.attributes.items()))
        value = rng.choice(values)
        shape = rng.randrange(4)
        noun = rng.choice(family.nouns)
        query = (
            f"{noun} {value}" if shape == 0 else
            f"{rng.choice(ADJECTIVES)} {noun} {rng.choice(USES)}" if shape == 1 else
            f"{value} {noun} from {rng.choice(BRANDS)}" if shape == 2 else
            f"looking for a {noun} with {name} {value} under {rng.randrange(20, 400)} euros"
        )  # fmt: skip
        if query not in seen:
            seen.add(query)
            queries.append(query)
    return queries
