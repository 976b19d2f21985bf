"""The bot in the running hub: uvicorn on a free port, the demo shop, real websockets."""

from __future__ import annotations

from typing import Any

import httpx

from bot.texts import TEXTS
from chat.auth import identity_hmac
from tests.chat.helpers import DEMO_PASSWORDS, Client, agent, login, visitor

BOT = "bot"


async def bot_message(
    client: Client, conversation_id: int | None = None, **match: Any
) -> dict[str, Any]:
    frame = await client.expect(
        "message",
        lambda f: (
            f["message"]["sender"]["kind"] == BOT
            and (conversation_id is None or f["message"]["conversation_id"] == conversation_id)
            and all(f["message"].get(k) == v for k, v in match.items())
        ),
        timeout=30,
    )
    message: dict[str, Any] = frame["message"]
    return message


async def first_turn(shop: Any, text: str, locale: str = "en") -> dict[str, Any]:
    """What the bot did with a new shopper's first message (its ``bot_turn``)."""
    async with await visitor(shop, locale=locale) as shopper:
        await shopper.send_message(text)
        outcome: dict[str, Any] = (await bot_message(shopper))["payload"]["bot_turn"]
        return outcome


async def test_faq_answer_and_guided_selling_over_the_websocket(shop: Any) -> None:
    async with await visitor(shop, locale="en") as shopper:
        await shopper.send_message("How long does delivery take?")
        answer = await bot_message(shopper)
        assert answer["content_type"] == "text" and answer["payload"]["faq_id"] == "shipping-time"
        # The turn's outcome as data, for insights and the console.
        outcome = answer["payload"]["bot_turn"]
        assert (outcome["action"], outcome["faq_id"]) == ("answer_faq", "shipping-time")
        assert 0.5 < outcome["confidence"] <= 1.0
        cid = answer["conversation_id"]
        await shopper.send_message("I'm looking for a tent", conversation_id=cid)
        question = await bot_message(shopper, cid, content_type="quick_replies")
        option = question["payload"]["options"][0]
        await shopper.send_message(
            option["label"], conversation_id=cid, payload={"reply": option["value"]}
        )
        follow_up = await shopper.expect(
            "message",
            lambda f: (
                f["message"]["sender"]["kind"] == BOT
                and f["message"]["seq"] > question["seq"]
                and f["message"]["content_type"] in ("quick_replies", "product_cards")
            ),
            timeout=30,
        )
        assert follow_up["message"]["conversation_id"] == cid


async def test_a_click_is_answered_in_the_language_the_shopper_writes(shop: Any) -> None:
    """The page is English, the shopper writes German; a click on "12" has no words
    to tell, so the conversation's language holds."""
    async with await visitor(shop, locale="en") as shopper:
        await shopper.send_message("ich suche einen Rucksack")
        question = await bot_message(shopper, content_type="quick_replies")
        assert question["text"].startswith("Lass uns den passenden Rucksack finden.")
        cid = question["conversation_id"]
        option = question["payload"]["options"][0]
        assert option["value"].startswith("facet:attr.volume_l=")
        await shopper.send_message(
            option["label"], conversation_id=cid, payload={"reply": option["value"]}
        )
        cards = await bot_message(shopper, cid, content_type="product_cards")
        assert cards["text"] in {TEXTS[key]["de"] for key in ("product_found", "products_found")}


async def test_the_demo_shop_sells_what_it_names_and_says_what_it_does_not_carry(
    shop: Any,
) -> None:
    """The demo's FAQ on cast iron care ("my pan is rusty", "seasoning a skillet") does not
    answer "a frying pan", "a pan" or "a skillet"; a bare product name starts guided
    selling and shows the one product it names; a kayak gets no tents."""
    for text in ("a frying pan", "a pan", "coffee grinder", "a tent for two"):
        async with await visitor(shop, locale="en") as shopper:
            await shopper.send_message(text)
            reply = await bot_message(shopper)
            outcome = reply["payload"]["bot_turn"]
            assert outcome["action"] in ("show_products", "ask_clarifying"), (text, outcome)
            assert outcome["faq_id"] is None and not outcome["suggested_faqs"], (text, outcome)
            assert reply["content_type"] in ("product_cards", "quick_replies"), text
    async with await visitor(shop, locale="en") as shopper:
        # The shop has one grinder; kettles and a French press come close in meaning only.
        await shopper.send_message("a coffee grinder")
        grinder = await bot_message(shopper)
        assert grinder["content_type"] == "product_cards"
        assert grinder["text"] == TEXTS["product_found"]["en"]
        assert [card["title"] for card in grinder["payload"]["products"]] == ["Burr coffee grinder"]
    async with await visitor(shop, locale="en") as shopper:
        await shopper.send_message("a skillet")
        skillets = await bot_message(shopper)
        assert skillets["content_type"] == "product_cards", skillets["text"]
        assert {card["title"] for card in skillets["payload"]["products"]} == {
            "Cast iron skillet 28 cm",
            "Cast iron skillet 20 cm",
        }
    assert (await first_turn(shop, "seasoning a skillet"))["faq_id"] == "cast-iron-care"
    async with await visitor(shop, locale="en") as shopper:
        await shopper.send_message("a kayak for two")
        refusal = await bot_message(shopper)
        assert refusal["text"] == TEXTS["no_products"]["en"]
        assert refusal["payload"]["bot_turn"]["action"] == "fallback"
        assert [o["value"] for o in refusal["payload"]["options"]] == ["human"]


async def test_german_product_words_get_products_and_german_care_questions_the_faq(
    shop: Any,
) -> None:
    """The catalog is English, so no product title holds "Pfanne"; the cookware flow's
    words do, at the end of a compound too. The German care FAQ ("meine Pfanne rostet")
    keeps its questions, and the return FAQs theirs: the English embedding model puts
    "Rucksack" near "Rückgabe"."""
    for text in (
        "Pfanne",
        "Pfannen",
        "eine Gusseisenpfanne",
        "ein Kuppelzelt",
        "ich suche einen Rucksack",
        "ein Brotmesser",
        "Gartenmöbel",
        # Which one, for what: a product request, not the care FAQ that shares "Pfanne".
        "welche Pfanne für Induktion?",
    ):
        outcome = await first_turn(shop, text, "de")
        assert outcome["action"] in ("show_products", "ask_clarifying"), (text, outcome)
        assert outcome["faq_id"] is None, (text, outcome)
    assert (await first_turn(shop, "meine Pfanne rostet", "de"))["faq_id"] == "gusseisen-pflege"
    sent_back = await first_turn(shop, "wie schicke ich meinen Rucksack zurück?", "de")
    # Either return FAQ answers it; the point is that it is not taken for shopping.
    assert sent_back["faq_id"] in ("ruecksendung", "rueckgabe")
    # Near the product example "I want a tent", nearer the FAQ: not a sale.
    assert (await first_turn(shop, "I want to return a tent"))["faq_id"] == "return-how"


async def test_identified_customer_gets_order_status_and_others_are_refused(shop: Any) -> None:
    secret = shop.settings.identity_secret
    identity = {
        "customer_id": "cust-1001",
        "hmac": identity_hmac(secret, "cust-1001"),
        "email": "anna@example.com",
    }
    async with await visitor(shop, identity=identity) as anna:
        await anna.send_message("Where is my order?")
        status = await bot_message(anna)
        assert (
            "TP-10001" in status["text"] and "https://tracking.example/TP-10001" in status["text"]
        )
    async with await visitor(shop) as stranger:
        await stranger.send_message("Where is my order TP-10001?")
        asked = await bot_message(stranger)
        assert "e-mail" in asked["text"] and "TP-10001" not in asked["text"]
        await stranger.send_message("ben@example.com", conversation_id=asked["conversation_id"])
        refused = await bot_message(stranger, asked["conversation_id"], seq=asked["seq"] + 2)
        assert "couldn't find" in refused["text"] and "shipped" not in refused["text"]


async def test_questions_about_the_own_order_that_an_faq_answers(shop: Any) -> None:
    """ "my order" alone asked for the order number; cancelling, a refund and a damaged
    parcel have FAQs. "Where is my order?" is still looked up (above)."""
    for text, faq_id, locale in (
        ("can I cancel my order?", "cancel-order", "en"),
        ("when do I get my refund?", "refund-time", "en"),
        ("my package arrived damaged", "damaged", "en"),
        ("Kann ich meine Bestellung stornieren?", "stornieren", "de"),
    ):
        outcome = await first_turn(shop, text, locale)
        assert (outcome["action"], outcome["faq_id"]) == ("answer_faq", faq_id), text


async def test_handoff_with_context_and_release_back_to_the_bot(shop: Any) -> None:
    async with await agent(shop) as colleague, await visitor(shop, locale="de") as shopper:
        await shopper.send_message("Ich suche ein Zelt für 4 Personen")
        shown = await bot_message(shopper)
        cid = shown["conversation_id"]
        await shopper.send_message("Ich möchte mit einem Mitarbeiter sprechen", conversation_id=cid)
        queued = await shopper.expect(
            "conversation",
            lambda f: f["conversation"]["id"] == cid and f["conversation"]["status"] == "queued",
            timeout=30,
        )
        assert queued["conversation"]["handoff_reason"] == "asked"
        wait = await bot_message(shopper, cid, content_type="text")
        assert "Wartezeit" in wait["text"]
        token = (await login(shop, "agent@demo.shop", DEMO_PASSWORDS["agent@demo.shop"]))["token"]
        async with httpx.AsyncClient(
            base_url=shop.url, headers={"authorization": f"Bearer {token}"}
        ) as http:
            context = (await http.get(f"/api/conversations/{cid}")).json()["handoff_context"]
        assert context["reason"] == "asked" and context["slots"]["persons"] == 4
        assert context["summary"].startswith("Handoff (asked)")
        await colleague.command("take", cid)
        await colleague.command("release", cid)
        back = await bot_message(
            shopper, cid, text="Da bin ich wieder. Kann ich noch etwas für dich tun?"
        )
        assert back["seq"] > wait["seq"]
        await shopper.send_message("Wie lange dauert der Versand?", conversation_id=cid)
        again = await bot_message(shopper, cid, content_type="text")
        assert again["seq"] > back["seq"]


async def test_talk_to_a_person_button_hands_off_with_the_bots_packet(shop: Any) -> None:
    """The widget's request_human command bypasses the dialogue; the bot still describes
    the conversation, and the agent's ``open`` shows that packet first."""
    async with await agent(shop) as colleague, await visitor(shop, locale="en") as shopper:
        await shopper.send_message("I need a tent for 4 people under 300 euro")
        cards = await bot_message(shopper, content_type="product_cards")
        cid = cards["conversation_id"]
        shown = [p["id"] for p in cards["payload"]["products"]]
        result = await shopper.command("request_human", cid)
        assert result == {"conversation_id": cid, "status": "queued"}
        opened = await colleague.command("open", cid)
    packet = opened["handoff_context"]
    assert packet["reason"] == "asked" and packet["detail"] == "pressed talk to a person"
    assert packet["slots"] == {"persons": 4, "budget_max": 300.0}
    assert [p["id"] for p in packet["products_shown"]] == shown
    assert packet["intent"] == "product_search" and packet["language"] == "en"
    assert packet["summary"] == (
        "Handoff (asked); shopping for 'I need a tent for 4 people under 300 euro'; "
        "last message: 'I need a tent for 4 people under 300 euro'"
    )
    assert opened["conversation"]["handoff_reason"] == "visitor_request"


async def test_request_human_command_without_agents_offers_the_offline_form(
    tmp_path: Any, live_server: Any
) -> None:
    server = live_server(plugins=["bot"], demo=False)
    async with await visitor(server) as shopper:
        result = await shopper.command("request_human")
        form = await bot_message(shopper, result["conversation_id"], content_type="form")
        assert form["payload"]["form"] == "offline"
        assert [field["name"] for field in form["payload"]["fields"]] == ["email", "message"]


async def test_purchase_history_only_for_a_verified_consenting_customer(shop: Any) -> None:
    """Anna (demo: verified, consented) bought the Trail 2 tent; Ben is verified but did not
    consent; a visitor with a forged HMAC is anonymous whatever customer id it claims."""
    secret = shop.settings.identity_secret
    query = "Do you have accessories for my tent?"

    def identity(customer_id: str) -> dict[str, str]:
        return {"customer_id": customer_id, "hmac": identity_hmac(secret, customer_id)}

    async with await visitor(shop, locale="en", identity=identity("cust-1001")) as anna:
        await anna.send_message(query)
        cards = await bot_message(anna, content_type="product_cards")
    assert cards["text"] == "These go with the Trail 2 ultralight tent you bought:"
    suggested = {p["id"] for p in cards["payload"]["products"]}
    assert suggested == {"SB-705", "HL-952"}  # sleeping mat and camping lantern (bot/data)

    forged = await Client.connect(shop, "visitor")
    await forged.send(
        {"type": "hello", "v": 1, "locale": "en",
         "identity": {"customer_id": "cust-1001", "hmac": "0" * 64}}
    )  # fmt: skip
    await forged.expect_error("bad_identity")
    assert (await forged.expect("welcome"))["identity_verified"] is False
    async with await visitor(shop, locale="en", identity=identity("cust-1002")) as ben, forged:
        for shopper in (ben, forged):
            await shopper.send_message(query)
            other = await bot_message(shopper, content_type="product_cards")
            assert other["text"] == "These go with tents:"
            assert {p["id"] for p in other["payload"]["products"]} == suggested


async def test_a_question_about_one_product_gets_the_faq_about_any(shop: Any) -> None:
    """The product word pulled these towards the tent flow; read with "item" for
    "tent", the FAQs on damaged items and on sending back answer them."""
    for text, faq_id, locale in (
        ("my tent arrived damaged", "damaged", "en"),
        ("the tent I received is damaged", "damaged", "en"),
        ("Ich möchte mein Zelt zurückgeben", "ruecksendung", "de"),
    ):
        outcome = await first_turn(shop, text, locale)
        assert (outcome["action"], outcome["faq_id"]) == ("answer_faq", faq_id), text
    outcome = await first_turn(shop, "ein Zelt für vier Personen", "de")
    assert outcome["action"] in ("show_products", "ask_clarifying"), outcome
    assert outcome["faq_id"] is None, outcome


async def test_a_named_product_is_shown_and_constraints_keep_the_kind(shop: Any) -> None:
    """ "How much is the chef's knife?" names one of the knives: it is shown with its
    price, not a question about blade length. "red camping chair": the demo has no red chair, and
    the colour alone kept a red backpack and a red pot; the chairs are shown, as the
    closest, instead."""

    async def cards_for(text: str) -> tuple[str, set[str]]:
        async with await visitor(shop) as shopper:
            await shopper.send_message(text)
            cards = await bot_message(shopper, content_type="product_cards")
            return cards["text"], {card["id"] for card in cards["payload"]["products"]}

    assert await cards_for("how much is the chef's knife?") == (
        "Chef's knife 20 cm costs 79.00 €.",
        {"KN-201"},
    )
    assert await cards_for("is the santoku knife in stock?") == (
        "Santoku knife 17 cm is in stock.",
        {"KN-202"},
    )
    knives = await first_turn(shop, "a knife")
    assert knives["action"] == "ask_clarifying", knives  # every knife's name holds "knife"
    # Only the kind asked for: all of it, the lantern too (its title has no "lamp").
    assert (await cards_for("do you have lamps?"))[1] == {"HL-951", "HL-952", "HL-953"}
    text, shown = await cards_for("red camping chair")
    assert text == TEXTS["products_relaxed"]["en"]
    assert {"GF-401", "GF-406"} <= shown and not shown & {"BP-802", "CW-105"}, shown


async def test_questions_about_the_products_shown_over_the_websocket(shop: Any) -> None:
    """After the cards, "is it in stock?" and "wie schwer ist das erste?" are answered
    from the catalog; "what does shipping cost for it?" is still the FAQ."""
    async with await visitor(shop, locale="en") as shopper:
        await shopper.send_message("I need a tent for 2 people")
        cards = await bot_message(shopper, content_type="product_cards")
        cid, shown = cards["conversation_id"], cards["payload"]["products"]
        await shopper.send_message("are they in stock?", conversation_id=cid)
        stock = await bot_message(shopper, cid, content_type="text")
        assert stock["payload"]["bot_turn"]["action"] == "product_details"
        assert stock["text"].splitlines()[0].startswith(shown[0]["title"])
        assert len(stock["text"].splitlines()) == len(shown)
        await shopper.send_message("Wie schwer ist das erste?", conversation_id=cid)
        weight = await bot_message(shopper, cid, content_type="text")
        assert weight["seq"] > stock["seq"]
        assert weight["text"] == f"{shown[0]['title']}: Gewicht 1,4 kg."  # a decimal comma
        await shopper.send_message("what does shipping cost for it?", conversation_id=cid)
        faq = await bot_message(shopper, cid, content_type="text")
        assert faq["seq"] > weight["seq"] and faq["payload"]["faq_id"] == "shipping-cost"


async def test_a_kind_alone_shows_the_best_rated_and_a_slip_is_read_as_meant(shop: Any) -> None:
    """ "I need a sleeping bag" names nothing but the kind: its results are the demo's
    best rated, not the shortest titles (the kids' bag led). "Schlafsak" and "tnet" are
    the sleeping bag and the tent the shopper meant."""
    async with await visitor(shop, locale="en") as shopper:
        await shopper.send_message("I need a sleeping bag")
        question = await bot_message(shopper, content_type="quick_replies")
        cid = question["conversation_id"]
        await shopper.send_message(
            "Show results", conversation_id=cid, payload={"reply": "results"}
        )
        cards = await bot_message(shopper, cid, content_type="product_cards")
        titles = [card["title"] for card in cards["payload"]["products"]]
        assert titles == [
            "Winter sleeping bag -15 °C",  # rated 4.8
            "Down mummy sleeping bag -5 °C",  # 4.7
            "Kids' sleeping bag",  # 4.4, the synthetic bag 4.3
        ]
    async with await visitor(shop, locale="de") as shopper:
        await shopper.send_message("Schlafsak")
        question = await bot_message(shopper, content_type="quick_replies")
        assert question["text"].startswith("Wie kalt werden die Nächte"), question["text"]
    async with await visitor(shop, locale="en") as shopper:
        await shopper.send_message("a tnet for 2 people")
        tents = await bot_message(shopper, content_type="product_cards")
        assert {card["title"] for card in tents["payload"]["products"]} >= {
            "Trail 2 ultralight tent", "Summit 2 expedition tent"
        }  # fmt: skip


async def test_gift_wrapping_is_not_the_gift_card_faq_and_a_present_is_a_search(
    shop: Any,
) -> None:
    """The demo answers gift wrapping with its own FAQ, in both languages (the gift-card
    FAQ answered it confidently), while a present to find stays guided selling."""
    for text, locale, faq_id in (
        ("Do you offer gift wrapping?", "en", "gift-wrapping"),
        ("Könnt ihr das als Geschenk einpacken?", "de", "geschenkverpackung"),
        ("do you sell gift cards", "en", "gift-cards"),
    ):
        outcome = await first_turn(shop, text, locale)
        assert (outcome["action"], outcome["faq_id"]) == ("answer_faq", faq_id), outcome
    present = await first_turn(shop, "I need a birthday present")
    assert present["action"] == "ask_clarifying", present
