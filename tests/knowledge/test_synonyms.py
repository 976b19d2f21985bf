"""Synonyms: the pure thesaurus, its validation, and search and naming through it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from knowledge import Embedder, KnowledgeBase, Product
from knowledge.analysis import Alternative, query_clauses
from knowledge.schemas import SynonymSetIn
from knowledge.synonyms import SYNONYM_WEIGHT, Thesaurus

SETS = [
    ["Hängematte", "hammock"],
    ["Lichterkette", "string lights"],
    ["Garten", "garden"],
    ["Stuhl", "chair"],
    ["Gartenbank", "garden bench"],
]


def alternatives(thesaurus: Thesaurus, query: str) -> dict[str, list[Alternative]]:
    return {c.token: list(c.alternatives) for c in thesaurus.expand(query_clauses(query))}


def test_a_word_gains_its_equivalents_as_weaker_alternatives() -> None:
    found = alternatives(Thesaurus(SETS), "eine Hängematte bitte")
    assert Alternative(("hammock",), SYNONYM_WEIGHT) in found["Hängematte"]
    # The shopper's own word keeps its full weight; "bitte" has no synonyms.
    assert all(a.weight == 1.0 for a in found["Hängematte"] if "hammock" not in a.terms)
    assert found["bitte"] == list(query_clauses("bitte")[0].alternatives)


def test_a_word_is_a_term_with_an_ending_not_any_word_of_its_stem() -> None:
    thesaurus = Thesaurus([["Messer", "knife"], ["Messing", "brass"], ["Stuhl", "chair"]])
    assert ("knife",) in thesaurus.forms_for("Messern")
    assert ("chair",) in thesaurus.forms_for("Stühle")  # umlauts folded
    # English "messed" and "mess" share German and English stems with these: no synonyms.
    assert thesaurus.forms_for("messed") == () and thesaurus.forms_for("mess") == ()


def test_an_empty_thesaurus_changes_nothing() -> None:
    clauses = query_clauses("Hängematte")
    assert not Thesaurus()
    assert Thesaurus().expand(clauses) == clauses


def test_a_one_word_term_may_stand_for_a_phrase_and_a_phrase_for_a_word() -> None:
    thesaurus = Thesaurus(SETS)
    assert (
        Alternative(("string", "light"), SYNONYM_WEIGHT)
        in alternatives(thesaurus, "Lichterketten")["Lichterketten"]
    )
    # Each word of the phrase stands for the one word: a German document with it satisfies both.
    phrase = alternatives(thesaurus, "solar string lights")
    german = Alternative(("lichterkett",), SYNONYM_WEIGHT)
    assert german in phrase["string"] and german in phrase["lights"]
    assert german not in phrase["solar"]


def test_a_compound_of_words_with_synonyms_reads_as_their_equivalents() -> None:
    thesaurus = Thesaurus(SETS)
    assert ("garden", "chair") in thesaurus.forms_for("Gartenstühle")
    # A set of its own wins over reading the compound part by part.
    assert ("garden", "bench") in thesaurus.forms_for("Gartenbank")
    assert thesaurus.forms_for("Kaffeemühle") == ()


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        (["lantern"], "give at least two terms"),
        (["Laterne", "laterne"], '"laterne" is given twice'),
        (["?!", "lantern"], '"?!" has no word to search for'),
        (["a very long name indeed", "x"], "is too long"),
    ],
)
def test_a_bad_set_is_refused_with_a_reason(terms: list[str], message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        SynonymSetIn(terms=terms)
    assert message in str(refused.value)


def test_terms_are_trimmed_and_inner_spaces_collapsed() -> None:
    assert SynonymSetIn(terms=["  Hänge  matte ", "hammock"]).terms == ["Hänge matte", "hammock"]


@pytest.fixture(scope="module")
def garden() -> list[Product]:
    rows = [
        ("GF-1", "Folding garden chair", "Garden/Furniture"),
        ("GF-2", "Garden bench 3-seater", "Garden/Furniture"),
        ("GF-3", "Hammock for two", "Garden/Furniture"),
        ("GT-1", "Pruning shears", "Garden/Tools"),
    ]
    return [Product(id=i, title=t, price=50.0, category=c, stock=1) for i, t, c in rows]


def test_german_words_find_an_english_catalog_through_synonyms(
    garden: list[Product], embedder: Embedder
) -> None:
    plain = KnowledgeBase.in_memory(products=garden, embedder=embedder)
    with_synonyms = KnowledgeBase.in_memory(products=garden, synonyms=SETS, embedder=embedder)
    assert plain.search("Hängematte", mode="keyword").hits == []
    assert [h.id for h in with_synonyms.search("Hängematte", mode="keyword").hits] == ["GF-3"]
    assert with_synonyms.search("Gartenstühle", mode="keyword").hits[0].id == "GF-1"
    # Synonyms change the keyword side only: the embedding reads the shopper's words.
    assert (
        with_synonyms.search("Hängematte", mode="dense").hits
        == plain.search("Hängematte", mode="dense").hits
    )


def test_a_synonym_names_a_product_as_its_own_word_would(
    garden: list[Product], embedder: Embedder
) -> None:
    kb = KnowledgeBase.in_memory(products=garden, synonyms=SETS, embedder=embedder)
    assert [p.id for p in kb.named_in_full("Hängematte", garden)] == ["GF-3"]
    assert kb.names_product("Hängematte")
    furniture = garden[:3]
    # "Gartenbank" uses "garden", which every one's name holds, and "bench", which one's does.
    assert [p.id for p in kb.named_by("Ich suche eine Gartenbank", furniture)] == ["GF-2"]
    assert kb.named_by("Hängematte", garden) == []  # no word the others share
    # The bot asks the embedding about words the catalog has, synonyms about the others.
    assert kb.catalog_has_word("Benches") and not kb.catalog_has_word("Hängematte")


def test_unknown_words_are_what_neither_catalog_nor_synonyms_know(
    garden: list[Product], embedder: Embedder
) -> None:
    kb = KnowledgeBase.in_memory(products=garden, synonyms=SETS, embedder=embedder)
    text = "Ich brauche eine Hängematte, ein Kajak, Kajaks und 2 garden chairs, bitte"
    assert kb.unknown_words(text) == ["brauche", "Kajak", "bitte"]
    # The bot's own chat words ("ich brauche", "bitte") are no content gap.
    assert kb.unknown_words(text, ignore={"brauche", "bitte"}) == ["Kajak"]


def test_words_are_the_same_by_stem_or_synonym_set_and_categories_are_listed(
    garden: list[Product], embedder: Embedder
) -> None:
    kb = KnowledgeBase.in_memory(products=garden, synonyms=SETS, embedder=embedder)
    assert kb.same_word("Chairs", "chair") and kb.same_word("Gärten", "Garten")
    assert kb.same_word("Garten", "Garden") and kb.same_word("Stühle", "chair")
    assert not kb.same_word("Garten", "chair") and not kb.same_word("Hängematte", "Garten")
    assert sorted(kb.categories()) == sorted({p.category for p in garden})
