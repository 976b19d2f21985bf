"""Measuring the bot: intent accuracy on public data sets, calibration, and reply latency.

Each intent of a data set becomes one FAQ (its training utterances the
variants); test utterances go through the same ``Brain`` and ``decide`` the bot
uses. An out-of-scope query is right when the bot falls back or hands off.
Calibration fits on CLINC150 train/val only. See docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import csv
import gc
import hashlib
import json
import logging
import random
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from bot.brain import Brain
from bot.dialogue import Dialogue
from bot.engine import ActionName, BotState, Facts, decide
from bot.nlu import Calibration, fit_softmax
from bot.runtime import OrderBook, Runtime
from bot.settings import BotSettings
from knowledge import (
    Faq,
    KnowledgeBase,
    Product,
    demo_category_names,
    demo_synonyms,
    get_embedder,
)

log = logging.getLogger("touchpoint.bot.bench")
Progress = Callable[[int], None]
OUT_OF_SCOPE = "oos"
BATCH = 256
# The share of shopper questions assumed to be out of scope when choosing the
# answer threshold on the validation split (its own share, 3 %, is far too low).
ASSUMED_OOS_SHARE = 0.2
# The "did you mean" band may catch at most this share of validation out-of-scope queries.
SUGGEST_OOS_BUDGET = 0.03
CACHE_DIR = Path(tempfile.gettempdir()) / "touchpoint-bench"


@dataclass(frozen=True)
class IntentSet:
    name: str
    train: list[tuple[str, str]]
    test: list[tuple[str, str]]  # intent OUT_OF_SCOPE for out-of-scope queries


def _csv(path: Path, text: str, label: str) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row[text], row[label]) for row in csv.DictReader(handle)]


def load_clinc(data: Path, split: str = "test") -> IntentSet:
    raw = json.loads((data / "clinc150" / "data_full.json").read_text())
    test = [(t, i) for t, i in raw[split]] + [(t, OUT_OF_SCOPE) for t, _ in raw[f"oos_{split}"]]
    return IntentSet("clinc150", [(t, i) for t, i in raw["train"]], test)


def load_banking(data: Path) -> IntentSet:
    folder = data / "banking77"
    return IntentSet(
        "banking77",
        _csv(folder / "train.csv", "text", "category"),
        _csv(folder / "test.csv", "text", "category"),
    )


def load_bitext(data: Path) -> IntentSet:
    folder = data / "bitext_intent"
    return IntentSet(
        "bitext",
        _csv(folder / "train.csv", "utterance", "intent"),
        _csv(folder / "test.csv", "utterance", "intent"),
    )


def faqs_from(train: Sequence[tuple[str, str]]) -> list[Faq]:
    """One FAQ per intent: its first utterance the question, the others its variants."""
    texts: dict[str, list[str]] = defaultdict(list)
    for text, intent in train:
        texts[intent].append(text)
    return [
        Faq(id=intent, question=utterances[0], variants=utterances[1:], answer=f"About {intent}.")
        for intent, utterances in sorted(texts.items())
    ]


def brain_for(train: Sequence[tuple[str, str]], calibration: Calibration | None = None) -> Brain:
    kb = cached_kb(faqs_from(train), CACHE_DIR)
    brain = Brain(kb, calibration)
    brain.faq_classifier()
    return brain


def evaluate(intents: IntentSet, progress: Progress | None = None) -> dict[str, float]:
    brain = brain_for(intents.train)
    settings = BotSettings()
    right_in = right_out = total_in = total_out = 0
    for start in range(0, len(intents.test), BATCH):
        batch = intents.test[start : start + BATCH]
        for (_, label), u in zip(batch, brain.understand_many([t for t, _ in batch]), strict=True):
            decision = decide(u, BotState(), Facts(), settings)
            if label == OUT_OF_SCOPE:
                total_out += 1
                right_out += decision.action in (ActionName.fallback, ActionName.handoff)
            else:
                total_in += 1
                right_in += decision.action is ActionName.answer_faq and decision.faq_id == label
        if progress:
            progress(len(batch))
    result = {"accuracy": round((right_in + right_out) / (total_in + total_out), 4)}
    if total_out:
        result["in_scope_accuracy"] = round(right_in / total_in, 4)
        result["oos_recall"] = round(right_out / total_out, 4)
    return result


def demo_shop() -> KnowledgeBase:
    """The demo shop's catalog, FAQs, synonyms and category names (what `touchpoint serve
    --demo` seeds)."""
    demo = resources.files("knowledge") / "demo"
    products = json.loads((demo / "products.json").read_text(encoding="utf-8"))["products"]
    faqs = json.loads((demo / "faqs.json").read_text(encoding="utf-8"))["faqs"]
    kb = KnowledgeBase.in_memory(
        products=[Product(**p) for p in products],
        faqs=[Faq(**f) for f in faqs],
        synonyms=demo_synonyms(),
    )
    kb.category_names = {names.path: names.names for names in demo_category_names()}
    return kb


def off_topic_products(data: Path, progress: Progress | None = None) -> dict[str, float]:
    """The share of messages about something else that the demo shop's bot answers with
    products (lower is better). Test queries of CLINC150 (banking, travel, small talk; in
    scope and out of scope) and Bitext (accounts, orders, refunds) name no product of a
    home, kitchen and outdoor shop, so each product reply is one too many."""
    brain = Brain(demo_shop())
    clinc = load_clinc(data)
    sets = {
        "clinc150": [t for t, label in clinc.test if label != OUT_OF_SCOPE],
        "clinc150_oos": [t for t, label in clinc.test if label == OUT_OF_SCOPE],
        "bitext": [t for t, _ in load_bitext(data).test],
    }
    settings = BotSettings()
    shares = {}
    for name, texts in sets.items():
        selling = 0
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            for u in brain.understand_many(batch):
                decision = decide(u, BotState(), Facts(), settings)
                selling += decision.action in (
                    ActionName.show_products,
                    ActionName.suggest_accessories,
                    ActionName.product_details,  # a named product's card goes along
                )
            if progress:
                progress(len(batch))
        shares[name] = round(selling / len(texts), 4)
    return shares


def calibrate(data: Path, progress: Progress | None = None) -> Calibration:
    """Fit the confidence model and thresholds on CLINC150 train (FAQs) and val (queries)."""
    clinc = load_clinc(data, split="val")
    raw = json.loads((data / "clinc150" / "data_full.json").read_text())
    queries = clinc.test + [(t, OUT_OF_SCOPE) for t, _ in raw["oos_train"]]
    brain = brain_for(clinc.train, Calibration((0.0, 0.0, 0.0), 0.0, 1.0, 1.0))
    classifier = brain.faq_classifier()
    features, correct, in_scope = [], [], []
    for start in range(0, len(queries), BATCH):
        batch = queries[start : start + BATCH]
        texts = [t for t, _ in batch]
        vectors = brain.kb.embedder.encode(texts)
        guesses = classifier.guess(vectors)
        for (text, label), guess, vector in zip(batch, guesses, vectors, strict=True):
            keyword = brain.keyword_evidence(text, guess.faq_id, vector)
            features.append((guess.probability, guess.dense, keyword))
            correct.append(guess.faq_id == label)
            in_scope.append(label != OUT_OF_SCOPE)
        if progress:
            progress(len(batch))
    x = np.asarray(features, dtype=np.float32)
    y = np.asarray(correct, dtype=np.int64)
    weights, bias = fit_softmax(x, y, 2, weight_decay=1e-4)
    w = tuple(float(v) for v in weights[:, 1] - weights[:, 0])
    b = float(bias[1] - bias[0])
    model = Calibration((w[0], w[1], w[2]), b, 1.0, 1.0)
    scores = np.array([model.confidence(*f) for f in features])
    inside = np.asarray(in_scope)
    right = np.asarray(correct)

    def value(threshold: float) -> float:
        answered_right = ((scores >= threshold) & right)[inside].mean()
        declined = (scores < threshold)[~inside].mean()
        return float((1 - ASSUMED_OOS_SHARE) * answered_right + ASSUMED_OOS_SHARE * declined)

    grid = np.round(np.linspace(0.05, 0.95, 181), 3)
    answer = float(max(grid, key=value))
    outside = scores[~inside]
    suggest = answer
    for t in sorted((g for g in grid if g < answer), reverse=True):
        if ((outside >= t) & (outside < answer)).mean() > SUGGEST_OOS_BUDGET:
            break
        suggest = float(t)
    return Calibration(
        (w[0], w[1], w[2]),
        round(b, 6),
        answer,
        suggest,
        fitted_on="clinc150 train+val",
        reference_faqs=len(classifier.labels),
    )


# --- latency ------------------------------------------------------------------------------

CATALOG = {
    "Outdoor/Tents": ("tent", ["persons", "season"], (60, 900)),
    "Outdoor/Sleeping bags": ("sleeping bag", ["season", "comfort_c"], (30, 400)),
    "Outdoor/Backpacks": ("backpack", ["volume_l", "colour"], (25, 300)),
    "Outdoor/Camping furniture": ("camping chair", ["colour", "material"], (15, 200)),
    "Kitchen/Cookware": ("frying pan", ["material", "diameter_cm", "induction"], (15, 250)),
    "Kitchen/Knives": ("chef's knife", ["material", "blade_cm"], (10, 300)),
    "Kitchen/Coffee": ("coffee maker", ["type", "colour"], (20, 900)),
    "Home/Bedding": ("duvet cover", ["size", "colour", "material"], (20, 200)),
    "Home/Lighting": ("table lamp", ["colour", "material"], (15, 350)),
    "Home/Storage": ("storage box", ["volume_l", "colour"], (5, 80)),
}
VALUES: dict[str, list[Any]] = {
    "persons": [1, 2, 3, 4, 6],
    "season": ["summer", "3-season", "4-season", "winter"],
    "comfort_c": [10, 5, 0, -5, -10],
    "volume_l": [20, 30, 45, 65],
    "colour": ["black", "green", "blue", "red", "grey", "white"],
    "material": ["stainless steel", "cast iron", "aluminium", "wood", "cotton", "linen", "ceramic"],
    "diameter_cm": [20, 24, 28, 32],
    "induction": [True, False],
    "blade_cm": [15, 18, 20, 23],
    "type": ["espresso", "filter", "french press", "capsule"],
    "size": ["135x200", "155x220", "200x200"],
}
BRANDS = [
    "Alpenwerk",
    "Nordkap",
    "Fjellstad",
    "Küchenmeister",
    "Casa Verde",
    "Lumo",
    "Trailhead",
    "Hearth & Co",
]
ADJECTIVES = [
    "Classic",
    "Pro",
    "Light",
    "Compact",
    "Family",
    "Trek",
    "Urban",
    "Premium",
    "Eco",
    "Ultra",
]
SHOPPER_QUERIES = [
    "I need a tent for 4 people under 300 euro",
    "do you have a cast iron frying pan",
    "Ich suche einen Schlafsack für den Winter",
    "a light backpack around 45 liters",
    "how long does delivery take",
    "where is my order",
    "can I return a product",
    "espresso coffee maker under 200",
    "Pfanne für Induktion",
    "red camping chair",
    "hello",
    "I want to talk to a human",
    "what is the meaning of life",
    "table lamp made of ceramic",
    "storage boxes for the kitchen",
]
LATENCY_FAQS = [
    Faq(id="delivery-time", question="How long does delivery take?", answer="2-4 working days.",
        variants=["when will my package arrive", "shipping time", "Wie lange dauert der Versand?"]),
    Faq(id="returns", question="Can I return a product?", answer="Yes, within 30 days.",
        variants=["how do returns work", "return policy", "Kann ich etwas zurückschicken?"]),
    Faq(id="payment", question="Which payment methods do you accept?", answer="Card, PayPal, invoice.",
        variants=["can I pay with paypal", "Zahlungsarten"]),
]  # fmt: skip


def synthetic_catalog(count: int, seed: int = 7) -> list[Product]:
    rng = random.Random(seed)
    categories = list(CATALOG)
    products = []
    for i in range(count):
        category = categories[i % len(categories)]
        noun, attributes, (low, high) = CATALOG[category]
        brand = rng.choice(BRANDS)
        values = {name: rng.choice(VALUES[name]) for name in attributes}
        title = f"{brand} {rng.choice(ADJECTIVES)} {noun} {rng.randint(100, 999)}"
        products.append(
            Product(
                id=f"p{i:06d}",
                title=title,
                description=f"{noun.capitalize()} by {brand}. "
                + ", ".join(f"{k}: {v}" for k, v in values.items()),
                price=round(rng.uniform(low, high), 2),
                category=category,
                brand=brand,
                attributes=values,
                stock=rng.randint(0, 50),
                url=f"https://shop.example/p/{i}",
                image_url=f"https://shop.example/img/{i}.jpg",
                rating=round(rng.uniform(3, 5), 1),
            )
        )
    return products


def cached_kb(
    items: Sequence[Faq | Product], cache_dir: Path, progress: Progress | None = None
) -> KnowledgeBase:
    """A knowledge base whose vectors are cached in ``cache_dir`` between benchmark runs."""
    encoder = get_embedder()
    texts = "\n".join(i.model_dump_json() for i in items)
    cache = cache_dir / f"vectors-{len(items)}-{hashlib.sha1(texts.encode()).hexdigest()[:12]}.npz"
    vectors: dict[str, np.ndarray] = {}
    if cache.exists():
        stored = np.load(cache)
        vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    kb = KnowledgeBase(encoder)
    reported = [0]

    def embedded(done: int, total: int) -> None:
        if progress:
            progress(done - reported[0])
        reported[0] = done

    kb.apply(upserts=items, vectors=vectors, progress=embedded)
    if not cache.exists():
        keys, matrix = kb.vector_snapshot("product")
        faq_keys, faq_matrix = kb.vector_snapshot("faq")
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(".partial.npz")  # renamed when whole: readers never see half
        vectors_out = np.concatenate([matrix, faq_matrix])
        np.savez(partial, keys=np.asarray(keys + faq_keys), vectors=vectors_out)
        partial.replace(cache)
    return kb


async def _measure(
    dialogue: Dialogue, rate: float, seconds: float, tag: str = "m"
) -> dict[str, float]:
    latencies: list[float] = []

    async def one(i: int) -> None:
        started = time.perf_counter()
        # Every text unique, as shoppers' messages are: none comes from the embedder's
        # cache of recent texts (``tag`` keeps the throughput run's texts apart too).
        text = f"{SHOPPER_QUERIES[i % len(SHOPPER_QUERIES)]} {tag}{i}"
        await dialogue.respond(text, state=BotState(), facts=Facts())
        latencies.append((time.perf_counter() - started) * 1000)

    # Open loop at a fixed rate: a slow reply does not delay the next request.
    tasks = []
    count = int(rate * seconds)
    begin = time.perf_counter()
    for i in range(count):
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    ordered = sorted(latencies)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
    }


async def _throughput(dialogue: Dialogue, requests: int, concurrency: int, tag: str = "t") -> float:
    queue = list(range(requests))

    async def worker() -> None:
        while queue:
            i = queue.pop()
            text = f"{SHOPPER_QUERIES[i % len(SHOPPER_QUERIES)]} {tag}{i}"
            await dialogue.respond(text, state=BotState())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return round(requests / (time.perf_counter() - started), 1)


def latency(
    products: int = 50_000,
    rate: float = 25.0,
    seconds: float = 20.0,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    kb = cached_kb([*synthetic_catalog(products), *LATENCY_FAQS], cache_dir or CACHE_DIR, progress)
    runtime = Runtime(brain=Brain(kb), settings=BotSettings(), orders=OrderBook(None))
    dialogue = Dialogue(runtime)

    async def run() -> dict[str, Any]:
        await dialogue.respond("warm up", state=BotState())
        # As `touchpoint serve` does after start-up: the catalog's objects never become
        # garbage, so the cyclic GC need not walk them (a full pass takes 60-80 ms here).
        gc.collect()
        gc.freeze()
        measured = await _measure(dialogue, rate, seconds)
        replies_per_s = await _throughput(dialogue, requests=600, concurrency=32)
        return {
            "products": products,
            "rate_per_s": rate,
            **measured,
            "max_replies_per_s": replies_per_s,
        }

    return asyncio.run(run())


def run_all(data: Path, products: int, progress: Progress | None = None) -> dict[str, Any]:
    return {
        "clinc150": evaluate(load_clinc(data), progress),
        "banking77": evaluate(load_banking(data), progress),
        "bitext": evaluate(load_bitext(data), progress),
        "off_topic_products": off_topic_products(data, progress),
        "latency": latency(products, progress=progress),
    }
