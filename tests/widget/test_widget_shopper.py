"""The widget as shoppers with different needs use it, in real headless Chromium against a
real hub: a light brand colour, a screen reader, a keyboard on a phone, product cards
with odd data, a hub that restarts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.chat.helpers import query
from tests.widget.test_widget_browser import admin, routed_to
from tests.widget.widget_helpers import (
    WIDGET,
    ForeignShop,
    Loop,
    Widget,
    agent_client,
    module_server,
)

expect.set_options(timeout=20_000)
server = module_server(None)

# WCAG 2.1 contrast of two computed CSS colours (rgb()/rgba(), alpha ignored).
CONTRAST = """([a, b]) => {
  const lum = (css) => {
    const [r, g, b] = css.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}"""


def style(locator: Any, prop: str) -> str:
    value: str = locator.evaluate(f"el => getComputedStyle(el).getPropertyValue('{prop}')")
    return value


def contrast(page: Any, a: str, b: str) -> float:
    ratio: float = page.evaluate(CONTRAST, [a, b])
    return ratio


def shop_page(server: Any, site: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width">'
        f'<script src="{server.url}/widget.js" data-touchpoint-site="{site}" async></script>'
        "</head><body><h1>Another shop</h1></body></html>"
    )


def test_a_light_brand_colour_keeps_the_text_readable(browser: Any, server: Any) -> None:
    # The shop sets its yellow and leaves "on primary" at the default white.
    with admin(server) as http:
        saved = http.put(
            "/api/widget/config", params={"site": "sunny"}, json={"colors": {"primary": "#ffd400"}}
        )
        assert saved.status_code == 200, saved.text
    shop = ForeignShop({"/": shop_page(server, "sunny")})
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.goto(f"{shop.url}/")
        shopper = Widget(page)
        # The brand colour stays the brand colour ...
        expect(shopper.launcher).to_have_css("background-color", "rgb(255, 212, 0)")
        # ... and what is written on it is readable (WCAG AA: 4.5:1 for text).
        launcher = contrast(
            page, style(shopper.launcher, "color"), style(shopper.launcher, "background-color")
        )
        assert launcher >= 4.5, f"launcher text on yellow: {launcher:.2f}:1"
        shopper.open()
        head = page.locator(f"{WIDGET} .tp-head")
        on_head = contrast(page, style(head, "color"), style(head, "background-color"))
        assert on_head >= 4.5, f"title on the header: {on_head:.2f}:1"
        shopper.send("Hello")
        # (the stored message, not its pending copy, which it replaces)
        mine = shopper.log.locator(".tp-from-visitor[data-seq] .tp-bubble").first
        expect(mine).to_be_visible()
        on_bubble = contrast(page, style(mine, "color"), style(mine, "background-color"))
        assert on_bubble >= 4.5, f"the shopper's own message: {on_bubble:.2f}:1"
        # Text in the brand colour on the white panel (a link, an outlined button) and the
        # focus ring would be yellow on white: they take a darker shade of it.
        panel_bg = style(shopper.panel, "background-color")
        consent = page.locator(f"{WIDGET} .tp-consent")
        link = consent.get_by_role("link")
        if link.count():
            assert contrast(page, style(link, "color"), panel_bg) >= 4.5
        no = consent.get_by_role("button", name="No, thanks")
        assert contrast(page, style(no, "color"), panel_bg) >= 4.5
        no.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focus by keyboard: the ring shows
        ring = contrast(page, style(no, "outline-color"), panel_bg)
        assert style(no, "outline-style") == "solid" and ring >= 3, f"focus ring: {ring:.2f}:1"
        page.context.close()

        # A dark brand colour keeps the shop's own choice of white text.
        page = browser.new_context().new_page()
        page.goto(f"{server.url}/demo")
        expect(Widget(page).launcher).to_have_css("color", "rgb(255, 255, 255)")
        expect(Widget(page).launcher).to_have_css("background-color", "rgb(31, 111, 235)")
        page.context.close()
    finally:
        shop.close()


# The colours and widths of a computed box-shadow list: [(colour, x, y, blur, spread), ...].
SHADOWS = """(value) => value === "none" ? [] : value.split(/,(?![^(]*\\))/).map((one) => {
  const colour = one.match(/rgba?\\([^)]*\\)/)[0];
  return [colour, ...one.replace(colour, "").trim().split(/\\s+/).map(parseFloat)];
})"""


def test_the_launcher_focus_ring_shows_on_any_page(browser: Any, server: Any) -> None:
    # The ring was one colour (the text colour, #1d2430 by default): on a page of that
    # colour it was not there at all.
    pages = {
        "/light": "#ffffff",
        "/dark": "#1d2430",
        "/blue": "#1f6feb",  # the launcher's own colour
    }
    shop = ForeignShop(
        {
            path: shop_page(server, "demo").replace(
                "</head>", f"<style>body {{ background: {colour}; }}</style></head>"
            )
            for path, colour in pages.items()
        }
    )
    try:
        for path in pages:
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            page.goto(f"{shop.url}{path}")
            shopper = Widget(page)
            expect(shopper.launcher).to_be_visible()
            page.keyboard.press("Tab")  # focus by keyboard: the ring shows
            expect(shopper.launcher).to_be_focused()
            assert shopper.launcher.evaluate("el => el.matches(':focus-visible')")
            behind = page.evaluate("getComputedStyle(document.body).backgroundColor")
            outline = style(shopper.launcher, "outline-color")
            assert style(shopper.launcher, "outline-style") == "solid"
            offset = float(style(shopper.launcher, "outline-offset").removesuffix("px"))
            width = float(style(shopper.launcher, "outline-width").removesuffix("px"))
            assert width >= 2
            # A second band of another colour, flat (no blur), fills the gap up to the outline.
            shadows = page.evaluate(SHADOWS, style(shopper.launcher, "box-shadow"))
            bands = [s for s in shadows if s[1:4] == [0, 0, 0] and s[4] >= max(offset, 2)]
            assert bands, shadows
            inner = bands[0][0]
            assert contrast(page, inner, outline) >= 3, (inner, outline)
            # Whatever the page's colour, one of the two stands out from it (3:1).
            seen = max(contrast(page, outline, behind), contrast(page, inner, behind))
            assert seen >= 3, f"{path}: {outline} / {inner} on {behind}"
            # Only while it has the keyboard's focus: no ring after a click elsewhere.
            page.mouse.click(5, 5)
            assert "0px 0px 0px" not in style(shopper.launcher, "box-shadow")
            page.context.close()
    finally:
        shop.close()


# What a screen reader reads out by itself: the text of every live region of the widget.
LIVE_TEXT = """() => {
  const root = document.querySelector("touchpoint-widget").shadowRoot;
  const live = Array.from(root.querySelectorAll("[aria-live], [role=log], [role=status], [role=alert]"))
    .filter((el) => el.getAttribute("aria-live") !== "off" && !el.closest("[hidden]"));
  return live.map((el) => el.textContent).join("\\n");
}"""


def test_a_screen_reader_hears_new_messages_once(server: Any, widget: Widget) -> None:
    page = widget.page
    page.goto(f"{server.url}/demo")
    widget.open()
    widget.send("How long does delivery take?")
    answer = widget.bubble("leave our warehouse the same day")
    expect(answer).to_be_visible()
    # The answer is read out with who wrote it; what the shopper typed is not read back.
    page.wait_for_function(
        f"() => ({LIVE_TEXT})().includes('Shop assistant: Orders placed before 2 pm')"
    )
    assert "How long does delivery take?" not in page.evaluate(LIVE_TEXT)

    # A reload brings the history back into the open chat: it is not read out again ...
    page.reload()
    expect(answer).to_be_visible()
    expect(widget.log.locator(".tp-from-visitor[data-seq]")).to_have_count(1)
    page.wait_for_timeout(500)
    assert "leave our warehouse" not in page.evaluate(LIVE_TEXT)
    # ... nor when the chat is drawn again in another language.
    page.evaluate("Touchpoint.setLocale('de')")
    expect(widget.input).to_have_attribute("placeholder", "Nachricht schreiben…")
    assert "leave our warehouse" not in page.evaluate(LIVE_TEXT)
    # The next answer is, in the shopper's language.
    widget.send("Wie lange dauert der Versand?")
    page.wait_for_function(f"() => ({LIVE_TEXT})().includes('Shop-Assistent: ')")
    assert "Wie lange dauert" not in page.evaluate(LIVE_TEXT)
    # The message list itself is still a labelled region to read back at will.
    expect(widget.log).to_have_attribute("aria-label", "Nachrichten")


IN_PANEL = """() => {
  const host = document.querySelector("touchpoint-widget");
  const active = host.shadowRoot.activeElement;
  return document.activeElement === host && !!active && !!active.closest(".tp-panel");
}"""


def test_on_a_phone_the_keyboard_stays_in_the_chat(browser: Any, server: Any) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{server.url}/demo")
    shopper = Widget(page)
    shopper.launcher.focus()
    page.keyboard.press("Enter")
    expect(shopper.panel).to_be_focused()  # the dialog, not the field (no on-screen keyboard)
    # The chat covers the whole screen: it is modal, and Tab goes round inside it
    # instead of into the shop page hidden under it.
    expect(shopper.panel).to_have_attribute("aria-modal", "true")
    stops = []
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate(IN_PANEL), f"Tab left the chat after {stops}"
        stops.append(
            page.evaluate(
                "document.querySelector('touchpoint-widget').shadowRoot.activeElement.className"
            )
        )
    assert "tp-send" in stops and "tp-icon" in stops  # round from the send button to the header
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(IN_PANEL), "Shift+Tab left the chat"
    page.keyboard.press("Escape")
    expect(shopper.panel).to_be_hidden()
    expect(shopper.launcher).to_be_focused()
    context.close()

    # Beside the shop on a desktop the chat is not modal: Tab may go on to the page.
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{server.url}/demo")
    shopper = Widget(page)
    shopper.open()
    expect(shopper.panel).not_to_have_attribute("aria-modal", "true")
    page.context.close()


def phone_then_desktop(browser: Any, server: Any) -> Iterator[tuple[bool, Any, Widget]]:
    """The demo shop on a touch phone, then on a desktop: (phone?, page, widget) each."""
    for phone in (True, False):
        size = {"width": 375, "height": 667} if phone else {"width": 1280, "height": 800}
        context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone)
        page = context.new_page()
        page.goto(f"{server.url}/demo")
        yield phone, page, Widget(page)
        context.close()


def test_opening_on_a_touch_screen_keeps_the_keyboard_down(browser: Any, server: Any) -> None:
    for phone, page, shopper in phone_then_desktop(browser, server):
        assert page.evaluate("matchMedia('(pointer: coarse)').matches") is phone
        for how in ("pointer", "keyboard"):
            if how == "keyboard":
                shopper.launcher.focus()
                page.keyboard.press("Enter")
            elif phone:
                shopper.launcher.tap()
            else:
                shopper.launcher.click()
            dialog = page.get_by_role("dialog", name="Shop assistant")
            expect(dialog).to_be_visible()
            if phone:
                # The focus on the message field brought the on-screen keyboard up over the
                # conversation: it goes to the dialog itself, where a screen reader starts
                # reading, with no ring drawn round all of it.
                expect(dialog).to_be_focused()
                expect(shopper.input).not_to_be_focused()
                assert style(shopper.panel, "outline-style") == "none", how
                # Shift+Tab from there goes round inside the chat, not out to the page.
                page.keyboard.press("Shift+Tab")
                assert page.evaluate(IN_PANEL), how
                # The keyboard comes up when the shopper taps the field.
                shopper.input.tap()
                expect(shopper.input).to_be_focused()
            else:
                expect(shopper.input).to_be_focused()  # on a desktop, ready to type
            page.keyboard.press("Escape")
            expect(shopper.panel).to_be_hidden()
            expect(shopper.launcher).to_be_focused()


def test_answering_the_consent_notice_on_a_phone_keeps_the_keyboard_down(
    browser: Any, server: Any
) -> None:
    for phone, page, shopper in phone_then_desktop(browser, server):
        shopper.open()
        no = page.locator(f"{WIDGET} .tp-consent").get_by_role("button", name="No, thanks")
        if phone:
            no.tap()
        else:
            no.click()
        expect(no).to_be_hidden()
        if phone:
            # The focus went to the message field, and the on-screen keyboard came up over
            # the chat: it goes to the list of messages, still inside the chat.
            expect(shopper.log).to_be_focused()
            expect(shopper.input).not_to_be_focused()
        else:
            expect(shopper.input).to_be_focused()


CONSENT_TEXT = {
    "en": "May we use your browsing and purchase history to personalise our answers and "
    "recommendations? Privacy policy",
    "de": "Dürfen wir den Browser- und Kaufverlauf nutzen, um Antworten und Empfehlungen zu "
    "personalisieren? Datenschutz",
}


def test_the_consent_notice_leaves_a_phone_its_screen(browser: Any, server: Any) -> None:
    answers = {"en": ("Yes, personalise", True), "de": ("Nein, danke", False)}
    for lang, (answer, granted) in answers.items():
        context = browser.new_context(
            viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.goto(f"{server.url}/demo")
        page.evaluate(f"Touchpoint.setLocale('{lang}')")
        shopper = Widget(page)
        shopper.open()
        consent = page.locator(f"{WIDGET} .tp-consent")
        expect(consent).to_be_visible()
        # It took about 130 px of the phone's 667: now at most 80 ...
        box = consent.bounding_box()
        assert box["height"] <= 80, f"{lang}: {box['height']} px"
        # ... with all of its text on screen, none cut off, the privacy page linked ...
        text = consent.locator("p")
        expect(text).to_have_text(CONSENT_TEXT[lang])
        assert text.evaluate("el => el.scrollHeight <= el.clientHeight")
        expect(text.get_by_role("link")).to_have_attribute("href", f"{server.url}/demo/privacy")
        # ... and both answers inside it, big enough to tap (24 px), and working.
        buttons = consent.get_by_role("button")
        expect(buttons).to_have_count(2)
        for index in range(2):
            button = buttons.nth(index).bounding_box()
            assert button["width"] >= 24 and button["height"] >= 24
            assert button["x"] >= 0 and button["x"] + button["width"] <= 375
            assert (
                box["y"] <= button["y"]
                and button["y"] + button["height"] <= box["y"] + box["height"]
            )
        consent.get_by_role("button", name=answer).tap()
        expect(consent).to_be_hidden()
        assert (
            page.evaluate("JSON.parse(localStorage.getItem('tp.demo.consent')).granted") is granted
        )
        context.close()


LONG_TITLE = (
    "Ultralight 3-season backpacking tent with double-wall construction, aluminium poles, "
    "footprint and gear loft included, extra long edition"
)
ODD_PRODUCTS = [
    {"id": "TE-605", "title": "Trail 2 tent", "price": 189.9, "currency": "EUR", "stock": 12,
     "url": "/demo/products/te-605", "image_url": "/demo/img/te-605.svg", "rating": 4.25},
    {"id": "NO-IMG", "title": "Tent pegs, no picture", "price": 12, "currency": "EUR", "stock": 3,
     "url": "javascript:alert(1)"},
    {"id": "BROKEN", "title": "Picture gone", "price": 99.99, "currency": "EUR", "stock": 40,
     "url": "/demo/products/te-605", "image_url": "/demo/img/no-such-picture.svg"},
    {"id": "LONG", "title": LONG_TITLE, "price": 1234.5, "currency": "EUR", "stock": 0,
     "url": "/demo/products/te-605", "image_url": "/demo/img/te-605.svg"},
]  # fmt: skip


def with_an_agent(server: Any, widget: Widget, loop: Loop) -> tuple[Any, int]:
    """A shopper on the demo shop says hello and asks for a person; returns the agent
    the conversation was routed to and its id."""
    page = widget.page
    agent = agent_client(loop, server)
    page.goto(f"{server.url}/demo")
    widget.open()
    widget.send("Hello")
    expect(widget.log.locator(".tp-from-visitor[data-seq]")).to_have_count(1)
    widget.menu("Talk to a person")
    page.wait_for_function("JSON.parse(localStorage.getItem('tp.demo.conversation'))")
    conversation_id: int = page.evaluate("JSON.parse(localStorage.getItem('tp.demo.conversation'))")
    routed_to(agent, conversation_id)
    return agent, conversation_id


@pytest.fixture
def cards(server: Any, widget: Widget, loop: Loop) -> Iterator[Any]:
    """An agent shows the shopper ODD_PRODUCTS: the cards. The agent resolves the chat
    afterwards, as the demo agent takes a few chats at a time."""
    agent, conversation_id = with_an_agent(server, widget, loop)
    agent.send_message(
        "Some ideas",
        conversation_id=conversation_id,
        content_type="product_cards",
        payload={"products": ODD_PRODUCTS},
    )
    shown = widget.log.locator(".tp-card")
    expect(shown).to_have_count(4)
    yield shown
    agent.command("resolve", conversation_id)


def test_product_cards_without_a_picture_keep_their_place(cards: Any, widget: Widget) -> None:
    # A card without a picture, or whose picture is gone, shows a placeholder of the same
    # size, never the browser's broken-image sign: the row of cards stays even.
    with_picture = cards.nth(0).locator(".tp-card-media")
    expect(with_picture.locator("img")).to_have_count(1)
    for index in (1, 2):
        media = cards.nth(index).locator(".tp-card-media")
        expect(media).to_be_visible()
        expect(media.locator("img")).to_have_count(0)
        assert media.bounding_box()["height"] == with_picture.bounding_box()["height"]
    broken = widget.page.evaluate(
        """() => Array.from(document.querySelector("touchpoint-widget").shadowRoot
             .querySelectorAll(".tp-card img")).filter((img) => img.complete && !img.naturalWidth).length"""
    )
    assert broken == 0
    # The rest of the card as before: German prices, out of stock said and not for sale,
    # only http(s) links.
    widget.page.evaluate("Touchpoint.setLocale('de')")
    expect(cards.nth(3).locator(".tp-price")).to_have_text("1.234,50\xa0€")
    expect(cards.nth(3).locator(".tp-meta").first).to_have_text("Ausverkauft")
    expect(cards.nth(3).get_by_role("button", name="In den Warenkorb")).to_be_disabled()
    expect(cards.nth(1).get_by_role("link")).to_have_count(0)


def test_the_stock_line_says_what_can_be_bought(cards: Any, widget: Widget) -> None:
    page = widget.page
    plenty, few, none = cards.nth(0), cards.nth(1), cards.nth(3)
    lines = [
        plenty.get_by_text("In stock", exact=True),
        few.get_by_text("Only 3 left", exact=True),
        none.get_by_text("Out of stock", exact=True),
    ]
    # "Out of stock" looked exactly like "In stock": each level now looks its own ...
    looks = [
        tuple(style(line, p) for p in ("color", "background-color", "font-weight", "opacity"))
        for line in lines
    ]
    assert len(set(looks)) == 3, looks
    # ... a few left and sold out as labels on their own background, readable (4.5:1) ...
    for line in lines[1:]:
        background = style(line, "background-color")
        assert background not in ("rgba(0, 0, 0, 0)", style(widget.panel, "background-color"))
        assert contrast(page, style(line, "color"), background) >= 4.5
        assert style(line, "opacity") == "1"
    # ... and a sold-out card greys its picture out.
    assert float(style(none.locator(".tp-card-media"), "opacity")) < 1
    assert style(plenty.locator(".tp-card-media"), "opacity") == "1"

    # Its "Add to cart" is switched off, looks it, says why, and does nothing.
    buy = none.get_by_role("button", name="Add to cart")
    expect(buy).to_be_disabled()
    expect(buy).to_have_accessible_description(f"{LONG_TITLE} Out of stock")
    assert float(style(buy, "opacity")) < 1
    on_sale = plenty.get_by_role("button", name="Add to cart")
    expect(on_sale).to_be_enabled()
    assert style(on_sale, "opacity") == "1"
    buy.evaluate("el => el.click()")
    buy.focus()  # still reachable by keyboard, to hear why
    page.keyboard.press("Enter")
    expect(buy).to_have_text("Add to cart")
    on_sale.click()
    expect(plenty.locator(".tp-row button")).to_have_text("Added")
    # The demo shop puts what the widget's add_to_cart hands it in its cart: only that one.
    cart = page.evaluate("JSON.parse(localStorage.getItem('demo-shop.cart'))")
    assert [line["product_id"] for line in cart] == ["TE-605"]


def test_a_long_product_title_does_not_stretch_the_cards(cards: Any, widget: Widget) -> None:
    short, long = cards.nth(0), cards.nth(3)
    title = long.locator(".tp-card-title")
    # At most three lines; the whole title is in the tooltip and the card's accessible name.
    line = float(style(title, "line-height").removesuffix("px"))
    assert title.bounding_box()["height"] <= 3 * line + 1
    expect(title).to_have_attribute("title", LONG_TITLE)
    expect(long).to_have_accessible_name(f"4 of 4: {LONG_TITLE}")
    # So the cards stay about the same height, their buttons in reach.
    assert long.bounding_box()["height"] - short.bounding_box()["height"] <= 2 * line + 1
    # The arrow with nowhere to go is not drawn over the first card.
    carousel = widget.log.locator(".tp-carousel")
    expect(carousel.get_by_role("button", name="Previous products")).to_be_hidden()
    carousel.get_by_role("button", name="Next products").click()
    expect(carousel.get_by_role("button", name="Previous products")).to_be_visible()


FOCUSED = """() => {
  const host = document.querySelector("touchpoint-widget");
  const active = document.activeElement === host ? host.shadowRoot.activeElement : null;
  return active ? (active.id || active.getAttribute("aria-label") || active.className) : null;
}"""


def test_the_keyboard_focus_is_not_lost_when_a_button_goes_away(
    server: Any, widget: Widget
) -> None:
    page = widget.page
    page.goto(f"{server.url}/demo")
    widget.open()
    widget.send("show me tents")
    # A quick reply taken with the keyboard: the buttons are switched off, and the focus
    # goes back to the message field instead of dropping to the top of the page.
    expect(widget.log.locator(".tp-reply:enabled").first).to_be_visible()
    reply = widget.log.locator(".tp-reply:enabled").first.element_handle()
    reply.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("button => button.disabled", arg=reply)
    assert page.evaluate(FOCUSED) == "tp-input"

    # Ending the chat from the keyboard: the focus goes to the survey that follows.
    end = page.get_by_role("button", name="End chat")
    end.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")  # from "Cancel" to "Yes, end it"
    page.keyboard.press("Enter")
    survey = page.locator(f"{WIDGET} .tp-survey")
    expect(survey).to_be_visible()
    page.wait_for_function(f"() => ({FOCUSED})() === '1 of 5'")
    # Rated from the keyboard: the thanks replace the form, the focus goes to the message field.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # 3 of 5
    survey.get_by_role("button", name="Send rating").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"{WIDGET} .tp-done")).to_have_text("Thank you for your feedback!")
    assert page.evaluate(FOCUSED) == "tp-input"


def test_the_two_message_fields_have_names_of_their_own(server: Any, widget: Widget) -> None:
    page = widget.page
    page.goto(f"{server.url}/demo")
    widget.open()
    widget.menu("Talk to a person")  # nobody is online in this test: the offline form
    panel = page.locator(f"{WIDGET} .tp-panel")
    offline = page.locator(f"{WIDGET} .tp-offline textarea")
    expect(offline).to_be_visible()
    # Both were "Message": a screen reader's list of fields could not tell them apart.
    names = {
        "en": ("Chat message", "Message for the team"),
        "de": ("Chat-Nachricht", "Nachricht an das Team"),
    }
    for lang, (composer, form) in names.items():
        page.evaluate(f"Touchpoint.setLocale('{lang}')")
        expect(widget.input).to_have_accessible_name(composer)
        expect(offline).to_have_accessible_name(form)
        expect(panel.get_by_role("textbox", name=composer, exact=True)).to_have_count(1)
        expect(panel.get_by_role("textbox", name=form, exact=True)).to_have_count(1)
        expect(panel.get_by_label(composer, exact=True)).to_have_id("tp-input")
        panel.get_by_label(form, exact=True).fill(f"For the team ({lang})")
        expect(widget.input).to_have_value("")
    # No two fields in the chat share a label.
    labels = [
        f.evaluate("el => el.labels[0].textContent") for f in panel.get_by_role("textbox").all()
    ]
    assert len(labels) == len(set(labels)) == 3, labels


def test_the_message_field_grows_with_what_the_shopper_writes(browser: Any, server: Any) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{server.url}/demo")
    shopper = Widget(page)
    shopper.open()
    shopper.input.tap()  # on a touch screen opening the chat leaves the field to the shopper
    one_line = shopper.input.bounding_box()["height"]
    page.keyboard.type(
        "Hello, I ordered a tent last week and it still has not arrived. "
        "Could you check where it is? My order number is TP-10004."
    )
    # Three lines: all of them in sight, none scrolled away inside a one-line box.
    hidden = "el => el.scrollHeight - el.clientHeight"
    assert shopper.input.evaluate(hidden) <= 1
    assert shopper.input.bounding_box()["height"] > 2 * one_line
    # A very long one grows up to a limit, then scrolls; the send button stays on screen.
    shopper.input.fill("A long story. " * 80)
    page.keyboard.type("!")
    assert shopper.input.bounding_box()["height"] <= 121
    box = page.locator(f"{WIDGET} .tp-send").bounding_box()
    assert box["y"] + box["height"] <= 667
    # Sent: back to one line.
    page.keyboard.press("Enter")
    expect(shopper.input).to_have_value("")
    assert abs(shopper.input.bounding_box()["height"] - one_line) <= 1
    context.close()


def test_the_launcher_says_how_many_messages_are_new(
    server: Any, widget: Widget, loop: Loop
) -> None:
    page = widget.page
    agent, conversation_id = with_an_agent(server, widget, loop)
    expect(page.locator(f"{WIDGET} .tp-system", has_text="joined the chat")).to_be_visible()
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    # The badge's number is in the button's name as words, not "(1)".
    agent.send_message("Are you still there?", conversation_id=conversation_id)
    expect(widget.launcher).to_have_accessible_name("Chat with us, 1 new message")
    agent.send_message("I found your order.", conversation_id=conversation_id)
    expect(widget.launcher).to_have_accessible_name("Chat with us, 2 new messages")
    page.evaluate("Touchpoint.setLocale('de')")
    expect(widget.launcher).to_have_accessible_name("Zum Chat, 2 neue Nachrichten")
    widget.open()
    page.keyboard.press("Escape")
    expect(widget.launcher).to_have_accessible_name("Zum Chat")
    agent.command("resolve", conversation_id)


def test_card_buttons_say_which_product_they_are_for(cards: Any, widget: Widget) -> None:
    # A screen reader's list of buttons showed four "Add to cart" and no way to tell them
    # apart: each names its product as its description.
    for index, product in enumerate(ODD_PRODUCTS):
        card = cards.nth(index)
        for control in (
            card.get_by_role("button", name="Add to cart"),
            card.get_by_role("link", name="View product"),
        ):
            if control.count() and product["stock"]:
                expect(control).to_have_accessible_description(product["title"])
    # Sold out, the switched-off button says why.
    expect(cards.nth(3).get_by_role("button", name="Add to cart")).to_have_accessible_description(
        f"{LONG_TITLE} Out of stock"
    )
    expect(cards.nth(0).get_by_role("button", name="Add to cart")).to_have_count(1)
    expect(cards.nth(0).get_by_role("link", name="View product")).to_have_count(1)


def test_a_chat_that_cannot_load_says_so(server: Any, widget: Widget) -> None:
    page = widget.page
    page.goto(f"{server.url}/demo")
    expect(widget.launcher).to_be_visible()
    # The hub went away after the page loaded (a restart, a dropped network): the chat's
    # code cannot be fetched when the shopper first opens it.
    page.route("**/widget/app.*.js", lambda route: route.abort())
    widget.launcher.click()
    note = page.locator(f"{WIDGET} .tp-note")
    expect(note).to_have_text("The chat cannot be reached right now. Please try again in a moment.")
    expect(note).to_have_attribute("role", "alert")
    # Back: the next click opens the chat, and the note goes.
    page.unroute("**/widget/app.*.js")
    widget.launcher.click()
    expect(widget.panel).to_be_visible()
    expect(note).to_be_hidden()


def test_a_hub_restart_mid_chat(browser: Any, live_server: Any) -> None:
    hub = live_server()
    page = browser.new_context().new_page()
    page.goto(f"{hub.url}/demo")
    shopper = Widget(page)
    shopper.open()
    shopper.send("How long does delivery take?")
    expect(shopper.bubble("leave our warehouse the same day")).to_be_visible()
    subtitle = page.locator(f"{WIDGET} .tp-subtitle")
    expect(subtitle).not_to_have_text("Reconnecting…")

    hub.stop()
    # The shopper sees that the chat is not connected, in the header too (which said
    # whether anyone was online, as if nothing had happened) ...
    expect(page.locator(f"{WIDGET} .tp-banner")).to_contain_text("Connection lost.")
    expect(subtitle).to_have_text("Reconnecting…")
    # ... and what they write meanwhile waits.
    shopper.send("written while the hub was away")
    shopper.send("and a second one")
    expect(shopper.log.locator(".tp-pending .tp-receipt")).to_have_count(2)

    hub = hub.restart()
    # Sent once each, in order, and the header is back to normal.
    expect(shopper.log.locator(".tp-pending")).to_have_count(0, timeout=60_000)
    expect(subtitle).not_to_have_text("Reconnecting…")
    expect(page.locator(f"{WIDGET} .tp-banner")).to_be_hidden()
    conversation_id = page.evaluate("JSON.parse(localStorage.getItem('tp.demo.conversation'))")
    rows = query(
        hub.hub.database_url,
        "SELECT text FROM messages WHERE conversation_id = :c AND sender_kind = 'visitor' "
        "ORDER BY seq",
        c=conversation_id,
    )
    assert [row["text"] for row in rows] == [
        "How long does delivery take?",
        "written while the hub was away",
        "and a second one",
    ]
    # A reload shows the same history, once.
    before = shopper.visitor_texts()
    page.reload()
    expect(shopper.log.locator(".tp-from-visitor[data-seq]")).to_have_count(3)
    assert shopper.visitor_texts() == before
    expect(shopper.bubble("leave our warehouse the same day")).to_have_count(1)
    page.context.close()


def test_a_card_rating_is_read_as_words(cards: Any, widget: Widget) -> None:
    # "★ 4.3" on screen; a screen reader said "black star 4.3" (an aria-label on a
    # paragraph is not read): it is an image of the rating, named in words.
    rating = cards.nth(0).get_by_role("img", name="Rated 4.3 out of 5")
    expect(rating).to_have_text("★ 4.3")
    widget.page.evaluate("Touchpoint.setLocale('de')")
    expect(cards.nth(0).get_by_role("img", name="Bewertet mit 4,3 von 5")).to_be_visible()
