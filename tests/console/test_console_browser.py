"""The console in a real headless Chromium, against the real hub.

An agent signs in; a shopper in the real widget on the demo shop (a second
page) is handed off by the bot and lands on them; they read the profile and
the handoff packet, answer with a canned response and a product card, write a
private note, transfer, get the conversation back and resolve it, and the
shopper sees every step. Other tests: unread counts across conversations, and
hostile payloads sent as a shopper that must not run in the console.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from chat.auth import identity_hmac
from tests.console.console_helpers import ConsoleServer, Socket, add_open_conversations, assigned
from tests.widget.widget_helpers import WIDGET, Widget

pytestmark = pytest.mark.browser
TIMEOUT = 15_000
BOT_TIMEOUT = 45_000


def sign_in(
    page: Page, url: str, email: str = "agent@demo.shop", password: str = "demo-agent"
) -> None:
    page.goto(f"{url}/console")
    page.wait_for_url(re.compile(r"/console/login$"))
    page.fill("#email", email)
    page.fill("#password", password)
    page.press("#password", "Enter")
    page.wait_for_url(re.compile(r"/console$"))
    expect(page.locator("#connection")).to_have_text("Connected", timeout=TIMEOUT)


def admin_signs_in_away(console_hub: ConsoleServer, page: Page) -> httpx.Client:
    """Ada, the admin, chose "away" before and signs in to supervise: routing gives her
    nothing. Returns her signed-in HTTP client."""
    admin_http, admin_login = console_hub.sign_in("admin")
    ada = console_hub.agent_socket(admin_login["token"])
    assert ada.command("status", status="away")["type"] == "result"
    ada.close()
    sign_in(page, console_hub.url, "admin@demo.shop", "demo-admin")
    expect(page.locator("#status-select")).to_have_value("away")
    expect(page.locator("#agents-online")).to_have_text("0 agents online")
    return admin_http


def verified_shopper(console_hub: ConsoleServer, customer_id: str, name: str) -> Socket:
    secret = console_hub.server.settings.identity_secret
    return console_hub.visitor_socket(
        identity={
            "customer_id": customer_id,
            "hmac": identity_hmac(secret, customer_id),
            "name": name,
        }
    )


def assert_no_sideways_scroll(page: Page) -> None:
    """Nothing on the page is wider than the window."""
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, (scroll, client)


def assert_one_row(page: Page, selector: str) -> list[dict[str, float]]:
    """The visible elements matching ``selector`` sit side by side on one line, each
    whole inside the window; returns their boxes, left to right."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    boxes = [box for box in (e.bounding_box() for e in page.locator(selector).all()) if box]
    boxes = [box for box in boxes if box["width"] and box["height"]]
    assert boxes, selector
    middle = boxes[0]["y"] + boxes[0]["height"] / 2
    for box in boxes:
        # Same line: each one's middle inside every other's height, and one line of text high.
        assert box["y"] <= middle <= box["y"] + box["height"], (selector, boxes)
        assert box["height"] < 36, (selector, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box, width)
    return sorted(boxes, key=lambda box: box["x"])


@pytest.fixture
def console_page(page: Page) -> Page:
    page.set_viewport_size({"width": 1366, "height": 768})  # a laptop screen
    page.set_default_timeout(TIMEOUT)
    expect.set_options(timeout=TIMEOUT)
    return page


def test_agent_handles_a_handoff_from_start_to_end(
    full_hub: ConsoleServer, console_page: Page, browser: Browser
) -> None:
    console_hub, page = full_hub, console_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, console_hub.url)

    # The shopper: Anna on the demo shop, logged in (so the shop vouches for her),
    # looking at a product and putting it in her cart, then chatting in the widget.
    shop = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    widget = Widget(shop)
    shop.goto(f"{console_hub.url}/demo")
    shop.get_by_role("button", name="Log in as Anna (cust-1001)").click()
    shop.locator("a[href^='/demo/products/']").first.click()
    product = shop.locator("h1").first.inner_text()
    shop.locator("main [data-add-to-cart]").first.click()
    widget.open()
    widget.send("Where is my tent order?")
    # The bot answers through NLU and embeddings: slow on a busy 2-core machine.
    expect(widget.from_others().last).to_be_visible(timeout=BOT_TIMEOUT)
    widget.send("I need a tent for 4 people")
    expect(widget.log.locator(".tp-card").first).to_be_visible(timeout=BOT_TIMEOUT)
    widget.send("I want to talk to a human")

    # The bot hands off; routing gives the conversation to the only agent online.
    mine = page.locator("#mine li")
    expect(mine).to_have_count(1, timeout=BOT_TIMEOUT)
    expect(mine.first).to_contain_text("Anna Schmidt")
    mine.first.locator("button").click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Where is my tent order?")

    # The handoff packet on top, then who Anna is, what she did and bought.
    side = page.locator("#side")
    handoff = side.locator(".handoff")
    expect(handoff.locator(".summary")).to_contain_text("Handoff (asked)")
    expect(handoff.locator(".badge").first).to_have_text("asked for a person")
    expect(handoff).to_contain_text("I want to talk to a human")
    # The products the bot showed, one line each.
    expect(handoff.locator("li", has_text=re.compile(r"tent · €\d+\.\d\d$")).first).to_be_visible()
    handoff.get_by_text("Bot transcript").click()
    expect(handoff.locator(".transcript")).to_contain_text("Where is my tent order?")
    expect(side).to_contain_text("cust-1001")
    expect(side).to_contain_text("verified by the shop")
    expect(side.locator(".orders")).to_contain_text("TP-10001")
    expect(side.locator(".orders")).to_contain_text("shipped")
    expect(side).to_contain_text(product)  # viewed and in the cart
    # An earlier conversation's transcript opens in place.
    earlier = side.locator("details", has=page.get_by_text(re.compile(r"^#\d+ · resolved"))).first
    earlier.locator("summary").click()
    expect(earlier).to_contain_text("Wie lange dauert der Versand")
    # The page she is on, as a link an agent can open.
    expect(side.locator("a[href*='/demo/products/']").first).to_have_attribute(
        "href", re.compile(r"^http://127\.0\.0\.1:\d+/demo/products/")
    )

    # Typing shows both ways.
    widget.input.press_sequentially("Hello?", delay=30)
    expect(page.locator("#typing")).to_contain_text("is typing")
    composer = page.locator("#composer-input")
    composer.press_sequentially("/ord")
    expect(shop.locator(f"{WIDGET} .tp-typing")).to_be_visible()

    # A canned response, its placeholder filled by the hub from Anna's verified orders.
    popup = page.locator("#canned-popup")
    expect(popup.locator("li").first).to_contain_text("/order")
    composer.press("Enter")
    expect(composer).to_have_value(re.compile(r"^Let me check order TP-1000[12] for you"))
    composer.press("Enter")
    expect(widget.bubble(re.compile(r"Let me check order TP-1000[12]"))).to_be_visible()
    # The widget is open and in view: it reports the message read, the console says so.
    expect(timeline.locator(".msg.agent .seen")).to_have_count(1)

    # A product card from the knowledge base reaches the shopper as a card.
    page.keyboard.press("Alt+k")
    page.fill("#kb-query", "tent")
    page.select_option("#kb-kind", "products")
    page.press("#kb-query", "Enter")
    first_product = page.locator("#kb-results li").first
    card_title = first_product.locator(".product-body a, .product-body strong").first.inner_text()
    first_product.get_by_role("button", name="Send card").click()
    expect(shop.locator(f"{WIDGET} .tp-card-title", has_text=card_title).first).to_be_visible()
    expect(timeline.locator(".msg.agent .product").first).to_contain_text(card_title)

    # An FAQ answer goes into the reply box, to be edited before sending.
    page.select_option("#kb-kind", "faqs")
    page.fill("#kb-query", "how long does delivery take")
    page.press("#kb-query", "Enter")
    faq = page.locator("#kb-results li.kb-faq").first
    answer = faq.locator("p").inner_text()
    faq.get_by_role("button", name="Insert answer").click()
    expect(composer).to_have_value(answer)
    composer.fill("")

    # A private note stays among agents.
    page.check("#composer-note")
    composer.fill("Customer is upset, be gentle")
    composer.press("Enter")
    expect(timeline.locator(".msg.note")).to_contain_text("Customer is upset, be gentle")
    page.uncheck("#composer-note")

    # Transfer to the Sales team: Sam from Sales is online and gets it.
    sales_http, sales_login = console_hub.sign_in("sales")
    sales = console_hub.agent_socket(sales_login["token"])
    conversation_id = int(shop.evaluate("JSON.parse(localStorage.getItem('tp.demo.conversation'))"))
    page.get_by_role("button", name="Transfer…").click()
    page.select_option("#transfer-team", label="Sales")
    page.locator("#transfer button[value=transfer]").click()
    sales.wait_for(assigned(conversation_id, sales_login["agent"]["id"]))
    expect(page.locator("#conv-assignee")).to_contain_text("Sam Sales")
    expect(page.locator("#mine li")).to_have_count(0)

    # Sam sends it back to the Support queue; routing gives it to Alex, who resolves it.
    support = next(t["id"] for t in sales_http.get("/api/teams").json() if t["name"] == "Support")
    assert sales.command("transfer", conversation_id, team_id=support)["type"] == "result"
    expect(page.locator("#mine li")).to_have_count(1)
    expect(page.locator("#conv-status")).to_have_text("assigned")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#conv-status")).to_have_text("resolved")
    # Resolving asks the shopper for a rating; the note never reached her.
    expect(shop.locator(f"{WIDGET} .tp-survey")).to_be_visible()
    expect(widget.log).not_to_contain_text("Customer is upset")

    # A reload resumes where it was: the conversation and its messages, in order.
    page.reload()
    expect(page.locator("#connection")).to_have_text("Connected")
    page.locator("#watching li button, #mine li button").first.click()
    expect(timeline).to_contain_text("Customer is upset, be gentle")
    seqs = [
        int(s)
        for s in timeline.locator(":scope > li").evaluate_all(
            "items => items.map(i => i.dataset.seq)"
        )
    ]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    page.get_by_role("button", name="Reopen").click()
    expect(page.locator("#conv-status")).to_have_text("assigned")
    expect(page.locator("#mine li")).to_have_count(1)
    assert errors == []
    shop.context.close()


def test_unread_counts_across_conversations(console_hub: ConsoleServer, console_page: Page) -> None:
    page = console_page
    sign_in(page, console_hub.url)
    first, _ = console_hub.shopper_asks_for_human("first shopper")
    second, _ = console_hub.shopper_asks_for_human("second shopper")
    items = page.locator("#mine li")
    expect(items).to_have_count(2)
    expect(items.nth(1).locator(".unread")).to_have_text("1")  # each has an unread message
    items.nth(1).locator("button").click()
    items.nth(0).locator("button").click()  # both read now
    expect(page.locator("#mine .unread")).to_have_count(0)

    in_view = page.locator("#timeline").inner_text()
    quiet = second if "first shopper" in in_view else first
    quiet.message("are you there?")
    expect(items.nth(1).locator(".unread")).to_have_text("1")
    expect(items.nth(0).locator(".unread")).to_have_count(0)
    page.keyboard.press("Alt+2")
    expect(page.locator("#timeline")).to_contain_text("are you there?")
    expect(page.locator("#mine .unread")).to_have_count(0)
    first.close()
    second.close()


def test_two_assignments_at_once_leave_the_first_in_view(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    """The second of two conversations assigned together does not take the view.

    The hub's answers to the console's `open` commands are held back until both
    assignments have arrived, as on a slow link, then delivered in order.
    """
    page = console_page
    routes: list[WebSocketRoute] = []
    held: list[str] = []
    holding = False

    def relay(route: WebSocketRoute) -> None:
        server = route.connect_to_server()
        routes.append(route)

        def from_hub(message: str | bytes) -> None:
            if holding and isinstance(message, str) and json.loads(message)["type"] == "result":
                held.append(message)
            else:
                route.send(message)

        server.on_message(from_hub)

    page.route_web_socket(re.compile(r"/ws/agent$"), relay)
    sign_in(page, console_hub.url)
    holding = True
    first, _ = console_hub.shopper_asks_for_human("first shopper")
    second, _ = console_hub.shopper_asks_for_human("second shopper")
    deadline = time.monotonic() + TIMEOUT / 1000
    while len(held) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(50)  # lets Playwright deliver the frames to relay()
    assert len(held) == 2, held
    holding = False
    for message in held:
        routes[-1].send(message)

    items = page.locator("#mine li")
    expect(items).to_have_count(2)
    expect(page.locator("#timeline")).to_contain_text("first shopper")
    expect(items.nth(1).locator(".unread")).to_have_text("1")
    first.close()
    second.close()


def test_queue_manual_pick_and_settings(console_hub: ConsoleServer, console_page: Page) -> None:
    page = console_page
    sign_in(page, console_hub.url, "admin@demo.shop", "demo-admin")
    # Away: no automatic assignment, the conversation waits in the queue.
    page.select_option("#status-select", "away")
    expect(page.locator("#agents-online")).to_have_text("0 agents online")
    shopper, conversation_id = console_hub.shopper_asks_for_human("is anyone there?")
    waiting = page.locator("#queue li")
    expect(waiting).to_have_count(1)
    expect(waiting.first).to_contain_text("clicked talk to a person")
    expect(waiting.first).to_contain_text(re.compile(r"waiting \d+ s"))
    expect(page.locator("#queue-count")).to_have_text("1")
    expect(page).to_have_title("(1) Touchpoint console")

    # Manual pick with the keyboard: Alt+T takes the oldest waiting conversation.
    page.keyboard.press("Alt+t")
    expect(page.locator("#mine li")).to_have_count(1)
    expect(waiting).to_have_count(0)
    expect(page.locator("#timeline")).to_contain_text("is anyone there?")
    shopper.wait_for(assigned(conversation_id))

    # Settings: an admin adds a team and an agent in it with room for two chats.
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("tab", name="Teams").click()
    page.get_by_role("textbox", name="New team").fill("Returns")
    page.get_by_role("button", name="Create team").click()
    expect(page.locator("#settings-body input[value='Returns']")).to_be_visible()
    page.get_by_role("tab", name="Agents").click()
    form = page.get_by_role("form", name="New agent")
    form.get_by_label("Name").fill("Robin")
    form.get_by_label("E-mail").fill("agent@demo.shop")
    form.get_by_label("Password").fill("long enough pw")
    form.get_by_label("Max. chats at once").fill("2")
    form.get_by_label("Returns").check()
    form.get_by_role("button", name="Create agent").click()
    expect(form.locator(".error")).to_have_text("agent@demo.shop already has an account")
    form.get_by_label("E-mail").fill("robin@demo.shop")
    form.get_by_role("button", name="Create agent").click()
    row = page.locator("#settings-body tr", has_text="robin@demo.shop")
    expect(row).to_contain_text("Returns")
    expect(row.get_by_label("Max. chats of Robin")).to_have_value("2")
    # This hub has no widget plugin, so no sites and no hours; the tab says so.
    page.get_by_role("tab", name="Chat hours").click()
    expect(page.locator("#settings-body")).to_have_text(
        "This hub runs without the widget plugin: there are no chat hours to set."
    )
    page.get_by_role("button", name="Close").click()

    # Signing out ends the session: the console sends the agent back to sign in.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/console/login$"))
    page.goto(f"{console_hub.url}/console")
    page.wait_for_url(re.compile(r"/console/login$"))
    shopper.close()


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two bounding boxes share any area."""
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_toasts_cover_no_list_or_action_and_go_on_a_click_or_escape(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    admin_http, admin_login = console_hub.sign_in("admin")
    admin_id = admin_login["agent"]["id"]
    ada = console_hub.agent_socket(admin_login["token"])
    assert ada.command("status", status="away")["type"] == "result"
    ada.close()
    time.sleep(1)  # past the grace after which an agent who left loses their chats
    # Lists longer than the sidebar: 8 waiting, 8 Ada's (and 8 with the bot).
    add_open_conversations(console_hub.server.settings, 24, admin_id)
    sign_in(page, console_hub.url, "admin@demo.shop", "demo-admin")
    expect(page.locator("#status-select")).to_have_value("away")
    expect(page.locator("#queue li")).to_have_count(8)
    expect(page.locator("#mine li")).to_have_count(8)
    page.locator("#mine li .conv-link").first.click()
    expect(page.locator("#conv-actions button").first).to_be_visible()
    listing = admin_http.get("/api/open-conversations").json()["conversations"]
    waiting = [c["id"] for c in listing if c["status"] == "queued"]
    sam = console_hub.agent_socket(console_hub.sign_in("sales")[1]["token"])
    toasts = page.locator("#toasts .toast")
    for width, dismiss in ((1366, "click"), (1024, "Escape")):
        page.set_viewport_size({"width": width, "height": 768})
        # Sam hands Ada a waiting conversation: her console says so, read out as a status.
        conversation_id = waiting.pop()
        assert sam.command("take", conversation_id)["type"] == "result"
        assert sam.command("transfer", conversation_id, agent_id=admin_id)["type"] == "result"
        expect(page.get_by_role("status").filter(has_text="is now yours")).to_be_visible()
        expect(toasts).to_have_count(1)
        box = toasts.first.bounding_box()
        assert box is not None
        covered = page.locator(
            "#queue li, #mine li, #watching li, #conv-actions button, #composer, #side"
        )
        for item in covered.all():
            other = item.bounding_box()
            assert other is None or not overlaps(box, other), (width, box, other)
        # Gone at once (not after its 6 s) on a click or on Escape.
        if dismiss == "click":
            toasts.first.click()
        else:
            page.keyboard.press("Escape")
        expect(toasts).to_have_count(0, timeout=1500)


def test_a_handoff_reason_keeps_to_one_line_in_a_narrow_queue(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    admin_signs_in_away(console_hub, page)
    page.set_viewport_size({"width": 1024, "height": 768})  # the narrowest sidebar
    shopper, _ = console_hub.shopper_asks_for_human("is anyone there?")
    item = page.locator("#queue li .conv-link").first
    badge = item.locator(".badge").first
    expect(badge).to_have_attribute("title", "clicked talk to a person")
    # The whole reason stays in the item's name; shown, it takes one line inside the item.
    expect(item).to_have_accessible_name(re.compile("clicked talk to a person"))
    lines = badge.evaluate(  # the tops of its text's boxes
        "(b) => { const r = document.createRange(); r.selectNodeContents(b);"
        " return new Set([...r.getClientRects()].map((box) => Math.round(box.top))).size; }"
    )
    assert lines == 1, lines
    shown, around = badge.bounding_box(), item.bounding_box()
    assert shown and around and shown["x"] + shown["width"] <= around["x"] + around["width"]
    assert_no_sideways_scroll(page)
    shopper.close()


# The console's requests for the agents list answer 1.5 s late, as on a busy hub.
SLOW_AGENTS_LIST = """
const fetchNow = window.fetch;
window.fetch = (url, ...rest) => String(url).endsWith("/api/agents")
  ? new Promise((resolve) => setTimeout(resolve, 1500)).then(() => fetchNow(url, ...rest))
  : fetchNow(url, ...rest);
"""


def test_an_admin_sets_the_chat_hours(full_hub: ConsoleServer, console_page: Page) -> None:
    page = console_page
    page.add_init_script(SLOW_AGENTS_LIST)
    sign_in(page, full_hub.url, "admin@demo.shop", "demo-admin")
    page.get_by_role("button", name="Settings").click()  # opens on "Agents", still loading
    page.get_by_role("tab", name="Chat hours").click()
    form = page.get_by_role("form", name="Business hours")
    expect(form).to_contain_text("Open now")
    page.wait_for_timeout(2000)  # the agents list has arrived: it must not replace the tab
    expect(form).to_be_visible()
    form.get_by_label("Agents answer at any time").uncheck()
    form.get_by_label("Hours on Monday").fill("9-17")
    form.get_by_role("button", name="Save hours").click()
    expect(form.locator(".error")).to_contain_text("'9-17' is not a range like 09:00-18:00")
    # Under Monday's field, which is marked invalid.
    monday = form.get_by_label("Hours on Monday")
    expect(monday).to_have_attribute("aria-invalid", "true")
    expect(monday).to_have_accessible_description("'9-17' is not a range like 09:00-18:00")
    assert httpx.get(f"{full_hub.url}/api/widget/config").json()["business_hours"] is None

    form.get_by_label("Hours on Monday").fill("09:00-12:00, 13:00-18:00")
    form.get_by_label("Hours on Saturday").fill("10:00-14:00")
    form.get_by_role("button", name="Save hours").click()
    saved = page.get_by_role("form", name="Business hours")
    expect(saved.get_by_label("Hours on Monday")).to_have_value("09:00-12:00, 13:00-18:00")
    config = httpx.get(f"{full_hub.url}/api/widget/config").json()
    assert config["business_hours"] == {
        "timezone": "Europe/Berlin",
        "days": {"mon": ["09:00-12:00", "13:00-18:00"], "sat": ["10:00-14:00"]},
    }
    assert config["privacy_url"] == "/demo/privacy"  # the other settings stay as they were


def test_the_console_says_at_once_that_the_agents_network_is_gone(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    """A dead link may take minutes to report its close: the console said "Connected"
    while the agent was offline. It drops the socket when the browser goes offline,
    and connects again, and hears the shopper, when it is back."""
    page = console_page
    sign_in(page, console_hub.url)
    shopper, conversation_id = console_hub.shopper_asks_for_human("are you there?")
    expect(page.locator("#mine li")).to_have_count(1)
    page.context.set_offline(True)
    expect(page.locator("#connection")).to_have_text("Reconnecting…")
    page.context.set_offline(False)
    expect(page.locator("#connection")).to_have_text("Connected")
    page.locator("#mine li button").first.click()
    shopper.message("hello again", conversation_id)
    expect(page.locator("#timeline")).to_contain_text("hello again")
    shopper.close()


def test_console_resumes_after_the_hub_restarts(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    sign_in(page, console_hub.url)
    shopper, conversation_id = console_hub.shopper_asks_for_human("before the restart")
    expect(page.locator("#mine li")).to_have_count(1)
    page.locator("#mine li button").first.click()
    expect(page.locator("#timeline")).to_contain_text("before the restart")
    shopper.close()

    # The agent's network is down while the hub restarts and the shopper writes.
    page.context.set_offline(True)
    # Checked while the hub is down: a quick restart could otherwise be over, and
    # the console connected again, before the check looks.
    console_hub.server.stop()
    expect(page.locator("#connection")).to_have_text("Reconnecting…")
    console_hub.server = console_hub.server.restart()
    back = console_hub.visitor_socket(token=shopper.welcome["visitor_token"])
    back.message("after the restart", conversation_id)
    page.context.set_offline(False)
    expect(page.locator("#connection")).to_have_text("Connected", timeout=30_000)
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("after the restart")
    back.message("and once more", conversation_id)
    expect(timeline).to_contain_text("and once more")
    # Each message once, in order: the resume point carried the last seq seen.
    texts = timeline.locator(".msg.visitor .text").all_inner_texts()
    assert texts == ["before the restart", "after the restart", "and once more"]


HOSTILE = [
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned = 'img'\">",
    "<a href=\"javascript:window.__pwned='link'\">click me</a>",
    "javascript:window.__pwned='text-link'",
    '"><svg onload="window.__pwned=\'svg\'">',
]


def test_hostile_shopper_input_never_runs_in_the_console(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, console_hub.url)

    hostile_name = "<img src=x onerror=\"window.__pwned='name'\">"
    shopper = verified_shopper(console_hub, "cust-evil", hostile_name)
    # With consent the profile shows the visit's pages, hostile titles included.
    shopper.command("consent", granted=True)
    shopper.send(
        {
            "type": "event",
            "kind": "page_view",
            "url": "javascript:window.__pwned='page'",
            "data": {"title": "<b onmouseover=\"window.__pwned='title'\">Sale</b>"},
        }
    )
    shopper.send(
        {
            "type": "event",
            "kind": "add_to_cart",
            "product_id": "<script>x</script>",
            "data": {"title": "<img src=x onerror=\"window.__pwned='cart'\">"},
        }
    )
    conversation_id = shopper.message(HOSTILE[0])["conversation_id"]
    for text in HOSTILE[1:]:
        shopper.message(text, conversation_id)
    shopper.command("request_human", conversation_id)

    # An agent tool could relay bad URLs too (a product card): only http(s) becomes a link.
    _, login = console_hub.sign_in("admin")
    admin = console_hub.agent_socket(login["token"])
    admin.message(
        "",
        conversation_id,
        content_type="product_cards",
        payload={
            "products": [
                {
                    "id": "x",
                    "title": "Bad card",
                    "price": 1,
                    "currency": "EUR",
                    "url": "javascript:window.__pwned='card'",
                    "image_url": "javascript:window.__pwned='image'",
                }
            ]
        },
    )

    expect(page.locator("#mine li")).to_have_count(1)
    page.locator("#mine li button").first.click()
    timeline = page.locator("#timeline")
    for text in HOSTILE:
        expect(timeline.get_by_text(text, exact=True)).to_be_visible()
    expect(page.locator("#conv-title")).to_have_text(hostile_name)
    expect(page.locator("#side")).to_contain_text("<b onmouseover")

    # Nothing was parsed as markup: no injected elements, no javascript: links.
    assert (
        page.locator(
            "#timeline img, #timeline script, #timeline svg, #side img, #side script"
        ).count()
        == 0
    )
    hrefs = page.locator("#timeline a, #side a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert all(href is None or href.startswith(("http://", "https://")) for href in hrefs), hrefs
    page.get_by_text("Bad card").click()
    page.locator("#side").get_by_text("javascript:window.__pwned='page'").click()
    page.locator("#timeline").get_by_text("click me", exact=False).first.hover()
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    shopper.close()


def test_the_reply_box_is_only_for_the_agents_own_conversations(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    sign_in(page, console_hub.url)
    page.select_option("#status-select", "away")
    expect(page.locator("#agents-online")).to_have_text("0 agents online")
    shopper, conversation_id = console_hub.shopper_asks_for_human("anyone?")

    # Opened from the queue, not taken: the box is greyed out and says why.
    page.locator("#queue .conv-link").first.click()
    expect(page.locator("#timeline")).to_contain_text("anyone?")
    box = page.locator("#composer-input")
    expect(box).to_be_disabled()
    expect(page.locator("#composer button[type=submit]")).to_be_disabled()
    expect(page.locator("#composer-hint")).to_have_text(
        "Not assigned to you: take the conversation to reply."
    )
    assert box.evaluate("e => getComputedStyle(e).cursor") == "not-allowed"

    # Taken: the agent writes and the shopper gets it.
    page.locator("#conv-actions").get_by_role("button", name="Take").click()
    expect(box).to_be_enabled()
    expect(page.locator("#composer-hint")).to_have_text("")
    box.fill("Hello, Alex here")
    box.press("Enter")
    shopper.wait_for(
        lambda f: (
            f["type"] == "message"
            and f["message"]["conversation_id"] == conversation_id
            and f["message"]["text"] == "Hello, Alex here"
        )
    )

    # Resolved: closed to replies until reopened.
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#conv-status")).to_have_text("resolved")
    expect(box).to_be_disabled()
    expect(page.locator("#composer-hint")).to_have_text(
        "Resolved: reopen the conversation to reply."
    )
    page.get_by_role("button", name="Reopen").click()
    expect(box).to_be_enabled()
    shopper.close()


def test_forms_show_the_hubs_field_errors_next_to_the_fields(
    live_server: Callable[..., Any], console_page: Page
) -> None:
    page = console_page
    hub = live_server(plugins=None, demo=True)  # the knowledge page needs the insights plugin
    sign_in(page, hub.url, "admin@demo.shop", "demo-admin")
    page.get_by_role("button", name="Settings").click()

    # The browser lets "robin@shop" pass as an e-mail; the hub wants a domain with a dot.
    form = page.get_by_role("form", name="New agent")
    form.get_by_label("Name").fill("Robin")
    form.get_by_label("E-mail").fill("robin@shop")
    form.get_by_label("Password").fill("long enough pw")
    form.get_by_role("button", name="Create agent").click()
    email = form.get_by_label("E-mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        "must be an e-mail address such as name@shop.example"
    )
    expect(form.locator(".error")).to_have_text(re.compile(r"^email: must be an e-mail address"))
    expect(email).to_be_focused()
    form.get_by_label("E-mail").fill("robin@demo.shop")
    form.get_by_role("button", name="Create agent").click()
    expect(page.locator("#settings-body tr", has_text="robin@demo.shop")).to_be_visible()

    page.get_by_role("tab", name="Canned responses").click()
    form = page.get_by_role("form", name="New canned response")
    form.get_by_label("Shortcut").fill("hi")
    form.get_by_label("Title").fill("Greeting")
    form.get_by_label("Text").fill("Hello {name}!")
    form.get_by_role("button", name="Add").click()
    text = form.get_by_label("Text")
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(text).to_have_accessible_description(
        "unknown placeholder {name}; use {first_name}, {order_number}, {agent_name}"
    )
    expect(form.locator(".field-error")).to_have_count(1)
    # Fixed, the marks go and the response is saved.
    text.fill("Hello {first_name}!")
    form.get_by_role("button", name="Add").click()
    expect(page.get_by_role("form", name="Canned response /hi")).to_be_visible()
    page.get_by_role("button", name="Close").click()

    # The knowledge page's editor: each field's own message under it.
    page.goto(f"{hub.url}/console/knowledge")
    page.get_by_role("button", name="New FAQ").click()
    editor = page.locator("#editor-form")
    editor.get_by_label("Id", exact=True).fill("faq-broken")
    editor.get_by_label("Link for more (optional)").fill("javascript:alert(1)")
    editor.get_by_role("button", name="Save").click()
    errors = editor.locator(".field-error")
    expect(errors).to_have_count(2)  # the question empty, the link not one
    link = editor.get_by_label("Link for more (optional)")
    expect(link).to_have_accessible_description(
        "must be an http:// or https:// address, or a path starting with /"
    )
    expect(editor.get_by_label("Question", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#editor-error")).to_contain_text("question")


# The console's requests to fill in a canned response answer 1 s late.
SLOW_RENDER = """
const fetchNow = window.fetch;
window.fetch = (url, ...rest) => String(url).includes("/render?")
  ? new Promise((resolve) => setTimeout(resolve, 1000)).then(() => fetchNow(url, ...rest))
  : fetchNow(url, ...rest);
"""


def test_canned_placeholders_fall_back_and_only_the_filled_text_is_sent(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    page.add_init_script(SLOW_RENDER)
    editor, _ = console_hub.sign_in("editor")
    created = editor.post(
        "/api/canned-responses",
        json={
            "shortcut": "hey",
            "title": "Hey",
            "text": "Hi {first_name|there}, {agent_name} here.",
        },
    )
    assert created.status_code == 201, created.text
    sign_in(page, console_hub.url)
    me = page.locator("#me-name").inner_text().split(" (")[0]
    shopper, conversation_id = console_hub.shopper_asks_for_human("hello?")  # no name known
    page.locator("#mine li button").first.click()
    box = page.locator("#composer-input")
    expect(box).to_be_enabled()

    # Enter picks the response and Enter again, at once, would send: nothing goes
    # out before the filled-in text is in the box, for the agent to see.
    box.press_sequentially("/hey")
    expect(page.locator("#canned-popup li").first).to_contain_text("/hey")
    box.press("Enter")
    box.press("Enter")
    expect(page.locator("#composer-hint")).to_have_text("Filling in the placeholders…")
    expect(box).to_have_value(f"Hi there, {me} here.")
    expect(page.locator("#timeline .msg.agent")).to_have_count(0)
    box.press("Enter")
    sent = shopper.wait_for(
        lambda f: f["type"] == "message" and f["message"]["sender"]["kind"] == "agent"
    )
    assert sent["message"]["text"] == f"Hi there, {me} here."
    assert sent["message"]["conversation_id"] == conversation_id

    # Without a fallback the unknown value is left for the agent to fill in.
    box.press_sequentially("/bye")
    box.press("Enter")
    expect(box).to_have_value("Thanks for chatting with us, {first_name}. Have a lovely day!")
    expect(page.locator("#composer-hint")).to_have_text("Fill in by hand: {first_name}")
    box.press("Enter")
    expect(page.locator("#composer-hint")).to_have_text(
        "Replace the {placeholders} before sending."
    )
    expect(page.locator("#timeline .msg.agent")).to_have_count(1)
    shopper.close()


def test_analytics_and_knowledge_fit_laptop_widths(
    live_server: Callable[..., Any], console_page: Page
) -> None:
    page = console_page
    hub = ConsoleServer(live_server(plugins=None, demo=True))  # analytics: the insights plugin
    # A shopper's question the bot cannot answer, with a word longer than the screen
    # is wide: it becomes a knowledge gap on the analytics page.
    word = "Kannstduwirklichmireinenganzlangenunterbrechungsfreientextsagen" * 4
    shopper = hub.visitor_socket()
    shopper.message(f"Do you sell {word}?")
    shopper.wait_for(lambda f: f["type"] == "message" and f["message"]["sender"]["kind"] == "bot")
    sign_in(page, hub.url, "admin@demo.shop", "demo-admin")
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{hub.url}/console/analytics")
        gap = page.locator("#gap-list > li", has_text=word)
        expect(gap).to_be_visible()
        expect(page.locator("#chart-faqs svg")).to_be_visible()
        # The demo's many gaps and chart rows plus the long word: nothing sticks out.
        assert_no_sideways_scroll(page)
        box = gap.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width

        # The knowledge workspace: every FAQ's buttons show, clear of the Ask panel beside
        # the table (at 1024 px the long questions pushed them under it).
        page.goto(f"{hub.url}/console/knowledge")
        deletes = page.locator("table[aria-label=faqs] td button", has_text="Delete")
        expect(deletes.first).to_be_visible()
        assert len(assert_one_row(page, ".tabs [role=tab]")) == 7  # "Canned responses" whole
        assert deletes.count() > 10
        ask = page.locator(".ask").bounding_box()
        assert ask is not None
        for delete in deletes.all():
            shown = delete.bounding_box()
            assert shown is not None and shown["x"] + shown["width"] <= ask["x"], (
                width,
                shown,
                ask,
            )
        assert_one_row(page, "table[aria-label=faqs] tbody tr:first-child td:last-child button")
        assert_no_sideways_scroll(page)
    hub.close()


def test_the_status_an_agent_chose_survives_a_reload_and_editors_start_away(
    console_hub: ConsoleServer, console_page: Page, browser: Browser
) -> None:
    page = console_page
    sign_in(page, console_hub.url)
    status = page.locator("#status-select")
    expect(status).to_have_value("online")
    status.select_option("away")
    expect(page.locator("#agents-online")).to_have_text("0 agents online")

    # A reload connects again: still away, and a new handoff waits in the queue.
    page.reload()
    expect(page.locator("#connection")).to_have_text("Connected")
    expect(status).to_have_value("away")
    expect(page.locator("#agents-online")).to_have_text("0 agents online")
    shopper, conversation_id = console_hub.shopper_asks_for_human("still there?")
    expect(page.locator("#queue li")).to_have_count(1)
    page.wait_for_timeout(500)  # routing had its chance
    expect(page.locator("#mine li")).to_have_count(0)

    # The content team is not routed chats unless they say so.
    editor_page = browser.new_context().new_page()
    sign_in(editor_page, console_hub.url, "editor@demo.shop", "demo-editor")
    expect(editor_page.locator("#status-select")).to_have_value("away")
    expect(editor_page.locator("#queue li")).to_have_count(1)
    editor_page.wait_for_timeout(500)
    expect(editor_page.locator("#mine li")).to_have_count(0)
    editor_page.context.close()

    # Back online by choice: the waiting conversation is the agent's, and stays
    # online through a reload.
    status.select_option("online")
    expect(page.locator("#mine li")).to_have_count(1)
    shopper.wait_for(assigned(conversation_id))
    page.reload()
    expect(page.locator("#connection")).to_have_text("Connected")
    expect(status).to_have_value("online")
    expect(page.locator("#agents-online")).to_have_text("1 agent online")
    shopper.close()


def test_each_conversation_keeps_its_own_draft(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    sign_in(page, console_hub.url)
    first, first_id = console_hub.shopper_asks_for_human("first shopper")
    second, second_id = console_hub.shopper_asks_for_human("second shopper")
    items = page.locator("#mine li")
    expect(items).to_have_count(2)
    box = page.locator("#composer-input")
    timeline = page.locator("#timeline")

    def show(shopper: Socket) -> None:
        items.filter(has_text=f"Visitor {shopper.welcome['contact_id'][:6]}").locator(
            "button"
        ).click()

    # Half an answer to the first shopper, then a look at the second one.
    show(first)
    expect(timeline).to_contain_text("first shopper")
    box.press_sequentially("Your parcel left on Monday,")
    first.wait_for(lambda f: f["type"] == "typing" and f["on"] is True)
    show(second)
    expect(timeline).to_contain_text("second shopper")
    # The first shopper no longer sees the agent typing; the second box starts empty.
    first.wait_for(
        lambda f: f["type"] == "typing" and f["conversation_id"] == first_id and f["on"] is False
    )
    expect(box).to_have_value("")
    page.check("#composer-note")
    box.fill("check the returns policy")

    # Back and forth: each conversation's words (and note mode) are where they were left.
    show(first)
    expect(timeline).to_contain_text("first shopper")
    expect(box).to_have_value("Your parcel left on Monday,")
    expect(page.locator("#composer-note")).not_to_be_checked()
    show(second)
    expect(box).to_have_value("check the returns policy")
    expect(page.locator("#composer-note")).to_be_checked()

    # A reload keeps them too; a sent reply leaves an empty box behind.
    page.reload()
    expect(page.locator("#connection")).to_have_text("Connected")
    expect(items).to_have_count(2)
    show(first)
    expect(box).to_have_value("Your parcel left on Monday,")
    box.press_sequentially(" it arrives tomorrow.")
    box.press("Enter")
    first.wait_for(
        lambda f: (
            f["type"] == "message"
            and f["message"]["text"] == "Your parcel left on Monday, it arrives tomorrow."
        )
    )
    show(second)
    expect(box).to_have_value("check the returns policy")
    show(first)
    expect(box).to_have_value("")
    assert second_id != first_id

    # Signing out drops the drafts: the next person at this browser does not get them.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/console/login$"))
    assert page.evaluate("sessionStorage.getItem('touchpoint.console.drafts')") is None
    first.close()
    second.close()


def test_with_no_conversation_open_only_the_hint_shows(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    sign_in(page, console_hub.url)
    # Nothing picked yet: no empty header, reply box or knowledge panel to type into.
    expect(page.locator("#empty")).to_be_visible()
    expect(page.locator("#conv-view")).to_be_hidden()
    expect(page.locator("#composer-input")).to_be_hidden()
    expect(page.get_by_text("Knowledge base")).to_be_hidden()
    # The hint sits in the middle of the conversation column, not squeezed at its top.
    column = page.locator("#conversation").bounding_box()
    hint = page.locator("#empty").bounding_box()
    assert column is not None and hint is not None
    assert hint["y"] > column["y"] + column["height"] / 3, (hint, column)

    shopper, _ = console_hub.shopper_asks_for_human("hello?")
    expect(page.locator("#composer-input")).to_be_visible()
    expect(page.locator("#empty")).to_be_hidden()
    # Closing the last one brings the hint back.
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#conv-status")).to_have_text("resolved")
    page.locator("#conv-actions").get_by_role("button", name="Close").click()
    expect(page.locator("#empty")).to_be_visible()
    expect(page.locator("#composer-input")).to_be_hidden()
    shopper.close()


def test_a_second_agent_on_a_taken_conversation_is_told_who_answers(
    console_hub: ConsoleServer, console_page: Page, browser: Browser
) -> None:
    page = console_page
    sign_in(page, console_hub.url)
    page.select_option("#status-select", "away")
    admin = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(admin, console_hub.url, "admin@demo.shop", "demo-admin")
    admin.select_option("#status-select", "away")
    expect(admin.locator("#agents-online")).to_have_text("0 agents online")
    shopper, conversation_id = console_hub.shopper_asks_for_human("my parcel is lost")

    # Both open it from the queue; Alex takes it.
    admin.locator("#queue .conv-link").first.click()
    expect(admin.locator("#conv-actions").get_by_role("button", name="Take")).to_be_visible()
    page.locator("#queue .conv-link").first.click()
    page.locator("#conv-actions").get_by_role("button", name="Take").click()
    shopper.wait_for(assigned(conversation_id))

    # Ada sees who answers and how to get it: no Take button the hub would refuse.
    expect(admin.locator("#conv-assignee")).to_have_text("with Alex Agent")
    expect(admin.locator("#composer-hint")).to_have_text(
        "Alex Agent is answering: ask them to transfer it to you to reply."
    )
    expect(admin.locator("#conv-actions").get_by_role("button", name="Take")).to_have_count(0)
    # Alt+T has nothing to take: no refusal pops up, the conversation stays Alex's.
    admin.keyboard.press("Alt+t")
    admin.wait_for_timeout(500)
    expect(admin.locator("#toasts")).to_have_text("")
    expect(page.locator("#conv-assignee")).to_have_text("with you")

    # Alex transfers it to Ada: now she may answer, and he is told who has it.
    page.get_by_role("button", name="Transfer…").click()
    admin_id = next(
        a["id"]
        for a in console_hub.sign_in("admin")[0].get("/api/agents").json()
        if a["name"] == "Ada Admin"
    )
    page.select_option("#transfer-agent", str(admin_id))
    page.locator("#transfer button[value=transfer]").click()
    expect(admin.locator("#conv-assignee")).to_have_text("with you")
    expect(admin.locator("#composer-input")).to_be_enabled()
    expect(page.locator("#composer-hint")).to_have_text(
        "Ada Admin is answering: ask them to transfer it to you to reply."
    )
    shopper.close()
    admin.context.close()


def test_knowledge_base_answers_and_product_links_go_into_the_reply(
    full_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    sign_in(page, full_hub.url)
    # The shopper is on the shop's own site, where its catalogue paths lead.
    shopper, _ = full_hub.shopper_asks_for_human(
        "which tent for two?", on_page="https://shop.example/outdoor"
    )
    expect(page.locator("#mine li")).to_have_count(1)
    page.locator("#mine li button").first.click()
    expect(page.locator("#side")).to_contain_text("https://shop.example/outdoor")

    box = page.locator("#composer-input")
    box.fill("Try this one")
    page.keyboard.press("Alt+k")
    page.fill("#kb-query", "ultralight tent for two")
    page.select_option("#kb-kind", "products")
    page.press("#kb-query", "Enter")
    product = page.locator("#kb-results li.kb-product", has_text="Trail 2 ultralight tent")
    product.get_by_role("button", name="Insert link").click()
    # At the cursor, a space apart, as an address on the shop's site.
    expect(box).to_have_value(
        "Try this one Trail 2 ultralight tent: https://shop.example/demo/products/te-601"
    )
    expect(box).to_be_focused()
    box.press("Enter")
    sent = shopper.wait_for(
        lambda f: f["type"] == "message" and f["message"]["sender"]["kind"] == "agent"
    )
    assert sent["message"]["text"].endswith("https://shop.example/demo/products/te-601")

    # Resolved, the box is closed: an answer is not slipped into it, the agent is told why.
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#conv-status")).to_have_text("resolved")
    page.select_option("#kb-kind", "faqs")
    page.fill("#kb-query", "how long does delivery take")
    page.press("#kb-query", "Enter")
    page.locator("#kb-results li.kb-faq").first.get_by_role("button", name="Insert answer").click()
    expect(page.locator("#toasts")).to_contain_text("Resolved: reopen the conversation to reply.")
    expect(box).to_have_value("")
    shopper.close()


def test_the_list_shows_each_conversations_last_words(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    sign_in(page, console_hub.url)
    first, first_id = console_hub.shopper_asks_for_human("first shopper")
    second, second_id = console_hub.shopper_asks_for_human("second shopper")
    items = page.locator("#mine li")
    expect(items).to_have_count(2)

    def item(shopper: Socket) -> Any:
        return items.filter(has_text=f"Visitor {shopper.welcome['contact_id'][:6]}")

    # What each shopper last said (this hub has no bot), not just "assigned".
    expect(item(first).locator(".preview")).to_have_text("first shopper")
    expect(item(second).locator(".preview")).to_have_text("second shopper")
    item(first).locator("button").click()
    box = page.locator("#composer-input")
    box.fill("Hello, I'm looking into it")
    box.press("Enter")
    expect(item(first).locator(".preview")).to_have_text("You: Hello, I'm looking into it")

    # The other shopper writes while the first is on screen: the list says what, on one line.
    second.message(
        "are you there?\nI have been waiting for a while now " + "really " * 30, second_id
    )
    preview = item(second).locator(".preview")
    expect(preview).to_have_text(re.compile(r"^are you there\? I have been waiting"))
    expect(item(second).locator(".unread")).to_have_text("2")  # never opened
    box_height = preview.evaluate("e => e.getBoundingClientRect().height")
    line_height = preview.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 20")
    assert box_height <= line_height * 1.5, (box_height, line_height)
    # A private note is not what the shopper last heard.
    page.check("#composer-note")
    box.fill("internal: check the warehouse")
    box.press("Enter")
    expect(page.locator("#timeline .msg.note")).to_have_count(1)
    expect(item(first).locator(".preview")).to_have_text("You: Hello, I'm looking into it")
    assert first_id != second_id
    first.close()
    second.close()


def test_reading_back_in_a_long_chat_is_not_interrupted_by_new_messages(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    sign_in(page, console_hub.url)
    # A few long messages (the hub limits how many come in a burst) fill the screen twice.
    shopper, conversation_id = console_hub.shopper_asks_for_human("my order history")
    for part in range(1, 6):
        lines = "\n".join(f"part {part}, line {line}" for line in range(14))
        shopper.message(lines, conversation_id)
    page.locator("#mine li button").first.click()
    timeline = page.locator("#timeline")
    expect(timeline.locator(".msg.visitor")).to_have_count(6)
    assert timeline.evaluate("t => t.scrollHeight > 2 * t.clientHeight"), timeline.evaluate(
        "t => [t.scrollHeight, t.clientHeight]"
    )
    at_end = "t => t.scrollHeight - t.scrollTop - t.clientHeight < 48"
    assert timeline.evaluate(at_end)  # opened at its newest message

    # The agent scrolls back to the start; the shopper writes meanwhile.
    timeline.evaluate("t => { t.scrollTop = 0; }")
    shopper.message("hello? anyone?", conversation_id)
    expect(timeline).to_contain_text("hello? anyone?")
    jump = page.get_by_role("button", name="New messages ↓")
    expect(jump).to_be_visible()
    assert timeline.evaluate("t => t.scrollTop") == 0  # still where they were reading
    jump.click()
    expect(jump).to_be_hidden()
    assert timeline.evaluate(at_end)
    expect(timeline.get_by_text("hello? anyone?")).to_be_in_viewport()

    # At the end it follows, and the agent's own reply always brings them down.
    shopper.message("still there?", conversation_id)
    expect(timeline.get_by_text("still there?")).to_be_in_viewport()
    timeline.evaluate("t => { t.scrollTop = 0; }")
    box = page.locator("#composer-input")
    box.fill("Yes, one moment")
    box.press("Enter")
    expect(timeline.get_by_text("Yes, one moment")).to_be_in_viewport()
    expect(jump).to_be_hidden()
    shopper.close()


def test_a_transfer_goes_only_to_agents_who_are_there(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    sign_in(page, console_hub.url)
    shopper, conversation_id = console_hub.shopper_asks_for_human("can someone from sales help?")
    expect(page.locator("#mine li")).to_have_count(1)  # Alex is the only one online
    page.locator("#mine li button").first.click()
    _, sales_login = console_hub.sign_in("sales")
    sales = console_hub.agent_socket(sales_login["token"])
    expect(page.locator("#agents-online")).to_have_text("2 agents online")

    page.get_by_role("button", name="Transfer…").click()
    options = page.locator("#transfer-agent option")
    # Ada (admin) and Erin (editor) are not signed in: shown, not choosable.
    expect(options.filter(has_text="Ada Admin (offline)")).to_be_disabled()
    expect(options.filter(has_text="Erin Editor (offline)")).to_be_disabled()
    expect(options.filter(has_text="Sam Sales (online)")).to_be_enabled()
    page.select_option("#transfer-agent", str(sales_login["agent"]["id"]))
    page.locator("#transfer button[value=transfer]").click()
    sales.wait_for(assigned(conversation_id, sales_login["agent"]["id"]))
    expect(page.locator("#conv-assignee")).to_have_text("with Sam Sales")
    shopper.close()


def test_addresses_in_messages_are_links_and_the_rest_stays_text(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    sign_in(page, console_hub.url)
    text = (
        "I saw it at https://shop.example/products/te-601?colour=green, "
        "and (http://shop.example/sale). Not javascript:alert(1) nor <a href=x>this</a>. "
        "https://shop.example/" + "very-long-path-segment-" * 12
    )
    # The page the shopper is on: a product with campaign parameters, one long word.
    address = (
        f"{console_hub.url}/demo/products/trail-2-ultralight-tent"
        "?utm_source=newsletter&utm_campaign=winter_sale_2026_tents_and_sleeping_bags"
    )
    shopper, _ = console_hub.shopper_asks_for_human(text, on_page=address)
    page.locator("#mine li button").first.click()
    bubble = page.locator("#timeline .msg.visitor .text")
    expect(bubble).to_have_text(text)  # every character as the shopper wrote it
    links = bubble.locator("a")
    expect(links).to_have_count(3)
    expect(links.nth(0)).to_have_attribute(
        "href", "https://shop.example/products/te-601?colour=green"
    )
    expect(links.nth(1)).to_have_attribute("href", "http://shop.example/sale")
    expect(links.nth(0)).to_have_attribute("target", "_blank")
    expect(links.nth(0)).to_have_attribute("rel", re.compile(r"noopener"))
    # The long address wraps inside the bubble; nothing sticks out of the timeline.
    timeline = page.locator("#timeline")
    assert timeline.evaluate("t => t.scrollWidth <= t.clientWidth")
    assert page.evaluate("window.__pwned") is None
    # The side panel's link to that page breaks at the panel's edge, on a small laptop too.
    side = page.locator("#side")
    link = side.get_by_role("link", name=address)
    expect(link).to_have_attribute("href", address)
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 768})
        assert side.evaluate("s => s.scrollWidth <= s.clientWidth"), width
        panel, shown = side.bounding_box(), link.bounding_box()
        assert panel and shown and shown["x"] + shown["width"] <= panel["x"] + panel["width"]
        assert_no_sideways_scroll(page)
    shopper.close()


def test_the_side_panel_reads_as_words(full_hub: ConsoleServer, console_page: Page) -> None:
    page, console_hub = console_page, full_hub
    admin, _ = console_hub.sign_in("admin")
    pushed = admin.post(
        "/api/orders",
        json=[
            {
                "id": "TP-777",
                "customer_id": "cust-777",
                "email": "kim@example.com",
                "status": "out_for_delivery",
                "total": 59.0,
                "return_status": "return_requested",
            }
        ],
    )
    assert pushed.status_code == 200, pushed.text
    sign_in(page, console_hub.url)
    shopper = verified_shopper(console_hub, "cust-777", "Kim Lee")
    conversation_id = shopper.message("my parcel is late")["conversation_id"]
    shopper.wait_for(lambda f: f["type"] == "message" and f["message"]["sender"]["kind"] == "bot")
    assert shopper.command("request_human", conversation_id)["type"] == "result"
    page.locator("#mine li button").first.click()

    side = page.locator("#side")
    order = side.locator(".orders li", has_text="TP-777")
    expect(order.locator(".badge").first).to_have_text("out for delivery")
    expect(order.locator(".badge.warn")).to_have_text("return: requested")
    expect(side.locator(".transcript summary")).to_have_text(
        re.compile(r"^Bot transcript \(\d+ messages?\)$")
    )
    # The handoff packet lists what the hub knows, not rows of "none" and "—".
    packet = side.locator(".handoff dl.kv").first
    expect(packet).to_contain_text("reason")
    expect(packet.locator("dd", has_text=re.compile(r"^(none|—)$"))).to_have_count(0)
    shopper.close()


def test_a_conversation_opened_again_shows_its_newest_message(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    sign_in(page, console_hub.url)
    page.select_option("#status-select", "away")
    expect(page.locator("#agents-online")).to_have_text("0 agents online")
    shopper, conversation_id = console_hub.shopper_asks_for_human("a long story")
    for part in range(1, 5):
        shopper.message("\n".join(f"part {part}, line {n}" for n in range(14)), conversation_id)
    shopper.message("the newest words", conversation_id)

    # A look from the queue, read back to the start, closed; then opened again.
    page.locator("#queue .conv-link").first.click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("the newest words")
    timeline.evaluate("t => { t.scrollTop = 0; }")
    page.locator("#conv-actions").get_by_role("button", name="Close").click()
    expect(page.locator("#empty")).to_be_visible()
    page.locator("#queue .conv-link").first.click()
    expect(timeline.get_by_text("the newest words")).to_be_in_viewport()
    expect(page.get_by_role("button", name="New messages ↓")).to_be_hidden()
    shopper.close()


def test_an_admin_watches_all_open_conversations_live(
    console_hub: ConsoleServer, console_page: Page, browser: Browser
) -> None:
    page = console_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, console_hub.url, "admin@demo.shop", "demo-admin")
    page.select_option("#status-select", "away")  # Ada supervises; routing skips her
    expect(page.locator("#agents-online")).to_have_text("0 agents online")
    browsing = console_hub.visitor_socket()
    browsing_id = browsing.message("just browsing the tents")["conversation_id"]
    waiting, waiting_id = console_hub.shopper_asks_for_human("is anyone there?")

    page.get_by_role("button", name=re.compile(r"^All open")).click()
    view = page.locator("#all-open")
    expect(view).to_be_visible()
    expect(page.locator("#side")).to_be_hidden()  # the table takes the side column too
    rows = page.locator("#all-open-rows tr")

    def row(conversation_id: int) -> Any:
        return page.locator(f"#all-open-rows tr[data-id='{conversation_id}']")

    expect(rows).to_have_count(2)
    expect(page.locator("#all-open-count")).to_have_text("2")
    expect(row(waiting_id).locator(".status")).to_have_text("queued")
    expect(row(waiting_id).locator(".waiting")).to_have_text(re.compile(r"^\d+ s$"))
    expect(row(waiting_id).locator(".preview")).to_have_text("is anyone there?")
    expect(row(waiting_id).locator(".assignee")).to_have_text("—")
    expect(row(browsing_id).locator(".status")).to_have_text("bot")
    expect(row(browsing_id).locator(".preview")).to_have_text("just browsing the tents")
    # The longest waiting first.
    expect(rows.first).to_have_attribute("data-id", str(browsing_id))

    # Alex comes online: routing gives him the waiting one, the row follows at once.
    _, alex_login = console_hub.sign_in("agent")
    alex_id = alex_login["agent"]["id"]
    alex = console_hub.agent_socket(alex_login["token"])
    alex.wait_for(assigned(waiting_id, alex_id))
    expect(row(waiting_id).locator(".status")).to_have_text("assigned")
    expect(row(waiting_id).locator(".assignee")).to_have_text("Alex Agent")
    # A new handoff appears without a reload, with its shopper's words.
    later, later_id = console_hub.shopper_asks_for_human("my order never came")
    alex.wait_for(assigned(later_id, alex_id))
    expect(rows).to_have_count(3)
    expect(row(later_id).locator(".preview")).to_have_text("my order never came")
    expect(row(later_id).locator(".assignee")).to_have_text("Alex Agent")
    # Resolved ones leave.
    assert alex.command("resolve", waiting_id)["type"] == "result"
    expect(row(waiting_id)).to_have_count(0)
    expect(page.locator("#all-open-count")).to_have_text("2")

    # Assign the one with the bot to Alex, with the Transfer dialog.
    row(browsing_id).get_by_role("button", name=re.compile(r"^Assign")).click()
    dialog = page.locator("#transfer")
    expect(dialog.locator("h2")).to_have_text("Assign conversation")
    expect(dialog.locator("#transfer-team")).to_be_disabled()  # the bot's: no team queue
    page.select_option("#transfer-agent", str(alex_id))
    dialog.locator("button[value=transfer]").click()
    alex.wait_for(assigned(browsing_id, alex_id))
    expect(row(browsing_id).locator(".assignee")).to_have_text("Alex Agent")
    # Transfer the other to Sales, where nobody is online: back in the queue.
    row(later_id).get_by_role("button", name=re.compile(r"^Transfer")).click()
    expect(dialog.locator("h2")).to_have_text("Transfer conversation")
    page.select_option("#transfer-team", label="Sales")
    dialog.locator("button[value=transfer]").click()
    expect(row(later_id).locator(".status")).to_have_text("queued")
    expect(row(later_id).locator(".team")).to_have_text("Sales")
    expect(row(later_id).locator(".assignee")).to_have_text("—")
    page.select_option("#all-open-filter", "queued")
    expect(rows).to_have_count(1)
    page.select_option("#all-open-filter", "")

    # Watching one: its messages, read only; the shopper's new words reach the list.
    row(browsing_id).get_by_role("button", name=re.compile(r"^Visitor ")).click()
    expect(view).to_be_hidden()
    expect(page.locator("#timeline")).to_contain_text("just browsing the tents")
    expect(page.locator("#composer-input")).to_be_disabled()
    expect(page.locator("#composer-hint")).to_contain_text("Alex Agent is answering")
    browsing.message("do you have 4-person tents?", browsing_id)
    expect(page.locator("#timeline")).to_contain_text("do you have 4-person tents?")
    page.get_by_role("button", name=re.compile(r"^All open")).click()
    expect(row(browsing_id).locator(".preview")).to_have_text("do you have 4-person tents?")

    # An agent has no such view.
    other = browser.new_context().new_page()
    other.set_default_timeout(TIMEOUT)
    sign_in(other, console_hub.url)
    expect(other.locator("#all-open-button")).to_be_hidden()
    other.context.close()
    assert errors == []
    for socket in (browsing, waiting, later):
        socket.close()


def test_all_open_lists_hundreds_with_one_request(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    # Ada is away before the queue fills: an agent who comes online is routed queued
    # conversations at once, before her "away" could reach the hub.
    admin_signs_in_away(console_hub, page)
    _, sales_login = console_hub.sign_in("sales")  # over HTTP only: Sam stays offline
    add_open_conversations(console_hub.server.settings, 450, sales_login["agent"]["id"])
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.get_by_role("button", name=re.compile(r"^All open")).click()
    rows = page.locator("#all-open-rows tr")
    expect(rows).to_have_count(450)
    expect(page.locator("#all-open-summary")).to_have_text(
        "450 open: 150 queued, 150 assigned, 150 with the bot"
    )
    seventh = rows.filter(has=page.get_by_role("button", name="Bulk Shopper 7", exact=True))
    expect(seventh.locator(".preview")).to_have_text("question 7")
    eighth = rows.filter(has=page.get_by_role("button", name="Bulk Shopper 8", exact=True))
    expect(eighth.locator(".assignee")).to_have_text("Sam Sales")
    # On a laptop screen the row's button shows whole, inside its cell.
    button = eighth.get_by_role("button", name=re.compile(r"^Transfer"))
    cell, shown = button.locator("xpath=..").bounding_box(), button.bounding_box()
    assert cell and shown and shown["x"] + shown["width"] <= cell["x"] + cell["width"], (
        cell,
        shown,
    )

    # Changes come as frames; none makes a request per conversation.
    shopper, conversation_id = console_hub.shopper_asks_for_human("one more")
    expect(rows).to_have_count(451)
    expect(page.locator(f"#all-open-rows tr[data-id='{conversation_id}'] .preview")).to_have_text(
        "one more"
    )
    per_conversation = [u for u in requests if re.search(r"/api/conversations/\d+", u)]
    listings = [u for u in requests if "/api/open-conversations" in u]
    assert per_conversation == [] and 1 <= len(listings) <= 4, listings
    shopper.close()


def test_watching_another_agents_conversation_marks_nothing_read(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    admin_http = admin_signs_in_away(console_hub, page)
    _, alex_login = console_hub.sign_in("agent")
    alex = console_hub.agent_socket(alex_login["token"])
    shopper, conversation_id = console_hub.shopper_asks_for_human("my parcel is lost")
    alex.wait_for(assigned(conversation_id, alex_login["agent"]["id"]))

    # Ada watches from All open while the shopper writes on; Alex has read nothing.
    page.get_by_role("button", name=re.compile(r"^All open")).click()
    page.locator(f"#all-open-rows tr[data-id='{conversation_id}'] .who button").click()
    shopper.message("hello? it was due on Monday", conversation_id)
    expect(page.locator("#timeline")).to_contain_text("hello? it was due on Monday")
    time.sleep(1.5)  # a read mark the console sent would be stored by now
    # Alex's unread count and the shopper's "seen" are Alex's reading, not the watcher's.
    conversation = admin_http.get(f"/api/conversations/{conversation_id}").json()
    assert conversation["agent_read_seq"] == 0, conversation
    shopper.close()


def test_keyboard_focus_stays_on_the_actions_as_they_change(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    status, focused_action = (
        page.locator("#conv-status"),
        page.locator("#conv-actions button:focus"),
    )
    sign_in(page, console_hub.url)
    shopper, _ = console_hub.shopper_asks_for_human("my parcel is lost")
    expect(status).to_have_text("assigned")  # routed to Alex, the only agent, and in view

    # Resolve by keyboard: the buttons are redrawn, the focus moves to Reopen in its place.
    page.locator("#conv-actions").get_by_role("button", name="Resolve").focus()
    page.keyboard.press("Enter")
    expect(status).to_have_text("resolved")
    expect(page.get_by_role("button", name="Reopen")).to_be_focused()
    # Reopen the same way: the focus stays among the actions, not lost to the page.
    page.keyboard.press("Enter")
    expect(status).not_to_have_text("resolved")
    expect(focused_action).to_have_count(1)
    shopper.close()


def test_the_top_bar_keeps_to_one_line_on_small_laptops(
    console_hub: ConsoleServer, console_page: Page
) -> None:
    page = console_page
    # An admin's bar holds the most: four page links, settings, the name with the role.
    sign_in(page, console_hub.url, "admin@demo.shop", "demo-admin")
    expect(page.locator("#agents-online")).to_have_text("1 agent online")
    controls = ".topbar > :not(.spacer)"
    for width in (1280, 1024, 800):
        page.set_viewport_size({"width": width, "height": 768})
        boxes = assert_one_row(page, controls)
        # Pages, connection, agents online, status, 3 buttons, name, and the brand where room.
        assert len(boxes) == (9 if width > 900 else 8), boxes
        assert_no_sideways_scroll(page)
        if width <= 1024:
            assert_one_row(page, "#pages a")
            # Icons where the words were: the words are still the buttons' names.
            for name in ("Enable alerts", "Settings", "Sign out"):
                expect(page.get_by_role("button", name=name)).to_be_visible()
            expect(page.get_by_role("combobox", name="My status")).to_be_visible()
            expect(page.locator("#me-name")).to_have_attribute("title", "Ada Admin (admin)")
    # Still working from the keyboard: Settings opens, and closes with Escape.
    page.get_by_role("button", name="Settings").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#settings")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#settings")).to_be_hidden()
    page.get_by_role("button", name="Enable alerts").click()
    expect(page.locator("#alerts-button")).to_have_accessible_name(
        re.compile(r"^(Alerts on|Sound only)$")
    )
