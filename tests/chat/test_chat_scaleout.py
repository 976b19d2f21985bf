"""Two server processes behind one Redis bus and one database.

A visitor on process A and an agent on process B talk both ways; then the
processes' Redis links are cut while messages keep coming, and after they
reconnect every message has arrived exactly once, in order (the replay in
chat/ws.py: the database is the record, the bus only rings the bell).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from chat.bus import RedisBus
from tests.chat.helpers import agent, query, visitor
from tests.conftest import free_port

# Only the core: `touchpoint serve` would load every installed plugin.
SERVE = """
import sys, uvicorn
from chat.config import Settings
from chat.hub import create_app
app = create_app(Settings(), plugins=[])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
REDIS_DB = 11  # pub/sub channels are namespaced by it, keys live in it


class Process:
    """A server process: what the helpers need (url, ws_url, settings) plus the process."""

    def __init__(self, data_dir: Path, bus_url: str) -> None:
        self.database_url = f"sqlite+aiosqlite:///{data_dir / 'touchpoint.db'}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.settings = type(
            "SecretOnly", (), {"secret_key": (data_dir / "secret_key").read_text().strip()}
        )
        env = {
            **os.environ,
            "TOUCHPOINT_DATA_DIR": str(data_dir),
            "TOUCHPOINT_BUS_URL": bus_url,
            "TOUCHPOINT_VISITOR_MESSAGES_PER_MINUTE": "600",
        }
        self.process = subprocess.Popen([sys.executable, "-c", SERVE, str(self.port)], env=env)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the server process exited"
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)  # polling a child process: there is no event to wait for
        raise AssertionError(f"server on port {self.port} not ready within {timeout} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def two_processes(
    redis_url: str, demo_data_dir: Path, tmp_path: Path
) -> Iterator[tuple[Process, Process]]:
    data_dir = tmp_path / "shared"
    shutil.copytree(demo_data_dir, data_dir)  # migrated and seeded: the processes only serve
    bus_url = redis_url.rsplit("/", 1)[0] + f"/{REDIS_DB}"
    processes = (Process(data_dir, bus_url), Process(data_dir, bus_url))
    try:
        for process in processes:
            process.wait_ready()
        yield processes
    finally:
        for process in processes:
            process.stop()


def cut_redis_links(redis_url: str) -> int:
    """Kill every pub/sub connection (both processes' bus readers); returns how many."""
    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.client_kill_filter(_type="pubsub"))
    finally:
        client.close()


async def test_two_processes_share_conversations_through_redis(
    two_processes: tuple[Process, Process], redis_url: str
) -> None:
    a, b = two_processes
    shopper = await visitor(a)
    cid = (await shopper.send_message("Hello from process A"))["conversation_id"]
    support = await agent(b)
    await support.command("take", conversation_id=cid)

    # Both ways across processes.
    await shopper.expect("conversation", lambda f: f["conversation"]["status"] == "assigned")
    await support.send_message("Hello from process B", conversation_id=cid)
    await shopper.expect("message", lambda f: f["message"]["text"] == "Hello from process B")
    await shopper.send_message("Nice to meet you", conversation_id=cid)
    await support.expect("message", lambda f: f["message"]["text"] == "Nice to meet you")

    # Cut the bus while both sides keep writing.
    async def visitor_writes() -> None:
        for n in range(10):
            await shopper.send_message(f"visitor {n}", conversation_id=cid)

    async def agent_writes() -> None:
        for n in range(10):
            await support.send_message(f"agent {n}", conversation_id=cid)
            if n == 2:
                assert cut_redis_links(redis_url) >= 2

    await asyncio.gather(visitor_writes(), agent_writes())
    await shopper.expect("message", lambda f: f["message"]["text"] == "agent 9", timeout=30)
    await shopper.expect("message", lambda f: f["message"]["text"] == "visitor 9", timeout=30)
    await support.expect("message", lambda f: f["message"]["text"] == "visitor 9", timeout=30)
    await support.expect("message", lambda f: f["message"]["text"] == "agent 9", timeout=30)

    # Cut again and write one message on each side at once: with nothing sent
    # after them, only the replay after the reconnect can deliver them if lost.
    assert cut_redis_links(redis_url) >= 2
    from_visitor = await shopper.send_message(
        "sent during the outage (visitor)", conversation_id=cid
    )
    from_agent = await support.send_message("sent during the outage (agent)", conversation_id=cid)
    last = max(from_visitor["seq"], from_agent["seq"])
    for client in (shopper, support):
        await client.expect("message", lambda f: f["message"]["seq"] == last, timeout=30)

    # Every message exactly once, in order, on both sides.
    rows = query(
        a.database_url, "SELECT seq FROM messages WHERE conversation_id = :c ORDER BY seq", c=cid
    )
    stored = [row["seq"] for row in rows]
    assert stored == list(range(1, last + 1))
    assert [m["seq"] for m in shopper.messages(cid)] == stored
    assert [m["seq"] for m in support.messages(cid)] == stored


async def test_installations_on_different_redis_databases_do_not_hear_each_other(
    redis_url: str,
) -> None:
    """Pub/sub ignores the database number; the bus must not (two shops, one Redis)."""
    base = redis_url.rsplit("/", 1)[0]
    shop_a, shop_a_too, shop_b = (
        RedisBus(f"{base}/12"),
        RedisBus(f"{base}/12"),
        RedisBus(f"{base}/13"),
    )
    heard: dict[str, list[dict[str, Any]]] = {"a": [], "b": []}
    got = {"a": asyncio.Event(), "b": asyncio.Event()}

    def listener(name: str) -> Any:
        async def on_message(message: dict[str, Any]) -> None:
            heard[name].append(message)
            got[name].set()

        return on_message

    for bus in (shop_a, shop_a_too, shop_b):
        await bus.start()
    try:
        shop_a_too.subscribe("conv.1", listener("a"))
        shop_b.subscribe("conv.1", listener("b"))
        await asyncio.gather(*shop_a_too._pending, *shop_b._pending)  # the SUBSCRIBEs went out
        await shop_a.publish("conv.1", {"text": "for shop A only"})
        await asyncio.wait_for(got["a"].wait(), 10)
        # Redis delivers to a connection in publish order: had shop B been sent
        # shop A's message, it would arrive before B's own marker.
        await shop_b.publish("conv.1", {"text": "shop B's marker"})
        await asyncio.wait_for(got["b"].wait(), 10)
        assert heard == {"a": [{"text": "for shop A only"}], "b": [{"text": "shop B's marker"}]}
    finally:
        for bus in (shop_a, shop_a_too, shop_b):
            await bus.stop()


async def test_the_status_an_agent_chose_holds_on_the_other_process(
    two_processes: tuple[Process, Process],
) -> None:
    """Away on process B, then connected to process A (a reload the proxy sends
    elsewhere, or a restart): away there too, so nothing is routed to them; the choice
    is stored with the agent, not in one process's memory."""
    a, b = two_processes
    support = await agent(b)
    me = support.welcome["agent"]["id"]
    await support.command("status", status="away")
    await support.close()
    again = await agent(a)

    def mine(frame: dict[str, Any]) -> str | None:
        return next((p["status"] for p in frame["agents"] or [] if p["id"] == me), None)

    assert again.welcome["agents_online"] == 0
    await again.expect("presence", lambda f: mine(f) == "away")
    await again.command("status", status="online")
    await again.expect("presence", lambda f: mine(f) == "online")
    rows = query(a.database_url, "SELECT chosen_status FROM agents WHERE id = :i", i=me)
    assert rows[0]["chosen_status"] == "online"
    await again.close()
