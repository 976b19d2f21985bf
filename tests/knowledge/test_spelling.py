"""Typing slips: the pure lexicon and mending, then a knowledge base's words as they change."""

from __future__ import annotations

import pytest

from knowledge import Embedder, Faq, KnowledgeBase, Product
from knowledge.spelling import Lexicon, mend, one_slip_apart


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("tnet", "tent"), ("oredr", "order"), ("sleping", "sleeping"), ("coffe", "coffee"),
     ("lanternn", "lantern"), ("lanterm", "lantern")],
)  # fmt: skip
def test_one_slip_is_a_letter_left_out_added_changed_or_swapped(typed: str, meant: str) -> None:
    assert one_slip_apart(typed, meant) and one_slip_apart(meant, typed)


@pytest.mark.parametrize(("a", "b"), [("tent", "tent"), ("abcd", "badc"), ("tent", "tenten")])
def test_the_same_word_or_two_slips_are_not_one(a: str, b: str) -> None:
    assert not one_slip_apart(a, b)


def test_an_unknown_word_becomes_the_content_word_one_slip_away() -> None:
    shop = Lexicon(["Trail 2 ultralight tent", "Down sleeping bag", "Burr coffee grinder"])
    assert mend("tnet for 2 people", [shop]) == "tent for 2 people"
    assert mend("a sleping bag and a coffe grinder", [shop]) == (
        "a sleeping bag and a coffee grinder"
    )
    # Capitals as typed; German words keep their accents.
    german = Lexicon(["Daunenschlafsack", "Schlafsack", "Kühlbox"])
    assert mend("Schlafsak", [german]) == "Schlafsack"
    assert mend("KUHLBOXX", [german]) == "KÜHLBOX"


def test_words_meant_as_typed_stay() -> None:
    shop = Lexicon(["Cast iron cook pot", "Wool blanket", "Zelt für zwei", "Tent glove"])
    # Common English and German words: "cool" is not "cook" nor "wool", "Welt" not "Zelt".
    assert mend("something cool", [shop]) == "something cool"
    assert mend("Was kostet die Welt?", [shop]) == "Was kostet die Welt?"
    assert mend("I love it", [shop]) == "I love it"
    # Addresses, ids and short words are left as they are.
    text = "mail tnet@shop.example, see shop.example/tnet, order TP-TNET, a pen"
    assert mend(text, [shop]) == text
    # Two slips away, or as near to two content words held as often: no guess.
    assert mend("tnnet", [shop]) == "tnnet"
    assert mend("boets", [Lexicon(["boots", "boats"])]) == "boets"
    assert mend("boets", [Lexicon(["boots", "boats boats"])]) == "boats"
    # Four letters are mended only for two swapped: "cred" is not "red", "tnet" is "tent".
    assert mend("cred card, a juke", [Lexicon(["red joke"])]) == "cred card, a juke"
    assert mend("a tnet", [Lexicon(["tent"])]) == "a tent"
    # Contractions, and other forms of the shop's words, which search finds as they are.
    assert mend("they aren't, hoss's", [Lexicon(["are", "boss"])]) == "they aren't, hoss's"
    assert mend("steakhouses", [Lexicon(["steakhouse"])]) == "steakhouses"


def test_a_removed_text_takes_its_words_with_it() -> None:
    shop = Lexicon(["Trail tent", "Summit tent"])
    shop.remove("Trail tent")
    assert mend("tnet", [shop]) == "tent"
    shop.remove("Summit tent")
    assert "tent" not in shop and mend("tnet", [shop]) == "tnet"


def test_the_knowledge_base_mends_to_its_products_faqs_and_names_as_they_change(
    embedder: Embedder,
) -> None:
    kb = KnowledgeBase.in_memory(
        products=[Product(id="hammock", title="Travel hammock", price=39.0, category="Outdoor")],
        faqs=[Faq(id="returns", question="Can I return an item?", answer="Yes, within 30 days.")],
        synonyms=[["Hängematte", "hammock"]],
        embedder=embedder,
    )
    assert kb.mended("a hamock please") == "a hammock please"
    assert kb.mended("Hängemate") == "Hängematte"  # a synonym's word
    assert kb.mended("how do I retrun it") == "how do I return it"  # an FAQ's word
    kb.category_names = {"Outdoor/Kayaks": {"de": "Kajaks"}}
    assert kb.mended("Kajacks") == "Kajaks"
    kb.apply(upserts=[Product(id="kayak", title="Sea kayak", price=899.0, category="Outdoor")])
    assert kb.mended("a kayack") == "a kayak"
    kb.apply(deletes=[("product", "kayak")])
    assert kb.mended("a kayack") == "a kayack"
    # An edit replaces the old words with the new.
    assert kb.mended("a travle hammock") == "a travel hammock"
    kb.apply(upserts=[Product(id="hammock", title="Camping swing", price=39.0, category="Outdoor")])
    assert kb.mended("a travle swnig") == "a travle swing"
    # "also": words the caller adds, such as how shoppers talk to the bot.
    assert kb.mended("cheapst", also=Lexicon(["the cheapest one"])) == "cheapest"
