"""The knowledge base: products and FAQs with keyword, dense and hybrid search.

Thread-safe and synchronous: callers on the event loop use ``asyncio.to_thread``.
Each kind is a ``_Corpus`` of units (a product; an FAQ question or variant)
indexed by BM25 and FAISS under the same unit ids. Updates replace a document's
units one by one, so an edit is searchable as soon as ``apply`` returns.
See docs/subsystems/knowledge-search.md.
"""

from __future__ import annotations

import hashlib
import threading
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from knowledge import fusion
from knowledge.analysis import (
    ANY_STOPWORD,
    Clause,
    Language,
    analyse,
    detect_language,
    fold,
    query_clauses,
    token_stems,
    tokens,
)
from knowledge.bm25 import Bm25Index
from knowledge.dense import DenseIndex
from knowledge.embedder import Embedder, get_embedder
from knowledge.facets import CatalogColumns, FilterError, parse_filters
from knowledge.schemas import Faq, FaqMatch, Hit, Item, Kind, Product, SearchResult, content_hash
from knowledge.settings import KnowledgeSettings
from knowledge.spelling import Lexicon, mend
from knowledge.synonyms import Thesaurus

SearchKind = Literal["products", "faqs"]
Mode = Literal["hybrid", "keyword", "dense"]
Progress = Callable[[int, int], None]  # (texts embedded or reused so far, all texts)

# Field weights of a product's keyword unit: the title says most.
PRODUCT_FIELD_WEIGHTS = {
    "title": 3.0,
    "brand": 2.0,
    "category": 2.0,
    "attributes": 1.0,
    "description": 1.0,
}
# The attributes worth embedding: what a shopper names when asking for a product.
EMBED_ATTRIBUTES = 4
EMBED_BATCH = 512


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def product_embedding_text(product: Product) -> str:
    """Short on purpose: title, category, brand and a few attributes embed fast and well."""
    attributes = [f"{k} {v}" for k, v in list(product.attributes.items())[:EMBED_ATTRIBUTES]]
    category = product.category.replace("/", " ")
    return ". ".join(
        part for part in (product.title, category, product.brand, ", ".join(attributes)) if part
    )


def language_of(locale: str) -> Language:
    return "de" if locale.lower().startswith("de") else "en"


@dataclass(frozen=True)
class Nearest:
    """The product closest in meaning to a query, and how close (its best text's cosine)."""

    similarity: float
    product_id: str | None


@dataclass(frozen=True)
class _Unit:
    terms: dict[str, float]
    german: bool
    text: str  # what is embedded and reported as the matched text


def _weighted_terms(parts: Iterable[tuple[str, float]], language: Language) -> dict[str, float]:
    terms: dict[str, float] = defaultdict(float)
    for text, weight in parts:
        for term in analyse(text, language):
            terms[term] += weight
    return dict(terms)


def product_language(product: Product, default_language: Language) -> Language:
    return detect_language(f"{product.title} {product.description}", default_language)


def attribute_words(product: Product) -> str:
    return " ".join(
        f"{value}" for value in product.attributes.values() if not isinstance(value, bool)
    )


def product_units(product: Product, default_language: Language) -> list[_Unit]:
    language = product_language(product, default_language)
    attributes = attribute_words(product)
    weights = PRODUCT_FIELD_WEIGHTS
    terms = _weighted_terms(
        (
            (product.title, weights["title"]),
            (product.brand, weights["brand"]),
            (product.category.replace("/", " "), weights["category"]),
            (attributes, weights["attributes"]),
            (product.description, weights["description"]),
        ),
        language,
    )
    return [_Unit(terms, language == "de", product_embedding_text(product))]


def faq_units(faq: Faq) -> list[_Unit]:
    """The question (with its tags), then each variant. The answer is a field of its own
    (``faq_answer_terms``): mixed into the question's unit, its length would drown the
    question's own words under BM25's length normalisation."""
    language = language_of(faq.locale)
    german = language == "de"
    question = _weighted_terms(((faq.question, 1.0), (" ".join(faq.tags), 1.0)), language)
    units = [_Unit(question, german, faq.question)]
    for variant in dict.fromkeys(faq.variants):
        units.append(_Unit(_weighted_terms(((variant, 1.0),), language), german, variant))
    return units


def lexicon_text(item: Item) -> str:
    """The words of ``item`` a shopper's slip is mended to (``KnowledgeBase.mended``)."""
    if isinstance(item, Product):
        return " ".join(
            (item.title, item.brand or "", item.category.replace("/", " "),
             attribute_words(item), item.description)
        )  # fmt: skip
    return " ".join((item.question, *item.variants, *item.tags, item.answer))


def faq_answer_terms(faq: Faq) -> dict[str, float]:
    return _weighted_terms(((faq.answer, 1.0),), language_of(faq.locale))


@dataclass(frozen=True)
class _Ranked:
    """A search's slots best first, with per-slot evidence over all slots."""

    order: np.ndarray
    keyword: np.ndarray  # what ranks: the mean over an FAQ's best texts
    keyword_best: np.ndarray  # the best single text's
    dense: np.ndarray  # the best text's cosine, -inf if unknown (ranking adds the centre's)
    matched: np.ndarray  # counts for `total` and facets
    fused: np.ndarray


class _Corpus:
    """Documents of one kind as units in a BM25 and a FAISS index sharing unit ids."""

    def __init__(self, dim: int, k1: float, b: float) -> None:
        self.bm25 = Bm25Index(k1, b)
        self.dense = DenseIndex(dim)
        self.unit_slot = array("i")
        self.unit_text: list[str] = []
        self.slot_units: list[list[int]] = []
        self.slot_ids: list[str | None] = []
        self.slots: dict[str, int] = {}
        # FAQ answers: a keyword field with its own BM25 (length normalisation, idf, bound),
        # one unit per document that has one; per slot its unit there or -1.
        self.answers = Bm25Index(k1, b)
        self.slot_answer = array("i")
        # Embedded text -> a live unit holding its vector, so unchanged text is never re-embedded.
        self._vector_unit: dict[str, int] = {}
        # Documents of several units (FAQs): the normalised mean of their vectors, by slot,
        # stacked into a matrix when first needed after a change.
        self._centroids: dict[int, np.ndarray] = {}
        self._centroid_table: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def slot_count(self) -> int:
        return len(self.slot_ids)

    def known_vectors(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        keys = {text: text_key(text) for text in texts}
        found = {
            text: self._vector_unit[key] for text, key in keys.items() if key in self._vector_unit
        }
        if not found:
            return {}
        vectors = self.dense.vectors(np.fromiter(found.values(), dtype=np.int64, count=len(found)))
        return dict(zip(found, vectors, strict=True))

    def add(
        self,
        doc_id: str,
        units: list[_Unit],
        vectors: Mapping[str, np.ndarray],
        answer: Mapping[str, float] | None = None,
    ) -> int:
        slot = len(self.slot_ids)
        self.slot_ids.append(doc_id)
        self.slots[doc_id] = slot
        german = units[0].german if units else False
        self.slot_answer.append(self.answers.add(answer, german=german) if answer else -1)
        ids = []
        for unit in units:
            uid = self.bm25.add(unit.terms, german=unit.german)
            self.unit_slot.append(slot)
            self.unit_text.append(unit.text)
            self._vector_unit[text_key(unit.text)] = uid
            ids.append(uid)
        self.slot_units.append(ids)
        unit_vectors = np.stack([vectors[u.text] for u in units])
        self.dense.add(np.asarray(ids, dtype=np.int64), unit_vectors)
        if len(units) > 1:
            centre = unit_vectors.astype(np.float32).mean(axis=0)
            self._centroids[slot] = centre / max(float(np.linalg.norm(centre)), 1e-12)
            self._centroid_table = None
        return slot

    def remove(self, doc_id: str) -> int | None:
        slot = self.slots.pop(doc_id, None)
        if slot is None:
            return None
        units = self.slot_units[slot]
        for uid in units:
            self.bm25.remove(uid)
            key = text_key(self.unit_text[uid])
            if self._vector_unit.get(key) == uid:
                del self._vector_unit[key]
        self.dense.remove(units)
        if self.slot_answer[slot] >= 0:
            self.answers.remove(self.slot_answer[slot])
            self.slot_answer[slot] = -1
        self.slot_units[slot] = []
        self.slot_ids[slot] = None
        if self._centroids.pop(slot, None) is not None:
            self._centroid_table = None
        return slot

    def vector_snapshot(self) -> tuple[list[str], np.ndarray]:
        keys = list(self._vector_unit)
        return keys, self.dense.vectors(np.fromiter(self._vector_unit.values(), dtype=np.int64))

    # --- per-document scores from per-unit scores ---------------------------------------

    def keyword(
        self,
        raw: list[Clause],
        settings: KnowledgeSettings,
        *,
        best_of: int = 1,
        answer_weight: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Keyword evidence (0..1) per slot for ranking, and the best unit's alone.

        A unit's evidence is its BM25 over the query's bound. For ranking, a slot
        takes the mean over its ``best_of`` best units, combined with its answer's
        evidence (its own field) as ``1 - (1 - texts) * (1 - w * answer)``, ``w`` being
        ``answer_weight`` (default: the setting): no answer leaves the texts' evidence as
        it is, and the result stays in 0..1. ``raw``: the query's clauses (``query_clauses``
        with synonyms).
        """
        clauses = self.bm25.expand(
            raw, affix_weight=settings.affix_weight, split_weight=settings.split_weight
        )
        scores, bound = self.bm25.scores(clauses)
        scores /= bound
        best = self._best_per_slot(scores, fill=0.0)
        ranked = best
        if best_of > 1 and len(self.unit_slot) != self.slot_count:
            ranked = self._mean_of_best(scores, best_of)
        weight = settings.answer_weight if answer_weight is None else answer_weight
        if weight > 0 and self.answers.alive_count:
            answers = self._answer_evidence(raw, settings)
            ranked = (1 - (1 - ranked) * (1 - weight * answers)).astype(np.float32)
        return ranked, best

    def _answer_evidence(self, raw: list[Clause], settings: KnowledgeSettings) -> np.ndarray:
        """Per slot, its answer's BM25 over the answer field's bound (0 without an answer)."""
        clauses = self.answers.expand(
            raw, affix_weight=settings.affix_weight, split_weight=settings.split_weight
        )
        scores, bound = self.answers.scores(clauses)
        units = np.frombuffer(self.slot_answer, dtype=np.int32)
        has = units >= 0
        evidence = np.zeros(self.slot_count, dtype=np.float32)
        evidence[has] = scores[units[has]] / bound
        return evidence

    def dense_scores(
        self, vector: np.ndarray, radius: float, allowed: np.ndarray | None
    ) -> np.ndarray:
        """Cosine per slot for documents with a unit within ``radius``; -inf elsewhere."""
        allowed_units = None
        if allowed is not None:
            allowed_units = np.flatnonzero(allowed[np.frombuffer(self.unit_slot, dtype=np.int32)])
        ids, scores = self.dense.within(vector, radius, allowed_units)
        unit_scores = np.full(self.bm25.unit_count, -np.inf, dtype=np.float32)
        unit_scores[ids] = scores
        return self._best_per_slot(unit_scores, fill=-np.inf)

    def centroid_scores(self, vector: np.ndarray, best: np.ndarray) -> np.ndarray:
        """Per slot, the cosine with the normalised mean of its units' vectors (its
        centre); ``best`` (its best unit's cosine) for a document of one unit, and
        -inf wherever ``best`` is (not scored)."""
        scores = best.copy()
        if self._centroids:
            if self._centroid_table is None:
                slots = np.fromiter(self._centroids, dtype=np.int64, count=len(self._centroids))
                self._centroid_table = slots, np.stack(list(self._centroids.values()))
            slots, matrix = self._centroid_table
            scored = np.isfinite(best[slots])
            scores[slots[scored]] = matrix[scored] @ vector
        return scores

    def dense_evidence(self, best: np.ndarray, vector: np.ndarray, weight: float) -> np.ndarray:
        """What ranks by meaning: ``(1 - weight)`` times the best unit's cosine plus
        ``weight`` times the centre's. The nearest phrasing alone can be a stray one; the
        centre says how close the query is to what all of them mean."""
        if weight == 0 or not self._centroids:
            return best
        return fusion.blend_centre(best, self.centroid_scores(vector, best), weight)

    def exact_dense(self, slots: np.ndarray, vector: np.ndarray) -> np.ndarray:
        out = np.empty(len(slots), dtype=np.float32)
        for i, slot in enumerate(slots):
            units = np.asarray(self.slot_units[slot], dtype=np.int64)
            out[i] = float(self.dense.scores(units, vector).max())
        return out

    def _mean_of_best(self, unit_scores: np.ndarray, best_of: int) -> np.ndarray:
        """Per slot, the mean of its ``best_of`` highest unit scores (of all, if it has fewer)."""
        slots = np.frombuffer(self.unit_slot, dtype=np.int32)
        order = np.lexsort((-unit_scores, slots))
        grouped = slots[order]
        starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        sizes = np.diff(np.r_[starts, len(grouped)])
        rank = np.arange(len(grouped)) - np.repeat(starts, sizes)
        kept = order[rank < best_of]
        sums = np.bincount(slots[kept], weights=unit_scores[kept], minlength=self.slot_count)
        counts = np.bincount(slots[kept], minlength=self.slot_count)
        return (sums / np.maximum(counts, 1)).astype(np.float32)

    def _best_per_slot(self, unit_scores: np.ndarray, *, fill: float) -> np.ndarray:
        if len(self.unit_slot) == self.slot_count:
            # One unit per document (products): units and slots are numbered alike.
            return unit_scores.astype(np.float32, copy=False)
        best = np.full(self.slot_count, fill, dtype=np.float32)
        slots = np.frombuffer(self.unit_slot, dtype=np.int32)
        np.maximum.at(best, slots, unit_scores)
        return best

    def best_unit(self, slot: int, vector: np.ndarray | None, clauses: list[Clause]) -> str:
        units = self.slot_units[slot]
        if vector is not None:
            scores = self.dense.scores(np.asarray(units, dtype=np.int64), vector)
            return self.unit_text[units[int(np.argmax(scores))]]
        unit_scores, _ = self.bm25.scores(clauses)
        return self.unit_text[max(units, key=lambda u: unit_scores[u])]

    def nbytes(self) -> int:
        return (
            self.bm25.nbytes()
            + self.answers.nbytes()
            + self.dense.nbytes()
            + (len(self.unit_slot) + len(self.slot_answer)) * 4
            + sum(centre.nbytes for centre in self._centroids.values())
        )


class KnowledgeBase:
    """Products and FAQs, searchable by keyword, meaning or both."""

    def __init__(self, embedder: Embedder, settings: KnowledgeSettings | None = None) -> None:
        self.embedder = embedder
        self.settings = settings or KnowledgeSettings()
        self._lock = threading.RLock()
        self.synonyms = Thesaurus()
        # What the shop calls a category per language (path -> language -> name), for the
        # bot's buttons; the service installs the stored names.
        self.category_names: dict[str, dict[str, str]] = {}
        self._reset()

    def _reset(self) -> None:
        s = self.settings
        self._products = _Corpus(self.embedder.dim, s.bm25_k1, s.bm25_b)
        self._faqs = _Corpus(self.embedder.dim, s.bm25_k1, s.bm25_b)
        self._columns = CatalogColumns()
        self._product_json: dict[str, bytes] = {}
        self._faq_items: dict[str, Faq] = {}
        self._hashes: dict[tuple[Kind, str], str] = {}
        self._lexicon = Lexicon()
        # The words of the synonyms and category names, read again when either is replaced.
        self._names_lexicon: tuple[object, object, Lexicon] = (None, None, Lexicon())

    @classmethod
    def in_memory(
        cls,
        *,
        faqs: Sequence[Faq] = (),
        products: Sequence[Product] = (),
        synonyms: Sequence[Sequence[str]] = (),
        embedder: Embedder | None = None,
        settings: KnowledgeSettings | None = None,
    ) -> KnowledgeBase:
        """A knowledge base without database or disk (benchmarks, tests)."""
        kb = cls(embedder or get_embedder(), settings)
        kb.synonyms = Thesaurus(synonyms)
        kb.apply(upserts=[*products, *faqs])
        return kb

    def clauses(self, query: str) -> list[Clause]:
        """The keyword query of ``query``: each word with its synonyms."""
        return self.synonyms.expand(query_clauses(query))

    # --- updates ----------------------------------------------------------------------------

    def apply(
        self,
        upserts: Sequence[Item] = (),
        deletes: Iterable[tuple[Kind, str]] = (),
        *,
        vectors: Mapping[str, np.ndarray] | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Add or replace ``upserts`` and drop ``deletes``; searchable when this returns.

        ``vectors`` (text key -> vector) are reused instead of embedding again,
        as are the vectors of texts the index already holds. Returns how many
        texts had to be embedded.
        """
        planned = [(item, self._units(item)) for item in upserts]
        new_vectors, embedded = self._embed_missing(planned, vectors or {}, progress)
        with self._lock:
            for kind, doc_id in deletes:
                self._remove(kind, doc_id)
            for item, units in planned:
                self._add(item, units, new_vectors)
        return embedded

    def replace_all(
        self,
        items: Sequence[Item],
        *,
        vectors: Mapping[str, np.ndarray] | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Rebuild from scratch (start-up, model change); searches meanwhile see the old state."""
        fresh = KnowledgeBase(self.embedder, self.settings)
        embedded = fresh.apply(upserts=items, vectors=vectors, progress=progress)
        with self._lock:
            self._products, self._faqs, self._columns = fresh._products, fresh._faqs, fresh._columns
            self._product_json, self._faq_items = fresh._product_json, fresh._faq_items
            self._hashes, self._lexicon = fresh._hashes, fresh._lexicon
        return embedded

    def _units(self, item: Item) -> list[_Unit]:
        if isinstance(item, Product):
            return product_units(item, self.settings.catalog_language)
        return faq_units(item)

    def _embed_missing(
        self,
        planned: list[tuple[Item, list[_Unit]]],
        given: Mapping[str, np.ndarray],
        progress: Progress | None,
    ) -> tuple[dict[str, np.ndarray], int]:
        texts = {unit.text: isinstance(item, Product) for item, units in planned for unit in units}
        with self._lock:
            found = self._products.known_vectors(t for t, p in texts.items() if p)
            found |= self._faqs.known_vectors(t for t, p in texts.items() if not p)
        for text in texts:
            if text not in found and (vector := given.get(text_key(text))) is not None:
                found[text] = vector
        # By length: each batch pads to its longest text, so similar lengths waste least.
        missing = sorted((text for text in texts if text not in found), key=len)
        if progress:
            progress(len(found), len(texts))
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start : start + EMBED_BATCH]
            found.update(zip(batch, self.embedder.encode(batch), strict=True))
            if progress:
                progress(len(found), len(texts))
        return found, len(missing)

    def _add(self, item: Item, units: list[_Unit], vectors: Mapping[str, np.ndarray]) -> None:
        kind: Kind = "product" if isinstance(item, Product) else "faq"
        self._remove(kind, item.id)
        self._lexicon.add(lexicon_text(item))
        if isinstance(item, Product):
            slot = self._products.add(item.id, units, vectors)
            self._columns.add(slot, item)
            self._product_json[item.id] = item.model_dump_json().encode()
        else:
            self._faqs.add(item.id, units, vectors, answer=faq_answer_terms(item))
            self._faq_items[item.id] = item
        self._hashes[(kind, item.id)] = content_hash(item)

    def _remove(self, kind: Kind, doc_id: str) -> None:
        old: Item | None
        if kind == "product":
            slot = self._products.remove(doc_id)
            if slot is not None:
                self._columns.remove(slot)
            raw = self._product_json.pop(doc_id, None)
            old = Product.model_validate_json(raw) if raw is not None else None
        else:
            self._faqs.remove(doc_id)
            old = self._faq_items.pop(doc_id, None)
        if old is not None:
            self._lexicon.remove(lexicon_text(old))
        self._hashes.pop((kind, doc_id), None)

    # --- reading ----------------------------------------------------------------------------

    def get_product(self, id: str) -> Product | None:
        raw = self._product_json.get(id)
        return Product.model_validate_json(raw) if raw is not None else None

    def get_faq(self, id: str) -> Faq | None:
        return self._faq_items.get(id)

    def products(self, ids: list[str]) -> list[Product]:
        return [p for p in map(self.get_product, ids) if p is not None]

    def faqs(self) -> list[Faq]:
        with self._lock:
            return sorted(self._faq_items.values(), key=lambda f: f.id)

    def faq_texts(self) -> tuple[list[str], list[str], np.ndarray]:
        """Every embedded FAQ text (question, then variants) with its FAQ id and vector.

        FAQs in id order; the three are aligned row by row (a classifier over variants).
        """
        with self._lock:
            corpus = self._faqs
            units = [
                uid
                for faq_id in sorted(self._faq_items)
                for uid in corpus.slot_units[corpus.slots[faq_id]]
            ]
            slot_ids = corpus.slot_ids
            faq_ids = [slot_ids[corpus.unit_slot[uid]] or "" for uid in units]
            texts = [corpus.unit_text[uid] for uid in units]
            vectors = corpus.dense.vectors(np.asarray(units, dtype=np.int64))
        return faq_ids, texts, vectors

    def all_products(self) -> list[Product]:
        with self._lock:
            raws = list(self._product_json.values())
        return [Product.model_validate_json(raw) for raw in raws]

    def attribute_names(self) -> list[str]:
        """The name of every attribute in the catalog ("weight_kg", "grit"), a removed
        product's too."""
        with self._lock:
            return self._columns.attribute_names()

    def categories(self) -> list[str]:
        """Every category path in the catalog ("Garden/Tools"), a removed product's too."""
        with self._lock:
            return self._columns.categories()

    def same_word(self, word: str, other: str) -> bool:
        """Whether search takes two words for one: a stem in common, in English or in
        German ("Tents", "tent"), or terms of one synonym set ("Küche", "kitchen")."""
        if token_stems(word) & token_stems(other):
            return True
        forms = self.synonyms.forms_for
        return bool(set(forms(word)) & set(forms(other)))

    def content_hashes(self) -> dict[tuple[Kind, str], str]:
        with self._lock:
            return dict(self._hashes)

    def counts(self) -> dict[str, int]:
        return {"products": len(self._product_json), "faqs": len(self._faq_items)}

    def nbytes(self) -> int:
        """Memory of the indexes and records (arrays and vectors, not Python object
        overhead) and of the spelling lexicon (all of it)."""
        with self._lock:
            records = sum(map(len, self._product_json.values()))
            records += sum(len(f.model_dump_json()) for f in self._faq_items.values())
            columns = self._columns.rows * 24
            indexes = self._products.nbytes() + self._faqs.nbytes() + self._lexicon.nbytes()
            return indexes + columns + records

    def vector_snapshot(self, kind: Kind) -> tuple[list[str], np.ndarray]:
        """Text keys and vectors of every embedded text, for saving."""
        with self._lock:
            corpus = self._products if kind == "product" else self._faqs
            return corpus.vector_snapshot()

    # --- search -----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        kind: SearchKind = "products",
        k: int = 10,
        filters: dict[str, Any] | None = None,
        mode: Mode = "hybrid",
        vector: np.ndarray | None = None,
    ) -> SearchResult:
        """Products or FAQs for ``query`` narrowed by ``filters``; facets count every match.

        Product filters: category (path prefix), brand, price_min, price_max,
        in_stock, attr.<name> (equals), attr.<name>_min / _max. FAQ filters:
        locale, tag. An empty query browses what the filters let through.
        Raises ``FilterError`` for a filter that cannot apply. ``vector``: the
        query's embedding when the caller has it already (the model is skipped).
        """
        if k < 1:
            raise ValueError("k must be at least 1")
        query = query.strip()
        vector = self._query_vector(query, mode, vector)
        with self._lock:
            if kind == "faqs":
                mask = self._faq_mask(filters)
                # Every FAQ's cosine is wanted (FaqMatch.dense); few enough to score all.
                ranked = self._rank(self._faqs, query, vector, mask, mode, radius=-1.0, limit=k)
                return self._result(ranked, "faq", k, facets=self._faq_facets(ranked.matched))
            mask = self._columns.mask(parse_filters(filters))
            radius = self.settings.dense_min_similarity
            ranked = self._rank(self._products, query, vector, mask, mode, radius=radius, limit=k)
            return self._result(ranked, "product", k, facets=self._columns.facets(ranked.matched))

    def nearest_product(self, query: str, *, vector: np.ndarray | None = None) -> Nearest:
        """The product closest in meaning to ``query`` across the whole catalog, with
        the cosine of its closest text (0.0 and no product for an empty query or
        catalog). Whether the shop carries anything like it, and what kind, at the
        cost of one scan (no keyword scoring, ranking or facets)."""
        vector = self._query_vector(query.strip(), "dense", vector)
        if vector is None:
            return Nearest(0.0, None)
        with self._lock:
            similarity, unit = self._products.dense.nearest(vector)
            slot = self._products.unit_slot[unit] if unit is not None else None
            product_id = self._products.slot_ids[slot] if slot is not None else None
            return Nearest(similarity, product_id)

    def catalog_has_word(self, word: str) -> bool:
        """Whether any product's text holds ``word`` (in any of its query spellings)."""
        return self._holds(token_stems(word), self._products)

    def _holds(self, stems: Iterable[str], *corpora: _Corpus) -> bool:
        with self._lock:
            return any(corpus.bm25.df(term) for corpus in corpora for term in stems)

    def mended(self, text: str, *, also: Lexicon | None = None) -> str:
        """``text`` with its typing slips mended to words of the products, FAQs, synonyms,
        category names and ``also`` (see knowledge.spelling): "tnet for two" is
        "tent for two"."""
        synonyms, category_names, names = self._names_lexicon
        if synonyms is not self.synonyms or category_names is not self.category_names:
            texts = [term for terms in self.synonyms.sets for term in terms]
            texts += [name for by_language in self.category_names.values()
                      for name in by_language.values()]  # fmt: skip
            names = Lexicon(texts)
            self._names_lexicon = (self.synonyms, self.category_names, names)
        with self._lock:
            return mend(text, [self._lexicon, names, *([also] if also else [])])

    def unknown_words(self, text: str, *, ignore: Container[str] = ()) -> list[str]:
        """The words of ``text`` no product or FAQ holds and no synonym set translates
        (not stop words, numbers, words under three letters or folded words in
        ``ignore``): what the content team could add, as synonyms or content
        ("Hängematte" on an English catalog)."""
        found: list[str] = []
        seen: set[str] = set()  # stems: "Kajaks" after "Kajak" is no other word
        for word in tokens(text):
            key = fold(word)
            if len(key) < 3 or key[0].isdigit() or key in ANY_STOPWORD or key in ignore:
                continue
            stems = token_stems(word)
            if stems & seen:
                continue
            seen |= stems
            known = self._holds(stems, self._products, self._faqs)
            if not known and not self.synonyms.forms_for(word):
                found.append(word)
        return found

    def names_product(self, query: str, *, candidates: int = 3) -> bool:
        """Whether one product's title, category and attribute values hold every word of
        ``query``: "a skillet" or "red cast iron skillet" names a product, "seasoning a
        skillet" asks about one (its description may say "seasoning"). Checked on the
        ``candidates`` best keyword matches, where titles weigh most."""
        return bool(self.products_named(query, candidates=candidates))

    def products_named(self, query: str, *, candidates: int = 3) -> list[Product]:
        """Those of the ``candidates`` best keyword matches that ``query`` names (see
        ``names_product``): one for "trail 2", two for "cast iron" among skillets."""
        hits = self.search(query, k=candidates, mode="keyword").hits if query.strip() else []
        return self.named_in_full(query, self.products([hit.id for hit in hits]))

    def named_in_full(self, query: str, products: Sequence[Product]) -> list[Product]:
        """Those of ``products`` whose title, category and attribute values hold every
        word of ``query``: "trail 2" is the Trail 2 tent, "skillet" every skillet."""
        named = []
        for product in products:
            language, names = self._name_terms(product)
            wanted = self._query_words(query, language)
            if wanted and all(any(names.issuperset(w) for w in ways) for ways in wanted.values()):
                named.append(product)
        return named

    def named_by(self, query: str, products: Sequence[Product]) -> list[Product]:
        """Those of ``products`` that ``query`` names: it uses a word every one of their
        names holds (their kind: "knife") and words only some do ("chef"), and these
        names hold all of them. Among knives, "how much is the chef's knife?" names
        the chef's knife ("how much" is in no name); "a knife" names none in
        particular, nor does "something for camping" a "camping lantern" among tents."""
        used = []
        for product in products:
            language, names = self._name_terms(product)
            ways = self._query_words(query, language).values()
            # Synonyms' terms count one by one: "Gartenbank" (garden bench) uses the
            # word "garden" every garden product's name holds.
            used.append(names & {term for word in ways for way in word for term in way})
        held, common = set().union(*used), set.intersection(*used) if used else set()
        if not common or held == common:
            return []
        return [product for product, words in zip(products, used, strict=True) if held <= words]

    def _query_words(self, query: str, language: Language) -> dict[str, list[tuple[str, ...]]]:
        """Each word of ``query`` (as ``language`` analyses it) with the ways a name may
        hold it: itself, or a synonym ("Laterne": lantern)."""
        words: dict[str, list[tuple[str, ...]]] = {}
        for token in tokens(query):
            for term in analyse(token, language):
                words.setdefault(term, [(term,)]).extend(self.synonyms.forms_for(token))
        return words

    def _name_terms(self, product: Product) -> tuple[Language, set[str]]:
        """The product's language and the terms of its title, category and attribute values."""
        language = product_language(product, self.settings.catalog_language)
        names = f"{product.title} {product.category.replace('/', ' ')} "
        return language, set(analyse(names + attribute_words(product), language))

    def faq_matches(
        self, query: str, k: int = 5, *, mode: Mode = "hybrid", vector: np.ndarray | None = None
    ) -> list[FaqMatch]:
        """The FAQs closest to ``query`` with the evidence of each retriever (for thresholds).

        ``vector``: the query's embedding when the caller embedded many queries at once.
        """
        query = query.strip()
        if not query:
            return []
        vector = self._query_vector(query, mode, vector)
        with self._lock:
            mask = np.array([doc_id is not None for doc_id in self._faqs.slot_ids], dtype=bool)
            ranked = self._rank(self._faqs, query, vector, mask, mode, radius=-1.0, limit=k)
            # The bot's thresholds are set on the best single text's keyword evidence.
            keyword, dense, fused = ranked.keyword_best, ranked.dense, ranked.fused
            # Without a vector the best text is the keyword side's (``best_unit``).
            clauses = self.clauses(query) if vector is None else []
            matches = []
            for slot in ranked.order[:k]:
                doc_id = self._faqs.slot_ids[slot]
                assert doc_id is not None
                matches.append(
                    FaqMatch(
                        faq_id=doc_id,
                        dense=round(float(dense[slot]), 6) if np.isfinite(dense[slot]) else 0.0,
                        keyword=round(float(keyword[slot]), 6),
                        score=round(float(fused[slot]), 6),
                        matched_text=self._faqs.best_unit(int(slot), vector, clauses),
                    )
                )
            return matches

    def faq_evidence(
        self,
        query: str,
        vector: np.ndarray,
        *,
        keyword_texts: int | None = None,
        answer_weight: float | None = None,
    ) -> tuple[list[str | None], np.ndarray, np.ndarray, np.ndarray]:
        """FAQ ids (None: deleted) with the keyword evidence, the best text's cosine and
        the centre's cosine of each (tuning; see ``_Corpus.dense_evidence``).

        ``keyword_texts`` and ``answer_weight`` override the settings of those names.
        """
        best_of = keyword_texts or self.settings.faq_keyword_texts
        with self._lock:
            keyword, _ = self._faqs.keyword(
                self.clauses(query), self.settings, best_of=best_of, answer_weight=answer_weight
            )
            best = self._faqs.dense_scores(vector, -1.0, None)
            centre = self._faqs.centroid_scores(vector, best)
            return list(self._faqs.slot_ids), keyword, best, centre

    def _query_vector(
        self, query: str, mode: Mode, given: np.ndarray | None = None
    ) -> np.ndarray | None:
        if not query or mode == "keyword":
            return None
        if given is not None:
            return np.asarray(given, dtype=np.float32).reshape(-1)
        vector: np.ndarray = self.embedder.encode([query])[0]
        return vector

    def _rank(
        self,
        corpus: _Corpus,
        query: str,
        vector: np.ndarray | None,
        mask: np.ndarray,
        mode: Mode,
        *,
        radius: float,
        limit: int,
    ) -> _Ranked:
        """Slots best first (at least the ``limit`` best matches) with the evidence of each."""
        n = corpus.slot_count
        keyword = np.zeros(n, dtype=np.float32)
        dense = np.full(n, -np.inf, dtype=np.float32)
        if not query:
            order = self._browse(corpus, mask)
            return _Ranked(order, keyword, keyword, dense, mask, np.zeros(n, dtype=np.float32))
        matched = np.zeros(n, dtype=bool)
        keyword_best = keyword
        if mode != "dense":
            best_of = self.settings.faq_keyword_texts
            clauses = self.clauses(query)
            keyword, keyword_best = corpus.keyword(clauses, self.settings, best_of=best_of)
            keyword, keyword_best = keyword * mask, keyword_best * mask
            matched |= keyword > 0
        if vector is not None:
            allowed = None if mask.all() else mask
            dense = corpus.dense_scores(vector, radius, allowed)
            matched |= (dense >= self.settings.dense_min_similarity) & mask
        # Single retrievers: the best matches rank first, so ``limit`` of them are enough.
        if mode == "keyword":
            order = fusion.top_indices(keyword, limit)
            return _Ranked(order, keyword, keyword_best, dense, matched, keyword)
        assert vector is not None
        centre_weight = self.settings.dense_centroid_weight
        if mode == "dense":
            evidence = corpus.dense_evidence(dense, vector, centre_weight)
            scores = np.where(mask, evidence, -np.inf)
            order = fusion.top_indices(scores, limit, floor=-np.inf)
            return _Ranked(order, keyword, keyword_best, dense, matched, scores)
        params = self.settings.fusion_params()
        if allowed is not None:
            dense = np.where(mask, dense, -np.inf)
        evidence = corpus.dense_evidence(dense, vector, centre_weight)
        pool = fusion.candidates(keyword, evidence, params.depth, dense_floor=-np.inf)
        # Keyword-only candidates lie beyond the radius: their cosine is computed exactly.
        missing = pool[~np.isfinite(dense[pool])]
        if len(missing):
            dense[missing] = corpus.exact_dense(missing, vector)
            evidence = corpus.dense_evidence(dense, vector, centre_weight)
        order, scores = fusion.rank_pool(pool, keyword[pool], evidence[pool], params)
        fused = np.zeros(n, dtype=np.float32)
        fused[order] = scores
        return _Ranked(order, keyword, keyword_best, dense, matched, fused)

    def _browse(self, corpus: _Corpus, mask: np.ndarray) -> np.ndarray:
        """Without a query: popular first, then by rating (products) or id (FAQs)."""
        if corpus is self._products:
            return self._columns.browse_order(mask)
        slots = np.flatnonzero(mask)
        return np.asarray(
            sorted(
                slots.tolist(),
                key=lambda s: (
                    not self._faq_items[corpus.slot_ids[s] or ""].popular,
                    corpus.slot_ids[s],
                ),
            ),
            dtype=np.int64,
        )

    def _result(
        self, ranked: _Ranked, kind: Kind, k: int, *, facets: dict[str, dict[str, int]]
    ) -> SearchResult:
        order, keyword, dense, matched, fused = (
            ranked.order,
            ranked.keyword,
            ranked.dense,
            ranked.matched,
            ranked.fused,
        )
        corpus = self._products if kind == "product" else self._faqs
        hits = []
        for slot in order[matched[order]][:k]:
            doc_id = corpus.slot_ids[slot]
            assert doc_id is not None
            hits.append(
                Hit(
                    id=doc_id,
                    kind=kind,
                    score=round(float(fused[slot]), 6),
                    keyword_score=round(float(keyword[slot]), 6) if keyword[slot] > 0 else None,
                    dense_score=round(float(dense[slot]), 6) if np.isfinite(dense[slot]) else None,
                )
            )
        return SearchResult(hits=hits, facets=facets, total=int(matched.sum()))

    def _faq_mask(self, filters: dict[str, Any] | None) -> np.ndarray:
        wanted = {key: str(value).strip().lower() for key, value in (filters or {}).items()}
        for key in wanted:
            if key not in ("locale", "tag"):
                raise FilterError(key, "unknown filter for FAQs; use locale or tag")

        def keep(faq: Faq) -> bool:
            tags = {tag.lower() for tag in faq.tags}
            return faq.locale.lower().startswith(wanted.get("locale", "")) and (
                "tag" not in wanted or wanted["tag"] in tags
            )

        slots = self._faqs.slot_ids
        return np.array([d is not None and keep(self._faq_items[d]) for d in slots], dtype=bool)

    def _faq_facets(self, matched: np.ndarray) -> dict[str, dict[str, int]]:
        locales: Counter[str] = Counter()
        tags: Counter[str] = Counter()
        for slot in np.flatnonzero(matched):
            doc_id = self._faqs.slot_ids[slot]
            if doc_id is not None:
                faq = self._faq_items[doc_id]
                locales[faq.locale] += 1
                tags.update(faq.tags)
        return {"locale": dict(locales), "tag": dict(tags)}
