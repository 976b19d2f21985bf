"""Resume after a dropped connection and after a server restart: every missed
message exactly once, in order, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.chat.helpers import Client, agent, query, visitor


@pytest.fixture(params=["sqlite", "postgres"])
def resume_server(request: pytest.FixtureRequest, start_core: Any) -> Any:
    if request.param == "postgres":
        return start_core(database_url=request.getfixturevalue("postgres_url"))
    return start_core()


def last_seq(client: Client, conversation_id: int) -> int:
    return max(m["seq"] for m in client.messages(conversation_id))


def visible_after(server: Any, conversation_id: int, seq: int) -> list[tuple[int, str]]:
    """What a visitor is owed after ``seq``: the stored timeline without private notes."""
    rows = query(
        server.hub.database_url,
        "SELECT seq, text FROM messages"
        " WHERE conversation_id = :c AND seq > :s AND private = :p ORDER BY seq",
        c=conversation_id,
        s=seq,
        p=False,
    )
    return [(row["seq"], row["text"]) for row in rows]


def received_since(client: Client, conversation_id: int, start: int) -> list[tuple[int, str]]:
    return [(m["seq"], m["text"]) for m in client.messages(conversation_id)[start:]]


async def test_resume_after_a_dropped_connection(resume_server: Any) -> None:
    server = resume_server
    shopper = await visitor(server)
    token = shopper.welcome["visitor_token"]
    cid = (await shopper.send_message("Is the kettle back in stock?"))["conversation_id"]
    support = await agent(server)
    await support.command("take", conversation_id=cid)
    await support.send_message("Let me look.", conversation_id=cid)
    await shopper.expect("message", lambda f: f["message"]["text"] == "Let me look.")

    async def keep_sending() -> None:
        for n in range(12):
            await support.send_message(f"update {n}", conversation_id=cid, private=n == 5)

    sending = asyncio.create_task(keep_sending())
    await shopper.expect("message", lambda f: f["message"]["text"] == "update 1")
    shopper.drop()  # mid-stream, no closing handshake
    await sending
    seen = last_seq(shopper, cid)
    assert seen < last_seq(support, cid)

    again = await Client.connect(server)
    welcome = await again.hello(token=token, resume=[{"conversation_id": cid, "last_seq": seen}])
    assert welcome["contact_id"] == shopper.welcome["contact_id"]
    await again.expect("message", lambda f: f["message"]["text"] == "update 11")
    missed = visible_after(server, cid, seen)
    assert received_since(again, cid, 0) == missed, "exactly the missed messages, in order"
    assert "update 5" not in [text for _, text in missed]

    # Live again: the next message arrives once, and the replay does not repeat.
    await support.send_message("Back in stock tomorrow.", conversation_id=cid)
    await again.expect("message", lambda f: f["message"]["text"] == "Back in stock tomorrow.")
    await again.send_message("Thanks!", conversation_id=cid)
    await again.expect("message", lambda f: f["message"]["text"] == "Thanks!")
    seqs = [m["seq"] for m in again.messages(cid)]
    assert seqs == sorted(set(seqs))
    assert received_since(again, cid, 0) == visible_after(server, cid, seen)


async def test_a_resume_frame_and_an_agent_resume(core: Any) -> None:
    server = core
    shopper = await visitor(server)
    cid = (await shopper.send_message("hello"))["conversation_id"]
    support = await agent(server)
    await support.command("take", conversation_id=cid)
    await support.send_message("note to self", conversation_id=cid, private=True)
    for n in range(3):
        await shopper.send_message(f"question {n}", conversation_id=cid)

    # The agent reconnects and resumes from seq 1: gets the rest, private notes included.
    support_again = await agent(server)
    await support_again.send({"type": "resume", "conversation_id": cid, "last_seq": 1})
    await support_again.expect("message", lambda f: f["message"]["text"] == "question 2")
    received = [m["text"] for m in support_again.messages(cid)]
    expected = [
        row["text"]
        for row in query(
            server.hub.database_url,
            "SELECT text FROM messages WHERE conversation_id = :c AND seq > 1 ORDER BY seq",
            c=cid,
        )
    ]
    assert received == expected and "note to self" in received


async def test_resume_across_a_server_restart(resume_server: Any) -> None:
    server = resume_server
    shopper = await visitor(server)
    token = shopper.welcome["visitor_token"]
    cid = (await shopper.send_message("Can I change my address?"))["conversation_id"]
    support = await agent(server)
    await support.command("take", conversation_id=cid)
    await support.send_message("Sure, which one?", conversation_id=cid)
    await shopper.expect("message", lambda f: f["message"]["text"] == "Sure, which one?")
    seen = last_seq(shopper, cid)
    shopper.drop()
    for n in range(4):
        await support.send_message(f"while you were away {n}", conversation_id=cid)
    await support.close()

    restarted = server.restart()
    try:
        again = await Client.connect(restarted)
        await again.hello(token=token, resume=[{"conversation_id": cid, "last_seq": seen}])
        await again.expect("message", lambda f: f["message"]["text"] == "while you were away 3")
        assert received_since(again, cid, 0) == visible_after(restarted, cid, seen)

        # The agent's token survives the restart too (the secret lives in the data dir).
        support_again = await agent(restarted)
        assert [c["id"] for c in support_again.welcome["conversations"]] == [cid]
        ack = await support_again.send_message("Still here after the restart.", conversation_id=cid)
        await again.expect("message", lambda f: f["message"]["seq"] == ack["seq"])
        assert [m["seq"] for m in again.messages(cid)] == [
            seq for seq, _ in visible_after(restarted, cid, seen)
        ]
    finally:
        restarted.stop()


async def test_too_far_behind_means_resync(start_core: Any) -> None:
    server = start_core(replay_limit=3)
    shopper = await visitor(server)
    token = shopper.welcome["visitor_token"]
    cid = (await shopper.send_message("first"))["conversation_id"]
    for n in range(5):
        await shopper.send_message(f"more {n}", conversation_id=cid)
    again = await Client.connect(server)
    await again.hello(token=token, resume=[{"conversation_id": cid, "last_seq": 1}])
    resync = await again.expect("resync_required")
    assert resync["conversation_id"] == cid and resync["reason"]
    assert again.messages(cid) == []
    # From then on it streams live messages.
    await again.send_message("after the reload", conversation_id=cid)
    await again.expect("message", lambda f: f["message"]["text"] == "after the reload")
