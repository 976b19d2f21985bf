"""The content API on a real server: roles, validation, CRUD, live search, imports, OpenAPI."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chat.config import Settings
from knowledge.service import KnowledgeService
from tests.chat.helpers import DEMO_PASSWORDS
from tests.conftest import LiveServer, start_server

TENT = {"id": "TE-900", "title": "Storm shelter 3", "price": 299.0, "category": "Outdoor/Tents",
        "brand": "Alpina", "attributes": {"persons": 3, "season": "4-season"}, "stock": 4}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    running = start_server(
        Settings(data_dir=tmp_path_factory.mktemp("kb-api")), plugins=["knowledge"], demo=True
    )
    yield running
    running.stop()


def client(server: LiveServer, email: str | None = None) -> httpx.Client:
    http = httpx.Client(base_url=server.url, timeout=30)
    if email:
        response = http.post(
            "/api/auth/login", json={"email": email, "password": DEMO_PASSWORDS[email]}
        )
        response.raise_for_status()
        http.headers["authorization"] = f"Bearer {response.json()['token']}"
    return http


@pytest.fixture(scope="module")
def editor(server: LiveServer) -> Iterator[httpx.Client]:
    http = client(server, "editor@demo.shop")
    yield http
    http.close()


@pytest.fixture(scope="module")
def agent(server: LiveServer) -> Iterator[httpx.Client]:
    http = client(server, "agent@demo.shop")
    yield http
    http.close()


def search(http: httpx.Client, query: str, **body: Any) -> dict[str, Any]:
    response = http.post("/api/kb/search", json={"query": query, **body})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_openapi_describes_the_content_api(server: LiveServer) -> None:
    with client(server) as http:
        schema = http.get("/openapi.json").json()
        assert http.get("/docs").status_code == 200
    paths = schema["paths"]
    for path, methods in {
        "/api/kb/products": {"get", "post"},
        "/api/kb/products/{item_id}": {"get", "put", "delete"},
        "/api/kb/faqs": {"get", "post"},
        "/api/kb/faqs/{item_id}": {"get", "put", "delete"},
        "/api/kb/search": {"post"},
        "/api/kb/import/{kind}": {"post"},
        "/api/kb/jobs/{job_id}": {"get"},
        "/api/kb/stats": {"get"},
        "/api/kb/faq-matches": {"get"},
        "/api/kb/synonyms": {"get", "post"},
        "/api/kb/synonyms/{set_id}": {"put", "delete"},
        "/api/kb/synonyms/import": {"post"},
        "/api/kb/categories": {"get", "put"},
    }.items():
        assert methods <= set(paths[path]), path
    product = schema["components"]["schemas"]["Product"]
    assert {"id", "title", "price"} <= set(product["required"])
    assert product["properties"]["attributes"]["type"] == "object"


def test_reading_needs_an_agent_and_writing_an_editor(
    server: LiveServer, agent: httpx.Client, editor: httpx.Client
) -> None:
    with client(server) as anonymous:
        assert anonymous.get("/api/kb/products").status_code == 401
    assert agent.get("/api/kb/products").json()["total"] == 51
    assert agent.get("/api/kb/faqs/returns").json()["question"] == "What is your return policy?"
    for method, path, body in [
        ("POST", "/api/kb/products", TENT),
        ("PUT", "/api/kb/products/TE-900", TENT),
        ("DELETE", "/api/kb/products/CW-101", None),
        ("DELETE", "/api/kb/faqs/returns", None),
    ]:
        response = agent.request(method, path, json=body)
        assert response.status_code == 403, (method, path)
        assert response.json()["detail"]["code"] == "forbidden"
    assert agent.get("/api/kb/products/CW-101").status_code == 200
    files = {"file": ("faqs.csv", b"id,question,answer\nx,Q?,A.\n", "text/csv")}
    assert agent.post("/api/kb/import/faqs", files=files).status_code == 403


def test_validation_errors_name_each_field(editor: httpx.Client) -> None:
    response = editor.post("/api/kb/products", json={"id": "bad", "price": "cheap", "rating": 7})
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["detail"]["fields"]}
    assert {"title", "price", "rating"} <= fields
    # Links shoppers follow: http(s) or a path on the shop's site, nothing else.
    response = editor.put(
        "/api/kb/faqs/link",
        json={"id": "link", "question": "Q?", "answer": "A.", "url": "javascript:x"},
    )
    assert response.status_code == 422
    assert response.json()["detail"]["fields"] == [
        {
            "field": "url",
            "message": "must be an http:// or https:// address, or a path starting with /",
        }
    ]
    response = editor.put("/api/kb/products/one", json={**TENT, "id": "other"})
    assert response.status_code == 422
    assert response.json()["detail"]["fields"][0]["field"] == "id"
    response = editor.post(
        "/api/kb/search", json={"query": "tent", "filters": {"attr.persons_min": "many"}}
    )
    assert response.status_code == 422
    assert response.json()["detail"]["fields"] == [
        {"field": "filters.attr.persons_min", "message": "expected a number, got 'many'"}
    ]
    response = editor.post("/api/kb/search", json={"query": "tent", "filters": {"attr.season": []}})
    assert response.status_code == 422
    assert response.json()["detail"]["fields"] == [
        {"field": "filters.attr.season", "message": "expected a value or a list of values, got []"}
    ]


def test_edits_are_searchable_within_a_second_and_audited(
    server: LiveServer, editor: httpx.Client
) -> None:
    started = time.monotonic()
    assert editor.post("/api/kb/products", json=TENT).status_code == 201
    found = search(editor, "storm shelter", k=3, filters={"attr.season": "4-season"})
    assert time.monotonic() - started < 1.0
    assert found["hits"][0]["id"] == "TE-900"
    either = search(editor, "storm shelter", k=3, filters={"attr.season": ["summer", "4-season"]})
    assert either["hits"][0]["id"] == "TE-900"  # a list: any of its values
    assert found["items"][0]["title"] == "Storm shelter 3"
    assert editor.post("/api/kb/products", json=TENT).status_code == 409

    started = time.monotonic()
    assert (
        editor.put(
            "/api/kb/products/TE-900", json={**TENT, "title": "Blizzard bivouac 3"}
        ).status_code
        == 200
    )
    assert search(editor, "blizzard bivouac", k=1)["hits"][0]["id"] == "TE-900"
    assert "TE-900" not in [
        h["id"] for h in search(editor, "storm shelter", mode="keyword")["hits"]
    ]
    assert time.monotonic() - started < 1.0

    faq = {
        "id": "pets",
        "question": "Are dogs allowed in the showroom?",
        "answer": "Yes, on a leash.",
    }
    started = time.monotonic()
    assert editor.put("/api/kb/faqs/pets", json=faq).status_code == 201
    match = editor.get("/api/kb/faq-matches", params={"q": "can I bring my dog"}).json()[0]
    assert time.monotonic() - started < 1.0
    assert match["faq_id"] == "pets" and match["matched_text"] == faq["question"]

    assert editor.delete("/api/kb/products/TE-900").status_code == 204
    assert editor.get("/api/kb/products/TE-900").status_code == 404
    assert editor.delete("/api/kb/products/TE-900").status_code == 404
    assert "TE-900" not in [h["id"] for h in search(editor, "blizzard bivouac")["hits"]]

    with sqlite3.connect(Path(server.settings.data_dir) / "touchpoint.db") as db:
        trail = db.execute(
            "SELECT actor, action, target FROM audit_log WHERE action LIKE 'kb.%' AND actor = ? ORDER BY id",
            ("editor@demo.shop",),
        ).fetchall()
    assert trail == [
        ("editor@demo.shop", "kb.product.create", "TE-900"),
        ("editor@demo.shop", "kb.product.update", "TE-900"),
        ("editor@demo.shop", "kb.faq.create", "pets"),
        ("editor@demo.shop", "kb.product.delete", "TE-900"),
    ]


def wait_for_job(http: httpx.Client, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = http.get(f"/api/kb/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"import job {job_id} did not finish: {job}")


def test_bulk_import_reports_progress_and_counts(editor: httpx.Client) -> None:
    csv = "id,question,answer,variants,locale\nclick-collect,Can I collect my order in the store?,Yes.,pick up in store|click and collect,en\n"
    response = editor.post(
        "/api/kb/import/faqs", files={"file": ("more.csv", csv.encode(), "text/csv")}
    )
    assert response.status_code == 202
    job = wait_for_job(editor, response.json()["job_id"])
    assert job["status"] == "done", job
    assert job["report"]["created"] == 1 and job["report"]["applied"]
    assert job["processed"] == job["total"] > 0
    assert search(editor, "pick up in store", kind="faqs", k=1)["hits"][0]["id"] == "click-collect"

    bad = b"id,question,answer\nok,Fine?,Yes.\n,No id?,No.\n"
    job = wait_for_job(
        editor,
        editor.post("/api/kb/import/faqs", files={"file": ("bad.csv", bad, "text/csv")}).json()[
            "job_id"
        ],
    )
    assert job["status"] == "failed"
    assert job["report"]["invalid"] == [
        {"file": "bad.csv", "line": 3, "id": None, "reason": "missing id"}
    ]
    assert editor.get("/api/kb/faqs/ok").status_code == 404


def test_stats_count_the_store(agent: httpx.Client) -> None:
    stats = agent.get("/api/kb/stats").json()
    assert stats["products"] >= 51 and stats["faqs"] >= 38
    assert stats["synonyms"] >= 60  # the demo's German words
    assert stats["categories"]["Outdoor/Tents"] >= 6
    assert stats["index_mb"] > 0


def test_synonym_sets_are_edited_by_editors_searched_at_once_and_audited(
    server: LiveServer, agent: httpx.Client, editor: httpx.Client
) -> None:
    seeded = agent.get("/api/kb/synonyms").json()
    assert ["Hängematte", "hammock"] in [s["terms"] for s in seeded]  # the demo's own
    for method, path in [
        ("POST", "/api/kb/synonyms"),
        ("PUT", f"/api/kb/synonyms/{seeded[0]['id']}"),
    ]:
        response = agent.request(method, path, json={"terms": ["Laterne", "lantern"]})
        assert response.status_code == 403, method
    assert agent.delete(f"/api/kb/synonyms/{seeded[0]['id']}").status_code == 403

    def first_hit(query: str) -> str | None:
        hits = search(editor, query, mode="keyword", k=1)["hits"]
        return hits[0]["id"] if hits else None

    assert first_hit("Zeltplane") is None
    response = editor.post("/api/kb/synonyms", json={"terms": [" Zeltplane ", "tent"]})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["terms"] == ["Zeltplane", "tent"]
    assert created["updated_by"] == "editor@demo.shop"
    assert (first_hit("Zeltplane") or "").startswith("TE-")

    response = editor.put(
        f"/api/kb/synonyms/{created['id']}", json={"terms": ["Zeltplane", "tarp", "shelter"]}
    )
    assert response.status_code == 200
    assert first_hit("Zeltplane") == "TE-605"  # the Pop-up beach shelter

    response = editor.post("/api/kb/synonyms", json={"terms": ["tarp"]})
    assert response.status_code == 422
    assert response.json()["detail"]["fields"] == [
        {"field": "terms", "message": "give at least two terms: a set says they mean the same"}
    ]
    response = editor.post("/api/kb/synonyms", json={"terms": ["tarp", "Tarp"]})
    assert response.json()["detail"]["fields"][0]["message"] == '"Tarp" is given twice'
    assert editor.put("/api/kb/synonyms/nope", json={"terms": ["a", "b"]}).status_code == 404

    assert editor.delete(f"/api/kb/synonyms/{created['id']}").status_code == 204
    assert first_hit("Zeltplane") is None
    response = editor.delete(f"/api/kb/synonyms/{created['id']}")
    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "not_found"

    # A file of sets: all or nothing, each problem on its line.
    upload = {"file": ("sets.txt", b"Zeltplane, tarp\nshelter\n", "text/plain")}
    response = editor.post("/api/kb/synonyms/import", files=upload)
    assert response.status_code == 422
    assert response.json()["detail"]["errors"] == [
        {"file": "sets.txt", "line": 2, "id": None,
         "reason": "terms: give at least two terms: a set says they mean the same"}
    ]  # fmt: skip
    assert first_hit("Zeltplane") is None
    upload = {"file": ("sets.txt", b"Zeltplane, tarp, shelter\n", "text/plain")}
    assert agent.post("/api/kb/synonyms/import", files=upload).status_code == 403
    response = editor.post("/api/kb/synonyms/import", files=upload)
    assert response.json() == {"file": "sets.txt", "created": 1, "unchanged": 0, "deleted": 0}
    assert first_hit("Zeltplane") == "TE-605"
    (imported,) = [s for s in agent.get("/api/kb/synonyms").json() if "Zeltplane" in s["terms"]]
    assert editor.delete(f"/api/kb/synonyms/{imported['id']}").status_code == 204

    with sqlite3.connect(Path(server.settings.data_dir) / "touchpoint.db") as db:
        trail = db.execute(
            "SELECT action, target FROM audit_log WHERE action LIKE 'kb.synonyms.%' AND actor = ? ORDER BY id",
            ("editor@demo.shop",),
        ).fetchall()
    assert trail == [
        ("kb.synonyms.create", created["id"]),
        ("kb.synonyms.update", created["id"]),
        ("kb.synonyms.delete", created["id"]),
        ("kb.synonyms.import", "sets.txt"),
        ("kb.synonyms.delete", imported["id"]),
    ]


def test_categories_are_listed_with_counts_and_named_per_language_by_editors(
    server: LiveServer, agent: httpx.Client, editor: httpx.Client
) -> None:
    listed = {c["path"]: c for c in agent.get("/api/kb/categories").json()}
    # Parents count their subcategories' products; the demo names its departments.
    assert (
        listed["Garden"]["products"]
        == listed["Garden/Tools"]["products"] + listed["Garden/Furniture"]["products"]
    )
    assert listed["Garden"]["names"] == {"de": "Garten"}
    assert listed["Outdoor/Tents"]["names"] == {}

    body = {"path": "Outdoor/Tents", "names": {"de": "  Zelte  ", "en": "Tents & shelters"}}
    assert agent.put("/api/kb/categories", json=body).status_code == 403
    response = editor.put("/api/kb/categories", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["names"] == {"de": "Zelte", "en": "Tents & shelters"}
    kb = server.hub.require(KnowledgeService).kb
    assert kb.category_names["Outdoor/Tents"] == {"de": "Zelte", "en": "Tents & shelters"}

    for names, message in [
        ({"fr": "Tentes"}, 'unknown language "fr": use en, de'),
        ({"de": "Z" * 81}, "the de name is too long: at most 80 characters"),
    ]:
        response = editor.put("/api/kb/categories", json={"path": "Outdoor/Tents", "names": names})
        assert response.status_code == 422
        assert response.json()["detail"]["fields"][0]["message"] == message
    response = editor.put("/api/kb/categories", json={"path": "Outdoor/Kayaks", "names": {}})
    assert (response.status_code, response.json()["detail"]["code"]) == (404, "not_found")
    assert kb.category_names["Outdoor/Tents"] == {"de": "Zelte", "en": "Tents & shelters"}

    # Named, then left by its last product: listed with none, and its names can go.
    product = {"id": "KY-1", "title": "Kayak", "price": 499.0, "category": "Water/Kayaks"}
    assert editor.post("/api/kb/products", json=product).status_code == 201
    kayaks = {"path": "Water/Kayaks", "names": {"de": "Kajaks"}}
    assert editor.put("/api/kb/categories", json=kayaks).status_code == 200
    assert editor.delete("/api/kb/products/KY-1").status_code == 204
    listed = {c["path"]: c for c in agent.get("/api/kb/categories").json()}
    assert listed["Water/Kayaks"] == {
        "path": "Water/Kayaks",
        "products": 0,
        "names": {"de": "Kajaks"},
    }
    assert "Water" not in listed
    cleared = editor.put("/api/kb/categories", json={"path": "Water/Kayaks", "names": {}})
    assert cleared.status_code == 200 and "Water/Kayaks" not in kb.category_names
    assert all(c["path"] != "Water/Kayaks" for c in agent.get("/api/kb/categories").json())

    # No names left: the catalog's own (and a flow's) again.
    response = editor.put("/api/kb/categories", json={"path": "Outdoor/Tents", "names": {"de": ""}})
    assert response.json()["names"] == {}
    assert "Outdoor/Tents" not in kb.category_names
    with sqlite3.connect(Path(server.settings.data_dir) / "touchpoint.db") as db:
        trail = db.execute(
            "SELECT target FROM audit_log WHERE action = 'kb.category_names.save' AND actor = ?",
            ("editor@demo.shop",),
        ).fetchall()
    assert trail == [("Outdoor/Tents",), ("Water/Kayaks",), ("Water/Kayaks",), ("Outdoor/Tents",)]
