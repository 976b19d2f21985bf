"""Export, erasure and the retention purge on SQLite and PostgreSQL, with the real
knowledge engine: after an erasure nothing of the shopper is left in any table,
the SQLite files, the FAQ index or the gap vectors."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from agents_console.insights._clusters import GapFinder
from agents_console.insights._privacy import run_purge
from chat import privacy
from chat.config import Settings
from chat.db import utcnow
from chat.hub import Hub, create_hub
from chat.models import AuditEntry, Contact, Conversation, ShopperEvent
from knowledge import Faq
from knowledge.base import text_key
from knowledge.service import KnowledgeService
from tests.insights.insights_helpers import (
    add_shopper,
    database_dump,
    file_traces,
    in_thread,
    traces,
    turn_rows,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return Settings(data_dir=tmp_path / "data", database_url=url)


def with_hub(
    settings: Settings,
    scenario: Callable[[Hub], Awaitable[None]],
    plugins: tuple[str, ...] | None = ("insights",),
) -> None:
    """Run ``scenario`` on the insights plugin with what it requires (or ``plugins``),
    migrated and its knowledge index loaded (in a thread of its own: see in_thread)."""

    async def main() -> None:
        hub = create_hub(settings, plugins=None if plugins is None else list(plugins))
        await hub.migrate()
        await hub.require(KnowledgeService).load()
        try:
            await scenario(hub)
        finally:
            await hub.require(KnowledgeService).stop()
            await hub.engine.dispose()

    in_thread(main())


def saved_keys(path: Path) -> set[str]:
    """The text keys of the vectors the knowledge engine saved in the data dir."""
    with np.load(path, allow_pickle=False) as data:
        return set(data["keys"].tolist())


async def publish_from(hub: Hub, faq_id: str, turn_ids: list[int], wordings: list[str]) -> None:
    """What the gap workflow does: an FAQ whose variants are the shoppers' questions."""
    from agents_console.insights import _storage

    service = hub.require(KnowledgeService)
    faq = Faq(
        id=faq_id, question=wordings[0], answer="Yes, at our Berlin shop.", variants=wordings[1:]
    )
    await service.upsert(faq, actor="editor@test")
    async with hub.sessions() as db:
        await _storage.close_gaps(db, ids=turn_ids, faq_id=faq_id)
        await db.commit()


def test_erasure_leaves_nothing_of_the_shopper(settings: Settings, embedder: Any) -> None:
    with_hub(settings, erasure_leaves_nothing)


async def erasure_leaves_nothing(hub: Hub) -> None:
    target = await add_shopper(hub, "qx7target")
    other = await add_shopper(hub, "zz9other")
    await publish_from(
        hub,
        "store-pickup",
        target.turn_ids + other.turn_ids,
        ["Can I collect an order at your store?", target.question, other.question],
    )
    finder = hub.require(GapFinder)
    finder.embed([target.question, other.question])  # the gap page was looked at
    service = hub.require(KnowledgeService)
    await service.flush()
    vectors = hub.settings.data_dir / "index" / "faq.vectors.npz"
    assert text_key(target.question) in saved_keys(vectors)

    report = await privacy.erase_contact(hub, target.contact_id, actor="agent:1")
    # Checked before anything embeds it again.
    assert finder.embedder.recent(target.question) is None

    assert (report.conversations, report.messages, report.events, report.consent_records) == (
        1,
        5,
        2,
        1,
    )
    assert (report.ratings, report.orders, report.other) == (1, 1, {"bot_turns": 1})
    async with hub.sessions() as db:
        dump = await database_dump(db)
    assert traces(dump, target.markers) == []
    assert traces(dump, [target.contact_id], skip=("audit_log",)) == []
    # Only the erasure's own audit entry names the (random) contact id, with counts.
    async with hub.sessions() as db:
        entries = list(
            await db.scalars(
                select(AuditEntry).where(AuditEntry.target == f"contact:{target.contact_id}")
            )
        )
    assert [(e.action, e.actor, e.details["messages"]) for e in entries] == [
        ("privacy.erase", "agent:1", 5)
    ]
    # The bystander keeps everything, including their wording in the FAQ.
    assert len(traces(dump, other.markers)) >= len(other.markers)
    faq = service.kb.get_faq("store-pickup")
    assert faq is not None and faq.variants == [other.question]
    assert all(
        m.matched_text != target.question for m in service.kb.faq_matches(target.question, k=5)
    )
    assert text_key(target.question) not in saved_keys(vectors)
    assert text_key(other.question) in saved_keys(vectors)
    assert not finder.holds(target.question) and finder.holds(other.question)
    if hub.engine.dialect.name == "sqlite":
        assert file_traces(hub.settings.data_dir, target.markers) == []

    with pytest.raises(privacy.ContactNotFound):
        await privacy.erase_contact(hub, target.contact_id, actor="agent:1")


def test_export_holds_everything_of_one_shopper(settings: Settings) -> None:
    with_hub(settings, export_holds_everything)


async def export_holds_everything(hub: Hub) -> None:
    target = await add_shopper(hub, "ex1target")
    other = await add_shopper(hub, "ex2other")
    async with hub.sessions() as db:
        data = await privacy.export_contact(db, target.contact_id, extra=privacy.owners(hub))
    text = data.model_dump_json()
    assert all(marker in text for marker in target.markers)
    assert not any(marker in text for marker in other.markers)
    assert (
        data.contact.email == "ex1target@example.org" and data.contact.phone == "+49 170 ex1target"
    )
    assert [c.purpose for c in data.consent_records] == ["personalisation"]
    assert [m.private for m in data.conversations[0].messages] == [False, False, False, False, True]
    rating = data.conversations[0].rating
    assert rating is not None and (rating.score, rating.comment) == (
        4,
        "thanks ex1target Mustermann",
    )
    assert [o.id for o in data.orders] == ["ORD-ex1target"]
    assert [t["question"] for t in data.other["bot_turns"]] == [target.question]
    async with hub.sessions() as db:
        with pytest.raises(privacy.ContactNotFound):
            await privacy.export_contact(db, "no-such-contact")


def test_retention_purge_removes_only_what_is_too_old(settings: Settings) -> None:
    with_hub(settings, purge_removes_only_what_is_too_old)


async def purge_removes_only_what_is_too_old(hub: Hub) -> None:
    old = await add_shopper(hub, "old1", days_ago=200)
    recent = await add_shopper(hub, "new1", days_ago=10)
    async with hub.sessions() as db:
        # A long-time customer who chatted recently keeps the conversation but loses old events.
        db.add(
            ShopperEvent(
                contact_id=recent.contact_id,
                kind="page_view",
                url="/old-visit",
                created_at=utcnow() - dt.timedelta(days=300),
            )
        )
        # An anonymous visitor last seen long ago, who never chatted.
        db.add(Contact(name="idle visitor", last_seen_at=utcnow() - dt.timedelta(days=400)))
        await db.commit()

    report = await run_purge(hub, 180, actor="retention")

    assert (report.conversations, report.messages, report.ratings) == (1, 5, 1)
    assert report.events == 3 and report.contacts == 2 and report.other == {"bot_turns": 1}
    async with hub.sessions() as db:
        dump = await database_dump(db)
    # The old shopper's contact went too: no conversation left and not seen for 200 days.
    assert traces(
        dump, [m for m in old.markers if not m.startswith("ORD-")] + ["idle visitor", "/old-visit"]
    ) == [
        ("orders", "old1@example.org"),
        ("orders", "cust-old1"),
    ]  # orders are the shop's records: retention leaves them to the shop
    assert len(traces(dump, recent.markers)) >= len(recent.markers)
    assert [t.contact_id for t in await turn_rows(hub)] == [recent.contact_id]
    async with hub.sessions() as db:
        audit = await db.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.purge"))
        assert (
            audit is not None and audit.actor == "retention" and audit.details["conversations"] == 1
        )
        assert (
            await db.scalar(
                select(Conversation.id).where(Conversation.contact_id == recent.contact_id)
            )
        ) == recent.conversation_id

    again = await run_purge(hub, 180, actor="retention")
    assert (again.conversations, again.events, again.contacts) == (0, 0, 0)
    with pytest.raises(ValueError, match="at least one day"):
        await privacy.purge_older_than(hub, 0)


def test_purge_from_the_command_line(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")

    async def seed(hub: Hub) -> None:
        await add_shopper(hub, "cliold", days_ago=40)
        await add_shopper(hub, "clinew", days_ago=5)

    with_hub(settings, seed, plugins=None)  # all of them, as the command loads them
    touchpoint = str(Path(sys.executable).parent / "touchpoint")
    command = [touchpoint, "--data-dir", str(settings.data_dir), "privacy", "purge", "--days", "30"]
    done = subprocess.run(
        command,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TOUCHPOINT_LOG_LEVEL": "WARNING"},
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["conversations"], report["contacts"], report["other"]) == (
        1,
        1,
        {"bot_turns": 1},
    )

    async def check(hub: Hub) -> None:
        async with hub.sessions() as db:
            dump = await database_dump(db)
            audit = await db.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.purge"))
        assert traces(dump, ["cliold Mustermann", "my cliold parcel is late"]) == []
        assert traces(dump, ["clinew Mustermann"]) != []
        assert audit is not None and (audit.actor, audit.target) == ("cli", "older_than:30d")

    with_hub(settings, check, plugins=None)
    refused = subprocess.run(
        [*command[:-1], "0"], check=False, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 2 and "--days" in refused.stderr
