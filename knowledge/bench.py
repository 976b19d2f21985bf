"""`touchpoint bench search` and `touchpoint bench tune-search`.

The search benchmark runs the real import path (parse, database, embedding,
index) into a fresh data dir, then times queries one at a time the way the bot
sends them, then an FAQ edit until search returns it, then retrieval quality
on the public data sets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from chat.config import Settings
from knowledge.base import KnowledgeBase
from knowledge.embedder import get_embedder
from knowledge.evaluation import (
    ANSWER_WEIGHTS,
    DATASETS,
    HELD_OUT_FOLDS,
    KEYWORD_TEXTS,
    LOADERS,
    Evidence,
    Paired,
    Tuned,
    accuracy,
    choose_centroid_weight,
    collect_evidence,
    data_root,
    fusion_grid,
    hits,
    tune,
    tuning_evidence,
)
from knowledge.formats import dump
from knowledge.fusion import FusionParams
from knowledge.schemas import Faq
from knowledge.settings import KnowledgeSettings
from knowledge.synthetic import synthetic_catalog, synthetic_queries

bench_app = typer.Typer(help="Benchmarks (print one JSON object with --json).")
QUERIES_PER_MODE = 200
MODES = ("keyword", "dense", "hybrid")
EDITS = 5


def _p95_ms(timings: list[float]) -> float:
    return round(float(np.percentile(timings, 95)) * 1000, 2)


def _say(message: str) -> None:
    typer.echo(message, err=True)


async def _catalog_figures(products: int) -> dict[str, Any]:
    from chat.hub import create_hub
    from knowledge.service import KnowledgeService

    with tempfile.TemporaryDirectory(prefix="tp-bench-") as tmp:
        hub = create_hub(Settings(data_dir=Path(tmp)), plugins=["knowledge"])
        await hub.migrate()
        await hub.bus.start()
        service = hub.require(KnowledgeService)
        try:
            await service.start()  # loads and warms the model (not timed), an empty index
            kb = service.kb
            data = dump(synthetic_catalog(products), "jsonl", "products").encode()
            _say(f"importing {products} products ...")
            started = time.perf_counter()
            await service.import_file(
                data, kind="products", filename="catalog.jsonl", actor="bench"
            )
            import_seconds = time.perf_counter() - started
            _say(f"  {import_seconds:.1f} s")

            queries = synthetic_queries(3 * QUERIES_PER_MODE)
            latency = {}
            for number, mode in enumerate(MODES):
                batch = queries[number * QUERIES_PER_MODE : (number + 1) * QUERIES_PER_MODE]
                timings = []
                for query in batch:  # distinct queries: no cached embedding helps
                    started = time.perf_counter()
                    kb.search(query, k=10, mode=mode)  # type: ignore[arg-type]
                    timings.append(time.perf_counter() - started)
                latency[f"{mode}_p95_ms"] = _p95_ms(timings)
            _say(f"  latency {latency}")

            faq = Faq(
                id="bench-faq", question="How do I care for a cast iron pan?", answer="Oil it."
            )
            await service.upsert(faq, actor="bench")
            edits = []
            for number in range(EDITS):
                phrase = f"seasoning my skillet after washing it, take {number}"
                edited = faq.model_copy(update={"variants": [phrase]})
                started = time.perf_counter()
                await service.upsert(edited, actor="bench")
                while kb.faq_matches(phrase, k=1)[0].matched_text != phrase:
                    await asyncio.sleep(0.001)
                edits.append(time.perf_counter() - started)
            return {
                "products": products,
                "import_per_s": round(products / import_seconds, 1),
                "index_mb": round(kb.nbytes() / 2**20, 1),
                **latency,
                "edit_to_searchable_s": round(max(edits), 3),
            }
        finally:
            await service.stop()
            await hub.bus.stop()
            await hub.engine.dispose()


def _quality(
    datasets: list[str], settings: KnowledgeSettings
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, dict[str, float]]]]:
    """Top-1 accuracy per data set and mode on the test split, and hybrid paired with each
    retriever alone on the same queries (``Paired``: is the difference more than noise?)."""
    embedder = get_embedder()
    params = settings.fusion_params()
    root = data_root()
    figures, paired = {}, {}
    for name in datasets:
        dataset = LOADERS[name](root)
        _say(f"quality: {name} ({len(dataset.faqs)} FAQs, {len(dataset.test)} test queries) ...")
        kb = KnowledgeBase.in_memory(faqs=dataset.faqs, embedder=embedder, settings=settings)
        evidence = collect_evidence(kb, dataset.test, embedder)
        right = {mode: hits(evidence, mode, params) for mode in MODES}
        figures[name] = {mode: round(float(right[mode].mean()), 4) for mode in MODES}
        paired[name] = {
            f"hybrid_vs_{alone}": _paired_figures(Paired.of(right["hybrid"], right[alone]), alone)
            for alone in ("keyword", "dense")
        }
        _say(f"  {figures[name]} {paired[name]}")
    return figures, paired


def _paired_figures(paired: Paired, alone: str) -> dict[str, float]:
    return {
        "hybrid_only": paired.only_first,
        f"{alone}_only": paired.only_second,
        "p": float(f"{paired.p_value:.3g}"),  # significant figures: tiny p stay visible
    }


DatasetsOption = Annotated[
    list[str] | None,
    typer.Option("--dataset", help=f"Repeatable; default all of {', '.join(DATASETS)}."),
]


def _datasets(chosen: list[str] | None) -> list[str]:
    unknown = set(chosen or ()) - set(DATASETS)
    if unknown:
        raise typer.BadParameter(
            f"unknown data set(s) {sorted(unknown)}; choose from {DATASETS}", param_hint="--dataset"
        )
    return chosen or list(DATASETS)


@bench_app.command("search")
def bench_search(
    products: Annotated[
        int, typer.Option("--products", min=1, help="Size of the synthetic catalog.")
    ] = 50_000,
    quality: Annotated[
        bool, typer.Option(help="Also measure top-1 accuracy on the public data.")
    ] = True,
    dataset: DatasetsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Import throughput, index size, query latency, edit-to-searchable time, and retrieval
    quality with hybrid paired against each retriever alone."""
    logging.getLogger("touchpoint").setLevel(logging.WARNING)
    result = asyncio.run(_catalog_figures(products))
    if quality:
        result["quality"], result["quality_paired"] = _quality(
            _datasets(dataset), KnowledgeSettings()
        )
    typer.echo(json.dumps(result) if as_json else json.dumps(result, indent=2))


@bench_app.command("tune-search")
def bench_tune_search(
    dataset: DatasetsOption = None,
    top: Annotated[int, typer.Option(help="How many of the best settings to print.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """On the dev splits and held-out training variants (never the test splits): first the
    weight of an FAQ's centre in its dense evidence, on dense alone; then, with it, the
    keyword settings and fusion method, weight and depth."""
    logging.getLogger("touchpoint").setLevel(logging.WARNING)
    embedder = get_embedder()
    settings = KnowledgeSettings()
    names = _datasets(dataset)
    # Keyword evidence depends on faq_keyword_texts and answer_weight: one set per pair.
    pairs = [(texts, weight) for texts in KEYWORD_TEXTS for weight in ANSWER_WEIGHTS]
    evidence: dict[tuple[int, float], list[Evidence]] = {pair: [] for pair in pairs}
    memo: dict[tuple[int, str, FusionParams], float] = {}
    results: list[tuple[tuple[int, float], Tuned]] = []
    _say(f"dev queries and {HELD_OUT_FOLDS} folds of held-out variants of {', '.join(names)}")
    with typer.progressbar(
        length=len(names) * len(pairs) + len(pairs), label="tune-search", file=sys.stderr
    ) as bar:
        for name in names:
            data = LOADERS[name](data_root())
            found = tuning_evidence(data, embedder, settings, pairs, lambda: bar.update(1))
            for pair in pairs:
                evidence[pair].append(found[pair])
        # Dense evidence is the same under every keyword setting: any pair's will do.
        centre_weight, dense_by_weight = choose_centroid_weight(evidence[pairs[0]])
        # Data sets without answers share one evidence across answer weights (and the
        # memo by identity): reweighting keeps that sharing.
        reweighted: dict[int, Evidence] = {}
        evidence = {
            pair: [
                reweighted.setdefault(id(e), e.with_centroid_weight(centre_weight)) for e in found
            ]
            for pair, found in evidence.items()
        }
        grid = fusion_grid()
        for pair in pairs:
            results += [(pair, t) for t in tune(evidence[pair], grid, memo=memo)]
            bar.update(1)
    ranking = sorted(
        results, key=lambda entry: (-entry[1].beats_both, -entry[1].at_least_both, -entry[1].mean)
    )
    best = [
        {
            "tuning_accuracy": round(tuned.mean, 4),
            "beats_both_on": tuned.beats_both,
            "at_least_both_on": tuned.at_least_both,
            "dense_centroid_weight": centre_weight,
            "faq_keyword_texts": texts,
            "answer_weight": weight,
            **tuned.params.__dict__,
        }
        for (texts, weight), tuned in ranking[:top]
    ]
    pair, winner = ranking[0][0], ranking[0][1].params
    single, per_dataset = {}, {}
    for name, e in zip(names, evidence[pair], strict=True):
        single[name] = {mode: round(accuracy(e, mode, winner), 4) for mode in ("keyword", "dense")}
        per_dataset[name] = round(accuracy(e, "hybrid", winner), 4)
    result = {
        "dense_alone_tuning_by_centroid_weight": {
            str(w): dict(zip(names, (round(a, 4) for a in accs), strict=True))
            for w, accs in dense_by_weight.items()
        },
        "single_retriever_tuning": single,
        "best_hybrid_tuning": per_dataset,
        "best": best,
    }
    typer.echo(json.dumps(result) if as_json else json.dumps(result, indent=2))
