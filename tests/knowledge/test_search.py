"""Search over the demo shop and a German catalog: modes, filters, facets, FAQs, live changes."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge import (
    Embedder,
    Faq,
    FaqMatch,
    FilterError,
    KnowledgeBase,
    KnowledgeSettings,
    Nearest,
    Product,
    text_key,
)
from knowledge.dense import DenseIndex


def ids(kb: KnowledgeBase, query: str, **options: object) -> list[str]:
    return [hit.id for hit in kb.search(query, **options).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["keyword", "dense", "hybrid"])
def test_each_mode_finds_the_obvious_product(demo_kb: KnowledgeBase, mode: str) -> None:
    result = demo_kb.search("cast iron skillet", mode=mode, k=3)  # type: ignore[arg-type]
    assert result.hits[0].id in {"CW-101", "CW-102"}
    hit = result.hits[0]
    if mode == "keyword":
        assert hit.keyword_score is not None and hit.dense_score is None
    elif mode == "dense":
        assert hit.dense_score is not None and hit.keyword_score is None
    else:
        assert hit.keyword_score is not None and hit.dense_score is not None


def test_hybrid_finds_by_meaning_what_keywords_miss(demo_kb: KnowledgeBase) -> None:
    assert ids(demo_kb, "freezing nights", mode="keyword") == []
    (hit,) = demo_kb.search("freezing nights", k=1).hits
    product = demo_kb.get_product(hit.id)
    assert product is not None and product.category == "Outdoor/Sleeping bags"
    assert hit.keyword_score is None and hit.dense_score is not None


def test_a_contraction_matches_no_unit(demo_kb: KnowledgeBase) -> None:
    """ "I'm" once gave the keyword "m": the parasol (3 m), the hose (30 m) and the
    string lights (10 m) were what "I'm looking for a gift" found."""
    assert ids(demo_kb, "I'm looking for a gift for my wife", mode="keyword") == []
    assert "GF-405" in ids(demo_kb, "parasol 3 m", mode="keyword")


def test_filters_combine_with_the_query(demo_kb: KnowledgeBase) -> None:
    found = demo_kb.search("tent", filters={"attr.persons_min": 3, "in_stock": True}, k=10)
    assert {h.id for h in found.hits} == {"TE-602", "TE-603"}
    assert ids(demo_kb, "tent", filters={"brand": "nordkamm", "attr.season": "4-season"}) == [
        "TE-604"
    ]
    cheap = demo_kb.search("knife", filters={"category": "Kitchen", "price_max": 40}, k=10)
    assert [h.id for h in cheap.hits][:2] == ["KN-203", "KN-205"] or {"KN-203"} <= {
        h.id for h in cheap.hits
    }
    for hit in cheap.hits:
        product = demo_kb.get_product(hit.id)
        assert product and product.price <= 40 and product.category.startswith("Kitchen")


def test_facets_count_every_match_not_just_the_page(demo_kb: KnowledgeBase) -> None:
    result = demo_kb.search("tent", k=1, mode="keyword")
    assert len(result.hits) == 1
    assert result.total == 6
    assert result.facets["category"]["Outdoor/Tents"] == 6
    assert sum(result.facets["attr.persons"].values()) == 6
    assert result.facets["attr.persons"]["2"] == 3
    assert result.facets["in_stock"] == {"true": 5, "false": 1}


def test_empty_query_browses_popular_first(demo_kb: KnowledgeBase) -> None:
    result = demo_kb.search("", filters={"category": "Outdoor/Tents"}, k=50)
    assert result.total == 6
    first = demo_kb.get_product(result.hits[0].id)
    assert first is not None and first.popular


def test_bad_filters_raise_filter_error(demo_kb: KnowledgeBase) -> None:
    with pytest.raises(FilterError):
        demo_kb.search("tent", filters={"size_min": 3})
    with pytest.raises(FilterError):
        demo_kb.search("tent", filters={"price_max": "a lot"})
    with pytest.raises(FilterError):
        demo_kb.search("returns", kind="faqs", filters={"brand": "x"})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Pfannen", "de-1"),  # German plural, stemmed
        ("pfanne", "de-1"),  # inside the compound "Bratpfanne"
        ("Gartenstuhl", "de-2"),  # compound query, words apart in the title
        ("Küchenmesser", "de-3"),
        ("kuechenmesser", "de-3"),  # ü typed as ue
        ("kuchenmesser", "de-3"),  # ü typed as u
        ("Schlauch", "de-5"),  # inside "Gartenschlauch"
    ],
)
def test_german_keyword_search(german_kb: KnowledgeBase, query: str, expected: str) -> None:
    assert ids(german_kb, query, mode="keyword", k=1) == [expected]


def test_faq_matches_carry_each_retrievers_evidence(demo_kb: KnowledgeBase) -> None:
    best = demo_kb.faq_matches("when will my parcel arrive", k=3)[0]
    assert best.faq_id == "shipping-time"
    assert best.matched_text == "When will my parcel arrive?"
    assert 0 < best.keyword <= 1 and 0.5 < best.dense <= 1
    german = demo_kb.faq_matches("Wann kommt mein Paket?", k=1)[0]
    assert german.faq_id == "lieferzeit"
    assert demo_kb.faq_matches("   ") == []


def test_faq_search_filters_by_locale_and_counts_tags(demo_kb: KnowledgeBase) -> None:
    result = demo_kb.search("Rücksendung", kind="faqs", filters={"locale": "de"}, k=3)
    assert result.hits[0].id in {"ruecksendung", "rueckgabe"}
    assert set(result.facets["locale"]) == {"de"}
    assert result.facets["tag"]["retoure"] >= 1


def test_changes_are_searchable_at_once_and_unchanged_text_is_not_embedded_again(
    embedder: Embedder,
) -> None:
    kb = KnowledgeBase.in_memory(
        products=[Product(id="p1", title="Dome tent", price=100, stock=1)],
        faqs=[Faq(id="f1", question="How long is delivery?", answer="Two days.")],
        embedder=embedder,
    )
    assert kb.apply([Product(id="p2", title="Hammock for two", price=80)]) == 1
    assert ids(kb, "hammock")[0] == "p2"
    # Stock changes, the embedded text does not: nothing to embed.
    assert kb.apply([Product(id="p1", title="Dome tent", price=100, stock=0)]) == 0
    assert ids(kb, "tent", filters={"in_stock": False}, mode="keyword") == ["p1"]
    kb.apply([Product(id="p2", title="Camping lantern", price=80)])
    assert ids(kb, "hammock", mode="keyword") == []
    assert ids(kb, "lantern")[0] == "p2"
    kb.apply(
        [
            Faq(
                id="f1",
                question="How long is delivery?",
                answer="Two days.",
                variants=["parcel arrival date"],
            )
        ]
    )
    assert kb.faq_matches("parcel arrival date")[0].matched_text == "parcel arrival date"
    kb.apply(deletes=[("product", "p2"), ("faq", "f1")])
    assert kb.get_product("p2") is None and ids(kb, "lantern", mode="keyword") == []
    assert kb.faq_matches("delivery") == []
    assert kb.counts() == {"products": 1, "faqs": 0}


def test_a_precomputed_query_vector_gives_the_same_result(
    demo_kb: KnowledgeBase, embedder: Embedder
) -> None:
    vector = embedder.encode(["warm sleeping bag for winter"])[0]
    for kind in ("products", "faqs"):
        plain = demo_kb.search("warm sleeping bag for winter", kind=kind, k=5)  # type: ignore[arg-type]
        given = demo_kb.search("warm sleeping bag for winter", kind=kind, k=5, vector=vector)  # type: ignore[arg-type]
        assert given == plain
    assert demo_kb.search("tent", mode="keyword", vector=vector) == demo_kb.search(
        "tent", mode="keyword"
    )


def test_faq_texts_are_every_question_and_variant_with_its_vector(
    demo_kb: KnowledgeBase, embedder: Embedder
) -> None:
    faq_ids, texts, vectors = demo_kb.faq_texts()
    assert len(faq_ids) == len(texts) == len(vectors)
    shipping = [t for f, t in zip(faq_ids, texts, strict=True) if f == "shipping-time"]
    faq = demo_kb.get_faq("shipping-time")
    assert faq is not None and shipping == list(dict.fromkeys([faq.question, *faq.variants]))
    row = texts.index(faq.question)
    assert np.allclose(vectors[row], embedder.encode([faq.question])[0], atol=1e-5)


def test_an_faq_many_of_whose_texts_agree_outranks_one_lucky_word(embedder: Embedder) -> None:
    kb = KnowledgeBase.in_memory(
        faqs=[
            Faq(id="lucky", question="Voucher codes", answer="", variants=["gift wrapping"]),
            Faq(
                id="agree",
                question="Using a voucher",
                answer="",
                variants=["voucher code not working", "where do I type my voucher code"],
            ),
        ],
        embedder=embedder,
    )
    (best, other) = kb.faq_matches("voucher code", k=2, mode="keyword")
    assert best.faq_id == "agree"
    # The match reports the best single text's keyword evidence (the bot's thresholds).
    assert other.faq_id == "lucky" and other.keyword >= best.keyword


def test_the_embedder_forgets_recent_texts_on_request(embedder: Embedder) -> None:
    texts = ["my address is 12 Elm Street", "call me on 0171 5550199"]
    embedder.encode(texts)
    assert all(embedder.recent(text) is not None for text in texts)
    embedder.clear_recent()
    assert all(embedder.recent(text) is None for text in texts)


LONG_ANSWER = (
    "Open the order in your account and choose the parcel. The courier collects it "
    "from your door on a working day of your choice; print the label we e-mail you, "
    "tape it over the old one and keep the receipt until the refund arrives. "
) * 4


def test_an_faq_answer_is_a_keyword_field_of_its_own(embedder: Embedder) -> None:
    faqs = [
        Faq(id="returns", question="How do I send an item back?", answer=LONG_ANSWER),
        Faq(id="delivery", question="How long does delivery take?", answer="Two days."),
    ]
    kb = KnowledgeBase.in_memory(faqs=faqs, embedder=embedder)
    # Words only the answer holds find its FAQ, below what a matching question scores.
    (hit,) = kb.search("courier label", kind="faqs", mode="keyword", k=1).hits
    assert hit.id == "returns" and hit.keyword_score is not None
    weight = kb.settings.answer_weight
    assert 0 < hit.keyword_score <= weight
    # The long answer does not dilute the question's own words: the question scores as
    # it would without any answer (its length normalisation is its own field's).
    bare = KnowledgeBase.in_memory(
        faqs=[f.model_copy(update={"answer": ""}) for f in faqs], embedder=embedder
    )
    with_answer = kb.faq_matches("send an item back", mode="keyword")[0]
    without = bare.faq_matches("send an item back", mode="keyword")[0]
    assert with_answer.faq_id == without.faq_id == "returns"
    assert with_answer.keyword == pytest.approx(without.keyword)
    # Texts and answer combine as 1 - (1 - texts) * (1 - w * answer): never above 1, and
    # more than the texts alone when the answer agrees.
    ranked = kb.search("send item back courier", kind="faqs", mode="keyword", k=1).hits[0]
    plain = bare.search("send item back courier", kind="faqs", mode="keyword", k=1).hits[0]
    assert ranked.id == plain.id == "returns"
    assert plain.keyword_score is not None and ranked.keyword_score is not None
    assert plain.keyword_score < ranked.keyword_score <= 1.0


def test_answer_weight_zero_ignores_answers_and_edits_replace_the_answer(
    embedder: Embedder,
) -> None:
    faq = Faq(id="returns", question="How do I send an item back?", answer=LONG_ANSWER)
    off = KnowledgeBase.in_memory(
        faqs=[faq], embedder=embedder, settings=KnowledgeSettings(answer_weight=0.0)
    )
    assert ids(off, "courier label", kind="faqs", mode="keyword") == []
    kb = KnowledgeBase.in_memory(faqs=[faq], embedder=embedder)
    assert ids(kb, "courier label", kind="faqs", mode="keyword") == ["returns"]
    kb.apply([faq.model_copy(update={"answer": "Use the form in your account."})])
    assert ids(kb, "courier label", kind="faqs", mode="keyword") == []
    assert ids(kb, "form account", kind="faqs", mode="keyword") == ["returns"]
    kb.apply(deletes=[("faq", "returns")])
    assert ids(kb, "form account", kind="faqs", mode="keyword") == []


def unit(*head: float, dim: int) -> np.ndarray:
    vector = np.zeros(dim, dtype=np.float32)
    vector[: len(head)] = head
    return vector / np.linalg.norm(vector)


def test_dense_evidence_blends_in_the_centre_of_an_faqs_texts(embedder: Embedder) -> None:
    dim = embedder.dim
    query = unit(1.0, 0.1, 0.0, dim=dim)
    # "stray": one text right on the query, the others elsewhere; "agree": all near it.
    texts = {
        "Stray question": unit(1.0, 0.1, 0.0, dim=dim),
        "stray one": unit(0.0, 0.0, 1.0, dim=dim),
        "stray two": unit(0.0, 1.0, 0.0, dim=dim),
        "Agree question": unit(0.9, 0.0, 0.3, dim=dim),
        "agree one": unit(0.9, 0.3, 0.0, dim=dim),
        "agree two": unit(0.9, 0.1, -0.2, dim=dim),
    }
    faqs = [
        Faq(id="stray", question="Stray question", answer="", variants=["stray one", "stray two"]),
        Faq(id="agree", question="Agree question", answer="", variants=["agree one", "agree two"]),
    ]
    vectors = {text_key(text): vector for text, vector in texts.items()}

    def matches(weight: float) -> list[FaqMatch]:
        kb = KnowledgeBase(embedder, KnowledgeSettings(dense_centroid_weight=weight))
        assert kb.apply(upserts=faqs, vectors=vectors) == 0  # nothing embedded
        return kb.faq_matches("anything", k=2, mode="dense", vector=query)

    nearest_only, blended = matches(0.0), matches(0.3)
    assert [m.faq_id for m in nearest_only] == ["stray", "agree"]
    assert [m.faq_id for m in blended] == ["agree", "stray"]
    # What is reported stays the best text's cosine (the bot's thresholds are set on it).
    best = {m.faq_id: m.dense for m in nearest_only}
    assert {m.faq_id: m.dense for m in blended} == best
    assert best["stray"] == pytest.approx(1.0, abs=1e-5)
    # The ranking score is the blend: 0.7 * best + 0.3 * the centre's cosine.
    centre = sum(texts[t] for t in ("Stray question", "stray one", "stray two"))
    expected = 0.7 * best["stray"] + 0.3 * float(query @ (centre / np.linalg.norm(centre)))
    assert blended[1].score == pytest.approx(expected, abs=1e-5)


def test_a_changed_or_deleted_faq_changes_its_centre(embedder: Embedder) -> None:
    dim = embedder.dim
    query = unit(1.0, 0.0, dim=dim)
    texts = {
        "Q": unit(1.0, 0.0, dim=dim),
        "far": unit(0.0, 1.0, dim=dim),
        "near": unit(1.0, 0.1, dim=dim),
        "Other": unit(0.95, 0.3, dim=dim),
    }
    vectors = {text_key(text): vector for text, vector in texts.items()}
    kb = KnowledgeBase(embedder, KnowledgeSettings(dense_centroid_weight=0.5))
    faq = Faq(id="faq", question="Q", answer="", variants=["far"])
    kb.apply(upserts=[faq, Faq(id="other", question="Other", answer="")], vectors=vectors)

    def scores() -> dict[str, float]:
        hits = kb.search("anything", kind="faqs", mode="dense", vector=query, k=5).hits
        return {hit.id: hit.score for hit in hits}

    far = scores()["faq"]
    # One text: its centre is the text, so the blend is its cosine.
    assert scores()["other"] == pytest.approx(float(query @ texts["Other"]), abs=1e-5)
    kb.apply(upserts=[faq.model_copy(update={"variants": ["near"]})], vectors=vectors)
    assert scores()["faq"] > far
    kb.apply(deletes=[("faq", "faq")])
    assert list(scores()) == ["other"]


def _random_index(seed: int, count: int, id_step: int) -> tuple[DenseIndex, np.ndarray]:
    """An index of ``count`` random unit vectors of 16 dimensions, ids 0, id_step, ..."""
    vectors = np.random.default_rng(seed).standard_normal((count, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = DenseIndex(16)
    index.add(np.arange(count, dtype=np.int64) * id_step, vectors)
    return index, vectors


def test_dense_scan_finds_what_faiss_range_search_finds_after_removals() -> None:
    # The scan reads FAISS's storage in place; removal compacts it and its id map.
    index, vectors = _random_index(seed=3, count=300, id_step=2)
    index.remove([0, 10, 598])
    query = vectors[7]
    _, faiss_scores, faiss_ids = index._index.range_search(query[None, :], 0.2)
    ids_, scores = index.within(query, 0.2)
    assert sorted(ids_.tolist()) == sorted(faiss_ids.tolist())
    assert np.allclose(np.sort(scores), np.sort(faiss_scores), atol=1e-5)
    allowed = np.array([14, 16, 18, 20], dtype=np.int64)
    limited, _ = index.within(query, 0.2, allowed)
    assert set(limited.tolist()) == set(faiss_ids.tolist()) & set(allowed.tolist())
    similarity, unit = index.nearest(query)
    assert similarity == pytest.approx(1.0, abs=1e-5) and unit is not None  # its own vector
    assert index.vectors(np.array([unit])) == pytest.approx(query[None, :], abs=1e-5)
    assert DenseIndex(16).nearest(query) == (0.0, None)


def test_dense_scores_of_a_few_allowed_units_equal_those_of_the_full_scan() -> None:
    # Few allowed units are scored alone (their rows gathered); many, by the full scan.
    index, vectors = _random_index(seed=5, count=400, id_step=3)
    index.remove([3, 30])
    query = vectors[11]
    few = np.array([33, 36, 0, 1197], dtype=np.int64)  # fewer than SUBSET_SHARE of 398
    many = np.setdiff1d(np.arange(0, 1200, 6), [30])  # 199 of the units left, about half
    for allowed in (few, many):
        ids_, scores = index.within(query, -1.0, allowed)
        expected = {int(i): float(vectors[i // 3] @ query) for i in allowed}
        assert dict(zip(ids_.tolist(), scores.tolist(), strict=True)) == pytest.approx(
            expected, abs=1e-5
        )
    assert index.within(query, -1.0, np.array([], dtype=np.int64))[0].size == 0
    with pytest.raises(KeyError):
        index.vectors(np.array([3], dtype=np.int64))  # removed
    with pytest.raises(KeyError):
        index.vectors(np.array([5000], dtype=np.int64))  # never there


def test_a_kept_dense_scan_does_not_outlive_a_change_of_the_index() -> None:
    # The same query scanned twice is one product; a change in between is seen.
    index, vectors = _random_index(seed=8, count=50, id_step=1)
    query = vectors[4]
    assert index.nearest(query)[1] == 4
    index.remove([4])
    similarity, unit = index.nearest(query)
    assert unit != 4 and similarity < 0.99
    index.add(np.array([77], dtype=np.int64), query[None, :])
    assert index.nearest(query) == (pytest.approx(1.0, abs=1e-5), 77)
    assert 77 in index.within(query, 0.5)[0].tolist()


def test_nearest_product_is_the_best_cosine_over_the_whole_catalog(demo_kb: KnowledgeBase) -> None:
    best = demo_kb.search("cast iron skillet", mode="dense", k=20).hits
    nearest = demo_kb.nearest_product("cast iron skillet")
    top = max(best, key=lambda h: h.dense_score or 0.0)
    assert nearest.similarity == pytest.approx(top.dense_score, abs=1e-5)
    assert nearest.product_id == top.id
    assert nearest.similarity > demo_kb.nearest_product("what is the meaning of life").similarity
    assert demo_kb.nearest_product("") == Nearest(0.0, None)


def test_a_query_names_a_product_when_one_product_holds_every_word(
    demo_kb: KnowledgeBase, german_kb: KnowledgeBase
) -> None:
    assert demo_kb.names_product("a skillet")
    assert demo_kb.names_product("Cast Iron skillets")  # case and plural
    assert not demo_kb.names_product("seasoning a skillet")  # asks about one
    assert not demo_kb.names_product("skillet lamp")  # words of two products, not of one
    assert not demo_kb.names_product("")
    assert german_kb.names_product("eine Bratpfanne")
    assert not german_kb.names_product("Bratpfanne einbrennen")
    # Which: both skillets and the Dutch oven (by its material) for "cast iron".
    assert {p.id for p in demo_kb.products_named("cast iron")} == {"CW-101", "CW-102", "CW-105"}
    assert [p.id for p in demo_kb.products_named("cast iron skillet 28 cm")] == ["CW-101"]
