"""Tuning on dev evidence: a setting that loses to a single retriever on a data set ranks
below one that does not, even with a better mean."""

from __future__ import annotations

import numpy as np

from knowledge.evaluation import Evidence, accuracy, tune
from knowledge.fusion import FusionParams

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
