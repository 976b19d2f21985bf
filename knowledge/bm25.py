"""An incremental BM25 index over "units" (a product, an FAQ question or variant).

Pure: no I/O. Units are added and removed one at a time, so live edits never
rebuild the index. Postings are compact ``array`` buffers scored with numpy; a
removed unit is masked at once and its postings are dropped by ``compact``.
See docs/subsystems/knowledge-search.md.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from knowledge.analysis import Alternative, Clause, compound_clauses

MAX_AFFIX_MATCHES = 40


class Bm25Index:
    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._term_ids: dict[str, int] = {}
        self._post_units: list[array[int]] = []
        self._post_tfs: list[array[float]] = []
        self._df = array("i")
        self._lengths = array("f")
        self._alive = bytearray()
        self._unit_terms: list[array[int] | None] = []
        self._alive_count = 0
        self._total_length = 0.0
        self._postings = 0
        self._dead_postings = 0
        # Terms of German units, sorted forwards and backwards for compound look-ups.
        self._german: set[str] = set()
        self._german_sorted: list[str] = []
        self._german_reversed: list[str] = []

    # --- updates --------------------------------------------------------------------------

    @property
    def alive_count(self) -> int:
        """Units indexed and not removed."""
        return self._alive_count

    @property
    def unit_count(self) -> int:
        """Units ever added (ids run from 0 to this, removed ones included)."""
        return len(self._lengths)

    def add(self, terms: Mapping[str, float], *, german: bool = False) -> int:
        """Index one unit: term -> weighted frequency. Returns the unit id."""
        unit = len(self._lengths)
        term_ids = array("i")
        for term, tf in terms.items():
            tid = self._term_id(term)
            self._post_units[tid].append(unit)
            self._post_tfs[tid].append(tf)
            self._df[tid] += 1
            term_ids.append(tid)
            if german and term not in self._german:
                self._add_german(term)
        length = float(sum(terms.values()))
        self._lengths.append(length)
        self._alive.append(1)
        self._unit_terms.append(term_ids)
        self._alive_count += 1
        self._total_length += length
        self._postings += len(term_ids)
        return unit

    def remove(self, unit: int) -> None:
        term_ids = self._unit_terms[unit]
        if term_ids is None:
            return
        for tid in term_ids:
            self._df[tid] -= 1
        self._unit_terms[unit] = None
        self._alive[unit] = 0
        self._alive_count -= 1
        self._total_length -= self._lengths[unit]
        self._dead_postings += len(term_ids)
        if self._dead_postings > 0.3 * self._postings:
            self.compact()

    def compact(self) -> None:
        """Drop the postings of removed units."""
        alive = np.frombuffer(self._alive, dtype=np.uint8).astype(bool)
        for tid, units in enumerate(self._post_units):
            unit_ids = np.frombuffer(units, dtype=np.int32)
            keep = alive[unit_ids]
            if keep.all():
                continue
            tfs = np.frombuffer(self._post_tfs[tid], dtype=np.float32)
            self._post_units[tid] = array("i", unit_ids[keep].tobytes())
            self._post_tfs[tid] = array("f", tfs[keep].tobytes())
        self._postings -= self._dead_postings
        self._dead_postings = 0

    def _term_id(self, term: str) -> int:
        tid = self._term_ids.get(term)
        if tid is None:
            tid = self._term_ids[term] = len(self._post_units)
            self._post_units.append(array("i"))
            self._post_tfs.append(array("f"))
            self._df.append(0)
        return tid

    def _add_german(self, term: str) -> None:
        self._german.add(term)
        bisect.insort(self._german_sorted, term)
        bisect.insort(self._german_reversed, term[::-1])

    # --- vocabulary, for German compounds -------------------------------------------------

    def df(self, term: str) -> int:
        tid = self._term_ids.get(term)
        return 0 if tid is None else self._df[tid]

    def is_german_term(self, term: str) -> bool:
        return term in self._german and self.df(term) > 0

    def german_terms_with_affix(self, term: str) -> Iterator[str]:
        """German terms starting or ending with ``term`` (and longer than it)."""
        found = 0
        for words, key, turn in (
            (self._german_sorted, term, False),
            (self._german_reversed, term[::-1], True),
        ):
            i = bisect.bisect_left(words, key)
            while i < len(words) and words[i].startswith(key) and found < MAX_AFFIX_MATCHES:
                word = words[i][::-1] if turn else words[i]
                if word != term and self.df(word) > 0:
                    found += 1
                    yield word
                i += 1

    def expand(
        self, clauses: Sequence[Clause], *, affix_weight: float, split_weight: float
    ) -> list[Clause]:
        return compound_clauses(
            clauses,
            self.is_german_term,
            self.german_terms_with_affix,
            affix_weight=affix_weight,
            split_weight=split_weight,
        )

    # --- scoring --------------------------------------------------------------------------

    def scores(self, clauses: Sequence[Clause]) -> tuple[np.ndarray, float]:
        """BM25 of every unit (0 for removed ones) and the best score any unit could get.

        The bound lets callers turn scores into 0..1 evidence: a query token
        the index has never seen counts with the highest idf, so an unknown
        word lowers the evidence of every match.
        """
        n = self.unit_count
        total = np.zeros(n, dtype=np.float32)
        if not self._alive_count:
            return total, 1.0
        lengths = np.frombuffer(self._lengths, dtype=np.float32)
        avgdl = self._total_length / self._alive_count or 1.0
        idf_unknown = self._idf(0)
        bound = 0.0
        for clause in clauses:
            best = np.zeros(n, dtype=np.float32)
            clause_bound = 0.0
            for alternative in clause.alternatives:
                dfs = [self.df(term) for term in alternative.terms]
                if 0 in dfs:
                    continue
                clause_bound = max(clause_bound, sum(map(self._idf, dfs)) / len(dfs))
                self._score_alternative(alternative, lengths, avgdl, best)
            bound += (self.k1 + 1) * (clause_bound or idf_unknown)
            total += best
        total *= np.frombuffer(self._alive, dtype=np.uint8)
        return total, bound or 1.0

    def _score_alternative(
        self, alternative: Alternative, lengths: np.ndarray, avgdl: float, best: np.ndarray
    ) -> None:
        k1, b = self.k1, self.b
        factor = alternative.weight / len(alternative.terms)
        combined: np.ndarray | None = None
        for term in alternative.terms:
            tid = self._term_ids[term]
            units = np.frombuffer(self._post_units[tid], dtype=np.int32)
            tf = np.frombuffer(self._post_tfs[tid], dtype=np.float32)
            norm = k1 * (1 - b + b * lengths[units] / avgdl)
            part = (factor * self._idf(self._df[tid]) * (k1 + 1)) * tf / (tf + norm)
            if len(alternative.terms) == 1:
                best[units] = np.maximum(best[units], part)
                return
            if combined is None:
                combined = np.zeros_like(best)
            combined[units] += part
        assert combined is not None
        np.maximum(best, combined, out=best)

    def _idf(self, df: int) -> float:
        n = self._alive_count
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def nbytes(self) -> int:
        """Bytes held by postings and per-unit arrays (not Python object overhead)."""
        postings = sum(u.itemsize * len(u) for u in self._post_units) * 2
        units = sum(t.itemsize * len(t) for t in self._unit_terms if t is not None)
        return postings + units + len(self._lengths) * 5 + len(self._df) * 4
