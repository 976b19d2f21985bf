"""The bot's rule intents: pure, no model."""

from __future__ import annotations

import pytest

from bot.nlu import bare_handoff_request, by_rules, rule_intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I want to talk to a human", "handoff_request"),
        ("can I speak to a real person", "handoff_request"),
        ("a real person please", "handoff_request"),
        ("live agent", "handoff_request"),
        ("Ich möchte mit einem Mitarbeiter sprechen", "handoff_request"),
        ("kann ich mit einem Menschen reden", "handoff_request"),
        ("echter Mensch bitte", "handoff_request"),
        ("I want to speak to a manager", "handoff_request"),
        ("can I talk to customer service?", "handoff_request"),
        ("Ich will Ihren Vorgesetzten sprechen", "handoff_request"),
        ("what does the manager of a tent do", None),
        # Something the shopper has is broken; a new one is a search.
        ("the zipper on my backpack broke", "product_problem"),
        ("my kettle stopped working", "product_problem"),
        ("Der Reißverschluss an meinem Rucksack ist kaputt", "product_problem"),
        ("broken zipper on my backpack", "product_problem"),
        ("I need a new tent, my old one is broken", "product_search"),
        ("a pan that does not break", None),
        # Parts that came off or gave way, said of "the" thing; not questions about it.
        ("the lid came off", "product_problem"),
        ("the handle fell off my pan", "product_problem"),
        ("the strap on the backpack snapped", "product_problem"),
        ("the kettle leaks", "product_problem"),
        ("the glass is cracked", "product_problem"),
        ("Der Griff meiner Pfanne ist abgebrochen", "product_problem"),
        ("Der Reißverschluss ist gerissen", "product_problem"),
        ("Die Trinkflasche leckt", "product_problem"),
        ("Meine Pfanne hat einen Riss", "product_problem"),
        ("Die Lampe funktioniert nach drei Monaten nicht mehr", "product_problem"),
        ("Hat die Pfanne einen Riss?", None),
        ("is the lid cracked?", None),
        ("does the bottle leak?", None),
        ("I want the bottle that never leaks", None),
        ("Leckt die Flasche?", None),
        ("Ist der Deckel gesprungen?", None),
        # Questions about the bot are not requests for a person: the bot says who it is.
        ("are you a real person?", "about_me"),
        ("Bist du ein Mensch?", "about_me"),
        ("tell me a joke", "about_me"),
        ("Erzähl mir einen Witz", "about_me"),
        ("how are you?", "about_me"),
        ("how are you handling returns?", None),
        ("was kannst du mir empfehlen?", "product_search"),
        # Help with nothing named yet; "ok", "no" heard, no question.
        ("can you help me?", "help"),
        ("ich brauche Hilfe", "help"),
        ("can you help me find a tent?", None),
        ("ok", "ack"),
        ("never mind", "ack"),
        ("alles klar", "ack"),
        ("no thanks", "goodbye"),
        ("nein, danke", "goodbye"),
        # Wanting a product, as people type it; not wanting to send one back.
        ("I want a pan", "product_search"),
        ("i'd like a frying pan", "product_search"),
        ("I want to return an item", None),
        ("Ich möchte ein Zelt kaufen", "product_search"),
        ("Ich möchte etwas zurückgeben", None),
        ("Brauche eine Bratpfanne", "product_search"),
        ("Suche Pfanne", "product_search"),
        ("Ich hätte gern eine Pfanne", "product_search"),
        ("start over", "start_over"),
        ("reset", "start_over"),
        ("reset the search", "start_over"),
        ("neue Suche bitte", "start_over"),
        # "Reset" inside a question is about something else.
        ("how do I reset my kettle to factory settings", None),
        ("Do you have accessories for my tent?", "accessories"),
        ("What goes with my pan?", "accessories"),
        ("Zubehör für mein Zelt", "accessories"),
        ("I'm looking for a tent", "product_search"),
        ("do you have tents?", "product_search"),
        ("Habt ihr Zelte?", "product_search"),
        # The shop itself is no product.
        ("do you have a store in Berlin?", None),
        ("Habt ihr eine Filiale in Hamburg?", None),
        ("do you have any physical shops?", None),
        ("where is my parcel", "order_status"),
        # What arrived broken is a problem for the FAQ, not where the order is.
        ("Mein Paket ist beschädigt", "product_problem"),
        ("my order arrived damaged", "product_problem"),
        # When people answer; "when can I talk to a person?" asks for the hours.
        ("what are your opening hours?", "opening_hours"),
        ("when can I talk to a person?", "opening_hours"),
        ("when is someone available", "opening_hours"),
        ("Wann seid ihr erreichbar?", "opening_hours"),
        ("Wann ist jemand da?", "opening_hours"),
        ("Was sind eure Servicezeiten?", "opening_hours"),
        ("when does the winter sale start?", None),
        # Thanks and goodbye after an acknowledgement; not a question after the thanks.
        ("ok thanks", "thanks"),
        ("great, thank you so much", "thanks"),
        ("alles klar, danke", "thanks"),
        ("ok bye", "goodbye"),
        ("Danke, tschüss", "goodbye"),
        ("thanks, bye!", "goodbye"),
        ("thanks, but where is my order?", "order_status"),
        ("danke, aber wo ist meine Bestellung?", "order_status"),
        # "Show results" typed: the results' own words only.
        ("show results", "results"),
        ("Show me the results please", "results"),
        ("Ergebnisse zeigen", "results"),
        ("zeig mir die Ergebnisse", "results"),
        ("results of the test", None),
        ("show me red tents", "product_search"),
        ("show me", "results"),
        ("zeig mal", "results"),
        ("show me what you have", "product_search"),
        # More of what was shown; not other colours, nor what goes with it.
        ("show me more", "more"),
        ("any others?", "more"),
        ("what else do you have?", "more"),
        ("gibt es noch andere?", "more"),
        ("zeig mir mehr", "more"),
        ("sonst noch was?", "more"),
        ("do you have other colours?", "product_search"),
        ("what else goes with it?", None),
        ("show me more expensive ones", "product_search"),
        # All of a kind, no questions; not "all right" nor a question about all.
        ("show me all tents", "all"),
        ("all of them", "all"),
        ("zeig mir alle Zelte", "all"),
        ("alle anzeigen", "all"),
        ("show me everything", "all"),
        ("all right", "ack"),
        ("all good, thanks", None),
        ("are all tents in stock?", None),
        ("all sleeping bags for winter", None),
        # A variant of what is shown; a plain "gibt es" starts FAQ questions too.
        ("Gibt es das auch aus Holz?", "product_search"),
        ("gibt es den auch in rot", "product_search"),
        ("Gibt es eine Garantie?", None),
        ("Gibt es auch Ratenzahlung?", None),
    ],
)
def test_rule_intents(text: str, intent: str | None) -> None:
    assert rule_intent(text)[0] == intent


def test_by_rules_needs_no_model() -> None:
    u = by_rules("Ich suche ein Zelt für 4 Personen unter 300 Euro", locale="de")
    assert (u.intent, u.language, u.faq, u.vector) == ("product_search", "de", None, None)
    assert u.entities.slots() == {"persons": 4, "budget_max": 300.0}


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("I want to talk to a person", True),
        ("Can I please speak to a real person now?", True),
        ("agent", True),
        ("Ich möchte bitte mit einem Mitarbeiter sprechen", True),
        ("mit einem Menschen reden", True),
        ("can I talk to someone about my warranty claim?", False),
        ("I need to speak to a manager, the tent I got is broken", False),
        ("Kundenservice bitte, meine Bestellung ist kaputt", False),
        ("where is my order?", False),  # no request for a person at all
    ],
)
def test_a_bare_request_for_a_person_names_no_topic(text: str, bare: bool) -> None:
    assert bare_handoff_request(text) is bare
