"""Fusion of keyword evidence and cosine."""

from __future__ import annotations

import numpy as np

from knowledge.fusion import FusionParams, candidates, fuse, rank, rank_pool, top_indices


def test_top_indices_best_first_above_floor() -> None:
    scores = np.array([0.1, 0.0, 0.7, 0.4])
    assert top_indices(scores, 2).tolist() == [2, 3]
    assert top_indices(scores, 10).tolist() == [2, 3, 0]


def test_candidates_are_the_union_of_both_retrievers() -> None:
    keyword = np.array([0.9, 0.0, 0.0, 0.2])
    dense = np.array([0.1, 0.8, 0.7, 0.0])
    assert candidates(keyword, dense, 1, dense_floor=-np.inf).tolist() == [0, 1]


def test_weighted_fusion_mixes_linearly() -> None:
    fused = fuse(np.array([1.0, 0.0]), np.array([0.0, 1.0]), FusionParams(dense_weight=0.75))
    assert np.allclose(fused, [0.25, 0.75])


def test_minmax_scales_each_retriever_to_0_1() -> None:
    fused = fuse(
        np.array([0.2, 0.4]), np.array([0.5, 0.6]), FusionParams(method="minmax", dense_weight=0.5)
    )
    assert np.allclose(fused, [0.0, 1.0])


def test_rrf_rewards_agreement_and_ignores_missing_evidence() -> None:
    fused = fuse(
        np.array([0.9, 0.0, 0.5]), np.array([0.9, 0.8, 0.1]), FusionParams(method="rrf", rrf_k=1)
    )
    assert int(np.argmax(fused)) == 0
    assert fused[1] == 1 / (1 + 2)  # dense rank 2, no keyword credit


def test_rank_puts_the_document_both_retrievers_like_first() -> None:
    keyword = np.array([0.8, 0.0, 0.6])
    dense = np.array([0.3, 0.7, 0.6])
    order, scores = rank(keyword, dense, FusionParams(dense_weight=0.5, depth=3))
    assert order.tolist()[0] == 2
    assert list(scores) == sorted(scores, reverse=True)


def test_rank_pool_ranks_a_given_pool_like_rank() -> None:
    keyword = np.array([0.8, 0.0, 0.6, 0.1])
    dense = np.array([0.3, 0.7, 0.6, 0.2])
    params = FusionParams(dense_weight=0.5, depth=2)
    pool = candidates(keyword, dense, 2, dense_floor=-np.inf)
    order, scores = rank_pool(pool, keyword[pool], dense[pool], params)
    expected_order, expected_scores = rank(keyword, dense, params)
    assert order.tolist() == expected_order.tolist()
    assert np.allclose(scores, expected_scores)
