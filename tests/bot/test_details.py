"""Reading a question about a product (pure): what is asked, about which one."""

from __future__ import annotations

import pytest

from bot import details
from bot.actions.details import comparison, detail_line, extreme, feature_line
from bot.details import (
    AGAIN,
    BRAND,
    BUY,
    COMPARE,
    DESCRIPTION,
    FEATURE,
    PRICE,
    RATING,
    RECOMMEND,
    STOCK,
    Detail,
    asked_detail,
    attribute_for,
    differing,
)
from bot.texts import TEXTS
from knowledge import Product
from knowledge.synonyms import Thesaurus


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("is it in stock?", Detail(STOCK, singular=True)),
        ("Do you have them in stock?", Detail(STOCK)),
        ("are they still available?", Detail(STOCK)),
        ("Ist das Zelt auf Lager?", Detail(STOCK, rest="zelt", definite=True, singular=True)),
        ("is the second one available?", Detail(STOCK, ordinals=(1,), definite=True)),
        # One of them pointed at, nothing asked: what it is.
        ("the second one", Detail(DESCRIPTION, ordinals=(1,), definite=True)),
        ("die zweite bitte", Detail(DESCRIPTION, ordinals=(1,), definite=True)),
        ("the last one?", Detail(DESCRIPTION, ordinals=(-1,), definite=True)),
        ("how much is it?", Detail(PRICE, singular=True)),
        ("how much does it cost?", Detail(PRICE, singular=True)),
        ("Was kostet der?", Detail(PRICE, definite=True, singular=True)),
        ("how much does the Trail 2 cost?", Detail(PRICE, rest="trail 2", definite=True)),
        ("what is the price of the chef's knife?", Detail(PRICE, rest="chef knife", definite=True)),
        # An attribute before the price: "how much" here asks for the weight.
        ("how much does it weigh?", Detail("weight", singular=True)),
        ("what does the first one weigh?", Detail("weight", ordinals=(0,), definite=True)),
        ("Wie schwer ist das erste?", Detail("weight", ordinals=(0,), definite=True)),
        ("what does the last one weigh?", Detail("weight", ordinals=(-1,), definite=True)),
        ("what colour is it?", Detail("colour", singular=True)),
        (
            "which colours does the Trail 2 come in?",
            Detail("colour", rest="trail 2", definite=True),
        ),
        ("what brand is the Trail 2?", Detail(BRAND, rest="trail 2", definite=True)),
        ("who makes it?", Detail(BRAND, singular=True)),
        ("does the Trail 2 fit 3 people?", Detail("persons", rest="trail 2", definite=True)),
        ("how many people fit in the Basecamp?", Detail("persons", rest="basecamp", definite=True)),
        # A choice: the product's card and its cart button.
        ("I'll take the second one", Detail(BUY, ordinals=(1,), definite=True)),
        ("add it to my cart", Detail(BUY, singular=True)),
        ("Ich nehme das erste", Detail(BUY, ordinals=(0,), definite=True)),
        ("Leg das erste in den Warenkorb", Detail(BUY, ordinals=(0,), definite=True)),
        ("what material is it made of?", Detail("material", singular=True)),
        ("how many people does it sleep?", Detail("persons", singular=True)),
        ("is it suitable for induction?", Detail("induction", singular=True)),
        ("Ist die Pfanne induktionsgeeignet?", Detail("induction", rest="pfanne", definite=True)),
        # As German asks "does it work on …?": „geht“, „kann man … benutzen“ name nothing.
        ("geht die auf Induktion?", Detail("induction", definite=True)),
        ("kann man die auf Induktion benutzen?", Detail("induction", definite=True)),
        ("how warm is it?", Detail("comfort", singular=True)),
        ("how much power does it have?", Detail("power", singular=True)),
        ("how bright is it?", Detail("brightness", singular=True)),
        ("how long is the blade of the first one?", Detail("blade", ordinals=(0,), definite=True)),
        ("what is the rating?", Detail(RATING, definite=True)),
        ("Hat die Pfanne eine gute Bewertung?", Detail(RATING, rest="pfanne", definite=True)),
        ("tell me more about the second one", Detail(DESCRIPTION, ordinals=(1,), definite=True)),
        (
            "what's the difference between the first and the second?",
            Detail(COMPARE, ordinals=(0, 1), definite=True),
        ),
        (
            "Was ist der Unterschied zwischen den beiden?",
            Detail(COMPARE, definite=True, singular=True),
        ),
        ("which one would you recommend?", Detail(RECOMMEND)),
        ("welchen würdest du nehmen?", Detail(RECOMMEND)),
        # The kind after "which" stays: the season is not what "the best" is about.
        ("which pan is the best to season?", Detail(RECOMMEND, rest="pan season", definite=True)),
        # Which of those shown has the most or least of something.
        ("which one is the lightest?", Detail("weight", definite=True, extreme="min")),
        (
            "welches ist das schwerste?",
            Detail("weight", definite=True, extreme="max", singular=True),
        ),
        (
            "which tent is the biggest?",
            Detail("capacity", rest="tent", definite=True, extreme="max"),
        ),
        ("which one is best rated?", Detail(RATING, extreme="max")),
        ("which one has the best rating?", Detail(RATING, definite=True, extreme="max")),
        ("which one is cheaper?", Detail(PRICE, extreme="min")),
        ("Welches ist das günstigste?", Detail(PRICE, definite=True, extreme="min", singular=True)),
        ("which is the most expensive?", Detail(PRICE, definite=True, extreme="max")),
        (
            "which is warmer, the first or the second?",
            Detail("comfort", ordinals=(0, 1), definite=True, extreme="min"),
        ),
        # Other words stay: the brain asks the catalog whether they name a product.
        ("what does shipping cost for it?", Detail(PRICE, rest="shipping", singular=True)),
        ("how much does delivery cost?", Detail(PRICE, rest="delivery")),
    ],
)
def test_what_is_asked_about_which_product(text: str, detail: Detail) -> None:
    assert asked_detail(text) == detail


def test_an_attribute_wished_for_is_no_question() -> None:
    """ "For induction", "Farbe rot": what the product must have; asked, it is a question."""
    assert asked_detail("for induction") is None
    assert asked_detail("weight 2 kg") is None
    assert asked_detail("induction?") == Detail("induction")
    assert asked_detail("does it work on induction") == Detail("induction", singular=True)


@pytest.mark.parametrize(
    "text",
    [
        "is there a lighter one?",
        "can I return it?",
        "how do I return it?",
        "how does it work?",
        "how is it going?",
        "wie geht das?",
        "I need a tent",
        "where is my order?",
        "hello",
        "thanks",
    ],
)
def test_other_messages_ask_no_detail(text: str) -> None:
    assert asked_detail(text) is None


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("what grit is it?", Detail("grit", singular=True)),
        ("How many pieces does the set have?", Detail("pieces", rest="set", definite=True)),
        ("and how many piece?", Detail("pieces", follows=True)),  # either number
        ("what's the r-value of the mat?", Detail("r_value", rest="mat", definite=True)),
        ("and the cut?", Detail("cut_mm", definite=True, follows=True)),  # named without its unit
        (
            "Welche Körnung hat der Schleifstein?",
            Detail("körnung", rest="schleifstein", definite=True, singular=True),
        ),
    ],
)
def test_a_question_about_one_of_the_shops_own_attributes(text: str, detail: Detail) -> None:
    attributes = ["grit", "pieces", "r_value", "cut_mm", "körnung", "weight_kg", "x1"]
    assert asked_detail(text, attributes) == detail
    assert attribute_for({detail.about: 1}, detail.about) == (detail.about, 1)
    assert attribute_for({"grit_count": 1}, detail.about) is None  # by its whole name


@pytest.mark.parametrize(
    "text",
    [
        "a whetstone with 1000 grit",  # a search, not a question
        "what is x1?",  # a name without a word
        "how do I return it?",  # no attribute's name
    ],
)
def test_an_attribute_named_outside_a_question_is_no_detail(text: str) -> None:
    assert asked_detail(text, ["grit", "x1"]) is None


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("is it waterproof?", Detail(FEATURE, rest="waterproof", singular=True)),
        ("does it work on gas?", Detail(FEATURE, rest="gas", singular=True)),
        ("does the first one go in the oven?", Detail(FEATURE, (0,), "oven", definite=True)),
        ("are they machine washable?", Detail(FEATURE, rest="machine washable")),
        ("Ist sie spülmaschinenfest?", Detail(FEATURE, rest="spulmaschinenfest")),
        ("Hat die zweite einen Deckel?", Detail(FEATURE, (1,), "deckel", definite=True)),
        ("how many settings does it have?", Detail(FEATURE, rest="settings", singular=True)),
        ("Wie viele Stufen hat er?", Detail(FEATURE, rest="stufen", singular=True)),
        # How it does something: what its text says of that ("how does it grind?" was
        # the product shown again, "how loud is it?" the bot's "I don't know").
        ("how does it grind?", Detail(FEATURE, rest="grind", singular=True)),
        ("how loud is it?", Detail(FEATURE, rest="loud", singular=True)),
        (
            "and how is the second one packed?",
            Detail(FEATURE, (1,), "packed", definite=True, follows=False),
        ),
        ("Wie laut ist er?", Detail(FEATURE, rest="laut", singular=True)),
        ("Wie mahlt sie?", Detail(FEATURE, rest="mahlt")),
        # Which of several have it: the kind's word stays, for the brain to drop.
        ("which one is waterproof?", Detail(FEATURE, rest="waterproof", which=True)),
        ("which of them has a rain cover?", Detail(FEATURE, rest="rain cover", which=True)),
        ("Which tent is waterproof?", Detail(FEATURE, rest="tent waterproof", which=True)),
        ("Welches Zelt ist wasserdicht?", Detail(FEATURE, rest="zelt wasserdicht", which=True)),
        ("welcher davon hat einen Deckel?", Detail(FEATURE, rest="deckel", which=True)),
    ],
)
def test_a_yes_no_question_asks_for_a_feature(text: str, detail: Detail) -> None:
    assert asked_detail(text) == detail


@pytest.mark.parametrize(
    "text",
    [
        "can you ship it?",
        "is it?",
        "how many?",
        "can I return it?",
        "how do I return it?",
        "how does it work?",
        "how is it going?",
        "wie geht das?",
        "is it in stock?",
        "it is red",
        "which tents do you have?",
        "which one is in stock?",
        "which is the best?",
    ],
)
def test_what_is_not_a_feature_question(text: str) -> None:
    found = asked_detail(text)
    assert found is None or found.about != FEATURE


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("and the second one?", Detail(AGAIN, (1,), definite=True)),
        ("what about the last one?", Detail(AGAIN, (-1,), definite=True)),
        ("and the other ones?", Detail(AGAIN, definite=True, other=True)),
        ("und das zweite?", Detail(AGAIN, (1,), definite=True)),
        ("Was ist mit dem anderen?", Detail(AGAIN, definite=True, other=True)),
        ("what about the Summit 2?", Detail(AGAIN, rest="summit 2", definite=True)),
        ("and what about delivery?", Detail(AGAIN, rest="delivery")),  # the brain drops it
        # Another question about the other one is that question.
        ("is the other one in stock?", Detail(STOCK, definite=True, other=True)),
    ],
)
def test_the_last_question_again_of_other_products(text: str, detail: Detail) -> None:
    assert asked_detail(text) == detail


@pytest.mark.parametrize("text", ["and?", "and then", "what about"])
def test_and_alone_asks_nothing_again(text: str) -> None:
    assert asked_detail(text) is None


def test_an_attribute_is_found_by_the_first_word_of_its_name() -> None:
    tent = {"persons": 2, "weight_kg": 1.4, "colour": "green"}
    assert attribute_for(tent, "weight") == ("weight_kg", 1.4)
    assert attribute_for(tent, "persons") == ("persons", 2)
    assert attribute_for({"seats": 3}, "persons") == ("seats", 3)
    assert attribute_for({"volume_l": 22}, "capacity") == ("volume_l", 22)
    assert attribute_for({"lumen": 300}, "brightness") == ("lumen", 300)
    assert attribute_for(tent, "material") is None


def test_a_comparison_names_what_every_product_has_and_differs_in() -> None:
    pans = [
        {"material": "cast iron", "induction": True, "diameter_cm": 28, "fits": "lid-28"},
        {"material": "steel", "induction": True, "diameter_cm": 24, "fits": "lid-24"},
        {"material": "steel", "induction": True},
    ]
    assert differing(pans[:2]) == ["material", "diameter_cm"]  # not what it fits
    assert differing(pans) == ["material"]  # the third has no diameter


def _product(id: str, price: float, **attributes: object) -> Product:
    return Product(id=id, title=id.title(), price=price, attributes=attributes)


def test_the_least_or_most_of_something_among_the_products() -> None:
    tents = [
        _product("trail", 329, persons=2, weight_kg=1.4),
        _product("basecamp", 249, persons=4, weight_kg=4.8),
        _product("beach", 49, persons=2, weight_kg=1.2),
    ]
    lightest = extreme(tents, Detail("weight", extreme="min"), "en")
    assert lightest == ("Of these, the Beach is the lightest (weight 1.2 kg).", True, tents[2])
    # A tent has no volume: the biggest is the one for most people.
    biggest = extreme(tents, Detail("capacity", extreme="max"), "de")
    assert biggest == ("Davon ist Basecamp am größten (Personen 4).", True, tents[1])
    alike = extreme([tents[0], tents[2]], Detail("capacity", extreme="max"), "en")
    assert alike == ("They are alike in that: persons 2.", True, None)
    warmest = extreme(tents, Detail("comfort", extreme="min"), "en")
    # None has the number: said of them all, not of the first alone.
    assert warmest == ("The catalog doesn't say that about any of them.", False, None)
    warmest_one = extreme(tents[:1], Detail("comfort", extreme="min"), "en")
    assert warmest_one == ("I have no details on the comfort temperature of Trail.", False, None)
    dearest = extreme(tents, Detail(PRICE, extreme="max"), "de")
    assert dearest == ("Davon ist Trail am teuersten (329,00 €).", True, tents[0])


def test_a_comparison_lists_the_price_and_what_differs() -> None:
    tents = [
        _product("trail", 329, persons=2, colour="green"),
        _product("solo", 219, persons=1, colour="green"),
    ]
    assert comparison(tents, "en").splitlines() == [
        "How they differ:",
        "Trail: 329.00 €, persons 2.",
        "Solo: 219.00 €, persons 1.",
    ]


def test_every_least_or_most_question_has_its_answer_in_both_languages() -> None:
    for about, extreme_ in details._EXTREMES:
        assert set(TEXTS[f"extreme_{about}_{extreme_}"]) >= {"en", "de"}, (about, extreme_)


def test_content_words_leave_out_stop_words_and_filler() -> None:
    assert details.content_words("non-stick please") == "non stick"
    assert details.content_words("Something LIGHT, bitte!") == "light"
    assert details.content_words("the first one") == "first"


@pytest.mark.parametrize(
    ("title", "description", "about", "line"),
    [
        ("Dining table 180 cm", "", "size", "Dining table 180 cm: 180 cm."),
        ("Wool blanket 130 x 180 cm", "", "size", "Wool blanket 130 x 180 cm: 130 x 180 cm."),
        ("Trekking backpack 55+10 l", "", "capacity", "Trekking backpack 55+10 l: 55+10 l."),
        ("Trail 2", "Two-person tent, 1.4 kg, freestanding.", "weight", "Trail 2: 1.4 kg."),
        # Two weights would be a guess; "1200 cm3" is no length.
        ("Set", "Pan 1.2 kg and lid 0.4 kg.", "weight", "I have no details on the weight of Set."),
        ("Jug", "Holds 1200 cm3.", "size", "I have no details on the size of Jug."),
    ],
)
def test_a_measure_the_title_or_description_writes_answers_for_a_missing_attribute(
    title: str, description: str, about: str, line: str
) -> None:
    product = Product(id="p", title=title, price=10.0, description=description)
    assert detail_line(product, about, "en")[0] == line


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("what is it filled with?", Detail("fill", singular=True)),  # the shop's "fill"
        ("how long is it?", Detail("size", singular=True)),
    ],
)
def test_own_attribute_over_what_is_it_and_length_over_time(text: str, detail: Detail) -> None:
    assert asked_detail(text, ["fill"]) == detail
    for time in ("how long does the battery last?", "how long does delivery take?"):
        assert asked_detail(time, ["fill"]) is None


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("do you have the Trail 2 in red?", Detail("colour", rest="trail 2", definite=True)),
        ("Gibt es das Trail 2 auch in Rot?", Detail("colour", rest="trail 2", definite=True)),
        ("the red one", None),  # names nothing: it narrows the search
        ("I need a red tent", None),  # a search
    ],
)
def test_a_colour_asked_of_a_named_product(text: str, detail: Detail | None) -> None:
    assert details.asked_in_colour(text) == detail


def test_a_feature_in_german_is_found_in_an_english_description_through_synonyms() -> None:
    tent = Product(id="t", title="Basecamp 4", price=299.0, stock=1,
                   description="Roomy dome tent. A 3000 mm waterproof fly.")  # fmt: skip
    synonyms = Thesaurus([["wasserdicht", "waterproof"], ["spülmaschinenfest", "dishwasher safe"]])
    found, known = feature_line(tent, "wasserdicht", "de", "de", synonyms.forms_for)
    assert known and found == "Basecamp 4: „A 3000 mm waterproof fly.“"
    # Without the shop's synonyms the German word is in no English sentence.
    assert feature_line(tent, "wasserdicht", "de", "de") == (
        TEXTS["feature_unknown"]["de"].format(title="Basecamp 4"),
        False,
    )
    pans = Product(id="p", title="Pan set", price=99.0, stock=1, description="Dishwasher safe.")
    assert feature_line(pans, "spülmaschinenfest", "de", "de", synonyms.forms_for)[1]
