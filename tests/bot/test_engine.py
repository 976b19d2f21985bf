"""The pure dialogue engine: priorities, handoff rules and the handoff packet."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.details import AGAIN, FEATURE, Detail
from bot.engine import (
    ActionName,
    BotState,
    Decision,
    Facts,
    HandoffReason,
    decide,
    handoff_packet,
    is_shopping,
    record,
    visitor_request_packet,
)
from bot.entities import extract
from bot.nlu import FaqVerdict, Understanding, by_rules
from bot.settings import BotSettings


def understood(
    text: str,
    intent: str | None = None,
    *,
    band: str | None = None,
    faq_id: str = "returns",
    score: float = 1.0,
    catalog: bool = False,
    expecting_order: bool = False,
    inferred: bool = False,
    faq_similarity: float = 0.0,
    catalog_similarity: float = 0.0,
    names_product: bool = False,
) -> Understanding:
    confidence = {"answer": 0.95, "suggest": 0.4, "unknown": 0.1}.get(band or "", 0.0)
    verdict = (
        FaqVerdict(faq_id, confidence, band, (faq_id, "payment"), faq_similarity) if band else None
    )
    return Understanding(
        text=text,
        language="en",
        intent=intent,
        intent_score=score,
        faq=verdict,
        entities=extract(text, expecting_order=expecting_order),
        intent_inferred=inferred,
        catalog_match=catalog,
        catalog_similarity=catalog_similarity,
        names_product=names_product,
    )


SETTINGS = BotSettings(handoff_cart_value=500.0, handoff_customer_value=2000.0)


def test_confident_faq_is_answered() -> None:
    decision = decide(understood("can I return this", band="answer"), BotState(), Facts(), SETTINGS)
    assert decision == Decision(
        ActionName.answer_faq, reason="confident FAQ match", faq_id="returns"
    )


def test_small_talk_the_rules_heard_beats_an_faq_sharing_no_word() -> None:
    joke = understood("Erzähl mir einen Witz", "about_me", band="answer", faq_id="payment")
    assert decide(joke, BotState(), Facts(), SETTINGS).reason == "about_me"
    # A shop's own FAQ on it shares its words: the FAQ answers.
    assert joke.faq is not None
    person = replace(joke, faq=replace(joke.faq, faq_id="real-person", keyword=0.8))
    decision = decide(person, BotState(), Facts(), SETTINGS)
    assert (decision.action, decision.faq_id) == (ActionName.answer_faq, "real-person")


def test_middle_band_offers_the_closest_questions() -> None:
    decision = decide(understood("give back stuff", band="suggest"), BotState(), Facts(), SETTINGS)
    assert decision.action is ActionName.ask_clarifying
    assert decision.suggestions == ("returns", "payment")


def test_unknown_falls_back_then_hands_off_after_two_failures() -> None:
    state = BotState()
    first = understood("what is the meaning of life", band="unknown")
    decision = decide(first, state, Facts(), SETTINGS)
    assert decision.action is ActionName.fallback
    state = record(first, decision, state)
    assert state.failed == 1 and state.failed_question == "what is the meaning of life"
    second = understood("and the weather on mars?", band="unknown")
    decision = decide(second, state, Facts(), SETTINGS)
    assert decision.action is ActionName.handoff
    assert decision.handoff_reason is HandoffReason.no_answer


def test_a_good_answer_resets_the_failure_count() -> None:
    state = record(understood("??", band="unknown"), Decision(ActionName.fallback), BotState())
    state = record(
        understood("returns?", band="answer"),
        Decision(ActionName.answer_faq, faq_id="returns"),
        state,
    )
    assert state.failed == 0
    assert (
        decide(understood("hmm", band="unknown"), state, Facts(), SETTINGS).action
        is ActionName.fallback
    )


@pytest.mark.parametrize(
    ("intent", "reason"),
    [("handoff_request", HandoffReason.asked), ("frustration", HandoffReason.frustration)],
)
def test_explicit_request_and_frustration_hand_off_even_over_an_faq(
    intent: str, reason: HandoffReason
) -> None:
    decision = decide(understood("x", intent, band="answer"), BotState(), Facts(), SETTINGS)
    assert (decision.action, decision.handoff_reason) == (ActionName.handoff, reason)


def test_clicking_talk_to_a_human() -> None:
    decision = decide(understood("Talk to a human"), BotState(), Facts(reply="human"), SETTINGS)
    assert decision.handoff_reason is HandoffReason.asked


def test_value_rules_fire_once() -> None:
    rich_cart = Facts(cart_value=650.0)
    decision = decide(understood("hi", "greet"), BotState(), rich_cart, SETTINGS)
    assert decision.handoff_reason is HandoffReason.high_value
    assert "650.00" in decision.reason
    state = record(understood("hi", "greet"), decision, BotState())
    assert BotState.from_dict(state.to_dict()).language == "en"  # for a wordless click next
    assert decide(understood("hi", "greet"), state, rich_cart, SETTINGS).action is ActionName.greet
    loyal = decide(understood("hi", "greet"), BotState(), Facts(customer_value=2500.0), SETTINGS)
    assert loyal.handoff_reason is HandoffReason.high_value
    assert (
        decide(understood("hi", "greet"), BotState(), Facts(cart_value=100.0), SETTINGS).action
        is ActionName.greet
    )
    assert (
        decide(understood("hi", "greet"), BotState(), rich_cart, BotSettings()).action
        is ActionName.greet
    )


def test_order_questions_go_to_order_status() -> None:
    assert (
        decide(understood("where is TP-10001"), BotState(), Facts(), SETTINGS).action
        is ActionName.order_status
    )
    waiting = BotState(awaiting="order", order_number="TP-10001")
    follow_up = understood("anna@example.com")
    assert decide(follow_up, waiting, Facts(), SETTINGS).action is ActionName.order_status


def test_a_question_about_the_own_order_that_an_faq_answers_gets_the_faq() -> None:
    """The own-order rule scores by its nearest example; a clearly nearer FAQ answers."""
    cancel = understood(
        "can I cancel my order?", "order_status", score=0.49, band="answer",
        faq_id="cancel-order", faq_similarity=0.93,
    )  # fmt: skip
    decision = decide(cancel, BotState(), Facts(), SETTINGS)
    assert (decision.action, decision.faq_id) == (ActionName.answer_faq, "cancel-order")
    where = understood(
        "where is my order?", "order_status", score=0.98, band="answer",
        faq_id="order-status", faq_similarity=1.0,
    )  # fmt: skip
    assert decide(where, BotState(), Facts(), SETTINGS).action is ActionName.order_status
    # An order number is looked up whatever the FAQ says.
    numbered = understood(
        "can I cancel order TP-10001?", "order_status", score=0.49, band="answer",
        faq_id="cancel-order", faq_similarity=0.93,
    )  # fmt: skip
    assert decide(numbered, BotState(), Facts(), SETTINGS).action is ActionName.order_status


def test_product_search_and_selling_answers() -> None:
    looking = understood("I'm looking for a tent", "product_search", catalog=True, band="answer")
    assert decide(looking, BotState(), Facts(), SETTINGS).action is ActionName.show_products
    # Without a catalog match a confident FAQ still wins.
    no_catalog = understood("I'm looking for your returns policy", "product_search", band="answer")
    assert decide(no_catalog, BotState(), Facts(), SETTINGS).action is ActionName.answer_faq
    selling = BotState(query="tent", pending="attr.persons")
    assert decide(understood("4"), selling, Facts(), SETTINGS).action is ActionName.show_products
    assert (
        decide(understood("skip", "skip"), selling, Facts(reply="skip"), SETTINGS).action
        is ActionName.show_products
    )
    budget = understood("under 300 euro", catalog=True)
    assert decide(budget, BotState(), Facts(), SETTINGS).action is ActionName.show_products
    # Nothing in the catalog for it: no guided selling, whatever the words.
    exchange = understood("100 dollars in euros")
    assert decide(exchange, BotState(), Facts(), SETTINGS).action is ActionName.fallback


@pytest.mark.parametrize(
    ("band", "inferred", "faq_similarity", "catalog_similarity", "names", "action"),
    [
        # The model heard a product request ("a frying pan"): an FAQ sharing "pan" loses.
        ("answer", False, 0.6, 0.5, False, ActionName.show_products),
        ("suggest", False, 0.6, 0.5, False, ActionName.show_products),
        # Only a flow's word or the catalog made it a product search: the nearer side wins.
        ("answer", True, 0.6, 0.5, False, ActionName.answer_faq),  # "my pan is rusty"
        ("answer", True, 0.5, 0.6, False, ActionName.show_products),
        ("suggest", True, 0.6, 0.5, False, ActionName.ask_clarifying),
        ("suggest", True, 0.5, 0.6, False, ActionName.show_products),
        # ... unless a product's title holds every word ("a skillet", nearer "seasoning
        # a skillet" than any skillet).
        ("answer", True, 0.75, 0.6, True, ActionName.show_products),
        ("suggest", True, 0.75, 0.6, True, ActionName.show_products),
    ],
)
def test_a_product_request_against_an_faq_that_shares_its_words(
    band: str,
    inferred: bool,
    faq_similarity: float,
    catalog_similarity: float,
    names: bool,
    action: ActionName,
) -> None:
    u = understood(
        "a frying pan",
        "product_search",
        score=0.8,
        band=band,
        catalog=True,
        inferred=inferred,
        faq_similarity=faq_similarity,
        catalog_similarity=catalog_similarity,
        names_product=names,
    )
    assert decide(u, BotState(), Facts(), SETTINGS).action is action


@pytest.mark.parametrize(
    ("score", "action"), [(0.72, ActionName.answer_faq), (1.0, ActionName.show_products)]
)
def test_a_product_request_heard_less_clearly_than_the_faq_gets_the_faq(
    score: float, action: ActionName
) -> None:
    """ "I want to return a tent" is near the example "I want a tent" (0.72) and nearer
    the return FAQ (0.88); a rule ("I'm looking for", 1.0) always counts."""
    u = understood(
        "I want to return a tent",
        "product_search",
        score=score,
        band="answer",
        catalog=True,
        faq_similarity=0.88,
        catalog_similarity=0.5,
    )
    assert decide(u, BotState(), Facts(), SETTINGS).action is action


def test_a_product_request_the_catalog_has_nothing_close_to_is_not_sold() -> None:
    kayak = understood("a kayak for two", band="unknown", catalog=False)
    assert decide(kayak, BotState(), Facts(), SETTINGS).action is ActionName.fallback
    assert is_shopping(kayak) and not is_shopping(understood("what is the meaning of life"))


def test_asking_for_the_hours_is_answered_not_handed_off() -> None:
    u = understood("when can I talk to a person?", "opening_hours")
    decision = decide(u, BotState(), Facts(), SETTINGS)
    assert decision.action is ActionName.opening_hours and decision.handoff_reason is None


def test_start_over_and_small_talk() -> None:
    assert (
        decide(
            understood("start over", "start_over"), BotState(query="tent"), Facts(), SETTINGS
        ).reason
        == "start over"
    )
    assert (
        decide(understood("hello", "greet"), BotState(), Facts(), SETTINGS).action
        is ActionName.greet
    )
    assert (
        decide(understood("bye", "goodbye"), BotState(), Facts(), SETTINGS).action
        is ActionName.goodbye
    )


def test_state_survives_a_round_trip_and_ignores_unknown_keys() -> None:
    state = BotState(query="tent", constraints={"persons": 4}, asked=["price"], failed=1)
    assert BotState.from_dict({**state.to_dict(), "from_an_old_version": 1}) == state


def test_handoff_packet_carries_what_the_agent_needs() -> None:
    state = BotState(
        query="tent for 4", constraints={"persons": 4}, failed_question="do you rent tents?"
    )
    u = understood("I want a human now", "handoff_request")
    decision = decide(u, state, Facts(), SETTINGS)
    state = record(u, decision, state)
    packet = handoff_packet(
        u, decision, state, products=[{"id": "tent-5", "title": "Tent", "price": 279.0}]
    )
    assert packet["reason"] == "asked"
    assert packet["slots"] == {"persons": 4}
    assert packet["products_shown"][0]["id"] == "tent-5"
    assert packet["failed_question"] == "do you rent tents?"
    assert packet["intent"] == "handoff_request" and packet["confidence"] == 1.0
    assert "tent for 4" in packet["summary"] and "do you rent tents?" in packet["summary"]
    # An FAQ the shopper did not ask about (low confidence) does not lend the intent its score.
    u = understood("can I talk to someone", "handoff_request", band="unknown")
    state = record(u, decide(u, BotState(), Facts(), SETTINGS), BotState())
    assert (state.last_intent, state.last_confidence) == ("handoff_request", 1.0)


def test_talk_to_a_person_button_gets_the_same_packet_from_the_state() -> None:
    state = BotState(
        query="tent for 4",
        constraints={"persons": 4},
        failed_question="do you rent tents?",
        last_intent="product_search",
        last_confidence=1.0,
    )
    last = by_rules("und unter 300 Euro", locale="de")
    packet = visitor_request_packet(last, state, products=[{"id": "tent-5"}])
    assert (packet["reason"], packet["detail"]) == ("asked", "pressed talk to a person")
    assert packet["slots"] == {"persons": 4, "budget_max": 300.0}
    assert packet["intent"] == "product_search" and packet["confidence"] == 1.0
    assert packet["language"] == "de" and packet["products_shown"] == [{"id": "tent-5"}]
    assert packet["summary"] == (
        "Handoff (asked); shopping for 'tent for 4'; unanswered: 'do you rent tents?'; "
        "last message: 'und unter 300 Euro'"
    )
    # Before the shopper wrote anything: still a packet, without an empty quote.
    empty = visitor_request_packet(by_rules(""), BotState(), products=[])
    assert empty["summary"] == "Handoff (asked)" and empty["slots"] == {}


def test_a_question_about_a_product_shown_is_answered_before_any_faq() -> None:
    """ "How much does it cost?" after products were shown asks their price, however near
    the shipping-cost FAQ it is; "is it available in red?" narrows the search instead."""
    shown = BotState(query="a tent", shown=["tent-1"])
    price = replace(understood("how much does it cost?", band="answer"), detail=Detail("price"))
    assert decide(price, shown, Facts(), SETTINGS).action is ActionName.product_details
    # Nothing shown and no product named: "it" is nothing, the FAQ answers.
    assert decide(price, BotState(), Facts(), SETTINGS).action is ActionName.answer_faq
    named = replace(price, detail=Detail("price", rest="trail 2", named=True))
    assert decide(named, BotState(), Facts(), SETTINGS).action is ActionName.product_details
    red = replace(
        understood("is it available in red?", catalog=True), detail=Detail("stock", rest="red")
    )
    assert decide(red, shown, Facts(), SETTINGS).action is ActionName.show_products
    # A person asked for, or the order, still come first.
    human = replace(
        understood("how much is it, I want a person", "handoff_request"), detail=Detail("price")
    )
    assert decide(human, shown, Facts(), SETTINGS).action is ActionName.handoff


def test_a_question_about_the_products_while_a_selling_question_waits() -> None:
    """ "What does the first one cost?" instead of the budget: the search shows what it
    found and answers, before the shipping-cost FAQ; an FAQ that answers an "is it ...?"
    and "and the second one?" with nothing asked before are not taken for it."""
    asking = BotState(query="a tent", pending="price")
    first = replace(
        understood("what does the first one cost?", band="answer"),
        detail=Detail("price", ordinals=(0,), definite=True),
    )
    decision = decide(first, asking, Facts(), SETTINGS)
    assert decision == Decision(ActionName.show_products, "asked about the products found so far")
    invoice = replace(
        understood("is it possible to pay by invoice?", band="answer", faq_id="payment"),
        detail=Detail(FEATURE, rest="possible pay invoice"),
    )
    assert decide(invoice, asking, Facts(), SETTINGS).action is ActionName.answer_faq
    again = replace(understood("and the second one?"), detail=Detail(AGAIN, ordinals=(1,)))
    assert (
        decide(again, asking, Facts(), SETTINGS).reason != "asked about the products found so far"
    )


def test_one_past_the_product_shown_wins_over_an_faq_that_shares_its_word() -> None:
    cheaper = replace(understood("is there a cheaper one?", band="answer"), compares_shown=True)
    shown = BotState(shown=["tent-3"])
    assert decide(cheaper, shown, Facts(), SETTINGS).action is ActionName.show_products
    # With nothing shown the search asks which product; while questions run, they go on.
    for state in (BotState(), BotState(query="tent", pending="price")):
        assert decide(cheaper, state, Facts(), SETTINGS).action is ActionName.show_products
    # Not a bare comparative: the FAQ answers as before.
    plain = understood("do you price match?", band="answer")
    assert decide(plain, shown, Facts(), SETTINGS).action is ActionName.answer_faq


def test_a_question_of_it_with_nothing_shown_asks_which_product() -> None:
    """ "Is it in stock?" on a fresh chat: the details action asks which product, not the
    FAQ on sold-out items (nor a search for the Stock pot, whose name says "stock")."""
    asked = replace(
        understood("is it in stock?", band="answer"),
        detail=Detail("stock", singular=True),
    )
    assert decide(asked, BotState(), Facts(), SETTINGS).action is ActionName.product_details
    # A feature, or words besides "it", name something: those follow the other rules.
    safe = replace(
        understood("is it safe to go to Serbia?"),
        detail=Detail(FEATURE, rest="safe serbia", singular=True),
    )
    assert decide(safe, BotState(), Facts(), SETTINGS).action is not ActionName.product_details
    maker = replace(understood("who is your maker"), detail=Detail("brand"))
    assert decide(maker, BotState(), Facts(), SETTINGS).action is not ActionName.product_details
