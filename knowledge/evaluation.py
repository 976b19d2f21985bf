"""Retrieval quality on public intent and FAQ data (the folder ../shared/data).

Each intent or FAQ thread becomes one FAQ whose training utterances are its
variants; dev utterances and held-out variants (``held_out_folds``) tune
fusion, test utterances are reported. Splits:

- clinc150: train / val / test (in-scope queries only);
- banking77: test.csv is the test; train utterances whose SHA-1 (as a number) is
  divisible by 10 are dev, the rest are variants;
- bitext_intent: train / dev / test;
- stackfaq: each thread's rephrasings sorted by SHA-1: 5 variants, 3 dev, the rest test.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from knowledge import fusion
from knowledge.base import KnowledgeBase, text_key
from knowledge.embedder import Embedder
from knowledge.fusion import FusionParams
from knowledge.schemas import Faq
from knowledge.settings import KnowledgeSettings

DATASETS = ("clinc150", "banking77", "bitext_intent", "stackfaq")
Labelled = list[tuple[str, str]]  # (utterance, faq id)


def data_root() -> Path:
    configured = os.environ.get("TOUCHPOINT_EVAL_DATA")
    return (
        Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared" / "data"
    )


@dataclass
class Dataset:
    name: str
    faqs: list[Faq]
    dev: Labelled
    test: Labelled


def _hash(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest(), 16)


def _intent_faqs(train: Labelled) -> list[Faq]:
    variants: dict[str, list[str]] = defaultdict(list)
    for text, intent in train:
        variants[intent].append(text)
    return [
        Faq(id=intent, question=intent.replace("_", " "), answer="", variants=texts)
        for intent, texts in sorted(variants.items())
    ]


def _csv(path: Path, text: str, label: str) -> Labelled:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row[text], row[label]) for row in csv.DictReader(handle)]


def load_clinc150(root: Path) -> Dataset:
    data = json.loads((root / "clinc150" / "data_full.json").read_text())
    pairs = {split: [(t, i) for t, i in data[split]] for split in ("train", "val", "test")}
    return Dataset("clinc150", _intent_faqs(pairs["train"]), pairs["val"], pairs["test"])


def load_banking77(root: Path) -> Dataset:
    train = _csv(root / "banking77" / "train.csv", "text", "category")
    dev = [pair for pair in train if _hash(pair[0]) % 10 == 0]
    variants = [pair for pair in train if _hash(pair[0]) % 10 != 0]
    return Dataset(
        "banking77",
        _intent_faqs(variants),
        dev,
        _csv(root / "banking77" / "test.csv", "text", "category"),
    )


def load_bitext_intent(root: Path) -> Dataset:
    folder = root / "bitext_intent"
    train, dev, test = (
        _csv(folder / f"{s}.csv", "utterance", "intent") for s in ("train", "dev", "test")
    )
    return Dataset("bitext_intent", _intent_faqs(train), dev, test)


def load_stackfaq(root: Path) -> Dataset:
    threads = json.loads((root / "stackfaq" / "stackExchange-FAQ.json").read_text())["root"][
        "qapair"
    ]
    faqs, dev, test = [], [], []
    for number, thread in enumerate(threads):
        faq_id = f"thread-{number:03d}"
        rephrasings = sorted(
            {r.strip() for r in thread["rephr"] if r and len(r.strip()) > 2}, key=_hash
        )
        faqs.append(
            Faq(
                id=faq_id,
                question=thread["question"],
                answer=" ".join(thread["answer"]),
                variants=rephrasings[:5],
            )
        )
        dev += [(text, faq_id) for text in rephrasings[5:8]]
        test += [(text, faq_id) for text in rephrasings[8:]]
    return Dataset("stackfaq", faqs, dev, test)


LOADERS: dict[str, Callable[[Path], Dataset]] = {
    "clinc150": load_clinc150,
    "banking77": load_banking77,
    "bitext_intent": load_bitext_intent,
    "stackfaq": load_stackfaq,
}


@dataclass
class Evidence:
    """Per query: for every FAQ its keyword evidence, its best text's cosine and its centre's
    cosine; and the right FAQ's index. ``dense`` is what ranks by meaning at
    ``centroid_weight`` (the setting ``dense_centroid_weight``)."""

    keyword: np.ndarray  # queries x faqs
    cosine: np.ndarray
    gold: np.ndarray
    centre: np.ndarray | None = None  # None: the same as ``cosine`` (FAQs of one text)
    centroid_weight: float = 0.0

    @cached_property
    def dense(self) -> np.ndarray:
        if self.centre is None:
            return self.cosine
        return fusion.blend_centre(self.cosine, self.centre, self.centroid_weight)

    def with_centroid_weight(self, weight: float) -> Evidence:
        return replace(self, centroid_weight=weight)

    @classmethod
    def concat(cls, parts: Iterable[Evidence]) -> Evidence:
        """One set of queries from several over the same FAQs in the same order (and at
        the same centroid weight)."""
        parts = list(parts)
        centres = [e.centre if e.centre is not None else e.cosine for e in parts]
        return cls(
            np.concatenate([e.keyword for e in parts]),
            np.concatenate([e.cosine for e in parts]),
            np.concatenate([e.gold for e in parts]),
            np.concatenate(centres),
            parts[0].centroid_weight,
        )


def collect_evidence(
    kb: KnowledgeBase,
    queries: Labelled,
    embedder: Embedder,
    *,
    vectors: np.ndarray | None = None,
    keyword_texts: int | None = None,
    answer_weight: float | None = None,
) -> Evidence:
    """``vectors``: the queries' embeddings if already computed; ``keyword_texts`` and
    ``answer_weight`` override the settings of those names (tuning)."""
    if vectors is None:
        vectors = embedder.encode([text for text, _ in queries])
    keyword_rows, cosine_rows, centre_rows, gold = [], [], [], []
    for (text, faq_id), vector in zip(queries, vectors, strict=True):
        ids, keyword, cosine, centre = kb.faq_evidence(
            text, vector, keyword_texts=keyword_texts, answer_weight=answer_weight
        )
        keyword_rows.append(keyword)
        cosine_rows.append(cosine)
        centre_rows.append(centre)
        gold.append(ids.index(faq_id))
    return Evidence(
        np.stack(keyword_rows),
        np.stack(cosine_rows),
        np.asarray(gold),
        np.stack(centre_rows),
        kb.settings.dense_centroid_weight,
    )


# Leave-one-variant-out folds that join the dev queries for tuning.
HELD_OUT_FOLDS = 5


def held_out_folds(
    dataset: Dataset, folds: int = HELD_OUT_FOLDS
) -> list[tuple[list[Faq], Labelled]]:
    """Tuning queries from the training side: in fold ``j`` each FAQ's ``j``-th variant
    (by SHA-1) is a query and leaves that FAQ's variants; an FAQ with fewer variants is
    whole. Dev splits are small where they matter most (StackFAQ: 3 a thread, and hybrid
    gets all 375 right), so these give fusion more to choose on without touching a test
    split. Every fold keeps the FAQs in the dataset's order, so their evidence joins."""
    out = []
    for fold in range(folds):
        faqs, queries = [], []
        for faq in dataset.faqs:
            variants = sorted(dict.fromkeys(faq.variants), key=_hash)
            if len(variants) <= fold:
                faqs.append(faq)
                continue
            held = variants[fold]
            faqs.append(faq.model_copy(update={"variants": [v for v in faq.variants if v != held]}))
            queries.append((held, faq.id))
        out.append((faqs, queries))
    return out


def tuning_evidence(
    dataset: Dataset,
    embedder: Embedder,
    settings: KnowledgeSettings,
    keyword_settings: Iterable[tuple[int, float]],
    progress: Callable[[], None] | None = None,
) -> dict[tuple[int, float], Evidence]:
    """Dev plus held-out-variant evidence per (``faq_keyword_texts``, ``answer_weight``);
    ``progress`` is called after each.

    Each text is embedded once: the folds reuse the full knowledge base's vectors.
    """
    full = KnowledgeBase.in_memory(faqs=dataset.faqs, embedder=embedder, settings=settings)
    keys, rows = full.vector_snapshot("faq")
    vectors = dict(zip(keys, rows, strict=True))
    sets = [(full, dataset.dev, embedder.encode([text for text, _ in dataset.dev]))]
    for faqs, queries in held_out_folds(dataset):
        fold = KnowledgeBase(embedder, settings)
        fold.apply(upserts=faqs, vectors=vectors)
        sets.append((fold, queries, np.stack([vectors[text_key(t)] for t, _ in queries])))
    answers = any(faq.answer.strip() for faq in dataset.faqs)
    # Without answers the answer weight changes nothing: one evidence per keyword_texts.
    answerless: dict[int, Evidence] = {}
    out: dict[tuple[int, float], Evidence] = {}
    for texts, weight in keyword_settings:
        if not answers and texts in answerless:
            out[texts, weight] = answerless[texts]
        else:
            out[texts, weight] = answerless[texts] = Evidence.concat(
                collect_evidence(
                    kb, queries, embedder, vectors=v, keyword_texts=texts, answer_weight=weight
                )
                for kb, queries, v in sets
            )
        if progress:
            progress()
    return out


def hits(evidence: Evidence, mode: str, params: FusionParams) -> np.ndarray:
    """Per query, whether ``mode`` ranks the right FAQ first; a query with no keyword
    evidence at all is a miss for keyword."""
    right = []
    for keyword, dense, gold in zip(evidence.keyword, evidence.dense, evidence.gold, strict=True):
        if mode == "keyword":
            best = int(np.argmax(keyword)) if keyword.max() > 0 else -1
        elif mode == "dense":
            best = int(np.argmax(dense))
        else:
            order, _ = fusion.rank(keyword, dense, params)
            best = int(order[0]) if len(order) else -1
        right.append(best == gold)
    return np.asarray(right, dtype=bool)


def accuracy(evidence: Evidence, mode: str, params: FusionParams) -> float:
    """Top-1 accuracy (see ``hits``)."""
    return float(hits(evidence, mode, params).mean())


@dataclass(frozen=True)
class Paired:
    """Two retrievers on the same queries: how many only the first gets right, how many
    only the second, and the exact two-sided sign-test (McNemar) p-value of that split.

    A small p says the difference is unlikely if neither were better; with accuracies
    near 99 % a difference of one or two queries has p near 1: it is noise.
    """

    only_first: int
    only_second: int
    p_value: float

    @classmethod
    def of(cls, first: np.ndarray, second: np.ndarray) -> Paired:
        only_first = int(np.sum(first & ~second))
        only_second = int(np.sum(second & ~first))
        discordant = only_first + only_second
        tail = sum(math.comb(discordant, i) for i in range(min(only_first, only_second) + 1))
        return cls(only_first, only_second, min(1.0, 2 * tail / 2**discordant))


@dataclass(frozen=True)
class Tuned:
    """A fusion setting's dev figures: how many data sets it beats both retrievers
    alone on, on how many it is at least as good as both, and the mean accuracy."""

    beats_both: int
    at_least_both: int
    mean: float
    params: FusionParams


def tune(
    evidence: Iterable[Evidence],
    grid: Iterable[FusionParams],
    *,
    memo: dict[tuple[int, str, FusionParams], float] | None = None,
) -> list[Tuned]:
    """Every setting of ``grid`` on the dev evidence, best first.

    Hybrid must beat both retrievers on every data set, so settings are ranked
    by the data sets where they do, then by those where they lose to neither,
    then by mean accuracy: a better mean bought by losing to dense on one set
    ranks lower. ``memo`` keeps accuracies across calls that share an
    ``Evidence`` object (a data set whose evidence a setting does not change).
    """
    evidence = list(evidence)
    memo = {} if memo is None else memo

    def score(e: Evidence, mode: str, params: FusionParams) -> float:
        key = (id(e), mode, params)
        if key not in memo:
            memo[key] = accuracy(e, mode, params)
        return memo[key]

    single = FusionParams()  # keyword and dense alone ignore the fusion setting
    alone = [max(score(e, "keyword", single), score(e, "dense", single)) for e in evidence]
    tuned = []
    for params in grid:
        hybrid = [score(e, "hybrid", params) for e in evidence]
        pairs = list(zip(hybrid, alone, strict=True))
        tuned.append(
            Tuned(
                beats_both=int(sum(h > a for h, a in pairs)),
                at_least_both=int(sum(h >= a for h, a in pairs)),
                mean=float(np.mean(hybrid)),
                params=params,
            )
        )
    return sorted(tuned, key=lambda t: (-t.beats_both, -t.at_least_both, -t.mean))


# Values of the settings ``faq_keyword_texts``, ``answer_weight`` and
# ``dense_centroid_weight`` that tune-search tries.
KEYWORD_TEXTS = (1, 3, 5)
ANSWER_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
CENTROID_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def choose_centroid_weight(
    evidence: list[Evidence], weights: Iterable[float] = CENTROID_WEIGHTS
) -> tuple[float, dict[float, list[float]]]:
    """The dense retriever's own setting, chosen on dense alone before any fusion: the
    weight of the FAQ centre with the best mean accuracy over the data sets (the lower
    weight on a tie), and dense accuracy per weight and data set."""
    single = FusionParams()
    by_weight = {
        weight: [accuracy(e.with_centroid_weight(weight), "dense", single) for e in evidence]
        for weight in weights
    }
    best = max(by_weight, key=lambda weight: (float(np.mean(by_weight[weight])), -weight))
    return best, by_weight


def fusion_grid() -> list[FusionParams]:
    grid = []
    for depth in (5, 10, 20, 50):
        for weight in np.arange(0.3, 0.96, 0.05):
            for method in ("weighted", "minmax"):
                grid.append(
                    FusionParams(method=method, dense_weight=round(float(weight), 2), depth=depth)
                )
        for k in (1.0, 5.0, 10.0, 30.0, 60.0):
            grid.append(FusionParams(method="rrf", rrf_k=k, depth=depth))
    return grid
