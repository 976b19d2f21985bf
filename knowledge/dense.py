"""Dense retrieval: exact inner product over normalised embeddings stored in FAISS.

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
        self._flat = faiss.IndexFlatIP(dim)
        self._index = faiss.IndexIDMap2(self._flat)

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
        scores, ids = self._scan(query)
        keep = scores > radius  # as FAISS's range_search: strictly beyond the radius
        if allowed is not None:
            keep &= np.isin(ids, allowed, kind="table")
        return ids[keep], scores[keep]  # copies: the views into FAISS do not escape

    def nearest(self, query: np.ndarray) -> tuple[float, int | None]:
        """The cosine of the unit closest to ``query`` and its id; (0.0, None) for an
        empty index."""
        scores, ids = self._scan(query)
        if not len(scores):
            return 0.0, None
        best = int(scores.argmax())
        return float(scores[best]), int(ids[best])

    def _scan(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cosine with every unit, and the units' ids, by one matrix-vector product on
        FAISS's own storage (read in place, not copied). For a single query FAISS's
        range_search scans without BLAS and took twice as long (3.1 against 1.6 ms
        for 50,000 units on a 2-core Xeon). Callers hold the knowledge base's lock,
        so the index does not change while its memory is read."""
        count = len(self)
        if not count:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        matrix = faiss.rev_swig_ptr(self._flat.get_xb(), count * self.dim).reshape(count, self.dim)
        ids = faiss.rev_swig_ptr(self._index.id_map.data(), count)
        scores: np.ndarray = matrix @ np.asarray(query, dtype=np.float32)
        return scores, ids

    def nbytes(self) -> int:
        # Vectors plus the id map kept both ways by IndexIDMap2.
        return len(self) * (self.dim * 4 + 16)
