"""Entity rules in English and German: prices, persons, sizes, colours, orders, e-mail."""

from __future__ import annotations

import pytest

from bot.entities import (
    Budget,
    Measure,
    currencies_asked,
    detect_language,
    extract,
    payment_methods_asked,
    taken_asked,
    without_constraints,
)


@pytest.mark.parametrize(
    ("text", "budget"),
    [
        ("a tent under 100 euro", Budget(maximum=100.0)),
        ("ein Zelt unter 100 Euro", Budget(maximum=100.0)),
        ("something under $100", Budget(maximum=100.0)),
        ("between 50 and 80", Budget(minimum=50.0, maximum=80.0)),
        ("zwischen 50 und 80 €", Budget(minimum=50.0, maximum=80.0)),
        ("50-80 EUR please", Budget(minimum=50.0, maximum=80.0)),
        ("bis 49,90 €", Budget(maximum=49.9)),
        ("around 100 dollars", Budget(minimum=80.0, maximum=120.0)),
        ("over 200 euro", Budget(minimum=200.0)),
        ("a pan", None),
        # Amounts with a unit of measure are not prices.
        ("a light backpack around 45 liters", None),
        ("a sleeping bag under 2 kg", None),
        ("ein Topf mit etwa 5 l", None),
        ("around 45 liters, under 80 euro", Budget(maximum=80.0)),
    ],
)
def test_budget(text: str, budget: Budget | None) -> None:
    assert extract(text).budget == budget


@pytest.mark.parametrize(
    ("text", "persons"),
    [
        ("tent for 4 people", 4),
        ("Zelt für 4 Personen", 4),
        ("for two", 2),
        ("für zwei", 2),
        ("a 3-person tent", 3),
        ("family of 5", 5),
        ("a tent for 20 euro", None),
        ("a tent", None),
        # "For 6" counts something else where a unit or a count follows.
        ("an espresso maker for 6 cups", None),
        ("a pot for 8 litres", None),
        ("ein Zelt für 3 Nächte", None),
        ("a tent for 4 under 300", 4),
        # Who is coming: "we are 4", "wir sind drei".
        ("we are 4", 4),
        ("there are five of us", 5),
        ("wir sind drei", 3),
        ("we are 4 weeks away", None),
        ("a tent for the two of us", 2),
        ("ein Zelt für uns zwei", 2),
        # How many go together: „zu viert“; not „zu Hause“.
        ("Zelt für zu viert", 4),
        ("Wir sind zu zweit und suchen ein Zelt", 2),
        ("ein Zelt für zu Hause", None),
        # „Ein“, „eine“ are the article too: a count only with people after it.
        ("ein Zelt für eine Person", 1),
        ("Zelt für 1 Person", 1),
        ("ein Rucksack für eine Tagestour", None),
        ("eine Pfanne für einen Gasherd", None),
    ],
)
def test_persons(text: str, persons: int | None) -> None:
    assert extract(text).persons == persons


def test_size_colour_season() -> None:
    english = extract("a black jacket size XL for winter")
    assert (english.size, english.colours, english.season) == ("XL", ("black",), "winter")
    german = extract("eine schwarze Jacke in Größe 42, rote Mütze")
    assert german.size == "42"
    assert german.colours == ("black", "red")
    assert extract("Pfanne 28 cm").size == "28 cm"
    assert extract("Schlafsack für den Sommer").season == "summer"
    # Snow is winter's: "a tent for snow" is a 4-season tent, as "for winter" is.
    assert extract("a tent for snow").season == extract("Zelt für Schnee").season == "winter"


@pytest.mark.parametrize(
    ("text", "measures"),
    [
        ("a tent under 2 kg", (Measure(2.0, "kg", "max"),)),
        ("Rucksack mit mindestens 40 Litern", (Measure(40.0, "l", "min"),)),
        ("a 40 l backpack", (Measure(40.0, "l", "about"),)),
        ("Schlafsack bis -10 Grad", (Measure(-10.0, "c", "max"),)),
        ("a sleeping bag for -10°C", (Measure(-10.0, "c", "about"),)),
        ("ein Zelt leichter als 1,5 kg", (Measure(1.5, "kg", "below"),)),  # not 1.5 kg
        ("more than 40 litres", (Measure(40.0, "l", "above"),)),
        # A temperature needs no unit below zero or after "warmer than".
        ("Schlafsack bis -10", (Measure(-10.0, "c", "max"),)),
        ("a sleeping bag warmer than -5", (Measure(-5.0, "c", "below"),)),
        ("SB-705 or TP-10001, call 0171-5550199", ()),
        ("around 500 grams", (Measure(500.0, "g", "about"),)),
        ("at least 300 lumen", (Measure(300.0, "lm", "min"),)),
        # No unit of measure: a price, a person count, an order number, a letter size.
        ("under 200 euro", ()),
        ("a tent for 4 people", ()),
        ("order 12345678", ()),
        ("size m", ()),
    ],
)
def test_measures(text: str, measures: tuple[Measure, ...]) -> None:
    assert extract(text).measures == measures


def test_order_number_and_email_are_not_prices() -> None:
    found = extract("Where is order TP-10001? I'm anna@example.com")
    assert found.order_number == "TP-10001"
    assert found.email == "anna@example.com"
    assert found.budget is None and found.persons is None
    assert extract("Bestellung #123456 ist nicht da").order_number == "123456"
    assert extract("10023").order_number is None
    assert extract("10023", expecting_order=True).order_number == "10023"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("my order number is 100234", "100234"),
        ("order #100234", "100234"),
        ("order no. 100234 hasn't arrived", "100234"),
        ("Order ID: tp-10001", "TP-10001"),
        ("Bestellnummer ist 100234", "100234"),
        ("„meine Bestellung 100234“", "100234"),
        ("Bestell-Nr.: 100234", "100234"),
        ("Auftragsnummer: 100234", "100234"),
        ("die Bestellung mit der Nummer 100234", "100234"),
        ("my order (100234) has not arrived", "100234"),
        ("Order-Nr. 100234", "100234"),
        # The shop's letters apart, in capitals: written as the shop's ids are.
        ("my order number is TP 10001", "TP-10001"),
        ("Bestellung TP 10001 ist nicht da", "TP-10001"),
        ("Bestellung am 12345", None),  # a word before a number is no shop's letters
        # Not an order number: an amount, a count, a date, a phone number, too long.
        ("my order was 5000 euro", None),
        ("I want to order 1000 cups", None),
        ("I want to order 2000", None),  # "order" the verb counts
        ("can I order 3000?", None),
        ("we'd like to purchase 1500", None),
        ("I placed order 100234", "100234"),
        ("Bestellung vom 12.03.2025", None),
        ("call 0171-5550199 about my order", None),
        ("order 4111111111111111", None),  # a card number
        ("how can I cancel purchase 113542617735902?", "113542617735902"),
        ("add an item to order 00123842", "00123842"),  # no count: it starts with 0
        ("see my invoice #12588", None),
        ("Rechnung #12588", None),
        ("100234", None),  # a bare number only where the bot asked for one
    ],
)
def test_order_number_in_a_sentence(text: str, number: str | None) -> None:
    assert extract(text).order_number == number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("100234", "100234"),
        ("it's 100234", "100234"),
        ("Die Nummer ist 100234, E-Mail anna@example.com", "100234"),
        ("anna@example.com 100234", "100234"),
        ("#TP-10001", "TP-10001"),
        ("TP 10001", "TP-10001"),
        ("Nr.100234", "100234"),
        ("12.03.2025", None),  # a date
        # A phone number, a postcode, a price, a quantity, a year.
        ("call me on 0171 5550199", None),
        ("+491715550199", None),
        ("Meine Telefonnummer ist 01715550199", None),
        ("PLZ 80331", None),
        ("Kundennummer 55555", None),
        ("my customer number is 55555", None),
        ("my postcode is 80331", None),
        ("I paid 1299.90", None),
        ("1200 Euro", None),
        ("a tent under 1000", None),
        ("5000 pieces", None),
        ("4111111111111111", None),  # a card number
        ("I'd like to order 1500", None),
        ("I ordered it in 2024", None),
    ],
)
def test_a_number_after_the_bot_asked_for_one(text: str, number: str | None) -> None:
    assert extract(text, expecting_order=True).order_number == number


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Wo ist meine Bestellung?", "de"),
        ("Where is my order?", "en"),
        ("Größe", "de"),
        ("ok", "en"),
    ],
)
def test_language(text: str, language: str) -> None:
    assert detect_language(text, "en") == language


def test_language_tie_keeps_locale() -> None:
    assert detect_language("ok", "de-AT") == "de"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a kayak for two", "a kayak"),
        ("espresso coffee maker under 200 euro", "espresso coffee maker"),
        ("Zelt für 4 Personen zwischen 100 und 300 Euro", "Zelt"),
        ("a red tent, size XL", "a red tent, size XL"),  # colour and size describe it
        ("for two under 50 euro", ""),
    ],
)
def test_without_constraints_keeps_what_names_the_product(text: str, words: str) -> None:
    assert without_constraints(text) == words


@pytest.mark.parametrize(
    ("text", "ranking"),
    [
        ("the cheapest one", "price"),
        ("das günstigste bitte", "price"),
        ("am billigsten", "price"),
        ("the most expensive tent", "-price"),
        ("best rated sleeping bag", "-rating"),
        ("die am besten bewertete Pfanne", "-rating"),
        ("is there a cheaper one?", "cheaper"),
        ("gibt es den auch günstiger?", "cheaper"),
        ("cheaper than 50 euro", None),  # a budget, not an order
        ("is there a lighter one?", "lighter"),
        ("gibt es einen wärmeren?", "warmer"),
        ("do you have a bigger one?", "bigger"),
        ("etwas Kleineres?", "smaller"),
        ("lighter than 2 kg", None),
        ("the lightest tent", "weight"),
        ("der wärmste Schlafsack", "comfort"),
        ("the biggest backpack", "-capacity"),
        ("am kleinsten", "capacity"),
        # "Cheap" orders by price too: the shopper cares most about that.
        ("a cheap tent", "price"),
        ("an affordable backpack", "price"),
        ("Zeig mir günstige Pfannen", "price"),
        ("preiswerte Messer", "price"),
    ],
)
def test_ranking(text: str, ranking: str | None) -> None:
    assert extract(text).ranking == ranking
    assert "ranking" not in extract(text).slots()  # an order, not a filter


@pytest.mark.parametrize(
    ("text", "methods"),
    [
        ("Can I pay with Klarna?", ["Klarna"]),
        ("can I pay with my Visa card please", ["Visa card"]),
        ("Can I pay for the order by bank transfer?", ["bank transfer"]),
        ("Kann ich mit Klarna oder PayPal bezahlen?", ["Klarna", "PayPal"]),
        ("Zahlung per Rechnung möglich?", ["Rechnung"]),
        ("Kann ich die Bestellung mit Apple Pay bezahlen?", ["Apple Pay"]),
        ("how do I pay?", []),
        ("Wie kann ich bezahlen?", []),
    ],
)
def test_the_ways_to_pay_a_message_names(text: str, methods: list[str]) -> None:
    assert payment_methods_asked(text) == methods


@pytest.mark.parametrize(
    ("text", "things"),
    [
        ("Do you take Visa?", ["Visa"]),
        ("Do you accept American Express or Diners?", ["American Express", "Diners"]),
        ("do you take returns?", ["returns"]),
        ("Nehmt ihr auch Kreditkarten an?", ["Kreditkarten"]),
        ("Akzeptiert ihr American Express?", ["American Express"]),
        ("Can I pay with Klarna?", []),
        ("how long do you take to ship?", []),
    ],
)
def test_what_a_message_asks_the_shop_to_take(text: str, things: list[str]) -> None:
    assert taken_asked(text) == things


@pytest.mark.parametrize(
    ("text", "currencies", "methods"),
    [
        ("Can I pay in Swiss francs?", ["Swiss francs"], []),
        ("Do you accept US dollars?", ["US dollars"], []),
        ("Kann ich in Schweizer Franken bezahlen?", ["Schweizer Franken"], []),
        ("Can I pay in instalments?", [], ["instalments"]),
        ("Kann ich in Raten zahlen?", [], []),
        ("In welcher Währung kann ich bezahlen?", ["welcher Währung kann ich"], []),
        ("Kann ich in Fremdwährung zahlen?", ["Fremdwährung"], []),
    ],
)
def test_a_currency_is_no_way_to_pay(text: str, currencies: list[str], methods: list[str]) -> None:
    assert currencies_asked(text) == currencies
    assert payment_methods_asked(text) + taken_asked(text) == methods
