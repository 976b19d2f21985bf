"""Choosing the question that splits the candidates best, and the declarative flows."""

from __future__ import annotations

import re

import pytest

from bot.entities import Measure
from bot.selling import (
    GIFT,
    Flow,
    Question,
    apply_constraint,
    asks_for_gift,
    buyable_first,
    choose_question,
    closest,
    constrained_facets,
    constraints_named_in,
    departments,
    facet_name,
    feature_words,
    filters_for,
    flow_for,
    german_kind_only,
    gift_words,
    kind_called,
    kind_question,
    kinds_of,
    leading,
    load_flows,
    measured_constraints,
    part_in,
    question_message,
    ranked,
    seasons_widened,
    shortfall,
    split_entropy,
    than_shown,
    unlikeness,
    value_names,
    without_kinds,
)
from knowledge import Hit, Product


def test_even_split_beats_lopsided() -> None:
    assert split_entropy({"a": 5, "b": 5}, 10) > split_entropy({"a": 9, "b": 1}, 10)
    assert split_entropy({"a": 10}, 10) == 0.0
    # Products lacking the facet count as their own group: a rare facet does not look useful.
    assert split_entropy({"a": 1, "b": 1}, 100) < split_entropy({"a": 50, "b": 50}, 100)


def test_leading_hits_are_those_close_to_the_best() -> None:
    def hits(*scores: float) -> list[Hit]:
        return [Hit(id=f"p{i}", kind="product", score=s) for i, s in enumerate(scores)]

    assert [h.id for h in leading(hits(0.72, 0.40, 0.38), 0.2)] == ["p0"]
    assert [h.id for h in leading(hits(0.63, 0.62, 0.51, 0.44), 0.2)] == ["p0", "p1", "p2", "p3"]
    assert [h.id for h in leading(hits(0.63, 0.62, 0.51, 0.42), 0.2)] == ["p0", "p1", "p2"]
    # Browsing scores every hit 0: all of them lead.
    assert len(leading(hits(0.0, 0.0, 0.0), 0.2)) == 3
    assert leading([], 0.2) == []


def test_generic_question_from_facets() -> None:
    """The facet that splits best; taste (colour) only after the others: it splits
    these best, yet the budget comes first."""
    facets = {"price": {"0-10": 10, "10-25": 10}, "attr.colour": {"red": 7, "blue": 7, "green": 6}}
    question = choose_question(facets, 20, skip=set(), flow=None)
    assert question is not None and question.facet == "price"
    assert choose_question(facets, 20, skip={"price"}, flow=None).facet == "attr.colour"  # type: ignore[union-attr]
    assert choose_question(facets, 20, skip={"attr.colour", "price"}, flow=None) is None
    facets = {"attr.colour": {"red": 3, "blue": 3, "green": 3}, "attr.capacity_l": {"1": 4, "2": 5}}
    question = choose_question(facets, 9, skip={"price"}, flow=None)
    assert question is not None and question.facet == "attr.capacity_l"


def test_a_gift_asks_the_budget_first_where_it_splits() -> None:
    """Coffee makers for a present: "which capacity?" splits them best, but the giver
    knows the budget, not the litres."""
    facets = {"price": {"25-50": 6, "50-100": 2}, "attr.capacity_l": {"1": 4, "1.2": 4}}
    assert choose_question(facets, 8, skip=set(), flow=None).facet == "attr.capacity_l"  # type: ignore[union-attr]
    assert choose_question(facets, 8, skip=set(), flow=None, gift=True).facet == "price"  # type: ignore[union-attr]
    # Where the budget splits nothing, the next best.
    even = {"price": {"25-50": 8}, "attr.capacity_l": {"1": 4, "1.2": 4}}
    assert choose_question(even, 8, skip=set(), flow=None, gift=True).facet == "attr.capacity_l"  # type: ignore[union-attr]


def test_what_a_product_fits_is_never_asked() -> None:
    # Accessories name what they go with; a shopper is not asked to choose among those.
    facets = {
        "attr.fits": {"Kitchen/Knives": 10, "CW-101": 10},
        "attr.compatible_with": {"Outdoor/Tents": 7, "TE-601": 7, "TE-606": 6},
    }
    assert choose_question(facets, 20, skip=set(), flow=None) is None


def test_flow_questions_and_labels_in_both_languages() -> None:
    flows = load_flows()
    tents = flow_for("Ich suche ein Zelt", flows)
    assert tents is not None and tents.category == "Outdoor/Tents"
    assert flow_for("a cast iron pan", flows).category == "Kitchen/Cookware"  # type: ignore[union-attr]
    assert flow_for("a hammock", flows) is None
    assert flow_for("Zelte für den Sommer", flows) is tents
    # Words inside other words are not the product: Japan, content.
    assert flow_for("do you ship to Japan?", flows) is None
    assert flow_for("what is the content of the parcel", flows) is None
    # German compounds end in their head: these name the flow's category.
    for text, category in (
        ("eine Gusseisenpfanne", "Kitchen/Cookware"),
        ("Kochtöpfe", "Kitchen/Cookware"),
        ("Kuppelzelte", "Outdoor/Tents"),
        ("Daunenschlafsack", "Outdoor/Sleeping bags"),
        ("ein Brotmesser", "Kitchen/Knives"),
        ("Campinglaterne", "Home/Lighting"),
        ("Terrassenmöbel", "Garden/Furniture"),
        ("a backpacking tent", "Outdoor/Tents"),
    ):
        assert flow_for(text, flows).category == category, text  # type: ignore[union-attr]
    # A flow word that only starts a longer word names something else.
    for text in ("a potato peeler", "a tentative delivery date", "Zeltheringe", "panels"):
        assert flow_for(text, flows) is None, text
    assert flow_for("a lightweight jacket", flows) is None
    facets = {"attr.season": {"summer": 3, "3-season": 4, "4-season": 2}, "attr.persons": {"2": 9}}
    question = choose_question(facets, 9, skip=set(), flow=tents)
    assert question is not None and question.facet == "attr.season"  # persons does not split these
    text, options = question_message(question, facets, "de")
    assert text == "Wann bist du meistens unterwegs?"
    assert options[0] == {"label": "Frühling bis Herbst", "value": "facet:attr.season=3-season"}
    assert [o["value"] for o in options[-2:]] == ["skip", "results"]
    # Numbers: the most common ones, shown in order of value.
    comfort = {"attr.comfort_c": {"5": 9, "-5": 8, "-15": 6, "8": 5, "12": 1}}
    _, options = question_message(Question(facet="attr.comfort_c", prompt={}), comfort, "en")
    assert [o["value"] for o in options[:-2]] == [
        f"facet:attr.comfort_c={v}" for v in ("-15", "-5", "5", "8")
    ]
    # Colours without a flow's labels: in German, the German names; values it does
    # not know as written.
    colours = {"attr.colour": {"green": 3, "black": 2, "sand": 1}}
    _, options = question_message(Question(facet="attr.colour", prompt={}), colours, "de")
    assert [o["label"] for o in options[:-2]] == ["grün", "schwarz", "sand"]
    assert options[0]["value"] == "facet:attr.colour=green"


def test_a_part_of_a_kind_is_not_the_kind() -> None:
    """ "Tent pegs", "a pan lid", "pegs for my tent": a part, as "Zeltheringe" is, read
    off with the words as written; "tent" before a part's word uses no flow."""
    flows = load_flows()
    for text, phrase, part, alone in (
        ("tent pegs", "tent pegs", "pegs", True),
        ("Do you have a Pan Lid?", "Pan Lid", "Lid", True),
        ("I need a knife sharpener for my knives", "knife sharpener", "sharpener", False),
        ("pegs for my tent", "pegs for my tent", "pegs", True),
        ("a new handle for the pan", "handle for the pan", "handle", False),
        ("Habt ihr Heringe für mein Zelt?", "Heringe für mein Zelt", "Heringe", True),
        ("einen Deckel für die Pfanne", "Deckel für die Pfanne", "Deckel", True),
    ):
        found = part_in(text, flows)
        assert found is not None, text
        assert (found.phrase, found.part, found.alone) == (phrase, part, alone), text
    assert flow_for("tent pegs", flows) is None and flow_for("a pan lid", flows) is None
    for text in ("a tent", "a tent for 4", "knife block", "a pan with a lid", "tent poled"):
        assert part_in(text, flows) is None, text
    assert flow_for("a pan with a lid", flows).category == "Kitchen/Cookware"  # type: ignore[union-attr]


DU = re.compile(r"\b(du|dich|dir|dein\w*|lass)\b", re.IGNORECASE)


def test_demo_flows_label_their_words_in_both_languages() -> None:
    """Buttons with catalog words ("cast iron") would be English in a German chat, and a
    question that says "du" needs its "Sie" wording for shops that say "Sie"."""
    for flow in load_flows():
        for texts in [flow.intro, *(q.prompt for q in flow.questions)]:
            assert {"en", "de"} <= set(texts) or texts == {}, flow.category
            assert ("de-sie" in texts) == bool(DU.search(texts.get("de", ""))), texts
        for question in flow.questions:
            for value, label in question.labels.items():
                assert set(label) == {"en", "de"}, (flow.category, value)
    cookware = flow_for("eine Pfanne", load_flows())
    assert cookware is not None
    _, options = question_message(cookware.questions[0], {"attr.material": {"cast iron": 3}}, "de")
    assert options[0]["label"] == "Gusseisen"
    # Outside a flow, common facets have questions of their own; others name the facet.
    generic = {"attr.colour": {"blue": 2}, "attr.weave": {"tight": 1}}
    colour, _ = question_message(Question(facet="attr.colour", prompt={}), generic, "de")
    weave, _ = question_message(Question(facet="attr.weave", prompt={}), generic, "de")
    generic["attr.capacity_l"] = {"1.2": 2, "1": 1}
    capacity, sizes = question_message(Question(facet="attr.capacity_l", prompt={}), generic, "de")
    assert [o["label"] for o in sizes[:2]] == ["1", "1,2"]  # a German decimal comma
    assert sizes[1]["value"].endswith("=1.2")
    assert (colour, weave, capacity) == (
        "Welche Farbe soll es sein?",
        "Welcher Wert für „weave“ soll es sein?",  # a word of the shop's own
        "Welcher Wert für „Fassungsvermögen (l)“ soll es sein?",
    )


def test_constraints_become_filters() -> None:
    constraints = apply_constraint({"persons": 4}, "price", "100-250")
    assert constraints == {"persons": 4, "price_min": 100.0, "price_max": 250.0}
    assert apply_constraint({}, "price", "1000+") == {"price_min": 1000.0}
    # A choice replaces the entity that set the same filter ("summer" said, "all year" chosen).
    chosen = apply_constraint({"season": "summer", "persons": 2}, "attr.season", "4-season")
    assert chosen == {"persons": 2, "attr.season": "4-season"}
    assert filters_for(constraints, "Outdoor/Tents") == {
        "category": "Outdoor/Tents", "attr.persons_min": 4, "price_min": 100.0, "price_max": 250.0,
    }  # fmt: skip
    assert constrained_facets({"budget_max": 100, "attr.season": "summer", "persons": 2}) == {
        "price", "attr.season", "attr.persons",
    }  # fmt: skip
    # For garden furniture "for 4 people" means seats (the flow's "persons").
    assert filters_for({"persons": 4}, "Garden/Furniture", persons="seats") == {
        "category": "Garden/Furniture", "attr.seats_min": 4,
    }  # fmt: skip
    assert constrained_facets({"persons": 4}, persons="seats") == {"attr.seats"}
    # For the summer a 3-season product does too, said or clicked; other seasons are theirs.
    summer = ["summer", "3-season"]
    assert filters_for({"season": "summer"}, None) == {"attr.season": summer}
    assert filters_for({"attr.season": "summer"}, None) == {"attr.season": summer}
    assert filters_for({"season": "4-season"}, None) == {"attr.season": "4-season"}


def test_flow_from_dict() -> None:
    flow = Flow.from_dict(
        {
            "category": "Home",
            "match": ["Lamp"],
            "questions": [{"facet": "price", "ask": {"en": "?"}}],
        }
    )
    assert flow.match == ("lamp",) and flow.questions[0].facet == "price"


def test_a_message_of_only_a_flows_words_names_its_kind_of_product() -> None:
    flows = {flow.category: flow for flow in load_flows()}
    cookware, tents = flows["Kitchen/Cookware"], flows["Outdoor/Tents"]
    sleeping_bags = flows["Outdoor/Sleeping bags"]
    for text in (
        "Pfanne", "Pfannen", "eine Gusseisenpfanne", "a pan", "pots and pans",
        "Welche Pfanne ist die beste für Induktion?", "which pan would you recommend?",
    ):  # fmt: skip
        assert cookware.named_alone(text), text
    assert tents.named_alone("ein Kuppelzelt") and tents.named_alone("Tents")
    assert sleeping_bags.named_alone("sleeping bags")
    # A question about the product, or another word, is more than its name.
    for text in ("meine Pfanne rostet", "Gusseisenpfanne einbrennen", "my pan handle broke"):
        assert not cookware.named_alone(text), text
    assert not sleeping_bags.named_alone("a bag")  # not the flow's words at all
    assert not tents.named_alone("Pfanne")


def test_product_words_made_general_for_the_faqs() -> None:
    flows = load_flows()
    assert without_kinds("My tent arrived damaged", flows, "en") == "my item arrived damaged"
    assert without_kinds("Mein Kuppelzelt ist kaputt", flows, "de") == "mein Artikel ist kaputt"
    assert without_kinds("pots and pans", flows, "en") == "item and item"
    assert without_kinds("a hammock arrived damaged", flows, "en") is None


def test_which_kind_is_asked_where_the_leaders_are_of_several_kinds() -> None:
    leaders = ["Outdoor/Tents", "Outdoor/Tents", "Outdoor/Accessories", "Kitchen/Accessories"]
    kinds = kinds_of(leaders, {}, chosen=None)
    assert kinds == {"Outdoor/Tents": 2, "Outdoor/Accessories": 1, "Kitchen/Accessories": 1}
    question = kind_question(kinds, asked=[])
    assert question is not None
    assert kind_question(kinds, asked=["category"]) is None  # asked once
    assert kind_question({"Outdoor/Tents": 4}, asked=[]) is None
    # German needs no "du" or "Sie" here; a kind without a flow is named by the
    # catalog's words, a shared name with its path.
    text, options = question_message(question, {"category": kinds}, "de")
    assert text == "Was darf es sein?"
    assert [o["label"] for o in options[:3]] == [
        "Tents", "Outdoor › Accessories", "Kitchen › Accessories",
    ]  # fmt: skip
    assert options[0]["value"] == "facet:category=Outdoor/Tents"
    # A kind with a flow is named as its flow names it, in the shopper's language.
    flows = load_flows()
    named = kind_question(kinds, asked=[], flows=flows)
    assert named is not None
    _, options = question_message(named, {"category": kinds}, "de")
    assert [o["label"] for o in options[:2]] == ["Zelte", "Outdoor › Accessories"]
    assert options[0]["value"] == "facet:category=Outdoor/Tents"
    _, options = question_message(named, {"category": kinds}, "en")
    assert options[0]["label"] == "Tents"
    assert kind_called("Outdoor/Tents", flows, "de-sie") == "Zelte"
    assert kind_called("Outdoor/Tents", flows, "en") == "tents"
    assert kind_called("Kitchen/Storage boxes", flows, "de") == "storage boxes"  # no flow


def test_generic_questions_name_a_facet_with_its_unit() -> None:
    weights = {"attr.weight_kg": {"1.6": 2, "3.1": 2}}
    text, _ = question_message(Question(facet="attr.weight_kg", prompt={}), weights, "en")
    assert text == "Which weight (kg) would you like?"
    assert facet_name("attr.comfort_c") == "comfort (°C)"
    assert facet_name("attr.comfort_c", "de-sie") == "Komforttemperatur (°C)"
    assert facet_name("attr.r_value") == "r value"  # "value" is no unit


def test_which_product_of_a_kind_and_for_what_names_the_kind() -> None:
    pans = next(f for f in load_flows() if f.category == "Kitchen/Cookware")
    for text in (
        "welche Pfanne für Induktion?", "a pan for my gas stove", "a pan for my mum",
        "Hi, I'm looking for a pan", "habt ihr Pfannen?",  # a request, as the rule reads it
    ):  # fmt: skip
        assert pans.named_alone(text), text
    for text in ("meine Pfanne rostet", "Pflege für Pfanne", "which pan is rusty"):
        assert not pans.named_alone(text), text


def test_a_gift_asks_for_the_department_then_the_kind_within_it() -> None:
    counts = {"Outdoor": 5, "Outdoor/Tents": 3, "Outdoor/Backpacks": 2, "Kitchen": 1,
              "Kitchen/Knives": 1}  # fmt: skip
    assert departments(counts) == {"Outdoor": 5, "Kitchen": 1}
    # Within the department: all its kinds, from the search's facet, not only the leaders.
    within = kinds_of(["Outdoor/Tents"], counts, chosen="Outdoor")
    assert within == {"Outdoor/Tents": 3, "Outdoor/Backpacks": 2}
    assert kind_question(within, asked=["category"], chosen="Outdoor") is not None
    assert kind_question(within, asked=["category"], chosen=None) is None  # asked once
    assert kind_question(within, asked=["category", "category"], chosen="Outdoor") is None
    assert GIFT.search("a present for my wife") and GIFT.search("Geschenkideen")
    assert not GIFT.search("do you have gift cards?") and not GIFT.search("Geschenkgutschein")


@pytest.mark.parametrize(
    ("text", "gift"),
    [
        ("a present for my sister who likes cooking", True),
        ("what can I give my dad for christmas?", True),
        ("Ich brauche ein Geburtstagsgeschenk", True),
        ("Was soll ich meiner Mutter schenken?", True),
        # The shop's services and cards are the FAQs'.
        ("do you sell gift cards?", False),
        ("can you wrap my present?", False),
        ("can I send it as a gift?", False),
        ("Kann ich es als Geschenk verpacken lassen?", False),
        ("what can I get with free shipping?", False),
        ("what is the present exchange rate?", False),
        ("locate jenny at her present position", False),
    ],
)
def test_what_asks_for_a_gift(text: str, gift: bool) -> None:
    assert asks_for_gift(text) is gift


def test_a_gifts_own_words_leave_out_whom_it_is_for() -> None:
    assert gift_words("a present for my sister who likes cooking") == "cooking"
    assert gift_words("what can I give my dad for christmas?") == ""
    assert gift_words("Geschenk für meinen Vater") == ""


def test_a_cheaper_or_lighter_one_is_a_bound_just_past_the_product_shown() -> None:
    pack = Product(
        id="bp", title="Daypack", price=69.0, attributes={"volume_l": 22, "weight_kg": 0.7}
    )
    assert than_shown("cheaper", pack) == {"budget_max": 68.99}
    assert than_shown("lighter", pack) == {"attr.weight_kg_max": 0.7 - 1e-3}
    assert than_shown("bigger", pack) == {"attr.volume_l_min": 22 + 1e-3}
    # A tent holds no volume: bigger is for more people. A pack has no comfort temperature.
    tent = Product(id="t", title="Tent", price=249.0, attributes={"persons": 4})
    assert than_shown("bigger", tent) == {"attr.persons_min": 4 + 1e-3}
    assert than_shown("warmer", pack) == {}


def test_products_ranked_by_an_attribute_those_without_it_last() -> None:
    def pack(id: str, **attributes: object) -> Product:
        return Product(id=id, title=id, price=50.0, attributes=attributes)

    packs = [
        pack("a", volume_l=22, weight_kg=0.7),
        pack("b"),
        pack("c", volume_l=65, weight_kg=2.0),
    ]
    assert [p.id for p in ranked(packs, "-capacity")] == ["c", "a", "b"]
    assert [p.id for p in ranked(packs, "weight")] == ["a", "c", "b"]


def test_in_stock_first_within_each_kind_which_keeps_its_places() -> None:
    """The sold-out parasol asked for stays before the backpack that came close by the
    word "like"; among tents the one in stock comes before the sold-out one."""

    def product(id: str, category: str, stock: int) -> Product:
        return Product(id=id, title=id, price=10.0, category=category, stock=stock)

    found = [
        product("parasol", "Garden/Furniture", 0),
        product("pack", "Outdoor/Backpacks", 5),
        product("tent-sold-out", "Outdoor/Tents", 0),
        product("tent", "Outdoor/Tents", 3),
    ]
    assert [p.id for p in buyable_first(found)] == ["parasol", "pack", "tent", "tent-sold-out"]


def test_a_yes_no_attribute_is_named_by_its_name_or_the_label_of_yes() -> None:
    """ "Which pans work on induction?" asks for induction pans, so the bot does not offer
    copper (no induction) as a material; "Pfanne für Induktion" through the flow's German
    label of "yes"; "not for induction" names nothing."""
    facets = {"attr.induction": {"true": 5, "false": 2}, "attr.material": {"cast iron": 3}}
    induction = Question(
        facet="attr.induction",
        prompt={"en": "Do you cook on induction?"},
        labels={"true": {"en": "Yes, induction", "de": "Ja, Induktion"}, "false": {"en": "No"}},
    )
    yes = {"attr.induction": "true"}
    assert constraints_named_in("Which pans work on induction?", facets, set()) == yes
    assert constraints_named_in("Eine Pfanne für Induktion", facets, set(), [induction]) == yes
    assert constraints_named_in("Eine Pfanne für Induktion", facets, set()) == {}
    assert constraints_named_in("a pan, not for induction", facets, set(), [induction]) == {}
    assert constraints_named_in("Pfanne, nicht für Induktion", facets, set(), [induction]) == {}
    assert constraints_named_in("a non-stick pan for induction", facets, set()) == yes
    assert constraints_named_in("a cast iron pan for induction", facets, set()) == {
        **yes,
        "attr.material": "cast iron",
    }
    assert constraints_named_in("pans for induction", facets, {"attr.induction"}) == {}


def test_winter_widens_to_the_season_that_includes_it() -> None:
    assert seasons_widened({"season": "winter", "budget_max": 300}) == {
        "season": "4-season",
        "budget_max": 300,
    }
    assert seasons_widened({"attr.season": "winter"}) == {"attr.season": "4-season"}
    assert seasons_widened({"season": "summer"}) is None


def test_a_measure_bounds_the_attribute_measured_in_a_unit_of_its_kind() -> None:
    facets = {
        "attr.weight_kg": {"1.4": 2, "0.9": 1},
        "attr.weight_g": {"900": 1},  # fewer products: kilograms it is
        "attr.volume_l": {"40": 1},
        "attr.comfort_c": {"-5": 1, "-15": 1},
        "attr.r_value": {"4": 1},  # "value" is no unit
    }
    assert measured_constraints((Measure(500.0, "g", "max"),), facets) == {
        "attr.weight_kg_max": 0.5
    }
    assert measured_constraints((Measure(40.0, "l", "about"),), facets) == {
        "attr.volume_l_min": 34.0,
        "attr.volume_l_max": 46.0,
    }
    # A bag "for -10 °C" keeps warm at -10 or colder: its comfort rating, from above.
    assert measured_constraints((Measure(-10.0, "c", "about"),), facets) == {
        "attr.comfort_c_max": -10.0
    }
    assert measured_constraints((Measure(30.0, "cm", "min"),), facets) == {}  # no length
    # A comparison is strict: "lighter than 1.4 kg" is not the 1.4 kg one.
    lighter = measured_constraints((Measure(1.4, "kg", "below"),), facets)
    assert lighter == {"attr.weight_kg_max": pytest.approx(1.399)}
    warmer = measured_constraints((Measure(-5.0, "c", "below"),), facets)
    assert warmer == {"attr.comfort_c_max": pytest.approx(-5.001)}


def _bag(id: str, price: float, **attributes: object) -> Product:
    return Product(id=id, title=id, price=price, category="Outdoor/Sleeping bags",
                   attributes=attributes)  # fmt: skip


WINTER = _bag("winter", 420.0, comfort_c=-15, season="winter")
DOWN = _bag("down", 289.0, comfort_c=-5, season="3-season")
SUMMER = _bag("summer", 79.0, comfort_c=5, season="summer")
MAT = _bag("mat", 89.0, r_value=4)


def test_shortfall_is_how_far_from_a_constraint_relative_to_it() -> None:
    assert shortfall(DOWN, "attr.comfort_c_max", -10.0) == pytest.approx(0.5)
    assert shortfall(WINTER, "budget_max", 300.0) == pytest.approx(0.4)
    assert shortfall(WINTER, "attr.comfort_c_max", -10.0) == 0.0
    assert shortfall(MAT, "attr.comfort_c_max", -10.0) == float("inf")  # it has none
    assert shortfall(DOWN, "season", "winter") == 1.0
    assert shortfall(WINTER, "season", "Winter") == 0.0
    assert shortfall(MAT, "season", "winter") == float("inf")
    tent = Product(
        id="t", title="t", price=1.0, category="Outdoor/Tents", attributes={"persons": 6}
    )
    assert shortfall(tent, "persons", 8) == pytest.approx(0.25)  # at least 8
    bench = Product(id="b", title="b", price=1.0, category="Garden", attributes={"seats": 3})
    assert shortfall(bench, "persons", 4, persons="seats") == pytest.approx(0.25)


def test_closest_meets_all_but_one_nearest_first() -> None:
    """To -10 °C under 300 €, nothing: the down bag misses the cold by half, the winter
    bag the budget by 0.4, the summer bag the cold by 1.5; the mat has no temperature."""
    constraints = {"attr.comfort_c_max": -10.0, "budget_max": 300.0}
    products = {p.id: p for p in (WINTER, DOWN, SUMMER, MAT)}

    def hits(*ids: str) -> list[Hit]:
        return [Hit(id=id, kind="product", score=1.0 - i / 10) for i, id in enumerate(ids)]

    misses = [
        ("attr.comfort_c_max", hits("mat", "summer", "down")),  # under 300 €
        ("budget_max", hits("winter")),  # to -10 °C
    ]
    found = closest(misses, products, constraints)
    assert [hit.id for hit in found] == ["winter", "down", "summer", "mat"]


def test_value_names_are_the_flows_labels_that_name_a_value_as_the_catalog_does() -> None:
    """ "Gusseisen" is the German name of "cast iron"; "Frühling bis Herbst" says
    "3-season" another way, and "Ja, Induktion" is a button, not a name."""
    names = value_names(load_flows(), "en")
    assert names["material"]["cast iron"] == {"en": "Cast iron", "de": "Gusseisen"}
    assert "3-season" not in names["season"]
    assert "true" not in names["induction"]
    # A German catalog: the German label is the value's name, the English one its translation.
    german = Flow.from_dict(
        {"category": "Küche/Töpfe", "questions": [{"facet": "attr.material", "ask": {},
         "labels": {"Gusseisen": {"en": "Cast iron", "de": "Gusseisen"}}}]}
    )  # fmt: skip
    assert value_names([german], "de") == {
        "material": {"gusseisen": {"en": "Cast iron", "de": "Gusseisen"}}
    }
    assert value_names([german], "en") == {"material": {}}


def test_unlikeness_weighs_price_and_each_attribute() -> None:
    solo = Product(id="solo", title="Solo 1 trekking tent", price=219.0, category="Outdoor/Tents",
                   attributes={"persons": 1, "season": "3-season", "colour": "green"})  # fmt: skip
    trail = Product(id="trail", title="Trail 2 ultralight tent", price=329.0, category="Outdoor/Tents",
                    attributes={"persons": 2, "season": "3-season", "colour": "green"})  # fmt: skip
    summit = Product(id="summit", title="Summit 2 expedition tent", price=699.0,
                     category="Outdoor/Tents", attributes={"persons": 2, "season": "4-season"})  # fmt: skip
    assert unlikeness(solo, solo) == 0.0
    assert unlikeness(solo, trail) == pytest.approx(110 / 329 + 0.5)
    # Another season, and no colour at all: each counts 1.
    assert unlikeness(solo, summit) == pytest.approx(480 / 699 + 0.5 + 1 + 1)


def test_feature_words_leave_out_the_kind_and_take_not_as_non() -> None:
    flows = load_flows()
    assert feature_words("tent waterproof", flows) == "waterproof"
    assert feature_words("zelt wasserdicht", flows) == "wasserdicht"
    assert feature_words("pan not stick", flows) == "stick"  # a non-stick one
    # What a product lacks is nothing to look for in its text.
    assert feature_words("pan without lid", flows) == ""
    assert feature_words("topf keinen deckel", flows) == ""


def test_a_german_kind_alone_tells_the_language() -> None:
    flows = load_flows()
    for text in ("Schlafsack", "Zelte?", "Kuppelzelt", "Messer"):
        assert german_kind_only(text, flows), text
    for text in ("tent", "sleeping bag", "Zelt for 2", ""):
        assert not german_kind_only(text, flows), text
