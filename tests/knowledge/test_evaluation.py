"""Tuning evidence (dev queries and held-out variants): a setting that loses to a single
retriever on a data set ranks below one that does not, even with a better mean."""

from __future__ import annotations

import numpy as np

from knowledge.evaluation import (
    Dataset,
    Evidence,
    Paired,
    accuracy,
    choose_centroid_weight,
    held_out_folds,
    hits,
    tune,
)
from knowledge.fusion import FusionParams
from knowledge.schemas import Faq

HEAVY_KEYWORD = FusionParams(dense_weight=0.2, depth=3)
BALANCED = FusionParams(dense_weight=0.7, depth=3)


def evidence(rows: list[tuple[list[float], list[float]]], gold: int = 0) -> Evidence:
    keyword, dense = zip(*rows, strict=True)
    return Evidence(np.array(keyword), np.array(dense), np.full(len(rows), gold))


# Fusion helps on A with either weight; on B, heavy keyword weight loses one query dense had.
A = evidence(
    [
        ([0.9, 0.0, 0.0], [0.5, 0.6, 0.0]),
        ([0.9, 0.0, 0.0], [0.6, 0.9, 0.0]),
        ([0.8, 0.0, 0.0], [0.5, 0.9, 0.0]),  # only heavy keyword weight gets this one
        ([0.5, 0.6, 0.0], [0.9, 0.2, 0.0]),
        ([0.8, 0.9, 0.0], [0.8, 0.0, 0.9]),  # neither retriever alone
    ]
)
B = evidence([([0.9, 0.0, 0.0], [0.9, 0.3, 0.0])] * 9 + [([0.0, 0.9, 0.0], [0.9, 0.3, 0.0])])


def test_a_setting_losing_to_dense_on_one_set_ranks_below_one_losing_nowhere() -> None:
    assert (accuracy(A, "keyword", BALANCED), accuracy(A, "dense", BALANCED)) == (0.6, 0.2)
    assert (accuracy(A, "hybrid", HEAVY_KEYWORD), accuracy(A, "hybrid", BALANCED)) == (1.0, 0.8)
    assert accuracy(B, "dense", BALANCED) == accuracy(B, "hybrid", BALANCED) == 1.0
    assert accuracy(B, "hybrid", HEAVY_KEYWORD) == 0.9
    first, second = tune([A, B], [HEAVY_KEYWORD, BALANCED])
    assert second.mean > first.mean
    assert first.params == BALANCED and (first.beats_both, first.at_least_both) == (1, 2)
    assert second.params == HEAVY_KEYWORD and (second.beats_both, second.at_least_both) == (1, 1)


def test_a_shared_memo_gives_the_same_ranking() -> None:
    memo: dict[tuple[int, str, FusionParams], float] = {}
    grid = [HEAVY_KEYWORD, BALANCED]
    assert tune([A, B], grid, memo=memo) == tune([A, B], grid)
    assert tune([A, B], grid, memo=memo) == tune([A, B], grid)  # answered from the memo
    assert len(memo) == 2 * (2 + len(grid))  # per data set: keyword, dense, each setting


def test_held_out_folds_take_one_variant_of_each_faq_as_its_query() -> None:
    faqs = [
        Faq(
            id="returns",
            question="Returns",
            answer="",
            variants=["send back", "refund", "return it"],
        ),
        Faq(id="hours", question="Opening hours", answer="", variants=["when open"]),
    ]
    folds = held_out_folds(Dataset("toy", faqs, dev=[], test=[]), folds=3)
    assert len(folds) == 3
    held = [queries for _, queries in folds]
    # Each variant of "returns" is a query exactly once; "hours" has one variant to give.
    assert sorted(text for queries in held for text, faq in queries if faq == "returns") == sorted(
        faqs[0].variants
    )
    assert [len(queries) for queries in held] == [2, 1, 1]
    for fold_faqs, queries in folds:
        assert [faq.id for faq in fold_faqs] == ["returns", "hours"]
        for text, faq_id in queries:
            kept = next(faq for faq in fold_faqs if faq.id == faq_id)
            assert text not in kept.variants
            assert len(kept.variants) == len(next(f for f in faqs if f.id == faq_id).variants) - 1


def test_evidence_of_several_query_sets_joins_in_order() -> None:
    joined = Evidence.concat([A, B])
    assert len(joined.gold) == len(A.gold) + len(B.gold)
    assert accuracy(joined, "dense", BALANCED) == (
        accuracy(A, "dense", BALANCED) * len(A.gold) + accuracy(B, "dense", BALANCED) * len(B.gold)
    ) / len(joined.gold)


def test_hits_mark_each_query_and_average_to_the_accuracy() -> None:
    right = hits(A, "hybrid", BALANCED)
    assert right.tolist() == [True, True, False, True, True]
    assert accuracy(A, "hybrid", BALANCED) == right.mean() == 0.8
    assert hits(A, "dense", BALANCED).tolist() == [False, False, False, True, False]


def test_paired_counts_the_queries_only_one_gets_right_with_the_sign_test_p() -> None:
    first = np.array([True, True, True, True, True, False])
    second = np.array([True, False, False, False, False, False])
    # Four to none: a split at least that uneven comes 2 * (1/2)^4 of the time by chance.
    assert Paired.of(first, second) == Paired(4, 0, 0.125)
    # One against two: as even as three can be, so nothing to tell them apart.
    assert Paired.of(np.array([True, False, False, True]), np.array([False, True, True, True])) == (
        Paired(1, 2, 1.0)
    )
    assert Paired.of(first, first) == Paired(0, 0, 1.0)
    assert Paired.of(second, first).only_second == 4


def test_the_centre_weight_blends_cosines_and_is_chosen_on_dense_alone() -> None:
    # Query 0 is right by the best text's cosine alone, queries 1 and 2 only with the centre's.
    plain = Evidence(
        keyword=np.zeros((3, 2)),
        cosine=np.array([[0.9, 0.8], [0.9, 0.85], [0.9, 0.88]]),
        gold=np.array([0, 1, 1]),
        centre=np.array([[0.3, 0.8], [0.3, 0.8], [0.3, 0.8]]),
    )
    assert plain.dense is plain.cosine  # weight 0: the best text alone
    half = plain.with_centroid_weight(0.5)
    assert np.allclose(half.dense[1], [0.6, 0.825])
    assert hits(plain, "dense", BALANCED).tolist() == [True, False, False]
    assert hits(half, "dense", BALANCED).tolist() == [False, True, True]
    # Over two data sets (B's FAQs have one text each, so the weight cannot move it):
    chosen, by_weight = choose_centroid_weight([plain, B], weights=(0.0, 0.2, 0.5))
    assert by_weight == {0.0: [1 / 3, 1.0], 0.2: [2 / 3, 1.0], 0.5: [2 / 3, 1.0]}
    assert chosen == 0.2  # the lower of the tied weights
    # Joined query sets keep each part's centre.
    joined = Evidence.concat([half, half])
    assert np.allclose(joined.dense, np.concatenate([half.dense, half.dense]))
