"""The incremental BM25 index: scoring, evidence bound, removal, compounds."""

from __future__ import annotations

from collections import Counter

import numpy as np

from knowledge.analysis import analyse, query_clauses
from knowledge.bm25 import Bm25Index


def add(index: Bm25Index, text: str, language: str = "en") -> int:
    return index.add(Counter(analyse(text, language)), german=language == "de")  # type: ignore[arg-type]


def scores(index: Bm25Index, query: str) -> np.ndarray:
    raw, bound = index.scores(
        index.expand(query_clauses(query), affix_weight=0.6, split_weight=0.8)
    )
    return raw / bound


def test_rarer_terms_weigh_more_and_evidence_stays_within_0_and_1() -> None:
    index = Bm25Index()
    tent = add(index, "green dome tent")
    add(index, "green frying pan")
    add(index, "green kettle")
    evidence = scores(index, "green tent")
    assert int(np.argmax(evidence)) == tent
    assert 0 < evidence.max() < 1
    # "green" is in every unit and worth less than "tent".
    raw_green, _ = index.scores(query_clauses("green"))
    raw_tent, _ = index.scores(query_clauses("tent"))
    assert raw_green[tent] < raw_tent[tent]


def test_an_unknown_word_lowers_the_evidence() -> None:
    index = Bm25Index()
    unit = add(index, "dome tent")
    add(index, "kettle")
    assert scores(index, "tent xylophone")[unit] < scores(index, "tent")[unit]


def test_removed_units_score_nothing_and_compaction_keeps_the_rest() -> None:
    index = Bm25Index()
    units = [add(index, f"tent number {n}") for n in range(10)]
    for unit in units[:5]:
        index.remove(unit)  # past 30 % dead postings the index compacts itself
    result = scores(index, "tent")
    assert (result[units[:5]] == 0).all()
    assert (result[units[5:]] > 0).all()
    assert index.df(analyse("tent", "en")[0]) == 5


def test_query_word_inside_a_german_compound_matches() -> None:
    index = Bm25Index()
    pan = add(index, "Gusseisen Bratpfanne", "de")
    add(index, "Wasserkocher", "de")
    assert int(np.argmax(scores(index, "Pfanne"))) == pan


def test_german_query_compound_is_split_into_known_words() -> None:
    index = Bm25Index()
    chair = add(index, "Stuhl für den Garten", "de")
    add(index, "Tisch für die Küche", "de")
    result = scores(index, "Gartenstuhl")
    assert int(np.argmax(result)) == chair
    assert result[chair] > 0


def test_english_units_take_no_part_in_compound_matching() -> None:
    index = Bm25Index()
    add(index, "discard pile", "en")
    assert scores(index, "card").max() == 0
