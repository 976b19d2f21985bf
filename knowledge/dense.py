"""Dense retrieval: exact inner product over normalised embeddings in FAISS.

A flat index is exact and, at 1.5 KB per 384-d vector, small enough for a
shop's catalog; ids are the keyword index's unit ids so both retrievers name
the same things.
"""

from __future__ import annotations

import faiss
import numpy as np


class DenseIndex:
    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64)
            )

    def remove(self, ids: list[int]) -> None:
        if ids:
            self._index.remove_ids(faiss.IDSelectorBatch(np.asarray(ids, dtype=np.int64)))

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._index.reconstruct_batch(ids.astype(np.int64)), dtype=np.float32)

    def scores(self, ids: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Cosine of ``query`` with the given units (they must be in the index)."""
        scores: np.ndarray = self.vectors(ids) @ query
        return scores

    def within(
        self, query: np.ndarray, radius: float, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every unit closer than ``radius`` (cosine), optionally among ``allowed`` ids only."""
        if not len(self):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        params = None
        if allowed is not None:
            if not len(allowed):
                return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed.astype(np.int64)))  # type: ignore[call-arg]
        _, scores, ids = self._index.range_search(
            query[None, :].astype(np.float32), radius, params=params
        )
        return ids.astype(np.int64), scores.astype(np.float32)

    def nbytes(self) -> int:
        # Vectors plus the id map kept both ways by IndexIDMap2.
        return len(self) * (self.dim * 4 + 16)
