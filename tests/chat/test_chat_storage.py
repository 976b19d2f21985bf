"""ConversationService on both databases: migrations from scratch, seqs and
de-duplication under concurrency, transitions with row locks."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from chat.config import Settings
from chat.hub import Hub, create_hub
from chat.lifecycle import Cause, LifecycleError, Status
from chat.models import Agent, Contact, Conversation, Message
from chat.service import NotFound


def head_revision(branch: str) -> str:
    """The newest migration of one branch, read from the version files."""
    from alembic.script import ScriptDirectory

    import chat
    from chat.db import alembic_config

    versions = str(Path(chat.__file__).parent / "migrations" / "versions")
    script = ScriptDirectory.from_config(alembic_config("sqlite://", [versions]))
    (head,) = script.get_revisions(f"{branch}@head")
    assert head is not None
    return str(head.revision)


@pytest.fixture(params=["sqlite", "sqlite-batched", "postgres"])
async def hub(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Hub]:
    """A migrated core hub (no server) on a fresh database of either kind.

    On SQLite the group writer writes a message on the event loop when no batch is
    in flight; "sqlite-batched" sends every message through its thread's batches."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    hub = create_hub(Settings(data_dir=tmp_path, database_url=url), plugins=[])
    if request.param == "sqlite-batched":
        hub.message_writer.writes_inline = False
    await hub.migrate()
    yield hub
    await hub.listeners.drain()
    await hub.engine.dispose()


async def new_conversation(hub: Hub) -> int:
    async with hub.sessions() as db:
        contact = Contact(name="Test Shopper")
        db.add(contact)
        await db.commit()
    return (await hub.conversations.start_conversation(contact.id)).id


async def new_agent(hub: Hub, email: str) -> int:
    async with hub.sessions() as db:
        row = Agent(email=email, name=email.split("@")[0], password_hash="-")
        db.add(row)
        await db.commit()
        return row.id


async def timeline(hub: Hub, conversation_id: int) -> list[Message]:
    async with hub.sessions() as db:
        rows = await db.execute(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
        )
        return list(rows.scalars())


async def test_migrations_apply_from_scratch_and_twice(hub: Hub) -> None:
    async with hub.engine.connect() as connection:
        tables = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
        versions = (
            (await connection.execute(text("SELECT version_num FROM alembic_version")))
            .scalars()
            .all()
        )
    assert {
        "contacts",
        "agents",
        "teams",
        "agent_teams",
        "conversations",
        "messages",
        "shopper_events",
        "canned_responses",
        "csat_ratings",
        "orders",
        "audit_log",
        "consent_records",
    } <= tables
    assert versions == [head_revision("chat")]
    await hub.migrate()  # at head already: nothing to do, nothing breaks


async def test_concurrent_posts_get_distinct_consecutive_seqs(hub: Hub) -> None:
    cid = await new_conversation(hub)
    results = await asyncio.gather(
        *(
            hub.conversations.post_message(
                cid, sender_kind="visitor", text=f"m{n}", client_msg_id=f"m{n}"
            )
            for n in range(50)
        )
    )
    assert sorted(r.message.seq for r in results) == list(range(1, 51))
    assert not any(r.duplicate for r in results)
    rows = await timeline(hub, cid)
    assert [row.seq for row in rows] == list(range(1, 51))
    # Each seq belongs to the message that was acknowledged with it.
    assert {r.message.seq: r.message.text for r in results} == {row.seq: row.text for row in rows}
    assert (await hub.conversations.get(cid)).last_seq == 50


async def test_concurrent_retries_of_one_message_store_it_once(hub: Hub) -> None:
    cid = await new_conversation(hub)
    await hub.conversations.post_message(cid, sender_kind="visitor", text="before")
    results = await asyncio.gather(
        *(
            hub.conversations.post_message(
                cid, sender_kind="visitor", text="hello", client_msg_id="retry-me"
            )
            for _ in range(10)
        )
    )
    assert sum(not r.duplicate for r in results) == 1
    assert {r.message.seq for r in results} == {2}
    assert {r.message.id for r in results} == {results[0].message.id}
    rows = await timeline(hub, cid)
    assert [(row.seq, row.text) for row in rows] == [(1, "before"), (2, "hello")]
    # The losers' seqs were given back: the next message is 3, with no hole.
    after = await hub.conversations.post_message(cid, sender_kind="visitor", text="after")
    assert after.message.seq == 3
    # The same client id from another sender kind is a different message.
    other = await hub.conversations.post_message(
        cid, sender_kind="agent", text="hi", client_msg_id="retry-me"
    )
    assert (other.duplicate, other.message.seq) == (False, 4)


async def test_one_batch_mixing_retries_reopens_and_missing_conversations(hub: Hub) -> None:
    """Posts that arrive together share a transaction; each still gets its own answer."""
    fresh, resolved = await new_conversation(hub), await new_conversation(hub)
    await hub.conversations.post_message(
        fresh, sender_kind="visitor", text="first", client_msg_id="first"
    )
    await hub.conversations.transition(resolved, Cause.resolve, actor="test")
    outcomes = await asyncio.gather(
        hub.conversations.post_message(
            fresh, sender_kind="visitor", text="first", client_msg_id="first"
        ),
        hub.conversations.post_message(
            fresh, sender_kind="visitor", text="second", client_msg_id="second"
        ),
        hub.conversations.post_message(
            resolved, sender_kind="visitor", text="back again", client_msg_id="back"
        ),
        hub.conversations.post_message(
            10_000, sender_kind="agent", text="nobody", client_msg_id="gone"
        ),
        return_exceptions=True,
    )
    retry, second, reopening, missing = outcomes
    assert not isinstance(retry, BaseException) and (retry.duplicate, retry.message.seq) == (
        True,
        1,
    )
    assert not isinstance(second, BaseException) and (second.duplicate, second.message.seq) == (
        False,
        2,
    )
    assert isinstance(missing, NotFound)
    assert [(row.seq, row.text) for row in await timeline(hub, fresh)] == [
        (1, "first"),
        (2, "second"),
    ]
    # The resolved conversation was reopened first, then the message stored after that event.
    assert not isinstance(reopening, BaseException) and not reopening.duplicate
    assert (await hub.conversations.get(resolved)).status == Status.bot.value
    rows = await timeline(hub, resolved)
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
    assert (rows[-1].seq, rows[-1].text) == (reopening.message.seq, "back again")
    assert rows[-2].content_type == "system_event"


async def test_the_writers_driver_sql_stores_what_the_orm_reads(hub: Hub) -> None:
    """The hot path bypasses SQLAlchemy's execution layer; types must round-trip as the ORM's would."""
    cid = await new_conversation(hub)
    payload = {"cards": [{"id": "p-1", "price": 12.5}], "note": "äöü"}
    posted = await hub.conversations.post_message(
        cid,
        sender_kind="agent",
        sender_id="7",
        text="see these",
        content_type="product_cards",
        payload=payload,
        client_msg_id="cards-1",
        private=True,
    )
    (row,) = await timeline(hub, cid)
    assert (row.id, row.seq, row.client_msg_id) == (posted.message.id, 1, "cards-1")
    assert (row.payload, row.private, row.sender_id, row.content_type) == (
        payload,
        True,
        "7",
        "product_cards",
    )
    assert row.created_at == posted.message.created_at and row.created_at.tzinfo is not None
    async with hub.sessions() as db:
        conversation = await db.get(Conversation, cid)
    # The conversation's onupdate column is given by the writer, as SQLAlchemy would have set it.
    assert conversation is not None and conversation.last_seq == 1
    assert conversation.updated_at == posted.message.created_at


async def test_the_first_public_agent_reply_stamps_the_first_response_once(hub: Hub) -> None:
    """A visitor's message, a private note and the bot do not count; a later reply keeps
    the first one's time."""
    cid = await new_conversation(hub)

    async def first_response() -> dt.datetime | None:
        async with hub.sessions() as db:
            conversation = await db.get(Conversation, cid)
            assert conversation is not None
            return conversation.first_response_at

    await hub.conversations.post_message(cid, sender_kind="visitor", text="hello?")
    await hub.conversations.post_message(cid, sender_kind="bot", text="Hi! How can I help?")
    await hub.conversations.post_message(
        cid, sender_kind="agent", sender_id="1", text="a note", private=True
    )
    assert await first_response() is None
    first = await hub.conversations.post_message(
        cid, sender_kind="agent", sender_id="1", text="Hello, I am Alex"
    )
    await hub.conversations.post_message(
        cid, sender_kind="agent", sender_id="1", text="How can I help?"
    )
    assert await first_response() == first.message.created_at
    assert [row.seq for row in await timeline(hub, cid)] == [1, 2, 3, 4, 5]


async def test_closing_the_writer_finishes_the_writes_under_way(hub: Hub) -> None:
    cid = await new_conversation(hub)
    posts = [
        asyncio.ensure_future(
            hub.conversations.post_message(cid, sender_kind="visitor", text=f"m{n}")
        )
        for n in range(30)
    ]
    await asyncio.sleep(0)  # the posts reach the writer
    await hub.message_writer.close()
    assert all(post.done() and not post.exception() for post in posts)
    assert [row.seq for row in await timeline(hub, cid)] == list(range(1, 31))


def test_a_driver_statement_refuses_missing_values() -> None:
    """A Python-side column default (updated_at) is the caller's to give, never silently NULL."""
    from sqlalchemy import create_engine

    from chat import storage

    engine = create_engine("sqlite://")
    statement = storage.DriverStatement.compile(storage._CLAIM_SEQ, engine.dialect)
    assert {"cid", "count", "updated_at"} <= statement.required
    with engine.connect() as connection, pytest.raises(ValueError, match="updated_at"):
        statement.fetchone(connection, {"cid": 1, "count": 1})


async def test_messages_are_stored_after_the_database_dropped_the_hubs_connections(
    postgres_url: str, tmp_path: Path
) -> None:
    """A restarted or failed-over PostgreSQL leaves the pools holding dead connections;
    the next message is stored on a new one, not failed."""
    import psycopg

    name = f"hub-{tmp_path.name}"[:60]  # to end this hub's connections and no one else's
    url = f"{postgres_url}&application_name={name}"
    hub = create_hub(Settings(data_dir=tmp_path, database_url=url), plugins=[])
    await hub.migrate()
    try:
        cid = await new_conversation(hub)
        await hub.conversations.post_message(cid, sender_kind="visitor", text="before")
        plain = postgres_url.partition("?")[0].replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(plain, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = %s",
                (name,),
            ).fetchone()
        assert ended is not None and ended[0] >= 1
        after = await hub.conversations.post_message(cid, sender_kind="visitor", text="after")
        assert after.message.seq == 2
        assert [row.text for row in await timeline(hub, cid)] == ["before", "after"]
    finally:
        await hub.message_writer.close()
        await hub.engine.dispose()


def test_a_driver_statements_error_hides_the_shoppers_words() -> None:
    """Errors are logged with their statement; like the engines', they leave out the values."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    from chat import storage

    engine = create_engine("sqlite://")
    failing = text("SELECT :words FROM no_such_table").bindparams(words="my address is 1 Elm St")
    statement = storage.DriverStatement.compile(failing, engine.dialect)
    with engine.connect() as connection, pytest.raises(OperationalError) as error:
        statement.fetchone(connection, {"words": "my address is 1 Elm St"})
    assert "no_such_table" in str(error.value) and "Elm St" not in str(error.value)


async def test_a_message_waits_in_the_thread_while_another_connection_holds_the_sqlite_lock(
    tmp_path: Path,
) -> None:
    """The event loop never waits for SQLite's write lock: the writer's thread does."""
    import sqlite3

    hub = create_hub(Settings(data_dir=tmp_path), plugins=[])
    await hub.migrate()
    try:
        cid = await new_conversation(hub)
        await hub.conversations.post_message(
            cid, sender_kind="visitor", text="inline", client_msg_id="m1"
        )
        holder = sqlite3.connect(tmp_path / "touchpoint.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # take the write lock
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        posting = asyncio.create_task(
            hub.conversations.post_message(
                cid, sender_kind="visitor", text="waits", client_msg_id="m2"
            )
        )
        await asyncio.sleep(0.3)
        assert not posting.done() and ticks >= 10, "the loop ran on while the post waited"
        holder.execute("COMMIT")
        holder.close()
        result = await asyncio.wait_for(posting, 10)
        ticker.cancel()
        assert (result.duplicate, result.message.seq) == (False, 2)
        assert [(row.seq, row.text) for row in await timeline(hub, cid)] == [
            (1, "inline"),
            (2, "waits"),
        ]
    finally:
        await hub.engine.dispose()
        await hub.message_writer.close()


async def test_transitions_are_stored_in_the_timeline(hub: Hub) -> None:
    cid = await new_conversation(hub)
    alex = await new_agent(hub, "alex@example.com")
    await hub.conversations.post_message(cid, sender_kind="visitor", text="I need a person")
    queued = await hub.conversations.transition(
        cid, Cause.handoff, actor="bot", reason="low_confidence", context={"intent": "returns"}
    )
    assert queued.status is Status.queued
    assigned = await hub.conversations.transition(cid, Cause.assign, actor="routing", agent_id=alex)
    assert (assigned.status, assigned.assignee_id) == (Status.assigned, alex)
    await hub.conversations.post_message(
        cid, sender_kind="agent", sender_id=str(alex), text="Hello!"
    )
    await hub.conversations.transition(cid, Cause.resolve, actor=f"agent:{alex}")

    rows = await timeline(hub, cid)
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert [row.content_type for row in rows] == [
        "text",
        "system_event",
        "system_event",
        "text",
        "system_event",
    ]
    assert [(row.payload or {}).get("to") for row in rows] == [
        None,
        "queued",
        "assigned",
        None,
        "resolved",
    ]
    assert rows[2].payload == {
        "event": "conversation.status_changed",
        "from": "queued",
        "to": "assigned",
        "cause": "assign",
        "assignee": {"id": alex, "name": "alex"},
        "team_id": None,
    }
    async with hub.sessions() as db:
        conversation = await db.get(Conversation, cid)
        assert conversation is not None
        assert (conversation.status, conversation.assignee_id, conversation.last_seq) == (
            "resolved",
            alex,  # who handled it stays on record
            5,
        )
        assert conversation.handoff_reason == "low_confidence"
        assert conversation.handoff_context == {"intent": "returns"}
        assert conversation.queued_at and conversation.assigned_at and conversation.resolved_at
        assert conversation.first_response_at is not None
    context = await hub.conversations.context(cid)
    assert context.conversation.status == "resolved"
    assert context.recent[0].text == "I need a person"

    # A visitor message reopens it to the bot, with the status change first.
    reopened = await hub.conversations.post_message(
        cid, sender_kind="visitor", text="One more thing"
    )
    assert reopened.message.seq == 7
    rows = await timeline(hub, cid)
    assert (rows[5].payload or {}).get("cause") == "visitor_returned"
    assert (await hub.conversations.get(cid)).status == "bot"


async def test_an_illegal_transition_stores_nothing(hub: Hub) -> None:
    cid = await new_conversation(hub)
    await hub.conversations.post_message(cid, sender_kind="visitor", text="hi")
    for cause in (Cause.release, Cause.agent_lost, Cause.reopen, Cause.transfer_team):
        with pytest.raises(LifecycleError):
            await hub.conversations.transition(cid, cause, actor="test", agent_id=1)
    conversation = await hub.conversations.get(cid)
    assert (conversation.status, conversation.last_seq) == ("bot", 1)
    assert len(await timeline(hub, cid)) == 1
    with pytest.raises(NotFound):
        await hub.conversations.transition(987654, Cause.handoff, actor="test")
    with pytest.raises(NotFound):
        await hub.conversations.post_message(987654, sender_kind="visitor", text="lost")


async def test_concurrent_resolves_succeed_once(hub: Hub) -> None:
    cid = await new_conversation(hub)
    alex = await new_agent(hub, "alex@example.com")
    await hub.conversations.transition(cid, Cause.assign, actor="test", agent_id=alex)
    outcomes = await asyncio.gather(
        *(hub.conversations.transition(cid, Cause.resolve, actor=f"t{n}") for n in range(10)),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    assert all(isinstance(o, LifecycleError) for o in outcomes if isinstance(o, BaseException))
    rows = await timeline(hub, cid)
    assert [(row.payload or {}).get("to") for row in rows] == ["assigned", "resolved"]
    assert (await hub.conversations.get(cid)).last_seq == 2


async def test_messages_and_transitions_interleave_without_holes(hub: Hub) -> None:
    cid = await new_conversation(hub)
    alex = await new_agent(hub, "alex@example.com")

    async def chatter(n: int) -> None:
        await hub.conversations.post_message(
            cid, sender_kind="visitor", text=f"v{n}", client_msg_id=f"v{n}"
        )

    async def moves() -> None:
        await hub.conversations.transition(cid, Cause.handoff, actor="bot")
        await hub.conversations.transition(cid, Cause.assign, actor="routing", agent_id=alex)
        await hub.conversations.transition(cid, Cause.release, actor="agent")

    await asyncio.gather(moves(), *(chatter(n) for n in range(20)))
    rows = await timeline(hub, cid)
    assert [row.seq for row in rows] == list(range(1, 24))
    async with hub.sessions() as db:
        assert (
            await db.scalar(
                select(func.count()).select_from(Message).where(Message.conversation_id == cid)
            )
            == 23
        )


async def test_bot_state_and_context(hub: Hub) -> None:
    cid = await new_conversation(hub)
    await hub.conversations.save_bot_state(
        cid, {"flow": "order_status", "slots": {"order": "10042"}}
    )
    await hub.conversations.post_message(
        cid,
        sender_kind="bot",
        text="Which order?",
        content_type="quick_replies",
        payload={"options": [{"label": "10042", "value": "10042"}]},
    )
    await hub.conversations.post_message(cid, sender_kind="agent", text="internal", private=True)
    context = await hub.conversations.context(cid)
    assert context.bot_state == {"flow": "order_status", "slots": {"order": "10042"}}
    assert [m.text for m in context.recent] == ["Which order?"], "the bot never reads private notes"
    assert context.recent[0].sender.name == "Assistant"
    assert context.contact.name == "Test Shopper" and context.contact.customer_id is None
    with pytest.raises(NotFound):
        await hub.conversations.save_bot_state(987654, {})


async def test_the_sqlite_writer_checkpoints_beside_the_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Message commits never checkpoint the WAL themselves; the writer's second thread does."""
    import chat.db

    monkeypatch.setattr(chat.db, "CHECKPOINT_SECONDS", 0.0)
    hub = create_hub(Settings(data_dir=tmp_path), plugins=[])
    await hub.migrate()
    writer = hub.message_writer
    checkpoints: list[float] = []
    real_checkpoint = writer._checkpoint
    monkeypatch.setattr(
        writer, "_checkpoint", lambda: (real_checkpoint(), checkpoints.append(1.0))[0]
    )
    try:
        cid = await new_conversation(hub)
        for n in range(20):
            await hub.conversations.post_message(
                cid, sender_kind="visitor", text=f"m{n}", client_msg_id=f"m{n}"
            )
        with writer.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        for _ in range(100):
            if checkpoints and not writer._checkpointing:
                break
            await asyncio.sleep(0.01)
        assert checkpoints
        assert [row.seq for row in await timeline(hub, cid)] == list(range(1, 21))
    finally:
        await hub.engine.dispose()
        await writer.close()
