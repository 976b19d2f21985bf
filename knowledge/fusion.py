"""Fusing keyword and dense scores into one ranking. Pure.

Three methods, chosen and tuned on the dev splits (``touchpoint bench tune-search``):

- ``weighted``: ``w * cosine + (1 - w) * keyword``, keyword being BM25 over its bound (0..1);
- ``minmax``: the same after scaling both to 0..1 over the candidates of the query;
- ``rrf``: reciprocal rank fusion, ``1/(k + rank)`` summed over both lists.

Candidates are the ``depth`` best of each retriever. See docs/subsystems/knowledge-search.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

FusionMethod = Literal["weighted", "minmax", "rrf"]


@dataclass(frozen=True)
class FusionParams:
    method: FusionMethod = "weighted"
    dense_weight: float = 0.5
    rrf_k: float = 60.0
    depth: int = 50


def blend_centre(best: np.ndarray, centre: np.ndarray, weight: float) -> np.ndarray:
    """A document's dense evidence: its best text's cosine with ``weight`` of its centre's."""
    if weight == 0:
        return best
    blended: np.ndarray = ((1 - weight) * best + weight * centre).astype(np.float32)
    return blended


def top_indices(scores: np.ndarray, depth: int, *, floor: float = 0.0) -> np.ndarray:
    """Indices of the ``depth`` highest scores above ``floor``, best first."""
    eligible = np.flatnonzero(scores > floor)
    if len(eligible) > depth:
        part = np.argpartition(-scores[eligible], depth - 1)[:depth]
        eligible = eligible[part]
    return eligible[np.argsort(-scores[eligible], kind="stable")]


def candidates(
    keyword: np.ndarray | None, dense: np.ndarray | None, depth: int, *, dense_floor: float
) -> np.ndarray:
    """The union of each retriever's best ``depth`` entries (sorted indices)."""
    pools = []
    if keyword is not None:
        pools.append(top_indices(keyword, depth))
    if dense is not None:
        pools.append(top_indices(dense, depth, floor=dense_floor))
    if not pools:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(pools))


def fuse(keyword: np.ndarray, dense: np.ndarray, params: FusionParams) -> np.ndarray:
    """Fused scores for candidates given their keyword evidence (0..1) and cosine."""
    if len(keyword) == 0:
        return np.zeros(0, dtype=np.float32)
    if params.method == "rrf":
        summed: np.ndarray = _rrf(keyword, params.rrf_k) + _rrf(dense, params.rrf_k)
        return summed
    if params.method == "minmax":
        keyword, dense = _minmax(keyword), _minmax(dense)
    w = params.dense_weight
    return (w * dense + (1 - w) * keyword).astype(np.float32)


def rank(
    keyword: np.ndarray, dense: np.ndarray, params: FusionParams
) -> tuple[np.ndarray, np.ndarray]:
    """Candidates best first with their fused scores; ``dense`` must be known for each of them."""
    pool = candidates(keyword, dense, params.depth, dense_floor=-np.inf)
    return rank_pool(pool, keyword[pool], dense[pool], params)


def rank_pool(
    pool: np.ndarray, keyword: np.ndarray, dense: np.ndarray, params: FusionParams
) -> tuple[np.ndarray, np.ndarray]:
    """``pool`` best first with fused scores, given the evidence of each pool entry."""
    fused = fuse(keyword, dense, params)
    order = np.argsort(-fused, kind="stable")
    return pool[order], fused[order]


def _rrf(scores: np.ndarray, k: float) -> np.ndarray:
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float32)
    ranks[order] = np.arange(1, len(scores) + 1, dtype=np.float32)
    # No evidence at all earns no rank credit.
    return np.where(scores > 0, 1.0 / (k + ranks), 0.0).astype(np.float32)


def _minmax(scores: np.ndarray) -> np.ndarray:
    low, high = float(scores.min()), float(scores.max())
    if high - low < 1e-9:
        return np.ones_like(scores) if high > 0 else np.zeros_like(scores)
    return (scores - low) / (high - low)
