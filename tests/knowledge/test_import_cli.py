"""`touchpoint kb import/export/stats/search` against a real data dir."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from chat.config import Settings
from chat.hub import Hub, create_hub
from chat.plugins import installed_plugins
from knowledge import Faq, store
from knowledge.formats import parse
from knowledge.service import KnowledgeService

Cli = Callable[..., Any]
FAQS = [
    {
        "id": "ship",
        "question": "How long does delivery take?",
        "answer": "1-3 days.",
        "variants": ["when will it arrive"],
    },
    {
        "id": "return",
        "question": "How do I return an item?",
        "answer": "Use the form.",
        "tags": ["returns"],
    },
    {
        "id": "pay",
        "question": "Which payment methods do you accept?",
        "answer": "Cards and PayPal.",
    },
]


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(rows))
    return path


def export(cli: Cli, data_dir: Path, kind: str = "faqs") -> list[Any]:
    result = cli("--data-dir", data_dir, "kb", "export", kind, "-", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    if not result.stdout:
        return []
    return parse(result.stdout.encode(), kind=kind, filename="export.jsonl").items  # type: ignore[arg-type]


def test_import_counts_replace_export_stats_and_search(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = cli("--data-dir", data, "kb", "import", "faqs", write(tmp_path / "faqs.json", FAQS))
    assert first.exit_code == 0, first.output
    assert "faqs: 3 created, 0 updated, 0 unchanged, 0 deleted, 0 skipped" in first.stdout

    changed = [FAQS[0], {**FAQS[1], "answer": "Use the returns form."}, FAQS[2],
               {"id": "gift", "question": "Do you sell gift cards?", "answer": "Yes."}]  # fmt: skip
    second = cli(
        "--data-dir", data, "kb", "import", "faqs", write(tmp_path / "faqs2.json", changed)
    )
    assert "faqs: 1 created, 1 updated, 2 unchanged, 0 deleted" in second.stdout

    replaced = cli(
        "--data-dir",
        data,
        "kb",
        "import",
        "faqs",
        "--replace",
        write(tmp_path / "faqs3.json", changed[:2]),
    )
    assert "faqs: 0 created, 0 updated, 2 unchanged, 2 deleted" in replaced.stdout
    assert [f.id for f in export(cli, data)] == ["return", "ship"]

    csv_file = tmp_path / "faqs.csv"
    assert cli("--data-dir", data, "kb", "export", "faqs", csv_file).exit_code == 0
    assert (
        "0 created, 0 updated, 2 unchanged"
        in cli("--data-dir", data, "kb", "import", "faqs", csv_file).stdout
    )

    stats = json.loads(cli("--data-dir", data, "kb", "stats", "--json").stdout)
    assert (stats["faqs"], stats["products"], stats["synonyms"]) == (2, 0, 0)

    one = json.loads(
        cli(
            "--data-dir",
            data,
            "kb",
            "search",
            "when does my parcel come",
            "--kind",
            "faqs",
            "--json",
        ).stdout
    )
    assert one["results"][0] == {"id": "ship", "score": one["results"][0]["score"], "kind": "faq"}
    lines = cli(
        "--data-dir",
        data,
        "kb",
        "search",
        "-",
        "--kind",
        "faqs",
        "-k",
        "1",
        input="return my item\nwhen will my order arrive\n",
    ).stdout
    answers = [json.loads(line) for line in lines.splitlines()]
    assert [(a["query"], a["results"][0]["id"]) for a in answers] == [
        ("return my item", "return"),
        ("when will my order arrive", "ship"),
    ]


BAD_FILES = {
    "missing-id.csv": (b"id,question,answer\n,Where?,Here.\n", "missing-id.csv:2: missing id"),
    "price.jsonl": (b'{"id": "p1", "title": "Tent", "price": 100}\n{"id": "p2", "title": "Pan", "price": "ten"}\n',
                    "price.jsonl:2: p2: price: 'ten' is not a number"),
    "broken.json": (b'[{"id": "x", "question": "Q", "answer": "A"},\n{"id": ]', "broken.json:2: broken JSON"),
    "latin1.csv": ("id,question,answer\nk,Rückgabe?,Ja.\n".encode("cp1252"), "latin1.csv:2: not valid UTF-8"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_input_rejects_the_whole_file_and_changes_nothing(
    cli: Cli, tmp_path: Path, name: str
) -> None:
    data = tmp_path / "data"
    cli("--data-dir", data, "kb", "import", "faqs", write(tmp_path / "good.json", FAQS))
    content, message = BAD_FILES[name]
    kind = "products" if name.startswith("price") else "faqs"
    bad = tmp_path / name
    bad.write_bytes(content)
    result = cli("--data-dir", data, "kb", "import", kind, bad)
    assert result.exit_code == 1
    assert f"{tmp_path}/{message}" in result.output
    assert "nothing was imported" in result.output
    assert [f.id for f in export(cli, data)] == ["pay", "return", "ship"]
    assert export(cli, data, "products") == []


def test_skip_invalid_imports_the_good_rows_and_lists_the_bad(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "data"
    bad = tmp_path / "mixed.jsonl"
    bad.write_bytes(BAD_FILES["price.jsonl"][0])
    result = cli("--data-dir", data, "kb", "import", "products", "--skip-invalid", bad)
    assert result.exit_code == 0
    assert "skipped" in result.output and "price: 'ten' is not a number" in result.output
    assert "products: 1 created, 0 updated, 0 unchanged, 0 deleted, 1 skipped" in result.stdout
    assert [p.id for p in export(cli, data, "products")] == ["p1"]


def test_export_refuses_the_feed_format(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "--data-dir", tmp_path / "data", "kb", "export", "products", "-", "--format", "feed"
    )
    assert result.exit_code != 0


class Interrupt(Exception):
    pass


class InterruptAfterFirstBatch:
    def phase(self, name: str, total: int) -> None:
        self.name = name

    def advance(self, done: int) -> None:
        if self.name == "save":
            raise Interrupt


async def test_an_interrupted_import_leaves_the_previous_knowledge(tmp_path: Path) -> None:
    hub = create_hub(Settings(data_dir=tmp_path), plugins=["knowledge"])
    await hub.migrate()
    service = hub.require(KnowledgeService)
    try:
        await service.load()
        await service.import_file(
            json.dumps(FAQS).encode(), kind="faqs", filename="faqs.json", actor="test"
        )
        many = [{"id": f"n{i}", "question": f"Question {i}?", "answer": "A."} for i in range(2500)]
        many[0] = {**FAQS[0], "answer": "changed"}
        with pytest.raises(Interrupt):
            await service.import_file(
                json.dumps(many).encode(), kind="faqs", filename="many.json", actor="test",
                replace=True, progress=InterruptAfterFirstBatch(),
            )  # fmt: skip
        async with hub.sessions() as db:
            stored = {faq.id: faq for faq in await store.load_items(db, "faq")}
        assert sorted(stored) == ["pay", "return", "ship"]
        assert stored["ship"].answer == service.kb.get_faq("ship").answer == "1-3 days."  # type: ignore[union-attr]
        assert service.kb.get_faq("n5") is None
    finally:
        await service.stop()
        await hub.engine.dispose()


async def test_refresh_reads_back_only_rows_that_changed_since_they_were_written(
    tmp_path: Path,
) -> None:
    hub = create_hub(Settings(data_dir=tmp_path), plugins=["knowledge"])
    await hub.migrate()
    service = hub.require(KnowledgeService)
    try:
        await service.load()
        report = await service.import_file(
            json.dumps(FAQS).encode(), kind="faqs", filename="faqs.json", actor="test"
        )
        assert report.created == 3 and service.kb.get_faq("ship") is not None
        # What this process believes it wrote no longer matches the database: the row wins.
        believed = Faq(**{**FAQS[0], "answer": "never written"})
        await service.refresh("faq", ["ship", "gone"], written={"ship": ("stale", believed)})
        assert service.kb.get_faq("ship").answer == "1-3 days."  # type: ignore[union-attr]
        matching = Faq(**{**FAQS[1], "answer": "taken as written"})
        async with hub.sessions() as db:
            digest = (await store.hashes(db, "faq", ["return"]))["return"]
        await service.refresh("faq", ["return"], written={"return": (digest, matching)})
        assert service.kb.get_faq("return") is matching
    finally:
        await service.stop()
        await hub.engine.dispose()


def test_kb_commands_work_on_the_data_dir_of_the_whole_hub(cli: Cli, tmp_path: Path) -> None:
    """`touchpoint serve` migrated every plugin's tables; `kb` loads only the knowledge
    plugin and must still open that database."""
    data = tmp_path / "data"
    whole = Hub(Settings(data_dir=data), installed_plugins())
    asyncio.run(whole.migrate())
    imported = cli("--data-dir", data, "kb", "import", "faqs", write(tmp_path / "f.json", FAQS))
    assert imported.exit_code == 0, imported.output
    assert "faqs: 3 created" in imported.stdout
    stats = cli("--data-dir", data, "kb", "stats")
    assert stats.exit_code == 0 and "faqs 3" in stats.stdout


def test_rows_stored_before_a_stricter_rule_still_load(cli: Cli, tmp_path: Path) -> None:
    """Links must now be http(s) or a site path; a hub that stored another one earlier
    still starts, searches and exports, and the next edit asks for a proper link."""
    data = tmp_path / "data"
    asyncio.run(Hub(Settings(data_dir=data), installed_plugins(["knowledge"])).migrate())
    with closing(sqlite3.connect(data / "touchpoint.db")) as db, db:
        db.execute(
            "INSERT INTO kb_faqs (id, question, answer, variants, tags, locale, url, popular,"
            " content_hash, created_at, updated_at) VALUES ('old', 'Is this old?', 'Yes.',"
            " '[]', '[]', 'en', 'mailto:team@shop.example', 0, 'x', '2026-01-01', '2026-01-01')"
        )
    exported = cli("--data-dir", data, "kb", "export", "faqs", "-", "--format", "jsonl")
    (faq,) = [json.loads(line) for line in exported.stdout.splitlines()]
    assert (faq["id"], faq["url"]) == ("old", "mailto:team@shop.example")
    found = cli("--data-dir", data, "kb", "search", "is this old", "--kind", "faqs", "--json")
    assert json.loads(found.stdout)["results"][0]["id"] == "old"
    edited = cli("--data-dir", data, "kb", "import", "faqs", write(tmp_path / "f.json", [
        {"id": "old", "question": "Is this old?", "answer": "Yes.", "url": "mailto:x@y.z"}
    ]))  # fmt: skip
    assert edited.exit_code == 1 and "url: must be an http:// or https:// address" in edited.output


def test_a_one_shot_command_prints_its_result_without_info_logs(tmp_path: Path) -> None:
    """A failed import tells the file, line and reason; the hub's INFO logs (migrations,
    index loads) would bury that, so they show only when TOUCHPOINT_LOG_LEVEL asks."""
    bad = tmp_path / "faqs.json"
    bad.write_text('[{"id": "a", "question": "q?", "answer": "a"},\n{"id": ')
    command = [sys.executable, "-m", "chat.cli", "--data-dir", str(tmp_path / "d")]
    command += ["kb", "import", "faqs", str(bad)]
    env = {k: v for k, v in os.environ.items() if k != "TOUCHPOINT_LOG_LEVEL"}
    run = partial(subprocess.run, command, capture_output=True, text=True, timeout=120, check=False)
    quiet = run(env=env)
    assert quiet.returncode == 1
    assert quiet.stderr.splitlines() == [
        f"{bad}:2: broken JSON: Expecting value (column 8)",
        "1 problem(s); nothing was imported (--skip-invalid imports the good rows)",
    ]
    env["TOUCHPOINT_LOG_LEVEL"] = "INFO"
    verbose = run(env=env)
    assert verbose.returncode == 1 and " INFO alembic.runtime.migration " in verbose.stderr


def test_synonym_sets_import_with_counts_replace_and_export(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "data"
    sets = tmp_path / "synonyms.txt"
    sets.write_text("Laterne, lantern\nHängematte, hammock\n", encoding="utf-8")
    result = cli("--data-dir", data, "kb", "import", "synonyms", sets)
    assert result.exit_code == 0, result.output
    assert "synonyms: 2 created, 0 unchanged, 0 deleted" in result.stdout
    # The same sets in another order and case are the same; --replace drops what is gone.
    sets.write_text("HAMMOCK, hängematte\nZelt, tent\n", encoding="utf-8")
    result = cli("--data-dir", data, "kb", "import", "synonyms", "--replace", sets)
    assert "synonyms: 1 created, 1 unchanged, 1 deleted" in result.stdout
    exported = cli("--data-dir", data, "kb", "export", "synonyms", "-")
    assert json.loads(exported.stdout)["synonyms"] == [["Hängematte", "hammock"], ["Zelt", "tent"]]
    assert "synonym sets 2" in cli("--data-dir", data, "kb", "stats").stdout
    as_csv = cli("--data-dir", data, "kb", "export", "synonyms", "-", "--format", "csv")
    assert as_csv.exit_code != 0 and "synonym sets are written as JSON only" in as_csv.output

    # One bad set rejects the file, and what was stored stays.
    sets.write_text("Laterne, lantern\nlantern\n", encoding="utf-8")
    result = cli("--data-dir", data, "kb", "import", "synonyms", "--replace", sets)
    assert result.exit_code == 1
    assert f"{sets}:2: terms: give at least two terms" in result.output
    assert "nothing was imported" in result.output
    again = cli("--data-dir", data, "kb", "export", "synonyms", "-")
    assert again.stdout == exported.stdout


def test_category_names_import_and_export(cli: Cli, tmp_path: Path) -> None:
    data = tmp_path / "data"
    products = tmp_path / "products.json"
    products.write_text(
        json.dumps({"products": [
            {"id": "T1", "title": "Tent", "price": 100, "category": "Outdoor/Tents"},
            {"id": "S1", "title": "Spade", "price": 30, "category": "Garden/Tools"},
        ]}),
        encoding="utf-8",
    )  # fmt: skip
    assert cli("--data-dir", data, "kb", "import", "products", products).exit_code == 0
    names = tmp_path / "categories.json"
    names.write_text(
        '{"categories": {"Garden/Tools": {"de": "Gartengeräte"}, "Outdoor": {"de": "Draußen"}}}',
        encoding="utf-8",
    )
    result = cli("--data-dir", data, "kb", "import", "categories", names)
    assert result.exit_code == 0, result.output
    assert "categories: 2 named" in result.stdout
    exported = cli("--data-dir", data, "kb", "export", "categories", "-")
    assert json.loads(exported.stdout) == {
        "categories": {"Garden/Tools": {"de": "Gartengeräte"}, "Outdoor": {"de": "Draußen"}}
    }

    # A bad name or a category no product is in rejects the file; what was stored stays.
    names.write_text(
        '{"categories": {"Outdoor": {"fr": "Plein air"}, "Water/Kayaks": {"de": "Kajaks"},'
        ' "Garden": {"de": "Garten"}}}',
        encoding="utf-8",
    )
    result = cli("--data-dir", data, "kb", "import", "categories", names)
    assert result.exit_code == 1
    assert f'{names}: Outdoor: names: unknown language "fr": use en, de' in result.output
    assert f"{names}: Water/Kayaks: no product is in this category" in result.output
    assert "2 problem(s); nothing was imported" in result.output
    assert cli("--data-dir", data, "kb", "export", "categories", "-").stdout == exported.stdout
    names.write_text("[1, 2]", encoding="utf-8")
    result = cli("--data-dir", data, "kb", "import", "categories", names)
    assert result.exit_code == 1 and 'expected {"categories":' in result.output


def test_search_filters_a_key_given_twice_as_any_of_its_values(cli: Cli, tmp_path: Path) -> None:
    tents = [
        {"id": f"t-{season}", "title": f"{season} tent", "price": 100, "category": "Outdoor/Tents",
         "attributes": {"season": season}}
        for season in ("summer", "3-season", "4-season")
    ]  # fmt: skip
    data = tmp_path / "data"
    imported = cli(
        "--data-dir", data, "kb", "import", "products", write(tmp_path / "t.json", tents)
    )
    assert imported.exit_code == 0, imported.output
    found = cli(
        "--data-dir", data, "kb", "search", "tent", "--kind", "products", "--json",
        "--filter", "attr.season=summer", "--filter", "attr.season=3-season",
    )  # fmt: skip
    assert found.exit_code == 0, found.output
    ids = {result["id"] for result in json.loads(found.stdout)["results"]}
    assert ids == {"t-summer", "t-3-season"}
