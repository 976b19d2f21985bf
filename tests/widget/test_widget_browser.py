"""The widget end to end in real headless Chromium against a real hub with every plugin:
the demo shop, the bot, an agent on a websocket, a dropped network, a hostile shop."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from chat.auth import identity_hmac
from tests.chat.helpers import DEMO_PASSWORDS, query
from tests.widget.widget_helpers import (
    WIDGET,
    ForeignShop,
    Loop,
    SyncClient,
    Widget,
    agent_client,
    module_server,
    visitor_client,
)

# The bot answers through NLU and embeddings on a busy 2-core box.
expect.set_options(timeout=20_000)
server = module_server(None)
OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
ONLINE = {**OFFLINE, "offline": False}
HOSTILE_CSS = """
* { font-family: "Comic Sans MS", cursive !important; color: red !important; background: yellow !important;
    letter-spacing: 3px !important; text-transform: uppercase !important; box-sizing: content-box !important; }
html, body { font-size: 30px !important; line-height: 3 !important; direction: rtl; }
div, button, section, p, span, textarea, form, header, label { display: inline !important; padding: 20px !important;
    margin: 10px !important; border: 5px dotted blue !important; }
button { all: unset !important; }
touchpoint-widget { display: none !important; position: absolute !important; left: -9999px !important;
    transform: scale(0.5) !important; filter: blur(4px) !important; opacity: 0 !important; }
:root { --tp-primary: #00ff00; --tp-text: #ff00ff; color-scheme: dark; }
"""
# Every element of the shadow tree with what decides how it looks and where it is. The bot's
# answers arrive at their own pace, so they (and their lines in the screen readers' announcer)
# are left out, and places inside the scrolling log are measured from the start of its content.
STYLE_SNAPSHOT = """() => {
  const props = ["color", "background-color", "font-family", "font-size", "font-weight", "line-height",
    "letter-spacing", "text-transform", "display", "visibility", "opacity", "padding-top", "padding-left",
    "margin-top", "border-top-width", "border-top-style", "border-radius", "transform", "filter", "direction"];
  const root = document.querySelector("touchpoint-widget").shadowRoot;
  const log = root.querySelector(".tp-log");
  const logBox = log.getBoundingClientRect();
  const timed = ".tp-typing, .tp-msg[data-seq]:not(.tp-from-visitor), .tp-announcer > *";
  return Array.from(root.querySelectorAll("*")).filter((el) => el.tagName !== "STYLE" && !el.closest(timed)).map((el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const y = log.contains(el) && el !== log ? box.y - logBox.y + log.scrollTop : box.y;
    return [el.tagName, String(el.getAttribute("class")), ...props.map((p) => style.getPropertyValue(p)),
      Math.round(box.x), Math.round(y), Math.round(box.width), Math.round(box.height)];
  });
}"""


def stored(page: Any, name: str) -> Any:
    return page.evaluate(f"JSON.parse(localStorage.getItem('tp.demo.{name}'))")


def admin(server: Any) -> httpx.Client:
    token = httpx.post(
        f"{server.url}/api/auth/login",
        json={"email": "admin@demo.shop", "password": DEMO_PASSWORDS["admin@demo.shop"]},
    ).json()["token"]
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})


def routed_to(agent: SyncClient, conversation_id: int) -> None:
    """Routing (the console plugin) hands the conversation to the only agent online."""
    agent.expect(
        "conversation",
        lambda f: (
            f["conversation"]["id"] == conversation_id and f["conversation"]["status"] == "assigned"
        ),
    )


def answered(widget: Widget, before: int) -> None:
    """Wait until the bot or an agent has said something since ``before`` messages."""
    expect(widget.from_others()).not_to_have_count(before)


def test_shopper_journey(server: Any, widget: Widget, loop: Loop) -> None:
    page = widget.page
    page.goto(f"{server.url}/demo")
    widget.open()
    expect(widget.log.locator(".tp-greeting")).to_contain_text("How can I help?")

    # Personalisation only after opting in; the notice links the shop's privacy page.
    consent = page.locator(f"{WIDGET} .tp-consent")
    expect(consent.get_by_role("link", name="Privacy policy")).to_have_attribute(
        "href", f"{server.url}/demo/privacy"
    )
    consent.get_by_role("button", name="Yes, personalise").click()
    expect(consent).to_be_hidden()

    # An FAQ, answered by the bot from the demo knowledge base.
    widget.send("How long does delivery take?")
    expect(widget.bubble("leave our warehouse the same day")).to_be_visible()

    # Guided selling: answer the bot's questions with its buttons until it shows products.
    widget.send("I am looking for a tent")
    cards = widget.log.locator(".tp-card")
    for _ in range(6):
        replies = widget.log.locator(".tp-reply:enabled")
        expect(replies.or_(cards).first).to_be_visible()
        if cards.count():
            break
        seen = widget.from_others().count()
        replies.first.click()
        answered(widget, seen)
    expect(cards.first).to_be_visible()
    carousel = widget.log.locator(".tp-carousel").last
    if carousel.count():  # several matches: a swipeable row with buttons for mouse and keyboard
        carousel.get_by_role("button", name="Next products").click()
        page.wait_for_function(
            "el => el.scrollLeft > 0", arg=carousel.locator(".tp-track").element_handle()
        )
    expect(cards.first.locator(".tp-price")).to_contain_text("€")
    expect(cards.first.get_by_role("link", name="View product")).to_have_attribute(
        "href", re.compile(r"/demo/products/")
    )
    # The demo shop listens for add-to-cart, so the cards offer it and the shop's cart fills up.
    cards.first.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-cart-count]")).to_have_text("1")
    # Under several cards, a button asks how they differ.
    seen = widget.from_others().count()
    widget.send("start over")
    answered(widget, seen)
    seen = widget.from_others().count()
    widget.send("show me the cheapest tents")
    answered(widget, seen)
    seen = widget.from_others().count()
    widget.log.locator(".tp-reply:enabled", has_text="Compare them").click()
    answered(widget, seen)
    expect(widget.bubble("How they differ:")).to_contain_text("Pop-up beach shelter: 49.00 €")
    # A question about one of them, then the same of another: the catalog's own words.
    seen = widget.from_others().count()
    widget.send("is the second one waterproof?")
    answered(widget, seen)
    expect(widget.bubble("3000 mm waterproof fly")).to_contain_text("Basecamp 4 dome tent: “")
    seen = widget.from_others().count()
    widget.send("and the first one?")
    answered(widget, seen)
    expect(widget.from_others().last).to_have_text(
        "The catalog doesn't say that about Pop-up beach shelter."
    )
    card_product = page.evaluate("JSON.parse(localStorage.getItem('demo-shop.cart'))[0].product_id")
    # The shopper chooses: that card again, whose button fills the shop's cart.
    seen = widget.from_others().count()
    widget.send("I'll take the second one")
    answered(widget, seen)
    expect(widget.bubble("Good choice! Add Basecamp 4 dome tent to your cart")).to_be_visible()
    widget.log.locator(".tp-card").last.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-cart-count]")).to_have_text("2")

    # A person: routing gives the conversation to the agent online.
    agent = agent_client(loop, server)
    widget.menu("Talk to a person")
    conversation_id = stored(page, "conversation")
    routed_to(agent, conversation_id)
    # The agent sees where the shopper is and what is in the cart (the widget's events).
    with admin(server) as http:
        contact_id = http.get(f"/api/conversations/{conversation_id}").json()["contact"]["id"]
        profile = http.get(f"/api/contacts/{contact_id}").json()
    assert profile["current_page"] == f"{server.url}/demo"
    assert [item["product_id"] for item in profile["cart"]] == [card_product, "TE-602"]
    expect(page.locator(f"{WIDGET} .tp-system", has_text="joined the chat")).to_be_visible()
    agent.send({"type": "typing", "conversation_id": conversation_id, "on": True})
    expect(page.locator(f"{WIDGET} .tp-typing")).to_have_text(re.compile(r"is typing"))
    greeting = agent.send_message("Hi, I am Alex. How can I help?", conversation_id=conversation_id)
    expect(widget.bubble("Hi, I am Alex.")).to_be_visible()
    expect(page.locator(f"{WIDGET} .tp-typing")).to_be_hidden()
    # Read receipts both ways: the open widget marks the agent's message read ...
    agent.expect("read", lambda f: f["by"] == "visitor" and f["seq"] >= greeting["seq"])
    widget.send("Is the tent waterproof?")
    question = agent.expect("message", lambda f: f["message"]["text"] == "Is the tent waterproof?")
    last_receipt = widget.log.locator(".tp-from-visitor[data-seq] .tp-receipt").last
    expect(last_receipt).to_have_text("Sent")
    # ... and the shopper sees when the agent has read theirs.
    agent.send(
        {"type": "read", "conversation_id": conversation_id, "seq": question["message"]["seq"]}
    )
    expect(last_receipt).to_have_text("Read")

    # A reload mid-conversation brings the same history back, once.
    history = widget.log.locator(".tp-msg[data-seq] .tp-bubble, .tp-system")
    before = history.all_inner_texts()
    page.reload()
    expect(history).to_have_count(len(before))
    assert history.all_inner_texts() == before

    # The network drops: what the shopper writes meanwhile goes out once, in order, afterwards.
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", OFFLINE)
    expect(page.locator(f"{WIDGET} .tp-banner")).to_be_visible()
    agent.send_message("Are you still there?", conversation_id=conversation_id)
    widget.send("offline one")
    widget.send("offline two")
    expect(
        widget.log.locator(".tp-pending .tp-receipt", has_text="Waiting for connection")
    ).to_have_count(2)
    network.send("Network.emulateNetworkConditions", ONLINE)
    expect(widget.bubble("Are you still there?")).to_be_visible()
    agent.expect("message", lambda f: f["message"]["text"] == "offline one")
    agent.expect("message", lambda f: f["message"]["text"] == "offline two")
    expect(widget.log.locator(".tp-pending")).to_have_count(0)
    expect(page.locator(f"{WIDGET} .tp-banner")).to_be_hidden()
    rows = query(
        server.hub.database_url,
        "SELECT text FROM messages WHERE conversation_id = :c AND text LIKE 'offline %' ORDER BY seq",
        c=conversation_id,
    )
    assert [row["text"] for row in rows] == ["offline one", "offline two"]
    assert widget.visitor_texts()[-2:] == ["offline one", "offline two"]

    # Resolved: the survey takes a click and an optional comment.
    agent.command("resolve", conversation_id)
    survey = page.locator(f"{WIDGET} .tp-survey")
    survey.locator("label", has_text="4").click()
    survey.get_by_label("What could we do better? (optional)").fill("Quick and friendly")
    survey.get_by_role("button", name="Send rating").click()
    expect(page.locator(f"{WIDGET} .tp-done")).to_have_text("Thank you for your feedback!")
    ratings = query(
        server.hub.database_url,
        "SELECT score, comment FROM csat_ratings WHERE conversation_id = :c",
        c=conversation_id,
    )
    assert ratings == [{"score": 4, "comment": "Quick and friendly"}]
    contact = query(
        server.hub.database_url,
        "SELECT consent_personalisation FROM contacts JOIN conversations ON contacts.id = contact_id "
        "WHERE conversations.id = :c",
        c=conversation_id,
    )
    assert contact == [{"consent_personalisation": 1}]


def test_too_long_a_message_is_caught_before_sending(server: Any, widget: Widget) -> None:
    page = widget.page
    page.goto(f"{server.url}/demo")
    widget.open()
    send = page.locator(f"{WIDGET} .tp-send")
    length = page.locator(f"{WIDGET} .tp-panel > .tp-length")
    widget.send("Hello")
    expect(widget.log.locator(".tp-from-visitor[data-seq]")).to_have_count(1)
    expect(length).to_be_hidden()

    # Near the hub's limit (4096 UTF-8 bytes, from the welcome) a counter shows up ...
    widget.input.fill("€" * 1300)
    expect(length).to_have_text("3,900 / 4,096")
    expect(send).to_be_enabled()
    # ... over it, the widget says so, and neither the button nor Enter sends it.
    widget.input.fill("€" * 1500)
    expect(length).to_have_text("4,500 / 4,096: too long to send. Please shorten the message.")
    expect(send).to_be_disabled()
    expect(widget.input).to_have_attribute("aria-invalid", "true")
    widget.input.press("Enter")
    expect(widget.input).to_have_value("€" * 1500)
    assert widget.log.locator(".tp-from-visitor").count() == 1
    # Shortened, it goes.
    page.keyboard.press("Control+A")
    page.keyboard.type("€" * 1200)
    widget.input.press("Enter")
    expect(widget.log.locator(".tp-from-visitor[data-seq]")).to_have_count(2)
    expect(length).to_be_hidden()
    expect(widget.input).to_have_value("")

    # Written offline before the hub lowered its limit: the hub refuses it, and it stays
    # visible as failed, with a retry, blocking nothing.
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", OFFLINE)
    expect(page.locator(f"{WIDGET} .tp-banner")).to_be_visible()
    widget.send("€" * 400)
    widget.send("short enough")
    limit = server.hub.settings.max_text_bytes
    server.hub.settings.max_text_bytes = 1000
    try:
        network.send("Network.emulateNetworkConditions", ONLINE)
        failed = widget.log.locator(".tp-failed")
        expect(failed.locator(".tp-receipt")).to_contain_text(
            "Not sent: message text is 1200 bytes; the limit is 1000"
        )
        expect(failed.get_by_role("button", name="Retry")).to_be_visible()
        expect(widget.log.locator(".tp-from-visitor[data-seq] .tp-bubble").last).to_have_text(
            "short enough"
        )
        # The widget now counts against the new limit.
        widget.input.fill("€" * 400)
        expect(length).to_have_text("1,200 / 1,000: too long to send. Please shorten the message.")
    finally:
        server.hub.settings.max_text_bytes = limit


def shop_page(
    server: Any, *, css: str = "", widget: bool = True, lang: str = "en", site: str = "demo"
) -> str:
    tag = (
        f'<script src="{server.url}/widget.js" data-touchpoint-site="{site}" async></script>'
        if widget
        else ""
    )
    return (
        f'<!doctype html><html lang="{lang}"><head><meta name="viewport" content="width=device-width">'
        f"<style>{css}</style>{tag}</head><body><h1>Another shop</h1><p>Some products.</p></body></html>"
    )


@pytest.fixture
def foreign_shop(server: Any) -> Iterator[ForeignShop]:
    shop = ForeignShop(
        {
            "/plain": shop_page(server, widget=False),
            "/calm": shop_page(server),
            "/hostile": shop_page(server, css=HOSTILE_CSS),
            "/de": shop_page(server, lang="de", site="outlet"),
            # A little wider than a phone, at scale 1: the page scrolls sideways.
            "/wide": shop_page(server, css="p { width: 386px; }").replace(
                "width=device-width", "width=device-width, initial-scale=1"
            ),
        }
    )
    yield shop
    shop.close()


def test_every_demo_page_loads_without_an_error(server: Any, widget: Widget) -> None:
    page = widget.page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda r: problems.append(f"{r.url}: {r.failure}"))
    for path in ("/demo", "/demo/c/Outdoor", "/demo/products/cw-101", "/demo/help",
                 "/demo/cart", "/demo/privacy"):  # fmt: skip
        response = page.goto(f"{server.url}{path}")
        assert response is not None and response.status == 200, path
        expect(page.locator(f"{WIDGET} .tp-launcher")).to_be_visible()
        # The widget's config may still be on its way: leaving now would abort it.
        page.wait_for_load_state("networkidle")
    widget.open()
    widget.send("How long does delivery take?")
    expect(widget.from_others()).not_to_have_count(0)
    assert problems == []


def test_hostile_shop_css_changes_nothing_and_only_touchpoint_is_global(
    browser: Any, foreign_shop: ForeignShop
) -> None:
    def visit(path: str) -> Any:
        # A fresh browser profile each time: the same first visit, with and without hostile CSS.
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.goto(f"{foreign_shop.url}{path}")
        return page

    plain = visit("/plain")
    baseline = set(plain.evaluate("Object.getOwnPropertyNames(window)"))
    plain.context.close()

    snapshots = []
    for path in ("/calm", "/hostile"):
        page = visit(path)
        shopper = Widget(page)
        shopper.open()
        expect(page.locator(f"{WIDGET} .tp-consent")).to_be_visible()
        shopper.send("Hello from another shop")
        expect(shopper.log.locator(".tp-from-visitor .tp-receipt")).to_have_text("Sent")
        page.mouse.move(0, 0)  # no hover effects in the picture
        snapshots.append(page.evaluate(STYLE_SNAPSHOT))
        added = set(page.evaluate("Object.getOwnPropertyNames(window)")) - baseline
        assert added == {"Touchpoint"}, f"{path}: the widget added globals {added - {'Touchpoint'}}"
        page.context.close()

    calm, hostile = snapshots
    assert len(calm) == len(hostile) > 30
    changed = [(a, b) for a, b in zip(calm, hostile, strict=True) if a != b]
    assert not changed, f"the shop's CSS changed the widget: {changed[:3]}"


def test_mobile_keyboard_and_german(browser: Any, server: Any, foreign_shop: ForeignShop) -> None:
    with admin(server) as http:
        saved = http.put(
            "/api/widget/config",
            params={"site": "outlet"},
            json={
                "position": "bottom-left",
                "colors": {"primary": "#8a2be2"},
                "texts": {
                    "de": {
                        "title": "Outlet-Hilfe",
                        "launcher": "Fragen? Schreiben Sie uns!",
                        "greeting_first": "Moin! Was suchen Sie?",
                        "greeting_returning": "Schön, dass Sie wieder da sind!",
                    }
                },
            },
        )
        assert saved.status_code == 200, saved.text
    context = browser.new_context(
        viewport={"width": 390, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{foreign_shop.url}/de")
    shopper = Widget(page)

    expect(shopper.launcher).to_have_text("Fragen? Schreiben Sie uns!")
    expect(shopper.launcher).to_have_css("background-color", "rgb(138, 43, 226)")
    assert shopper.launcher.bounding_box()["x"] < 100  # bottom-left

    # Keyboard only: open, type, close; focus goes to the dialog (on a touch screen, not to
    # the input: the on-screen keyboard would cover the chat), then back to the launcher.
    shopper.launcher.focus()
    page.keyboard.press("Enter")
    expect(shopper.panel).to_be_visible()
    active = "document.querySelector('touchpoint-widget').shadowRoot.activeElement"
    assert page.evaluate(f"{active}.className") == "tp-panel"
    # Full screen.
    assert shopper.panel.bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 740}
    expect(page.locator(f"{WIDGET} #tp-title")).to_have_text("Outlet-Hilfe")
    expect(shopper.input).to_have_attribute("placeholder", "Nachricht schreiben…")
    # New messages are read out from a live log of their own (test_widget_shopper.py).
    expect(shopper.log).to_have_attribute("aria-label", "Nachrichten")
    expect(page.locator(f"{WIDGET} .tp-panel [role=log]")).to_have_attribute("aria-live", "polite")
    expect(shopper.log.locator(".tp-greeting")).to_have_text("Moin! Was suchen Sie?")
    shopper.input.focus()
    page.keyboard.type("Hallo, ich brauche Hilfe")
    page.keyboard.press("Enter")
    expect(shopper.log.locator(".tp-from-visitor .tp-bubble")).to_have_text(
        "Hallo, ich brauche Hilfe"
    )
    # The bot answers under the site's German title, not the hub's internal name.
    expect(shopper.log.locator(".tp-from-bot .tp-name").first).to_have_text(
        "Outlet-Hilfe", timeout=45_000
    )

    # Consent: declined first, then changed from the menu; the hub records both choices.
    consent = page.locator(f"{WIDGET} .tp-consent")
    consent.get_by_role("button", name="Nein, danke").click()
    shopper.menu("Einstellungen zur Personalisierung")
    expect(consent).to_contain_text("Personalisierung ist aus.")
    consent.get_by_role("button", name="Ja, personalisieren").click()
    expect(consent).to_be_hidden()
    # The widget marks the choice synced once the hub has answered (and stored it).
    page.wait_for_function("JSON.parse(localStorage.getItem('tp.outlet.consent')).synced === true")
    conversation_id = page.evaluate("JSON.parse(localStorage.getItem('tp.outlet.conversation'))")
    choices = query(
        server.hub.database_url,
        "SELECT granted FROM consent_records JOIN conversations USING (contact_id) "
        "WHERE conversations.id = :c ORDER BY consent_records.id",
        c=conversation_id,
    )
    assert [row["granted"] for row in choices] == [0, 1]

    # German words for the English demo catalog's kind, and German numbers on the cards.
    shopper.input.fill("Zubehör für Zelte")
    page.keyboard.press("Enter")
    expect(shopper.log.locator(".tp-from-bot .tp-bubble").last).to_contain_text(
        "Passend für Zelte:", timeout=45_000
    )
    card = shopper.log.locator(".tp-card").first
    expect(card.locator(".tp-price")).to_have_text(re.compile(r"^\d+,\d\d\s€$"))
    expect(card.locator(".tp-meta").last).to_have_text("★ 4,5")

    page.keyboard.press("Escape")
    expect(shopper.panel).to_be_hidden()
    assert page.evaluate(f"{active}.className") == "tp-launcher"

    # Back on another page: a returning visitor's greeting, and "end chat" leads to the survey.
    page.reload()
    shopper.open()
    expect(shopper.log.locator(".tp-greeting")).to_have_text("Schön, dass Sie wieder da sind!")
    expect(shopper.log.locator(".tp-from-visitor .tp-bubble")).to_have_text(
        ["Hallo, ich brauche Hilfe", "Zubehör für Zelte"]
    )
    # Ending asks first: cancelled (button or Escape), the chat goes on.
    end = page.get_by_role("button", name="Chat beenden")
    confirm = page.locator(f"{WIDGET} .tp-confirm")
    end.click()
    expect(confirm).to_contain_text("Chat beenden? Ein neuer Chat ist danach jederzeit möglich.")
    expect(confirm.get_by_role("button", name="Abbrechen")).to_be_focused()
    confirm.get_by_role("button", name="Abbrechen").click()
    expect(confirm).to_be_hidden()
    expect(end).to_be_focused()
    end.click()
    page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    expect(shopper.panel).to_be_visible()
    page.wait_for_timeout(500)  # an "end" sent by mistake would have resolved it by now
    status = "SELECT status FROM conversations WHERE id = :c"
    assert query(server.hub.database_url, status, c=conversation_id) == [{"status": "bot"}]
    end.click()
    confirm.get_by_role("button", name="Ja, beenden").click()
    expect(page.locator(f"{WIDGET} .tp-survey legend")).to_have_text("Wie war der Chat?")
    assert query(server.hub.database_url, status, c=conversation_id) == [{"status": "resolved"}]

    page.evaluate("Touchpoint.setLocale('en')")
    expect(shopper.launcher).to_have_text("Chat with us")
    expect(page.locator(f"{WIDGET} .tp-end")).to_be_hidden()
    context.close()


def test_the_open_chat_fits_a_phone(browser: Any, server: Any, foreign_shop: ForeignShop) -> None:
    for url in (f"{server.url}/demo", f"{foreign_shop.url}/wide"):
        context = browser.new_context(
            viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.goto(url)
        shopper = Widget(page)
        shopper.open()
        shopper.input.fill("A question " * 40)
        # The whole visible screen, whatever the page's width, and the composer within it.
        assert shopper.panel.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 667}, url
        for part in (shopper.input, page.locator(f"{WIDGET} .tp-send")):
            box = part.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, url
            assert box["y"] >= 0 and box["y"] + box["height"] <= 667, url
        # 16px or more, or iOS zooms in when the input gets focus.
        expect(shopper.input).to_have_css("font-size", "16px")
        context.close()
    # The demo shop itself has no horizontal scroll on a phone.
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server.url}/demo")
    assert page.evaluate("document.documentElement.scrollWidth") == 375
    context.close()


def test_faq_source_links_open_the_shop_page(server: Any, widget: Widget, loop: Loop) -> None:
    page = widget.page
    page.goto(f"{server.url}/demo/products/cw-101")
    widget.open()
    # The bot names the FAQ's source as the knowledge base has it: a path on the shop.
    widget.send("How do I return something?")
    source = widget.log.get_by_role("link", name="/demo/help#return-how")
    expect(source).to_have_attribute("href", f"{server.url}/demo/help#return-how")
    expect(source).to_have_attribute("target", "_blank")
    expect(source).to_have_attribute("rel", "noopener noreferrer")

    # Whatever a source says, its text is text, and only http(s) becomes a link.
    agent = agent_client(loop, server)
    widget.menu("Talk to a person")
    conversation_id = stored(page, "conversation")
    routed_to(agent, conversation_id)
    markup = "<img src=x onerror=alert(1)>"
    agent.send_message(
        f"See {markup}", conversation_id=conversation_id, payload={"source_url": markup}
    )
    agent.send_message(
        "See javascript:alert(1)",
        conversation_id=conversation_id,
        payload={"source_url": "javascript:alert(1)"},
    )
    expect(widget.bubble("See javascript:alert(1)")).to_be_visible()
    expect(widget.bubble("See <img").get_by_role("link")).to_have_text(markup)
    expect(widget.log.locator("img")).to_have_count(0)
    expect(widget.bubble("See javascript:alert(1)").get_by_role("link")).to_have_count(0)
    agent.command("resolve", conversation_id)


def test_set_locale_redraws_what_is_on_screen(server: Any, widget: Widget) -> None:
    page = widget.page
    page.goto(f"{server.url}/demo")
    widget.open()
    widget.send("show me the cheapest tents")
    card = widget.log.locator(".tp-card").first
    expect(card.get_by_role("button", name="Add to cart")).to_be_visible()
    expect(widget.log.locator(".tp-from-visitor .tp-receipt")).to_have_text("Sent")
    widget.menu("Talk to a person")  # nobody is online in this test: the offline form
    offline = page.locator(f"{WIDGET} .tp-offline")
    offline.get_by_label("E-mail").fill("kim@example.com")

    page.evaluate("Touchpoint.setLocale('de')")
    expect(page.locator(f"{WIDGET} #tp-title")).to_have_text("Shop-Assistent")
    expect(widget.input).to_have_attribute("placeholder", "Nachricht schreiben…")
    expect(page.locator(f"{WIDGET} .tp-end")).to_have_text("Chat beenden")
    expect(page.locator(f"{WIDGET} .tp-subtitle")).to_have_text(
        "Gerade ist niemand da – Nachricht hinterlassen"
    )
    # What is already in the chat too: the bot's name, the cards, the receipt ...
    expect(widget.log.locator(".tp-from-bot:not(.tp-greeting) .tp-name").first).to_have_text(
        "Shop-Assistent"
    )
    expect(card.get_by_role("link", name="Zum Produkt")).to_be_visible()
    expect(card.get_by_role("button", name="In den Warenkorb")).to_be_visible()
    expect(card.locator(".tp-price")).to_have_text(re.compile(r"^\d+,\d\d\s€$"))
    expect(widget.log.locator(".tp-from-visitor .tp-receipt")).to_have_text("Gesendet")
    # ... and an open form, with what the shopper wrote kept.
    expect(offline.get_by_role("button", name="Nachricht senden")).to_be_visible()
    expect(offline.get_by_label("E-Mail")).to_have_value("kim@example.com")

    page.get_by_role("button", name="Chat beenden").click()
    page.get_by_role("button", name="Ja, beenden").click()
    survey = page.locator(f"{WIDGET} .tp-survey")
    survey.locator("label", has_text="4").click()
    page.evaluate("Touchpoint.setLocale('en')")
    expect(survey.locator("legend")).to_have_text("How was your chat?")
    expect(survey.get_by_role("button", name="Send rating")).to_be_visible()
    expect(survey.get_by_label("4 of 5")).to_be_checked()
    expect(widget.log.locator(".tp-system").last).to_have_text("The chat has ended.")


def test_offline_form_reaches_the_agents(server: Any, widget: Widget) -> None:
    page = widget.page
    page.goto(f"{server.url}/demo")
    page.get_by_role("button", name="Log in as Anna (cust-1001)").click()
    expect(page.get_by_text("Logged in as Anna Schmidt")).to_be_visible()
    widget.open()
    widget.menu("Talk to a person")  # nobody is online in this test

    form = page.locator(f"{WIDGET} .tp-offline")
    form.get_by_label("E-mail").fill("anna@")
    # Too long for the hub: said at once, and the form cannot be sent.
    form.get_by_label("Message for the team").fill("€" * 1500)
    expect(form.locator(".tp-length")).to_have_text(
        "4,500 / 4,096: too long to send. Please shorten the message."
    )
    expect(form.get_by_role("button", name="Send message")).to_be_disabled()
    form.get_by_label("Message for the team").fill("Please call me back about my tent order")
    expect(form.locator(".tp-length")).to_be_hidden()
    form.get_by_role("button", name="Send message").click()
    expect(form.get_by_role("alert")).to_have_text("Please enter a valid e-mail address.")
    form.get_by_label("E-mail").fill("anna@example.com")
    form.get_by_role("button", name="Send message").click()
    expect(page.locator(f"{WIDGET} .tp-done")).to_have_text(
        "Thank you! We will reply to anna@example.com."
    )
    expect(widget.bubble("Please call me back about my tent order")).to_be_visible()
    # The shopper learns where anything written afterwards goes: to the team, with the message.
    expect(page.locator(f"{WIDGET} .tp-queue")).to_have_text(
        "We have your message and will reply by e-mail. Anything you add here reaches the team too."
    )
    widget.send("My order is TP-10004")
    expect(widget.log.locator(".tp-from-visitor[data-seq] .tp-receipt").last).to_have_text("Sent")
    # The messages are for the team: the bot, which answers in about 50 ms, leaves them alone.
    page.wait_for_timeout(1500)
    expect(widget.log.locator(".tp-from-bot:not(.tp-greeting)")).to_have_count(0)

    conversation_id = stored(page, "conversation")
    rows = query(
        server.hub.database_url,
        "SELECT text FROM messages WHERE conversation_id = :c AND sender_kind = 'visitor' "
        "ORDER BY seq",
        c=conversation_id,
    )
    assert [row["text"] for row in rows] == [
        "Please call me back about my tent order",
        "My order is TP-10004",
    ]
    with admin(server) as http:
        waiting = http.get("/api/conversations", params={"status": "queued"}).json()
    mine = next(c for c in waiting if c["id"] == conversation_id)
    assert mine["handoff_reason"] == "offline_message"
    assert mine["contact"]["identity_verified"] is True  # identify() with the shop's HMAC


def test_queue_position_while_the_agents_are_busy(server: Any, widget: Widget, loop: Loop) -> None:
    # An agent who takes one chat at a time, kept busy by another shopper.
    with admin(server) as http:
        support = next(t["id"] for t in http.get("/api/teams").json() if t["name"] == "Support")
        created = http.post(
            "/api/agents",
            json={
                "email": "solo@demo.shop",
                "name": "Solo",
                "password": "a long password",
                "max_concurrent": 1,
                "team_ids": [support],
            },
        )
        assert created.status_code == 201, created.text
    solo_id = created.json()["id"]
    solo = agent_client(loop, server, "solo@demo.shop", "a long password")
    other = visitor_client(loop, server)
    other.send_message("I need a person")
    other.command("request_human")
    # Routing gives Solo that chat, or one still waiting from an earlier test: either way Solo is full.
    solo.expect(
        "conversation",
        lambda f: (
            f["conversation"]["status"] == "assigned"
            and f["conversation"].get("assignee_id") == solo_id
        ),
    )

    page = widget.page
    page.goto(f"{server.url}/demo")
    widget.open()
    widget.menu("Talk to a person")
    queue = page.locator(f"{WIDGET} .tp-queue")
    expect(queue).to_have_text(
        re.compile(
            r"You are number \d+ in line\. Expected wait: (about \d+ min\.|less than a minute\.)"
        )
    )
    expect(page.locator(f"{WIDGET} .tp-subtitle")).to_have_text("Waiting for an agent")
    expect(page.locator(f"{WIDGET} .tp-menu button", has_text="Talk to a person")).to_be_hidden()


def anna_logs_in_and_asks(server: Any, widget: Widget, text: str) -> Any:
    """On the demo shop, Anna logs in and asks ``text``; returns her conversation's id."""
    page = widget.page
    page.goto(f"{server.url}/demo")
    page.get_by_role("button", name="Log in as Anna (cust-1001)").click()
    expect(page.get_by_text("Logged in as Anna Schmidt")).to_be_visible()
    widget.open()
    widget.send(text)
    expect(widget.log.locator(".tp-from-visitor[data-seq] .tp-receipt").last).to_have_text("Sent")
    return stored(page, "conversation")


def test_a_customers_chat_needs_their_identity_on_the_page(server: Any, widget: Widget) -> None:
    """Anna chats while logged in; the shop forgets Touchpoint.reset() at log-out (here:
    the log-in cookie goes, the widget's storage stays). The next person's page has no
    identity: the widget shows nothing of Anna's chat. Her pages, which identify her,
    show it again, also where identify() comes after the widget connected."""
    page = widget.page
    annas = anna_logs_in_and_asks(server, widget, "My delivery address is Elm Street 5")

    page.context.clear_cookies()
    page.goto(f"{server.url}/demo")
    expect(widget.panel).to_be_visible()  # it stays open from page to page
    expect(widget.log.locator(".tp-greeting")).to_be_visible()
    expect(widget.bubble("My delivery address is Elm Street 5")).to_have_count(0)
    # The hub answers with a visit of its own, and the widget forgets Anna's conversation.
    page.wait_for_function(
        "annas => JSON.parse(localStorage.getItem('tp.demo.conversation')) !== annas", arg=annas
    )
    expect(widget.bubble("My delivery address is Elm Street 5")).to_have_count(0)
    expect(widget.log.locator(".tp-error, [role=alert]")).to_have_count(0)

    anna = {
        "customerId": "cust-1001",
        "hmac": identity_hmac(server.settings.identity_secret, "cust-1001"),
    }
    page.evaluate("identity => Touchpoint.identify(identity)", anna)
    expect(widget.bubble("My delivery address is Elm Street 5")).to_be_visible()
    assert stored(page, "conversation") == annas


def test_another_customer_on_a_shared_browser_gets_a_chat_of_their_own(
    server: Any, widget: Widget
) -> None:
    """Anna chats while logged in; the shop forgets Touchpoint.reset() at log-out and
    Ben identifies in the same browser. The hub gives Ben a contact of his own; the
    widget drops Anna's chat from the screen and Ben's message starts his own
    conversation (it was refused as another's: not_found)."""
    page = widget.page
    annas = anna_logs_in_and_asks(server, widget, "A question only Anna may see")
    ben = {
        "customerId": "cust-2002",
        "hmac": identity_hmac(server.settings.identity_secret, "cust-2002"),
    }
    page.evaluate("identity => Touchpoint.identify(identity)", ben)
    expect(widget.bubble("A question only Anna may see")).to_have_count(0)
    widget.send("Ben here, a question of mine")
    expect(widget.log.locator(".tp-from-visitor[data-seq] .tp-receipt").last).to_have_text("Sent")
    expect(widget.log.locator(".tp-error, [role=alert]")).to_have_count(0)
    rows = query(
        server.hub.database_url,
        "SELECT m.conversation_id, ct.customer_id FROM messages m "
        "JOIN conversations c ON c.id = m.conversation_id JOIN contacts ct ON ct.id = c.contact_id "
        "WHERE m.text = 'Ben here, a question of mine'",
    )
    assert len(rows) == 1 and rows[0]["customer_id"] == "cust-2002", rows
    assert rows[0]["conversation_id"] != annas
