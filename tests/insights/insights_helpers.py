"""Helpers for the insights tests: a shopper with data everywhere, and a scan of the
whole database for anything of it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from agents_console.insights._models import BotTurn
from chat.db import Base, create_engine, session_factory, utcnow
from chat.hub import Hub
from chat.models import (
    ConsentRecord,
    Contact,
    Conversation,
    CsatRating,
    Message,
    Order,
    ShopperEvent,
)
from tests.console.console_helpers import add_messages

T = TypeVar("T")


@dataclass
class Shopper:
    """A contact whose every stored trace contains one of ``markers``."""

    contact_id: str
    markers: list[str]
    question: str
    turn_ids: list[int] = field(default_factory=list)
    conversation_id: int = 0


async def add_shopper(
    hub: Hub, tag: str, *, days_ago: float = 0, question: str | None = None
) -> Shopper:
    """A verified customer with consent, a conversation (bot and agent), a rating, events,
    an order and a recorded bot turn, ``days_ago`` old."""
    at = utcnow() - dt.timedelta(days=days_ago)
    question = question or f"Can I pick up my {tag} order in your store?"
    markers = [
        f"{tag} Mustermann",
        f"{tag}@example.org",
        f"+49 170 {tag}",
        f"cust-{tag}",
        f"my {tag} parcel is late",
        f"/products/{tag}-kettle",
        f"ORD-{tag}",
        question,
    ]
    async with hub.sessions() as db:
        contact = Contact(
            name=markers[0], email=markers[1], phone=markers[2], customer_id=markers[3],
            identity_verified=True, consent_personalisation=True, attributes={"note": markers[4]},
            created_at=at, last_seen_at=at,
        )  # fmt: skip
        db.add(contact)
        await db.flush()
        db.add(
            ConsentRecord(
                contact_id=contact.id,
                purpose="personalisation",
                granted=True,
                source="widget",
                created_at=at,
            )
        )
        conversation = Conversation(
            contact_id=contact.id, status="resolved", created_at=at, updated_at=at, resolved_at=at, last_seq=4,
            handoff_reason="no_answer", handoff_context={"failed_question": markers[4]},
            bot_state={"failed_question": markers[4]},
        )  # fmt: skip
        db.add(conversation)
        await db.flush()
        lines = [
            ("visitor", markers[4]),
            ("visitor", question),
            ("bot", "Sorry, I don't know."),
            ("agent", f"Hello {markers[0]}"),
        ]
        add_messages(db, conversation.id, lines, at)
        db.add(
            Message(
                conversation_id=conversation.id,
                seq=5,
                sender_kind="agent",
                text=f"note on {markers[1]}",
                private=True,
                created_at=at,
            )
        )
        db.add(
            CsatRating(
                conversation_id=conversation.id,
                score=4,
                comment=f"thanks {markers[0]}",
                created_at=at,
            )
        )
        db.add(
            ShopperEvent(
                contact_id=contact.id,
                conversation_id=conversation.id,
                kind="page_view",
                url=markers[5],
                created_at=at,
            )
        )
        db.add(
            ShopperEvent(
                contact_id=contact.id,
                kind="add_to_cart",
                product_id="CT-301",
                data={"source": "chat"},
                created_at=at,
            )
        )
        db.add(
            Order(
                id=markers[6],
                customer_id=markers[3],
                email=markers[1],
                status="shipped",
                total=69,
                items=[],
                placed_at=at,
            )
        )
        turn = BotTurn(
            conversation_id=conversation.id, contact_id=contact.id, visitor_seq=2, question=question,
            action="fallback", gap="unanswered", created_at=at, product_ids=[],
        )  # fmt: skip
        db.add(turn)
        await db.commit()
        return Shopper(contact.id, markers, question, [turn.id], conversation.id)


async def database_dump(db: AsyncSession) -> dict[str, str]:
    """Every row of every table as text, by table name."""
    present = set(await db.run_sync(lambda sync: inspect(sync.connection()).get_table_names()))
    assert {"contacts", "messages", "bot_turns", "kb_faqs"} <= present
    dump: dict[str, str] = {}
    for table in [t for t in Base.metadata.sorted_tables if t.name in present]:
        rows = (await db.execute(select(table))).mappings().all()
        dump[table.name] = json.dumps([dict(row) for row in rows], default=str, ensure_ascii=False)
    return dump


def traces(
    dump: dict[str, str], needles: list[str], *, skip: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    return [
        (table, needle)
        for table, text in dump.items()
        if table not in skip
        for needle in needles
        if needle in text
    ]


# Reads the files in a child process: a file of the database opened and closed by the
# server's own process drops every POSIX lock its SQLite connections hold on it. Another
# process then takes itself for the only user and resets the write-ahead log under them,
# and they go on reading an old snapshot (https://sqlite.org/howtocorrupt.html, 2.2).
_SCAN = """
import json, pathlib, sys
needles = json.loads(sys.argv[2])
found = []
for path in sorted(pathlib.Path(sys.argv[1]).glob("touchpoint.db*")):
    raw = path.read_bytes()
    found += [(path.name, n) for n in needles if n.encode() in raw]
print(json.dumps(found))
"""


def file_traces(data_dir: Path, needles: list[str]) -> list[tuple[str, str]]:
    """The needles found in the raw bytes of the SQLite files (database and write-ahead log)."""
    command = [sys.executable, "-c", _SCAN, str(data_dir), json.dumps(needles)]
    scan = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return [(name, needle) for name, needle in json.loads(scan.stdout)]


async def turn_rows(hub: Hub) -> list[BotTurn]:
    async with hub.sessions() as db:
        return list(await db.scalars(select(BotTurn).order_by(BotTurn.id)))


def in_thread(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a loop of its own thread: Playwright's sync API owns the main
    thread's loop once a browser test has run."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


def in_database(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in a session of its own engine (the server's engine lives on its loop)."""

    async def main() -> T:
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as db:
                return await work(db)
        finally:
            await engine.dispose()

    return in_thread(main())


def bot_reply(
    socket: Any, conversation_id: int | None = None, timeout: float = 30
) -> dict[str, Any]:
    """The next bot message the visitor socket receives."""
    frame = socket.wait_for(
        lambda f: (
            f["type"] == "message"
            and f["message"]["sender"]["kind"] == "bot"
            and (conversation_id is None or f["message"]["conversation_id"] == conversation_id)
        ),
        timeout=timeout,
    )
    message: dict[str, Any] = frame["message"]
    return message
