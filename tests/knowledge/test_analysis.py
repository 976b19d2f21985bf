"""Text analysis: folding, stemming in both languages, query alternatives, compounds."""

from __future__ import annotations

import pytest

from knowledge.analysis import (
    analyse,
    detect_language,
    fold,
    query_clauses,
    split_compound,
    tokens,
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [("Küche", "kuche"), ("Straße", "strasse"), ("Crème Brûlée", "creme brulee"), ("ÖL", "ol")],
)
def test_fold_lowercases_and_strips_accents(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_german_documents_are_stemmed_as_german() -> None:
    assert analyse("Pfannen", "de") == analyse("Pfanne", "de")
    assert analyse("die Pfanne und der Topf", "de") == [
        *analyse("Pfanne", "de"),
        *analyse("Topf", "de"),
    ]


def test_english_documents_are_stemmed_as_english() -> None:
    assert analyse("tents", "en") == analyse("tent", "en")
    assert analyse("the knives", "en") == analyse("knives", "en")


def test_digits_and_letters_split() -> None:
    assert analyse("28cm", "en") == ["28", "cm"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("I'm looking for", ["I", "looking", "for"]),
        ("it’s the Trail 2's", ["it", "the", "Trail", "2"]),
        ("we'll, you're, I'd, we've", ["we", "you", "I", "we"]),
        ("don't, isn't, can't, won't", ["do", "not", "is", "not", "can", "not", "will", "not"]),
        ("wie geht's", ["wie", "geht"]),
        ("O'Brien", ["O", "Brien"]),  # no clitic: both parts stay
    ],
)
def test_english_clitics_belong_to_their_word(text: str, words: list[str]) -> None:
    """ "I'm" gave the token "m", which every product measured in metres holds: "I'm
    looking for a gift" found a parasol of 3 m and a hose of 30 m by keyword."""
    assert tokens(text) == words


def test_query_token_offers_both_stemmers_and_umlaut_spellings() -> None:
    (clause,) = query_clauses("Kueche")
    terms = {alt.terms[0] for alt in clause.alternatives}
    # "Kueche" as typed, and read as "Küche" (stored folded as "kuche").
    assert analyse("Küche", "de")[0] in terms
    assert analyse("Kueche", "de")[0] in terms


def test_query_of_only_stopwords_still_searches() -> None:
    assert [c.token for c in query_clauses("the and")] == ["the", "and"]
    assert [c.token for c in query_clauses("the tent")] == ["tent"]


def test_split_compound_uses_known_parts_and_linking_morphemes() -> None:
    known = {"gart", "stuhl", "kuch", "mess", "brat", "pfann"}.__contains__
    assert split_compound("gartenstuhl", known) == ("gart", "stuhl")
    assert split_compound("kuchenmess", known) == ("kuch", "mess")
    assert split_compound("bratpfann", known) == ("brat", "pfann")
    assert split_compound("stuhl", known) is None
    assert split_compound("regenschirm", known) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Schwere Pfanne für die Küche", "de"),
        ("A heavy pan for the kitchen", "en"),
        ("Alpina X2", "en"),  # no evidence: the default
        # A greeting or thanks alone holds no stop word.
        ("hallo", "de"),
        ("Danke!", "de"),
        ("moin", "de"),
        ("thanks", "en"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text, "en") == language
