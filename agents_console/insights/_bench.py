"""`touchpoint bench gaps`: how well gap clustering groups questions by what they ask.

Each data set's utterances stand in for unanswered shopper questions and its
intents for the topics an editor would write FAQs for. The texts are redacted
as stored questions are. The similarity threshold is searched on the dev splits
(CLINC150 val, Bitext dev) only; the figures reported are on the test splits.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from agents_console.insights._gaps import DEFAULT_THRESHOLD, Question, cluster_questions
from chat.privacy import redact

GRID = [round(0.4 + 0.025 * i, 3) for i in range(19)]  # 0.40 … 0.85
Labelled = list[tuple[str, str]]


def _clinc(data: Path, split: str) -> Labelled:
    items = json.loads((data / "clinc150" / "data_full.json").read_text())[split]
    return [(text, intent) for text, intent in items]


def _csv(path: Path, text: str, label: str) -> Labelled:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row[text], row[label]) for row in csv.DictReader(handle)]


def adjusted_rand_index(truth: list[str], found: list[int]) -> float:
    """Agreement of two partitions, 0 for chance and 1 for identical (Hubert and Arabie)."""
    pairs = Counter(zip(truth, found, strict=True))

    def comb2(counts: Any) -> float:
        values = np.fromiter(counts, dtype=np.float64)
        return float((values * (values - 1) / 2).sum())

    index = comb2(pairs.values())
    rows, cols = comb2(Counter(truth).values()), comb2(Counter(found).values())
    total = len(truth) * (len(truth) - 1) / 2
    expected = rows * cols / total
    maximum = (rows + cols) / 2
    return (index - expected) / (maximum - expected) if maximum != expected else 1.0


def purity(truth: list[str], found: list[int]) -> tuple[float, float]:
    """(purity, inverse purity): how single-topic the clusters are, how unsplit the topics are."""
    pairs = Counter(zip(truth, found, strict=True))
    best_topic: dict[int, int] = {}
    best_cluster: dict[str, int] = {}
    for (topic, cluster), n in pairs.items():
        best_topic[cluster] = max(best_topic.get(cluster, 0), n)
        best_cluster[topic] = max(best_cluster.get(topic, 0), n)
    return sum(best_topic.values()) / len(truth), sum(best_cluster.values()) / len(truth)


def evaluate(items: Labelled, vectors: np.ndarray, threshold: float) -> dict[str, float]:
    now = dt.datetime.now(dt.UTC)
    texts = [redact(text) for text, _ in items]
    by_text = {text: vectors[i] for i, text in enumerate(texts)}
    questions = [
        Question(turn_id=i, text=t, kind="unanswered", at=now) for i, t in enumerate(texts)
    ]
    started = time.perf_counter()
    clusters = cluster_questions(
        questions, lambda batch: np.stack([by_text[t] for t in batch]), threshold=threshold
    )
    seconds = time.perf_counter() - started
    found = [0] * len(items)
    for number, cluster in enumerate(clusters):
        for turn_id in cluster.turn_ids:
            found[turn_id] = number
    truth = [label for _, label in items]
    pure, whole = purity(truth, found)
    return {
        "threshold": threshold,
        "questions": len(items),
        "topics": len(set(truth)),
        "clusters": len(clusters),
        "ari": round(adjusted_rand_index(truth, found), 4),
        "purity": round(pure, 4),
        "inverse_purity": round(whole, 4),
        "seconds": round(seconds, 3),
    }


def run_gap_benchmark(
    data: Path, *, tune: bool, threshold: float | None, progress: Callable[[int], None]
) -> dict[str, Any]:
    from knowledge import get_embedder

    embedder = get_embedder()
    dev = {
        "clinc150_val": _clinc(data, "val"),
        "bitext_dev": _csv(data / "bitext_intent" / "dev.csv", "utterance", "intent"),
    }
    test = {
        "clinc150_test": _clinc(data, "test"),
        "bitext_test": _csv(data / "bitext_intent" / "test.csv", "utterance", "intent"),
        "banking77_test": _csv(data / "banking77" / "test.csv", "text", "category"),
    }
    vectors = {}
    for name, items in {**dev, **test}.items():
        vectors[name] = embedder.encode([redact(text) for text, _ in items])
        progress(10)
    chosen = threshold or DEFAULT_THRESHOLD
    search: list[dict[str, Any]] = []
    if tune:
        for value in GRID:
            scores = [evaluate(items, vectors[name], value)["ari"] for name, items in dev.items()]
            search.append({"threshold": value, "mean_ari": round(float(np.mean(scores)), 4)})
        best = max(search, key=lambda row: row["mean_ari"])
        chosen = threshold or best["threshold"]
    progress(30)
    report = {name: evaluate(items, vectors[name], chosen) for name, items in test.items()}
    progress(20)
    return {
        "model": embedder.model_id,
        "threshold": chosen,
        "default_threshold": DEFAULT_THRESHOLD,
        "dev_search": search,
        "test": report,
    }
