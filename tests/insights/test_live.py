"""The insights plugin in a running hub, over real HTTP and websockets: bot turns from
real conversations, gaps to a published FAQ the bot then answers with, analytics of a
seeded history, the bot preview, selling flows, and the privacy API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agents_console.insights._gaps import as_question
from agents_console.insights._models import BotTurn
from chat.db import utcnow
from chat.models import AuditEntry, Contact, Conversation, CsatRating, ShopperEvent
from knowledge import KnowledgeBase
from tests.console.console_helpers import ConsoleServer, add_messages
from tests.insights.insights_helpers import (
    bot_reply,
    database_dump,
    file_traces,
    in_database,
    traces,
)


@pytest.fixture(scope="module")
def hub(server: Any) -> Any:
    console = ConsoleServer(server)
    yield console
    console.close()


def signed_in(hub: ConsoleServer, who: str) -> httpx.Client:
    client, _ = hub.sign_in(who)
    return client


def turns_of(hub: ConsoleServer, conversation_id: int) -> list[BotTurn]:
    async def read(db: AsyncSession) -> list[BotTurn]:
        return list(
            await db.scalars(
                select(BotTurn)
                .where(BotTurn.conversation_id == conversation_id)
                .order_by(BotTurn.visitor_seq)
            )
        )

    return in_database(hub.server.hub.database_url, read)


def ask(hub: ConsoleServer, texts: list[str]) -> int:
    """One visitor asks ``texts`` in one conversation; returns its id once the bot answered all."""
    visitor = hub.visitor_socket()
    conversation_id = 0
    for text in texts:
        conversation_id = visitor.message(text)["conversation_id"]
        bot_reply(visitor, conversation_id)
    return conversation_id


def wait_for_turns(hub: ConsoleServer, conversation_id: int, count: int) -> list[BotTurn]:
    # A listener writes the turn just after the bot's message went out: poll briefly.
    deadline = time.monotonic() + 15
    while len(turns := turns_of(hub, conversation_id)) < count:
        assert time.monotonic() < deadline, (
            f"conversation {conversation_id} has {len(turns)} turns, not {count}"
        )
        time.sleep(0.05)
    return turns


def test_a_real_conversation_becomes_turns_with_redacted_questions(hub: ConsoleServer) -> None:
    cid = ask(hub, [
        "How long does delivery take?",
        "my mail is kim@example.org, do you have a loyalty programme?",
        "I want to talk to a person",  # nobody is online: the bot offers the e-mail form
    ])  # fmt: skip
    turns = wait_for_turns(hub, cid, 3)
    assert [(t.action, t.faq_id, t.gap, t.handoff_reason) for t in turns] == [
        ("answer_faq", "shipping-time", None, None),
        ("fallback", None, "unanswered", None),
        ("handoff", None, None, "asked"),
    ]
    assert turns[1].question == "my mail is [email], do you have a loyalty programme?"
    assert turns[0].confidence is not None and turns[0].confidence > 0.5

    # An answer followed by "a person, please" did not help: it becomes a gap.
    cid = ask(hub, ["What is your return policy?", "I want to talk to a person"])
    turns = wait_for_turns(hub, cid, 2)
    assert [(t.action, t.gap) for t in turns] == [("answer_faq", "handoff"), ("handoff", None)]

    # Asked for a person straight away: a topic named in the request is the gap, a bare
    # request ("a person, please") names nothing to write an FAQ on.
    for request, gap in [
        ("I want to talk to a person", None),
        ("Ich möchte mit einem Mitarbeiter sprechen", None),
        ("can I talk to someone about a warranty claim for my tent?", "handoff"),
    ]:
        (turn,) = wait_for_turns(hub, ask(hub, [request]), 1)
        assert (turn.action, turn.gap) == ("handoff", gap), request


def test_a_gap_becomes_an_faq_and_later_questions_are_answered(hub: ConsoleServer) -> None:
    asked = [
        "Do you rent out kayaks?",
        "can I hire a canoe from you",
        "Do you offer a rental service for kayaks?",
    ]
    ids = [ask(hub, [text]) for text in asked]
    for cid in ids:
        wait_for_turns(hub, cid, 1)
    editor = signed_in(hub, "editor")
    gaps = editor.get("/api/insights/gaps").json()
    cluster = next(c for c in gaps["clusters"] if "Do you rent out kayaks?" in c["examples"])
    assert cluster["size"] >= 2 and cluster["kinds"]["unanswered"] >= 2
    # With the words search does not know (no kayaks here), but not how shoppers talk.
    unknown = [word.casefold() for word in cluster["unknown_words"]]
    assert {"kayaks", "canoe"} & set(unknown) and not {"do", "you", "can"} & set(unknown)

    draft = editor.post(
        "/api/insights/gaps/draft",
        json={"turn_ids": cluster["turn_ids"], "question": cluster["question"]},
    )
    assert draft.status_code == 200, draft.text
    faq = draft.json()
    # The cluster's question, tidied for shoppers to read ("can I hire…" gets "Can", "?").
    assert faq["question"] == as_question(cluster["question"]) and faq["answer"] == ""
    assert faq["question"] in {as_question(text) for text in asked}
    assert set(faq["variants"]) <= set(asked) and faq["variants"]
    unanswered = editor.post(
        "/api/insights/gaps/publish",
        json={
            "faq": {k: faq[k] for k in ("id", "question", "variants", "locale", "answer")},
            "turn_ids": faq["turn_ids"],
        },
    )
    assert unanswered.status_code == 422 and unanswered.json()["detail"]["code"] == "answer_missing"
    body = {
        "faq": {
            **{k: faq[k] for k in ("id", "question", "variants", "locale")},
            "answer": "We sell kayaks but do not rent them out.",
        },
        "turn_ids": faq["turn_ids"],
    }
    published = editor.post("/api/insights/gaps/publish", json=body)
    assert published.status_code == 201, published.text
    assert published.json()["closed"] == len(faq["turn_ids"])
    assert editor.post("/api/insights/gaps/publish", json=body).json()["detail"]["code"] == "exists"
    assert not any(
        "Do you rent out kayaks?" in c["examples"]
        for c in editor.get("/api/insights/gaps").json()["clusters"]
    )

    # A later shopper asks in new words: the bot's own decision code answers with the FAQ.
    preview = editor.post(
        "/api/insights/preview", json={"text": "Can I rent a kayak for the weekend?"}
    ).json()
    assert (preview["action"], preview["faq"]["id"], preview["band"]) == (
        "answer_faq",
        faq["id"],
        "answer",
    )
    visitor = hub.visitor_socket()
    visitor.message("is kayak rental possible?")
    reply = bot_reply(visitor)
    assert reply["payload"]["faq_id"] == faq["id"] and "do not rent them out" in reply["text"]


def gap_cluster(editor: httpx.Client, example: str) -> dict[str, Any] | None:
    clusters = editor.get("/api/insights/gaps").json()["clusters"]
    return next((c for c in clusters if example in c["examples"]), None)


def close_gap(editor: httpx.Client, turn_ids: list[int], **how: Any) -> httpx.Response:
    return editor.post("/api/insights/gaps/close", json={"turn_ids": turn_ids, **how})


def test_gaps_close_when_the_bot_answers_them_now_join_an_faq_or_are_dismissed(
    hub: ConsoleServer,
) -> None:
    climate = ["Is your shipping carbon neutral?", "are your deliveries climate neutral?"]
    points = ["can I collect points when I buy?", "do I earn bonus points on orders?"]
    noise = ["xkcd zzqv blorp"]
    for text in climate + points + noise:
        [turn] = wait_for_turns(hub, ask(hub, [text]), 1)
        assert turn.gap == "unanswered", (text, turn.action)
    editor = signed_in(hub, "editor")

    # An FAQ written on the Knowledge page, not from the gap: the gap shows the bot's answer now.
    assert gap_cluster(editor, climate[0])["answer_now"] is None  # type: ignore[index]
    created = editor.post(
        "/api/kb/faqs",
        json={
            "id": "climate-neutral-shipping",
            "question": "Is your shipping climate neutral?",
            "answer": "Yes: we offset the CO2 of every parcel.",
        },
    )
    assert created.status_code == 201, created.text
    cluster = gap_cluster(editor, climate[0])
    assert cluster is not None and cluster["language"] == "en"
    assert cluster["answer_now"] == {
        "action": "answer_faq",
        "faq_id": "climate-neutral-shipping",
        "faq_question": "Is your shipping climate neutral?",
        "products": [],
    }
    closed = close_gap(editor, cluster["turn_ids"], faq_id="climate-neutral-shipping")
    assert closed.status_code == 200, closed.text
    assert closed.json()["closed"] == cluster["size"] and closed.json()["variants_added"] == []
    assert gap_cluster(editor, climate[0]) is None
    again = close_gap(editor, cluster["turn_ids"], faq_id="climate-neutral-shipping")
    assert (again.status_code, again.json()["detail"]["code"]) == (404, "not_found")

    # An FAQ the bot does not connect with the questions: their wordings join it.
    club = {"id": "trailhead-club", "question": "What is the Trailhead Club?",
            "answer": "Our free club: a point for every euro, and 5 EUR off per 100 points."}  # fmt: skip
    assert editor.post("/api/kb/faqs", json=club).status_code == 201
    cluster = gap_cluster(editor, points[0])
    assert cluster is not None and cluster["answer_now"] is None
    for how, problem in [
        ({"add_variants": True}, (422, "faq_missing")),
        ({"faq_id": "no-such-faq", "add_variants": True}, (404, "faq_not_found")),
    ]:
        refused = close_gap(editor, cluster["turn_ids"], **how)
        assert (refused.status_code, refused.json()["detail"]["code"]) == problem
    assert close_gap(editor, [], faq_id=club["id"]).status_code == 422
    agent = signed_in(hub, "agent")
    assert close_gap(agent, cluster["turn_ids"], faq_id=club["id"]).status_code == 403
    joined = close_gap(editor, cluster["turn_ids"], faq_id=club["id"], add_variants=True)
    assert joined.status_code == 200, joined.text
    added = joined.json()["variants_added"]
    assert set(added) == set(cluster["examples"]) and joined.json()["faq"]["variants"] == added
    assert editor.get(f"/api/kb/faqs/{club['id']}").json()["variants"] == added
    assert gap_cluster(editor, points[0]) is None
    preview = editor.post("/api/insights/preview", json={"text": points[1]}).json()
    assert (preview["action"], preview["faq"]["id"]) == ("answer_faq", club["id"])

    # No content gap at all: dismissed without an FAQ.
    cluster = gap_cluster(editor, noise[0])
    assert cluster is not None
    dismissed = close_gap(editor, cluster["turn_ids"], faq_id=None)
    assert dismissed.json() == {"closed": cluster["size"], "faq": None, "variants_added": []}
    assert gap_cluster(editor, noise[0]) is None

    async def audited(db: AsyncSession) -> list[tuple[str, str, dict[str, Any]]]:
        entries = await db.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "insights.gap.closed")
            .order_by(AuditEntry.id)
        )
        return [(e.target, e.actor, e.details) for e in entries]

    trail = in_database(hub.server.hub.database_url, audited)[-3:]
    assert [(target, details["variants_added"]) for target, _, details in trail] == [
        ("faq:climate-neutral-shipping", 0),
        ("faq:trailhead-club", 2),
        ("gaps", 0),
    ]


PERIOD_START = (utcnow() - dt.timedelta(days=120)).date()


async def seed_history(db: AsyncSession) -> None:
    """Four conversations on two days, 120 days ago: two the bot handled, two handed off."""
    day = dt.datetime.combine(PERIOD_START, dt.time(10), dt.UTC)
    rows = [
        # (day offset, handed off, seconds to first agent reply, resolved after minutes, rating)
        (0, False, None, 4, None),
        (0, True, 60, 30, 5),
        (1, False, None, None, None),
        (1, True, 180, 10, 2),
    ]
    for offset, handed_off, first_reply, resolved, rating in rows:
        start = day + dt.timedelta(days=offset)
        contact = Contact(created_at=start, last_seen_at=start)
        db.add(contact)
        await db.flush()
        conversation = Conversation(
            contact_id=contact.id, status="resolved" if resolved else "bot", created_at=start, updated_at=start,
            handoff_reason="asked" if handed_off else None, queued_at=start if handed_off else None,
            first_response_at=start + dt.timedelta(seconds=first_reply) if first_reply else None,
            resolved_at=start + dt.timedelta(minutes=resolved) if resolved else None, last_seq=1,
        )  # fmt: skip
        db.add(conversation)
        await db.flush()
        add_messages(db, conversation.id, [("visitor", "hi")], start)
        db.add(BotTurn(
            conversation_id=conversation.id, contact_id=contact.id, visitor_seq=1, question="pan please",
            action="show_products", product_ids=["CW-101"], created_at=start,
        ))  # fmt: skip
        if rating:
            db.add(
                CsatRating(
                    conversation_id=conversation.id,
                    score=rating,
                    created_at=start + dt.timedelta(hours=1),
                )
            )
        if not handed_off:
            db.add(
                ShopperEvent(
                    contact_id=contact.id,
                    kind="add_to_cart",
                    product_id="CW-101",
                    data={},
                    created_at=start + dt.timedelta(minutes=5),
                )
            )
    await db.commit()


def test_analytics_of_a_seeded_history(hub: ConsoleServer) -> None:
    in_database(hub.server.hub.database_url, seed_history)
    editor = signed_in(hub, "editor")
    period = {
        "start": str(PERIOD_START),
        "end": str(PERIOD_START + dt.timedelta(days=2)),
        "tz": "UTC",
    }
    report = editor.get("/api/insights/analytics", params=period).json()
    assert (report["conversations"], report["contained"], report["handoffs"]) == (4, 2, 2)
    assert (report["containment_rate"], report["handoff_rate"]) == (0.5, 0.5)
    assert report["handoff_reasons"] == {"asked": 2}
    assert report["first_response_seconds"] == {"count": 2, "median": 120.0, "p90": 168.0}
    assert report["resolution_seconds"]["median"] == 600.0  # 4, 10 and 30 minutes
    assert report["csat"]["average"] == 3.5 and report["csat"]["distribution"]["5"] == 1
    assert report["products"] == [
        {
            "product_id": "CW-101",
            "title": "Cast iron skillet 28 cm",
            "recommended": 4,
            "clicked": 0,
            "added_to_cart": 2,
        }
    ]
    assert [d["conversations"] for d in report["daily"]] == [2, 2, 0]

    exported = editor.get("/api/insights/analytics.csv", params={**period, "table": "daily"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    assert list(csv.reader(io.StringIO(exported.text)))[1:] == [
        [str(PERIOD_START), "2", "1", "1"],
        [str(PERIOD_START + dt.timedelta(days=1)), "2", "1", "1"],
        [str(PERIOD_START + dt.timedelta(days=2)), "0", "0", "0"],
    ]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"tz": "Mars/Olympus"}, "invalid_timezone"),
        ({"start": "2026-03-05", "end": "2026-03-01"}, "invalid_period"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "invalid_period"),
        ({"start": "yesterday"}, "invalid_request"),
    ],
)
def test_analytics_explains_a_bad_period(
    hub: ConsoleServer, params: dict[str, str], code: str
) -> None:
    response = signed_in(hub, "editor").get("/api/insights/analytics", params=params)
    assert response.status_code == 422 and response.json()["detail"]["code"] == code
    assert response.json()["detail"]["message"]


def test_roles(hub: ConsoleServer) -> None:
    agent, editor = signed_in(hub, "agent"), signed_in(hub, "editor")
    for path in ("/api/insights/analytics", "/api/insights/gaps", "/api/insights/flows"):
        assert agent.get(path).json()["detail"]["code"] == "forbidden"
        assert httpx.get(hub.url + path).status_code == 401
    assert agent.post("/api/insights/preview", json={"text": "hi"}).status_code == 403
    for path in ("/api/privacy/audit", "/api/privacy/contacts?q=anna", "/api/privacy/retention"):
        assert editor.get(path).status_code == 403
    assert (
        editor.get("/api/insights/analytics.csv", params={"table": "secrets"}).json()["detail"][
            "code"
        ]
        == "invalid_table"
    )


def test_selling_flows_are_edited_and_used_by_the_bot(hub: ConsoleServer) -> None:
    editor = signed_in(hub, "editor")
    flows = editor.get("/api/insights/flows").json()
    assert {"Kitchen/Cookware": "packaged"}.items() <= {
        f["category"]: f["source"] for f in flows
    }.items()
    flow = {
        "match": ["backpack", "rucksack"],
        "heads": ["Rucksack"],
        "name": {"en": "packs", "de": "Tornister"},
        "intro": {"en": "Backpacks are our hobby."},
        "questions": [{"facet": "price", "ask": {"en": "How much would you like to spend?"}}],
    }
    saved = editor.put("/api/insights/flows/Outdoor/Backpacks", json=flow)
    assert saved.status_code == 200, saved.text
    assert saved.json()["source"] == "edited" and saved.json()["updated_by"] == "editor@demo.shop"
    assert saved.json()["heads"] == ["rucksack"]
    assert {"en": "backpacks", "de": "Rucksäcke"} == next(
        f["name"] for f in flows if f["category"] == "Outdoor/Backpacks"
    )
    assert saved.json()["name"] == {"en": "packs", "de": "Tornister"}
    # A German compound ending in a head names the category too: without the head,
    # "Markenrucksack" is not understood and "Fahrradrucksack" also shows a garden tool.
    for text in ("I need a backpack", "Markenrucksack"):
        preview = editor.post("/api/insights/preview", json={"text": text}).json()
        assert "Backpacks are our hobby. How much would you like to spend?" in [
            r["text"] for r in preview["replies"]
        ], (text, preview)
    preview = editor.post("/api/insights/preview", json={"text": "Fahrradrucksack"}).json()
    assert preview["action"] == "show_products", preview
    assert {p["category"] for p in preview["products"]} == {"Outdoor/Backpacks"}

    unknown = editor.put("/api/insights/flows/Space/Rockets", json=flow)
    assert unknown.status_code == 422 and unknown.json()["detail"]["code"] == "unknown_category"
    bad = editor.put(
        "/api/insights/flows/Outdoor/Backpacks",
        json={**flow, "questions": [{"facet": "colour", "ask": {"de": "Farbe?"}}]},
    )
    assert bad.status_code == 422 and {f["field"] for f in bad.json()["detail"]["fields"]} == {
        "questions.0.facet",
        "questions.0.ask",
    }
    assert editor.delete("/api/insights/flows/Outdoor/Backpacks").status_code == 204
    assert editor.delete("/api/insights/flows/Outdoor/Backpacks").status_code == 404

    # A person count means the attribute the flow names: seats, for garden furniture.
    furniture = next(f for f in flows if f["category"] == "Garden/Furniture")
    assert furniture["persons"] == "seats"
    preview = editor.post(
        "/api/insights/preview", json={"text": "garden furniture for 6 people"}
    ).json()
    assert [p["id"] for p in preview["products"]] == ["GF-403"], preview  # the 8-seat table
    bad = editor.put(
        "/api/insights/flows/Garden/Furniture",
        json={**flow, "persons": "Seats!"},
    )
    assert bad.status_code == 422 and [f["field"] for f in bad.json()["detail"]["fields"]] == [
        "persons"
    ]
    preview = editor.post("/api/insights/preview", json={"text": "I need a backpack"}).json()
    assert not any("hobby" in r["text"] for r in preview["replies"])


def test_privacy_export_and_erasure_over_http(hub: ConsoleServer) -> None:
    visitor = hub.visitor_socket()
    contact_id = visitor.welcome["contact_id"]
    secret = "Please call Jo Quimby on +49 171 5550199 about the kettle"
    conversation_id = visitor.message(secret)["conversation_id"]
    bot_reply(visitor, conversation_id)
    embedder = hub.server.hub.require(KnowledgeBase).embedder
    assert embedder.recent(secret) is not None  # the bot embedded the raw message
    visitor.send(
        {
            "type": "event",
            "kind": "product_view",
            "product_id": "CT-301",
            "url": "/demo/p/quimby-kettle",
            "data": {},
        }
    )
    assert visitor.command("consent", granted=True)["type"] == "result"
    assert visitor.command("request_human", conversation_id)["type"] == "result"
    wait_for_turns(hub, conversation_id, 1)

    admin, admin_body = hub.sign_in("admin")
    found = admin.get("/api/privacy/contacts", params={"q": contact_id}).json()
    assert [c["id"] for c in found] == [contact_id]
    exported = admin.get(f"/api/privacy/contacts/{contact_id}/export")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    data = exported.json()
    assert data["format"] == "touchpoint.contact-export/1"
    assert secret in [m["text"] for m in data["conversations"][0]["messages"]]
    assert [e["url"] for e in data["events"]] == ["/demo/p/quimby-kettle"]
    assert [(c["purpose"], c["granted"], c["source"]) for c in data["consent_records"]] == [
        ("personalisation", True, "widget")
    ]
    assert (
        data["other"]["bot_turns"][0]["question"]
        == "Please call Jo Quimby on [phone] about the kettle"
    )
    assert (
        signed_in(hub, "agent").get(f"/api/privacy/contacts/{contact_id}/export").status_code == 403
    )

    refused = admin.delete(f"/api/privacy/contacts/{contact_id}")
    assert refused.status_code == 409 and refused.json()["detail"]["code"] == "conversation_open"
    erased = admin.delete(f"/api/privacy/contacts/{contact_id}", params={"force": "true"})
    assert erased.status_code == 200, erased.text
    assert erased.json()["conversations"] == 1 and erased.json()["other"] == {"bot_turns": 1}
    assert admin.delete(f"/api/privacy/contacts/{contact_id}").status_code == 404
    # Nor does the embedder's cache of recent texts keep the message (keyed by its text).
    assert embedder.recent(secret) is None

    markers = ["Quimby", "5550199", "quimby-kettle", contact_id]

    async def check(db: AsyncSession) -> list[AuditEntry]:
        dump = await database_dump(db)
        assert traces(dump, markers[:3]) == []
        assert traces(dump, [contact_id], skip=("audit_log",)) == []
        return list(
            await db.scalars(
                select(AuditEntry)
                .where(AuditEntry.target == f"contact:{contact_id}")
                .order_by(AuditEntry.id)
            )
        )

    audit = in_database(hub.server.hub.database_url, check)
    assert [(a.action, a.actor) for a in audit] == [
        ("privacy.export", f"agent:{admin_body['agent']['id']}"),
        ("privacy.erase", f"agent:{admin_body['agent']['id']}"),
    ]
    assert file_traces(hub.server.settings.data_dir, markers[:3]) == []
    listed = admin.get("/api/privacy/audit", params={"action": "privacy."}).json()
    assert {"privacy.export", "privacy.erase"} <= {e["action"] for e in listed}


def test_an_erasure_by_another_process_empties_the_servers_caches(hub: ConsoleServer) -> None:
    """`touchpoint privacy erase` beside a server without Redis: the server learns of it
    from the audit log, closes the shopper's open widget and forgets the texts it holds
    in memory."""
    # The watch empties the cache for earlier tests' erasures too: once it has seen them,
    # only this erasure can empty it below.
    time.sleep(2.5 * hub.server.settings.erasure_watch_seconds)
    visitor = hub.visitor_socket()
    secret = "Ring Ada Quill on +49 171 5550123 about her order"
    conversation_id = visitor.message(secret)["conversation_id"]
    bot_reply(visitor, conversation_id)
    embedder = hub.server.hub.require(KnowledgeBase).embedder
    assert embedder.recent(secret) is not None
    assert not hub.server.hub.bus.crosses_processes

    command = [sys.executable, "-m", "chat.cli", "--data-dir", str(hub.server.settings.data_dir)]
    command += ["privacy", "erase", visitor.welcome["contact_id"], "--yes"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["messages"] >= 2  # the question and the bot's answer
    closing = visitor.wait_for(lambda f: f["type"] == "error", timeout=30)
    assert (closing["code"], closing["fatal"]) == ("bad_token", True)
    assert "erased" in closing["message"]
    deadline = time.monotonic() + 30  # a functional check: the speed is the benchmark's business
    while embedder.recent(secret) is not None:
        assert time.monotonic() < deadline, "the server kept the erased message in its cache"
        time.sleep(0.1)


def test_purge_and_retention_over_http(hub: ConsoleServer) -> None:
    admin = signed_in(hub, "admin")
    assert admin.get("/api/privacy/retention").json() == {"days": 180, "interval_seconds": 3600.0}
    report = admin.post("/api/privacy/purge", json={"days": 3650})
    assert report.status_code == 200 and report.json()["conversations"] == 0
    bad = admin.post("/api/privacy/purge", json={"days": 0})
    assert bad.status_code == 422 and bad.json()["detail"]["fields"][0]["field"] == "days"
