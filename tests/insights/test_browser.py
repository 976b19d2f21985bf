"""The content workspace, analytics and privacy pages in real headless Chromium."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.console.console_helpers import ConsoleServer
from tests.insights.insights_helpers import bot_reply
from tests.widget.widget_helpers import Widget

SHARPENING = "Yes: send us your knives and we sharpen them for 5 EUR each."


def sign_in(page: Any, url: str, email: str, password: str, then: str) -> None:
    page.goto(f"{url}/console/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console")
    page.goto(f"{url}{then}")


def test_an_faq_made_in_the_workspace_answers_in_the_preview_and_the_widget(
    server: Any, browser: Any
) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server.url, "editor@demo.shop", "demo-editor", "/console/knowledge")
    expect(page.locator("table[aria-label=faqs] tbody tr")).not_to_have_count(0)

    page.get_by_role("button", name="New FAQ").click()
    dialog = page.locator("#editor")
    dialog.locator("#f-id").fill("knife-sharpening")
    dialog.locator("#f-question").fill("")
    dialog.locator("#f-answer").fill(SHARPENING)
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#editor-error")).to_contain_text("question")  # the hub's validation, shown
    dialog.locator("#f-question").fill("Do you have a knife sharpening service?")
    dialog.locator("#f-variants").fill("can you sharpen my knives\nknife sharpening service?")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    row = page.locator("tr[data-id=knife-sharpening]")
    expect(row).to_contain_text("Do you have a knife sharpening service?")
    row.get_by_role("button", name="Mark knife-sharpening popular").click()
    expect(page.locator("tr[data-id=knife-sharpening] [aria-pressed=true]")).to_be_visible()

    page.fill("#ask-text", "Could you sharpen my chef's knife?")
    page.get_by_role("button", name="Ask", exact=True).click()
    result = page.locator("#ask-result")
    expect(result.locator(".badge")).to_have_text("answer_faq")
    expect(result).to_contain_text("knife-sharpening")
    expect(result.locator(".replies")).to_contain_text(SHARPENING)

    shop = context.new_page()
    shop.goto(f"{server.url}/demo")
    widget = Widget(shop)
    widget.open()
    widget.send("Could you sharpen my chef's knife?")
    expect(widget.bubble(SHARPENING)).to_be_visible()

    token = httpx.post(
        f"{server.url}/api/auth/login",
        json={"email": "editor@demo.shop", "password": "demo-editor"},
    ).json()["token"]
    stored = httpx.get(
        f"{server.url}/api/kb/faqs/knife-sharpening", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert stored["popular"] is True and stored["variants"] == [
        "can you sharpen my knives",
        "knife sharpening service?",
    ]
    context.close()


def test_analytics_charts_a_seeded_history_and_drafts_an_faq_from_a_gap(
    server: Any, page: Any
) -> None:
    sign_in(page, server.url, "admin@demo.shop", "demo-admin", "/console/analytics")
    # The demo seeds four weeks of conversations: 30 days, two bars a day.
    expect(page.locator("#chart-daily svg.chart rect")).to_have_count(60)
    expect(page.locator("#chart-daily svg.chart polyline.line")).to_have_count(1)
    expect(page.locator("#chart-csat svg rect")).to_have_count(5)
    expect(page.locator("#chart-faqs svg rect")).not_to_have_count(0)
    expect(page.locator("#chart-products svg rect.carted")).not_to_have_count(0)
    expect(page.locator("#cards .card")).to_have_count(7)
    expect(page.locator("#cards")).to_contain_text(re.compile(r"Bot containment"))
    csv_link = page.locator("#csv-link")
    expect(csv_link).to_have_attribute(
        "href", re.compile(r"/api/insights/analytics\.csv\?start=.*&table=daily")
    )

    gap = page.locator("#gap-list > li").filter(has_text="student")
    expect(gap).to_have_count(1)
    # A word the shop does not know links to a new synonym set holding it.
    unknown = gap.locator(".unknown-words a").filter(
        has_text=re.compile("^students?$", re.IGNORECASE)
    )
    expect(unknown).to_have_count(1)
    synonym_page = unknown.get_attribute("href")
    assert synonym_page and synonym_page.startswith(f"{server.url}/console/knowledge?synonym=")
    gap.get_by_role("button", name="Draft FAQ").click()
    dialog = page.locator("#draft")
    expect(dialog.locator("[name=question]")).to_have_value(re.compile("student", re.IGNORECASE))
    expect(dialog.locator("[name=variants]")).to_have_value(re.compile("student", re.IGNORECASE))
    dialog.get_by_role("button", name="Publish FAQ").click()
    expect(page.locator("#draft-error")).to_contain_text("answer")
    dialog.locator("[name=answer]").fill("Students get 10 % off with a valid student ID.")
    dialog.get_by_role("button", name="Publish FAQ").click()
    expect(page.locator("#toasts")).to_contain_text("Published FAQ")
    expect(page.locator("#gap-list > li").filter(has_text="student")).to_have_count(0)

    page.goto(synonym_page)
    expect(page.get_by_role("tab", name="Synonyms")).to_have_attribute("aria-selected", "true")
    terms = page.locator("#editor").get_by_label("Words that mean the same, separated by commas")
    expect(terms).to_have_value(re.compile(r"^students?, $", re.IGNORECASE))


def test_gaps_the_bot_answers_now_are_closed_joined_to_an_faq_or_dismissed(
    server: Any, page: Any
) -> None:
    sign_in(page, server.url, "editor@demo.shop", "demo-editor", "/console/analytics")
    gaps = page.locator("#gap-list > li")
    # The demo's history asks for store pickup, which a demo FAQ answers by now.
    pickup = gaps.filter(has_text="collect my parcel")
    answer = pickup.locator(".answer-now")
    expect(answer).to_contain_text("The bot answers this now with the FAQ")
    expect(answer.locator("q")).to_have_text("Can I pick up my order in a store?")
    answer.get_by_role("button", name="Close gap").click()
    expect(page.locator("#toasts")).to_contain_text(re.compile(r"Closed \d+ questions"))
    expect(pickup).to_have_count(0)

    engraving = gaps.filter(has_text="engrav")
    engraving.get_by_role("button", name="Add to FAQ…").click()
    dialog = page.locator("#join")
    expect(dialog.locator("#join-question")).to_have_text(re.compile("engrav"))
    expect(dialog.locator("#join-faqs input:checked")).to_have_count(0)  # the editor chooses
    dialog.get_by_role("button", name="Add wordings and close").click()
    expect(page.locator("#join-error")).to_contain_text("Choose the FAQ")
    dialog.get_by_label("Find an FAQ").fill("gift cards")
    dialog.get_by_role("radio", name=re.compile("Do you sell gift cards")).check()
    dialog.get_by_role("button", name="Add wordings and close").click()
    expect(page.locator("#toasts")).to_contain_text(
        re.compile(r"Added 2 wordings to FAQ gift-cards")
    )
    expect(engraving).to_have_count(0)
    variants = page.request.get(f"{server.url}/api/kb/faqs/gift-cards").json()["variants"]
    assert "do you offer engraving on knives" in variants

    repair = gaps.filter(has_text="repair")
    repair.get_by_role("button", name="Dismiss").click()
    expect(page.locator("#toasts")).to_contain_text(re.compile(r"Dismissed \d+ questions"))
    expect(repair).to_have_count(0)

    # An answer followed by "a person, please" is a gap too: the list says which FAQ failed.
    console = ConsoleServer(server)
    visitor = console.visitor_socket()
    conversation_id = visitor.message("Do you ship to Norway?")["conversation_id"]
    assert bot_reply(visitor, conversation_id)["payload"]["faq_id"] == "international"
    visitor.message("I want to talk to a person")
    bot_reply(visitor, conversation_id)
    console.close()
    norway = gaps.filter(has_text="Do you ship to Norway?")
    for _ in range(50):  # the turn is written just after the bot's message went out
        page.reload()
        expect(gaps.first).to_be_visible()  # the list has come (an empty one says so)
        if norway.count():
            break
        time.sleep(0.2)
    expect(norway.locator(".answered-with")).to_have_text(
        "The bot had answered with FAQ international, and the shopper asked for a person."
    )
    expect(norway.locator(".answer-now")).to_have_count(0)  # the same answer is no new one


def test_privacy_page_exports_and_erases_a_contact(server: Any, page: Any) -> None:
    sign_in(page, server.url, "admin@demo.shop", "demo-admin", "/console/privacy")
    expect(page.locator("#retention-note")).to_contain_text("180 days")
    page.fill("#find-query", "ben@example.com")
    page.get_by_role("button", name="Find").click()
    page.locator("#find-results button", has_text="Ben Carter").click()
    contact = page.locator("#contact")
    expect(contact).to_contain_text("personalisation refused")
    with page.expect_download() as download:
        contact.get_by_role("link", name="Download export (JSON)").click()
    assert download.value.suggested_filename.startswith("contact-")
    contact.get_by_role("button", name="Erase contact…").click()
    page.fill("#erase-confirm", "erase")
    page.locator("#erase-submit").click()
    expect(page.locator("#erase-error")).to_have_text("type ERASE to confirm")
    page.fill("#erase-confirm", "ERASE")
    page.locator("#erase-submit").click()
    expect(contact).to_contain_text("Erased: 1 conversations")
    expect(page.locator("#audit-rows")).to_contain_text("privacy.erase")
    expect(page.locator("#audit-rows")).to_contain_text("privacy.export")


def test_the_console_links_the_pages_each_role_may_use(server: Any, browser: Any) -> None:
    pages = {"agent": [], "editor": ["Knowledge", "Analytics"]}
    pages["admin"] = [*pages["editor"], "Privacy"]
    for role, visible in pages.items():
        page = browser.new_context().new_page()
        sign_in(page, server.url, f"{role}@demo.shop", f"demo-{role}", "/console")
        expect(page.locator("#connection")).to_have_text("Connected")
        nav = page.get_by_role("navigation", name="Console pages")
        if not visible:
            expect(nav).to_be_hidden()
            page.context.close()
            continue
        expect(nav.get_by_role("link")).to_have_text(["Conversations", *visible])
        nav.get_by_role("link", name="Knowledge").click()
        page.wait_for_url(f"{server.url}/console/knowledge")
        expect(page.locator("#page")).to_be_visible()
        page.context.close()


def test_agents_are_told_the_pages_are_not_theirs(server: Any, page: Any) -> None:
    sign_in(page, server.url, "agent@demo.shop", "demo-agent", "/console/knowledge")
    expect(page.locator("#gate")).to_contain_text("editor and admin")
    expect(page.locator("#page")).to_be_hidden()
    page.goto(f"{server.url}/console/privacy")
    expect(page.locator("#gate")).to_contain_text("admin")


def test_import_with_progress_and_report_canned_responses_and_flows(
    server: Any, page: Any, tmp_path: Path
) -> None:
    faqs = {"faqs": [
        {"id": "gift-wrap", "question": "Do you gift wrap orders?", "answer": "Yes, for 3 EUR per order."},
        {"id": "bulk-orders", "question": "Do you give discounts on bulk orders?", "answer": "From 10 pieces, ask us."},
        {"id": "", "question": "A row without an id", "answer": "?"},
    ]}  # fmt: skip
    upload = tmp_path / "more-faqs.json"
    upload.write_text(json.dumps(faqs))
    sign_in(page, server.url, "editor@demo.shop", "demo-editor", "/console/knowledge")
    page.get_by_role("tab", name="Import").click()
    page.locator("select[name=kind]").select_option("faqs")
    page.set_input_files("input[type=file]", str(upload))
    page.get_by_role("button", name="Upload").click()
    report = page.locator(".report-box")
    expect(report).to_contain_text("failed")  # one bad row: nothing imported, and why
    expect(report).to_contain_text("id")
    page.get_by_label("Import the good rows, list the bad ones").check()
    page.get_by_role("button", name="Upload").click()
    expect(report).to_contain_text("Imported more-faqs.json")
    expect(report).to_contain_text("2 new")
    expect(page.locator("progress")).to_have_attribute("value", re.compile(r"\d+"))

    page.get_by_role("tab", name="Canned responses").click()
    page.get_by_role("button", name="New canned response").click()
    page.locator("#editor [name=shortcut]").fill("wrap")
    page.locator("#editor [name=title]").fill("Gift wrap")
    page.locator("#editor [name=text]").fill("Hi {first_name}, we wrap it for you.")
    page.locator("#editor").get_by_role("button", name="Save").click()
    expect(page.locator("table[aria-label='Canned responses']")).to_contain_text("/wrap")

    page.get_by_role("tab", name="Selling flows").click()
    tents = page.locator("table[aria-label='Selling flows'] tr", has_text="Outdoor/Tents")
    tents.get_by_role("button", name="Edit").click()
    page.locator("#editor [name=intro_en]").fill("Let us find your tent.")
    expect(page.locator("#editor [name=name_de]")).to_have_value("Zelte")
    page.locator("#editor [name=name_de]").fill("Zelte und Tarps")
    page.locator("#editor").get_by_role("button", name="Save").click()
    expect(tents.locator(".badge")).to_have_text("edited")
    page.fill("#ask-text", "I am looking for a tent")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator("#ask-result .replies")).to_contain_text("Let us find your tent.")
    # What the editor did not touch is kept: the German compound head of the packaged flow,
    # and the wordings it has no field for (German with "Sie").
    tents.get_by_role("button", name="Edit").click()
    expect(page.locator("#editor [name=heads]")).to_have_value("zelt")
    saved = page.evaluate("fetch('/api/insights/flows').then((response) => response.json())")
    tent_flow = next(f for f in saved if f["category"] == "Outdoor/Tents")
    assert tent_flow["intro"]["en"] == "Let us find your tent."
    assert tent_flow["name"] == {"en": "tents", "de": "Zelte und Tarps"}
    assert tent_flow["intro"]["de-sie"].startswith("Gern helfe ich Ihnen")
    assert all("de-sie" in q["ask"] for q in tent_flow["questions"] if "dein" in q["ask"]["de"])


def test_synonyms_are_deleted_added_and_edited_and_search_follows_them(
    server: Any, page: Any
) -> None:
    client = httpx.Client(base_url=server.url)
    token = client.post(
        "/api/auth/login", json={"email": "editor@demo.shop", "password": "demo-editor"}
    ).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"

    def found(query: str) -> list[str]:
        result = client.post("/api/kb/search", json={"query": query, "kind": "products"})
        return [item["id"] for item in result.json()["items"]]

    def eventually(check: Callable[[], bool]) -> None:  # the index follows a write within a second
        for _ in range(30):
            if check():
                return
            time.sleep(0.2)
        raise AssertionError(check)

    sign_in(page, server.url, "editor@demo.shop", "demo-editor", "/console/knowledge")
    page.get_by_role("tab", name="Synonyms").click()
    table = page.locator("table[aria-label=Synonyms]")
    expect(table.locator("tbody tr")).not_to_have_count(0)  # the demo's sets
    # The demo catalog has "Hammock for two" (HT-904) and may know "Hängematte" already:
    # the seeded set goes first, and with it the German word's match.
    page.on("dialog", lambda confirm: confirm.accept())
    hammocks = table.locator("tbody tr", has_text="Hängematte")
    for left in reversed(range(hammocks.count())):
        hammocks.first.get_by_role("button", name="Delete").click()
        expect(hammocks).to_have_count(left)
    eventually(lambda: "HT-904" not in found("Hängematte"))

    page.get_by_role("button", name="Add synonyms").click()
    dialog = page.locator("#editor")
    terms = dialog.get_by_label("Words that mean the same, separated by commas")
    terms.fill("Hängematte")
    dialog.get_by_role("button", name="Save").click()
    rejected = client.post("/api/kb/synonyms", json={"terms": ["Hängematte"]})
    assert rejected.status_code == 422
    problem = rejected.json()["detail"]["fields"][0]
    expect(page.locator("#editor-error")).to_have_text(f"{problem['field']}: {problem['message']}")
    expect(dialog).to_be_visible()
    terms.fill(" Hängematte , hammock,, ")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    row = table.locator("tbody tr", has_text="Hängematte")
    expect(row.locator("td").first).to_have_text("Hängematte, hammock")
    expect(row.locator("td").nth(1)).to_contain_text("editor@demo.shop")  # who changed it last
    (stored,) = [s for s in client.get("/api/kb/synonyms").json() if "hammock" in s["terms"]]
    assert stored["terms"] == ["Hängematte", "hammock"]
    eventually(lambda: "HT-904" in found("Hängematte"))

    row.get_by_role("button", name="Edit").click()
    expect(terms).to_have_value("Hängematte, hammock")
    terms.fill("Hängematte, hammock, Haengematte")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(row.locator("td").first).to_have_text("Hängematte, hammock, Haengematte")
    edited = client.get("/api/kb/synonyms").json()
    assert [s["terms"] for s in edited if s["id"] == stored["id"]] == [
        ["Hängematte", "hammock", "Haengematte"]
    ]
    assert "HT-904" in found("Hängematte")

    # Editors' words are text, never markup.
    page.get_by_role("button", name="Add synonyms").click()
    terms.fill("<b>Hängebett</b>, hammock bed")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    marked = table.locator("tbody tr", has_text="Hängebett")
    expect(marked.locator("td").first).to_have_text("<b>Hängebett</b>, hammock bed")
    expect(table.locator("b")).to_have_count(0)
    marked.get_by_role("button", name="Delete").click()
    expect(marked).to_have_count(0)
    assert not [s for s in client.get("/api/kb/synonyms").json() if "hammock bed" in s["terms"]]
    client.close()


def test_categories_are_named_per_language_and_the_bot_uses_the_names(
    server: Any, page: Any
) -> None:
    sign_in(page, server.url, "editor@demo.shop", "demo-editor", "/console/knowledge#categories")
    table = page.locator("table[aria-label=Categories]")
    expect(table.locator("tr[data-path='Garden'] td").nth(3)).to_have_text("Garten")  # the demo's
    home = table.locator("tr[data-path='Home']")
    expect(home.locator("td").nth(1)).to_have_text("7")  # its kinds' products
    home.get_by_role("button", name="Edit names").click()
    dialog = page.locator("#editor")
    expect(dialog.get_by_label("German name")).to_have_value("Wohnen")
    dialog.get_by_label("German name").fill("  Wohnen & Deko ")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(home.locator("td").nth(3)).to_have_text("Wohnen & Deko")

    # A German shopper who asks what the shop has chooses among the names at once.
    client = httpx.Client(base_url=server.url)
    token = client.post(
        "/api/auth/login", json={"email": "editor@demo.shop", "password": "demo-editor"}
    ).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    asked = client.post("/api/insights/preview", json={"text": "Was habt ihr so?", "locale": "de"})
    labels = [o["label"] for o in asked.json()["replies"][0]["payload"]["options"]]
    assert labels[:4] == ["Küche", "Outdoor", "Garten", "Wohnen & Deko"], labels


def test_the_knowledge_tables_buttons_sit_in_line_with_their_rows(server: Any, page: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, server.url, "editor@demo.shop", "demo-editor", "/console/knowledge")
    for tab, table in (("FAQs", "faqs"), ("Products", "products"), ("Canned", "Canned responses")):
        page.get_by_role("tab", name=tab).click()
        row = page.locator(f"table[aria-label='{table}'] tbody tr").first
        expect(row.get_by_role("button", name="Delete")).to_be_visible()
        # Every cell of the row, the buttons' too, spans the row: same top, same height.
        cells = [cell.bounding_box() for cell in row.locator("td").all()]
        assert all(cells) and len(cells) >= 4, cells
        for cell in cells:
            assert abs(cell["y"] - cells[0]["y"]) <= 1, (tab, cells)
            assert abs(cell["height"] - cells[0]["height"]) <= 1, (tab, cells)
        # Edit and Delete side by side on one line, inside their cell.
        edit, delete = (
            row.get_by_role("button", name=name).bounding_box() for name in ("Edit", "Delete")
        )
        assert edit and delete and abs(edit["y"] - delete["y"]) <= 1, (tab, edit, delete)
        assert edit["x"] + edit["width"] <= delete["x"], (tab, edit, delete)
        assert delete["x"] + delete["width"] <= cells[-1]["x"] + cells[-1]["width"], (tab, cells)


def test_the_privacy_pages_export_and_erase_actions_match(server: Any, page: Any) -> None:
    sign_in(page, server.url, "admin@demo.shop", "demo-admin", "/console/privacy")
    page.fill("#find-query", "anna@example.com")
    page.get_by_role("button", name="Find").click()
    page.locator("#find-results button", has_text="Anna Schmidt").click()
    contact = page.locator("#contact")
    export = contact.get_by_role("link", name="Download export (JSON)")
    erase = contact.get_by_role("button", name="Erase contact…")
    # The export stays a link to the file; it looks like the button beside it.
    expect(export).to_have_attribute("href", re.compile(r"/api/privacy/contacts/[^/]+/export$"))
    shown = [action.bounding_box() for action in (export, erase)]
    assert shown[0] and shown[1], shown
    assert abs(shown[0]["height"] - shown[1]["height"]) <= 1, shown
    assert abs(shown[0]["y"] - shown[1]["y"]) <= 1, shown
    style = (
        "(e) => { const s = getComputedStyle(e); return [s.fontSize, s.padding, s.borderRadius]; }"
    )
    assert export.evaluate(style) == erase.evaluate(style)
    # Their words as far from the top, as high: a flex row stretched the smaller link
    # to the button's height, and its words sat high in it.
    words = (
        "(e) => { const r = document.createRange(); r.selectNodeContents(e);"
        " const box = r.getBoundingClientRect();"
        " return [box.top - e.getBoundingClientRect().top, box.height]; }"
    )
    (export_top, export_high), (erase_top, erase_high) = (
        a.evaluate(words) for a in (export, erase)
    )
    assert abs(export_top - erase_top) <= 1, (export_top, erase_top)
    assert abs(export_high - erase_high) <= 1, (export_high, erase_high)
