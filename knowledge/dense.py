"""Dense retrieval: exact inner product over normalised embeddings stored in FAISS.

A flat index is exact and, at 1.5 KB per 384-d vector, small enough for a
shop's catalog; ids are the keyword index's unit ids so both retrievers name
the same things.
"""

from __future__ import annotations

from collections import OrderedDict

import faiss
import numpy as np

# A filter that lets through fewer than this share of the units scores only those:
# gathering their rows and one product over them beat the scan of all 50,000 up to
# about a fifth (1.5 against 3.6-5 ms at a tenth on a 2-core EPYC).
SUBSET_SHARE = 0.125
# Full scans kept per query vector: one shopper message is looked up several times
# (nearest product, then the search with each filter the bot adds), and concurrent
# messages interleave. 200 KB each for 50,000 units.
SCANS_KEPT = 8


class DenseIndex:
    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._flat = faiss.IndexFlatIP(dim)
        self._index = faiss.IndexIDMap2(self._flat)
        self._position: np.ndarray | None = None  # unit id -> row in FAISS's storage, or -1
        self._scans: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64)
            )
            self._changed()

    def remove(self, ids: list[int]) -> None:
        if ids:
            self._index.remove_ids(faiss.IDSelectorBatch(np.asarray(ids, dtype=np.int64)))
            self._changed()

    def _changed(self) -> None:
        # Removal compacts the storage: rows move, and every kept scan is stale.
        self._position = None
        self._scans.clear()

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Copies of the given units' vectors; ``KeyError`` for an id not in the index.
        Gathered from the storage by row (FAISS's ``reconstruct_batch`` took 8 ms for
        5,000 ids, against 1 ms)."""
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = self._rows(np.asarray(ids, dtype=np.int64))
        return self._matrix()[rows]

    def scores(self, ids: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Cosine of ``query`` with the given units (they must be in the index)."""
        scores: np.ndarray = self.vectors(ids) @ query
        return scores

    def within(
        self, query: np.ndarray, radius: float, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every unit closer than ``radius`` (cosine), optionally among ``allowed`` ids only."""
        if allowed is not None and len(allowed) < SUBSET_SHARE * len(self):
            allowed = np.asarray(allowed, dtype=np.int64)
            scores = self.scores(allowed, query) if len(allowed) else np.empty(0, np.float32)
            keep = scores > radius
            return allowed[keep], scores[keep]
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
        for 50,000 units on a 2-core Xeon). The last scans are kept by query vector.
        Callers hold the knowledge base's lock, so the index does not change while
        its memory is read. The scores returned are shared: callers must not write."""
        count = len(self)
        if not count:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        query = np.asarray(query, dtype=np.float32)
        key = query.tobytes()
        scores = self._scans.get(key)
        if scores is None:
            scores = self._matrix() @ query
            scores.flags.writeable = False
            self._scans[key] = scores
            if len(self._scans) > SCANS_KEPT:
                self._scans.popitem(last=False)
        else:
            self._scans.move_to_end(key)
        return scores, self._ids()

    def _matrix(self) -> np.ndarray:
        count = len(self)
        return faiss.rev_swig_ptr(self._flat.get_xb(), count * self.dim).reshape(count, self.dim)

    def _ids(self) -> np.ndarray:
        return faiss.rev_swig_ptr(self._index.id_map.data(), len(self))

    def _rows(self, ids: np.ndarray) -> np.ndarray:
        if self._position is None:
            stored = self._ids()
            self._position = np.full(int(stored.max()) + 1 if len(stored) else 0, -1, np.int64)
            self._position[stored] = np.arange(len(stored))
        position = self._position
        rows = np.full(len(ids), -1, np.int64)
        in_range = (ids >= 0) & (ids < len(position))
        rows[in_range] = position[ids[in_range]]
        if (rows < 0).any():
            raise KeyError(f"unit ids not in the index: {ids[rows < 0][:5].tolist()}")
        return rows

    def nbytes(self) -> int:
        # Vectors plus the id map kept both ways by IndexIDMap2.
        return len(self) * (self.dim * 4 + 16)
