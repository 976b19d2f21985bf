"""The order-status conversation as shoppers type it, English and German: order numbers
in a sentence or alone, the e-mail after them, and questions about ordering that are no
look-up. Real knowledge base, embedder and SQLite orders (tests/bot/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.dialogue import Dialogue
from bot.settings import BotSettings
from bot.texts import TEXTS
from chat.models import Order
from knowledge import Faq, KnowledgeBase
from tests.bot.conftest import FAQS
from tests.bot.test_actions import own_shop, talk

# An order number of digits only, as many shops write them.
CARLA = {"id": "100234", "customer_id": "cust-1003", "email": "carla@example.com",
         "status": "shipped", "total": 129.90, "tracking_url": "https://tracking.example/100234",
         "items": []}  # fmt: skip


@pytest.fixture
async def carla(orders_db: Any) -> None:
    """Carla's order in the shared orders table (no other test asks for it)."""
    async with orders_db() as db:
        if await db.get(Order, CARLA["id"]) is None:
            db.add(Order(**CARLA, currency="EUR"))
            await db.commit()


@pytest.mark.usefixtures("carla")
@pytest.mark.parametrize(
    ("turns", "locale"),
    [
        (["my order number is 100234", "carla@example.com"], "en"),
        (["order #100234 hasn't arrived", "carla@example.com"], "en"),
        (["Bestellnummer ist 100234", "carla@example.com"], "de"),
        (["„meine Bestellung 100234“", "carla@example.com"], "de"),
        (["Wo ist die Bestellung mit der Nummer 100234?", "carla@example.com"], "de"),
        (["where is my order?", "100234", "carla@example.com"], "en"),
        (["Wo bleibt mein Paket?", "Die Nummer ist 100234", "carla@example.com"], "de"),
    ],
)
async def test_an_order_number_in_a_sentence_or_alone_when_asked_is_looked_up(
    dialogue: Dialogue, turns: list[str], locale: str
) -> None:
    *_, asked, answer = await talk(dialogue, *turns, locale=locale)
    # (The state is one object through the conversation: what it held then is gone.)
    assert asked.understanding.entities.order_number == "100234", asked.summary()
    which_email = "Danke. Mit welcher" if locale == "de" else "Thanks. Which e-mail"
    assert asked.replies[0].text.startswith(which_email)
    assert answer.action == "order_status"
    assert "100234" in answer.replies[0].text
    assert "https://tracking.example/100234" in answer.replies[0].text


@pytest.mark.parametrize(
    ("turns", "locale"),
    [
        (["where is my order?", "call me on 0171 5550199"], "en"),
        (["where is my order?", "my postcode is 80331"], "en"),
        (["where is my order?", "I paid 1299.90 for it"], "en"),
        (["Wo ist meine Bestellung?", "Meine Telefonnummer ist 01715550199"], "de"),
        (["Wo ist meine Bestellung?", "PLZ 80331"], "de"),
        (["Wo ist meine Bestellung?", "ich habe 1200 Euro bezahlt"], "de"),
        (["I want to order 1000 cups"], "en"),
        (["where is my order?", "Actually, can I order 2000 instead?"], "en"),
    ],
)
async def test_phone_numbers_postcodes_prices_and_quantities_are_no_order_numbers(
    dialogue: Dialogue, turns: list[str], locale: str
) -> None:
    *_, last = await talk(dialogue, *turns, locale=locale)
    assert last.understanding.entities.order_number is None, last.summary()
    assert last.state.order_number is None


@pytest.mark.usefixtures("carla")
@pytest.mark.parametrize(
    ("turns", "locale"),
    [
        (["where is my order?", "carla@example.com", "100234"], "en"),
        (["where is my order?", "carla@example.com 100234"], "en"),
        (["where is my order?", "100234, carla@example.com"], "en"),
        (
            [
                "has my parcel shipped?",
                "my order number is 100234 and my email is carla@example.com",
            ],
            "en",
        ),
        (["Wo bleibt mein Paket?", "Carla@Example.com", "Die Nummer ist 100234"], "de"),
        (["Wo ist meine Bestellung?", "Meine E-Mail ist carla@example.com, Nummer 100234"], "de"),
        # "Please check both": a corrected e-mail or number alone, or both, try again.
        (["where is my order?", "100234 carla@exmaple.com", "sorry, it's carla@example.com"], "en"),
        (["where is my order?", "100243 carla@example.com", "oops, 100234"], "en"),
        (
            ["Wo ist meine Bestellung?", "100234 carla@exmaple.com", "100234 carla@example.com"],
            "de",
        ),
    ],
)
async def test_the_e_mail_alone_or_with_the_number_in_either_order_completes_the_look_up(
    dialogue: Dialogue, turns: list[str], locale: str
) -> None:
    *_, answer = await talk(dialogue, *turns, locale=locale)
    assert answer.action == "order_status", answer.summary()
    assert "100234" in answer.replies[0].text
    assert "https://tracking.example/100234" in answer.replies[0].text
    assert answer.state.awaiting is None and answer.state.email is None


@pytest.mark.parametrize(
    "turns",
    [
        ["where is my order TP 10001?", "anna@example.com"],
        ["where is my order?", "tp10001 anna@example.com"],
        ["Wo ist meine Bestellung?", "TP 10001", "anna@example.com"],
    ],
)
async def test_an_order_number_written_apart_or_together_finds_the_shops_spelling(
    dialogue: Dialogue, turns: list[str]
) -> None:
    """The shop writes "TP-10001"; shoppers type "TP 10001" or "tp10001"."""
    *_, answer = await talk(dialogue, *turns)
    assert answer.action == "order_status", answer.summary()
    assert "https://tracking.example/TP-10001" in answer.replies[0].text


async def test_a_wrong_pair_reveals_nothing_about_anyone_s_order(dialogue: Dialogue) -> None:
    """Ben's number with Anna's e-mail, Anna's number with another e-mail, a number nobody
    has, and a second wrong try: the same words, which name no order, status or link."""
    for locale, ask in (("en", "where is my order?"), ("de", "Wo ist meine Bestellung?")):
        refusals = [
            *await talk(dialogue, ask, "TP-10003 anna@example.com", locale=locale),
            *await talk(
                dialogue, ask, "mallory@example.com TP-10001", "ben@example.com", locale=locale
            ),
            *await talk(dialogue, ask, "TP-55555, anna@example.com", locale=locale),
        ]
        texts = {r.replies[0].text for r in refusals if r.understanding.entities.email}
        assert len(texts) == 1, texts
        (text,) = texts
        for secret in ("TP-1000", "processing", "shipped", "delivered", "tracking", "ben@"):
            assert secret not in text
        assert refusals[-1].state.awaiting == "order"  # checking both, the bot still waits


ORDERING = [
    Faq(id="how-to-order", question="How do I place an order?",
        answer="Put what you like in the cart and check out; no account needed.",
        variants=["how to order", "ordering process", "can I order by phone?"]),
    Faq(id="bestellen", locale="de", question="Wie bestelle ich?",
        answer="Leg die Artikel in den Warenkorb und geh zur Kasse, ein Konto brauchst du nicht.",
        variants=["Wie gebe ich eine Bestellung auf?", "Bestellvorgang", "telefonisch bestellen"]),
]  # fmt: skip


HOW_TO_ORDER = [
    ("how can I place an order?", "en", "how-to-order"),
    ("how do I order?", "en", "how-to-order"),
    ("how can I order from you?", "en", "how-to-order"),
    ("Can I also order by phone?", "en", "how-to-order"),
    ("Wie kann ich bestellen?", "de", "bestellen"),
    ("Wie kann ich eine Bestellung aufgeben?", "de", "bestellen"),
    ("Kann man auch telefonisch bestellen?", "de", "bestellen"),
]


@pytest.mark.parametrize(("text", "locale", "faq_id"), HOW_TO_ORDER)
async def test_how_to_order_is_no_order_look_up_without_an_faq_for_it(
    dialogue: Dialogue, text: str, locale: str, faq_id: str
) -> None:
    """A shop without an FAQ on ordering does not ask for an order number either."""
    (how,) = await talk(dialogue, text, locale=locale)
    (where,) = await talk(dialogue, "where is my order?")
    assert how.understanding.intent != "order_status", how.summary()
    assert how.action != "order_status" and how.state.awaiting is None
    assert where.action == "order_status"


@pytest.mark.parametrize(("text", "locale", "faq_id"), HOW_TO_ORDER)
async def test_how_to_order_is_answered_by_the_faq_on_ordering(
    kb: KnowledgeBase,
    settings: BotSettings,
    orders_db: Any,
    agents: Any,
    text: str,
    locale: str,
    faq_id: str,
) -> None:
    with own_shop(kb, settings, orders_db, agents, faqs=[*FAQS, *ORDERING]) as dialogue:
        (how,) = await talk(dialogue, text, locale=locale)
        (where,) = await talk(dialogue, "where is my order?")
        (parcel,) = await talk(dialogue, "Wo bleibt mein Paket?", locale="de")
    assert (how.action, how.decision.faq_id) == ("answer_faq", faq_id), how.summary()
    assert where.action == parcel.action == "order_status"


async def test_how_do_i_order_it_is_about_the_product_not_an_order(dialogue: Dialogue) -> None:
    """ "It" is a product: the one shown goes to the cart; with none, the bot asks which."""
    shown, how = await talk(dialogue, "I'm looking for a ceramic table lamp", "How do I order it?")
    (fresh,) = await talk(dialogue, "How do I order it?")
    assert shown.product_ids[0] == "lamp-1", shown.summary()
    assert how.action == "product_details", how.summary()
    assert "Ceramic table lamp" in how.replies[0].text and "cart" in how.replies[0].text
    assert fresh.action == "ask_clarifying", fresh.summary()
    assert fresh.replies[0].text.startswith("Which product do you mean?")
    assert how.state.awaiting is None and fresh.state.awaiting is None


# A shop's own FAQ on orders, as the demo shop has it: the look-up answers better.
ORDER_FAQS = [
    Faq(id="order-status", question="Where is my order?",
        answer="The tracking link is in your shipping confirmation.",
        variants=["track my order", "order status", "I have not received my package"]),
    Faq(id="bestellstatus", locale="de", question="Wo ist meine Bestellung?",
        answer="Den Link zur Sendungsverfolgung findest du in der Versandbestätigung.",
        variants=["Sendungsverfolgung", "Bestellstatus", "Mein Paket ist nicht angekommen"]),
    Faq(id="cancel-order", question="Can I change or cancel my order?",
        answer="Until it ships, in your account.", variants=["cancel my order"]),
    Faq(id="damaged", question="My item arrived damaged. What now?",
        answer="Send us a photo, we replace it.", variants=["The parcel was damaged"]),
]  # fmt: skip


@pytest.mark.usefixtures("carla")
@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("track my order", "en"),
        ("order status", "en"),
        ("I haven't received my package yet", "en"),
        ("I'm still waiting for my parcel", "en"),
        ("where is my delivery?", "en"),
        ("what's the status of my purchase?", "en"),
        ("Sendungsverfolgung", "de"),
        ("Bestellstatus", "de"),
        ("Ist mein Paket schon unterwegs?", "de"),
        ("Mein Paket ist noch nicht angekommen", "de"),
        ("Wo bleibt meine Lieferung?", "de"),
        ("Status meines Auftrags", "de"),
    ],
)
async def test_many_ways_of_asking_after_an_order_look_it_up(
    kb: KnowledgeBase,
    settings: BotSettings,
    orders_db: Any,
    agents: Any,
    text: str,
    locale: str,
) -> None:
    """Not the shop's FAQ on where orders are, which asks for what the bot can take."""
    with own_shop(kb, settings, orders_db, agents, faqs=[*FAQS, *ORDER_FAQS]) as dialogue:
        ask, number, email = await talk(
            dialogue, text, "100234", "carla@example.com", locale=locale
        )
        # The FAQs next to them still answer what they are about.
        (cancel,) = await talk(dialogue, "can I cancel my order?")
        (damaged,) = await talk(dialogue, "my package arrived damaged")
    assert ask.action == "order_status", ask.summary()
    assert number.understanding.entities.order_number == "100234"
    assert "https://tracking.example/100234" in email.replies[0].text
    assert cancel.decision.faq_id == "cancel-order", cancel.summary()
    assert damaged.decision.faq_id == "damaged", damaged.summary()


async def test_an_order_number_not_at_hand_gets_where_to_look_and_a_person(
    dialogue: Dialogue,
) -> None:
    """ "I don't know my order number" was asked for the number again, „Keine Ahnung"
    got "I don't know"; without the e-mail it says which address is meant."""
    _, unknown = await talk(dialogue, "where is my order?", "I don't know my order number")
    _, german = await talk(dialogue, "Wo ist meine Bestellung?", "Keine Ahnung", locale="de")
    *_, email = await talk(dialogue, "where is my order?", "TP-10001", "I can't remember it")
    _, shopping = await talk(dialogue, "where is my order?", "I don't know which tent to buy")
    assert unknown.replies[0].text == TEXTS["order_where_to_look"]["en"]
    assert german.replies[0].text == TEXTS["order_where_to_look"]["de"]
    assert email.replies[0].text == TEXTS["order_which_email"]["en"]
    for result in (unknown, german, email):
        labels = [o["label"] for o in result.replies[-1].payload["options"]]  # type: ignore[index]
        assert labels == [TEXTS["human_button"][result.state.language or "en"]]
        assert result.state.awaiting == "order"  # the number may still come
    assert shopping.action == "ask_clarifying" and shopping.product_ids, shopping.summary()
