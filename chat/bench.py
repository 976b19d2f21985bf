"""`touchpoint bench relay`: visitors -> hub (persisted) -> agents, against a bare relay.

Both servers run as their own process on loopback and get the same load from
one client process: ``connections`` websockets (``agents`` of them agents), and
visitor messages at ``rate`` per second for ``seconds``. Latency is from the
visitor's send to the agent's receipt. The baseline is a bare ``websockets``
relay that forwards the same frames without parsing rules, storage or fan-out,
measured in the same invocation so the ratio is fair on a noisy machine.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import websockets
from sqlalchemy.engine import make_url

from chat.config import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _raise_fd_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---- the bare relay (baseline) ----------------------------------------------


def serve_bare_relay(port: int) -> None:
    """Forward each visitor frame to its agent's socket; ack the visitor. No storage."""
    _raise_fd_limit()
    agents: dict[int, Any] = {}
    seqs: dict[int, int] = {}

    async def handler(ws: Any) -> None:
        hello = json.loads(await ws.recv())
        if hello["role"] == "agent":
            agents[hello["agent"]] = ws
            await ws.send(json.dumps({"type": "welcome"}))
            await ws.wait_closed()
            return
        agent = hello["agent"]
        await ws.send(json.dumps({"type": "welcome"}))
        async for raw in ws:
            frame = json.loads(raw)
            conversation_id = frame["conversation_id"]
            seqs[conversation_id] = seq = seqs.get(conversation_id, 0) + 1
            message = {
                "conversation_id": conversation_id,
                "seq": seq,
                "client_id": frame["id"],
                "text": frame["text"],
            }
            await ws.send(json.dumps({"type": "ack", "id": frame["id"], "seq": seq}))
            await agents[agent].send(json.dumps({"type": "message", "message": message}))

    async def main() -> None:
        async with websockets.serve(handler, "127.0.0.1", port, max_size=2**20):
            await asyncio.Future()

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())


# ---- the load -----------------------------------------------------------------


class Load:
    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.received: dict[str, int] = {}
        self.latencies: list[float] = []

    def on_agent_frame(self, raw: str | bytes) -> None:
        frame = json.loads(raw)
        if frame.get("type") != "message":
            return
        client_id = frame["message"].get("client_id")
        if client_id not in self.sent:
            return
        count = self.received.get(client_id, 0) + 1
        self.received[client_id] = count
        if count == 1:
            self.latencies.append((time.perf_counter() - self.sent[client_id]) * 1000)

    def result(self) -> dict[str, Any]:
        return {
            "messages": len(self.sent),
            "p50_ms": round(_percentile(self.latencies, 0.50), 2),
            "p95_ms": round(_percentile(self.latencies, 0.95), 2),
            "p99_ms": round(_percentile(self.latencies, 0.99), 2),
            "lost": sum(1 for cid in self.sent if cid not in self.received),
            "duplicated": sum(count - 1 for count in self.received.values() if count > 1),
        }


async def _greet(ws: Any, hello: dict[str, Any]) -> None:
    """Send ``hello`` and wait for the welcome: the clock measures relaying, not a connection storm."""
    await ws.send(json.dumps(hello))
    frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=120))
    if frame.get("type") != "welcome":
        raise RuntimeError(f"the server refused a benchmark connection: {frame}")


async def _drive(
    *,
    agent_hellos: list[dict[str, Any]],
    visitor_hellos: list[dict[str, Any]],
    conversation_ids: list[int],
    url_agent: str,
    url_visitor: str,
    rate: float,
    seconds: float,
    prefix: str,
) -> dict[str, Any]:
    load = Load()
    agent_sockets = []
    for hello in agent_hellos:
        ws = await websockets.connect(url_agent, max_size=2**22, open_timeout=60)
        await _greet(ws, hello)
        agent_sockets.append(ws)

    async def read_agent(ws: Any) -> None:
        async for raw in ws:
            load.on_agent_frame(raw)

    readers = [asyncio.create_task(read_agent(ws)) for ws in agent_sockets]
    visitor_sockets = []
    for start in range(0, len(visitor_hellos), 100):
        batch = visitor_hellos[start : start + 100]
        sockets = await asyncio.gather(
            *(websockets.connect(url_visitor, max_size=2**22, open_timeout=120) for _ in batch)
        )
        await asyncio.gather(*(_greet(ws, hello) for ws, hello in zip(sockets, batch, strict=True)))
        visitor_sockets.extend(sockets)

    async def drain_visitor(ws: Any) -> None:
        async for _ in ws:
            pass

    drains = [asyncio.create_task(drain_visitor(ws)) for ws in visitor_sockets]
    await asyncio.sleep(1.0)  # let the agents' queue and presence frames settle
    # The client's own garbage collection would show up as relay latency (for both servers).
    gc.collect()
    gc.freeze()

    total = int(rate * seconds)
    started = time.perf_counter()
    for n in range(total):
        due = started + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        index = n % len(visitor_sockets)
        client_id = f"{prefix}{n}"
        load.sent[client_id] = time.perf_counter()
        frame = {
            "type": "message",
            "id": client_id,
            "conversation_id": conversation_ids[index],
            "text": f"bench message {n}",
        }
        await visitor_sockets[index].send(json.dumps(frame))
    deadline = time.perf_counter() + 10
    while len(load.received) < total and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # a late duplicate would show up here
    elapsed = time.perf_counter() - started
    for task in readers + drains:
        task.cancel()
    for ws in agent_sockets + visitor_sockets:
        await ws.close()
    result = load.result()
    result["rate_per_s"] = round(
        total / max(elapsed - 10.5 if len(load.received) < total else elapsed - 0.5, 1e-9), 1
    )
    return result


def hub_command(data_dir: Path, port: int, plugins: str) -> list[str]:
    """``touchpoint serve`` for a child process; ``plugins`` comma-separated, "" for the core."""
    return [
        sys.executable,
        "-m",
        "chat.cli",
        "--data-dir",
        str(data_dir),
        "serve",
        "--plugins",
        plugins,
        "--port",
        str(port),
    ]


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    """Until ``process`` listens on ``port``: uvicorn does once the app has started
    (migrations, plugins, the embedding model on a first start)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


async def _prepare_store(
    settings: Settings, visitors: int, agents: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
    """Agents, visitors and one assigned conversation per visitor, straight into the store."""
    from chat.auth import hash_password
    from chat.hub import Hub
    from chat.models import Agent, Contact, Conversation

    hub = Hub(settings, plugins=[])
    await hub.migrate()
    password = hash_password("bench")
    async with hub.sessions() as db:
        agent_rows = [
            Agent(
                email=f"bench{i}@bench.local",
                name=f"Bench {i}",
                password_hash=password,
                role="agent",
                max_concurrent=10_000,
            )
            for i in range(agents)
        ]
        db.add_all(agent_rows)
        contacts = [Contact() for _ in range(visitors)]
        db.add_all(contacts)
        await db.flush()
        conversations = [
            Conversation(
                contact_id=contact.id, status="assigned", assignee_id=agent_rows[i % agents].id
            )
            for i, contact in enumerate(contacts)
        ]
        db.add_all(conversations)
        await db.commit()
        agent_hellos = [
            {"type": "hello", "token": hub.tokens.agent_token(a.id, "agent")[0]} for a in agent_rows
        ]
        visitor_hellos = [
            {"type": "hello", "token": hub.tokens.visitor_token(c.id)} for c in contacts
        ]
        conversation_ids = [c.id for c in conversations]
    await hub.engine.dispose()
    return agent_hellos, visitor_hellos, conversation_ids


def run_relay_benchmark(
    *, connections: int, rate: float, seconds: float, agents: int, database_url: str | None = None
) -> dict[str, Any]:
    _raise_fd_limit()
    visitors = connections - agents
    if visitors < 1 or agents < 1:
        raise ValueError("--connections must exceed --agents, and --agents must be at least 1")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory(prefix="touchpoint-bench-") as tmp:
        data_dir = Path(tmp)
        # Generous limits: the benchmark measures relaying, not the rate limiter.
        hub_env = {
            "TOUCHPOINT_VISITOR_MESSAGES_PER_MINUTE": "100000",
            "TOUCHPOINT_IP_MESSAGES_PER_MINUTE": "100000000",
            "TOUCHPOINT_IP_CONNECTIONS_PER_MINUTE": "100000000",
            # The hub's stderr is the benchmark's: warnings and errors only.
            "TOUCHPOINT_LOG_LEVEL": "WARNING",
        }
        if database_url:
            hub_env["TOUCHPOINT_DATABASE_URL"] = database_url
        settings = Settings(data_dir=data_dir, database_url=database_url).prepare()
        agent_hellos, visitor_hellos, conversation_ids = asyncio.run(
            _prepare_store(settings, visitors, agents)
        )

        def run(
            command: list[str], port: int, extra_env: dict[str, str]
        ) -> subprocess.Popen[bytes]:
            process = subprocess.Popen(
                command,
                env={**env, **extra_env},
                stdout=subprocess.DEVNULL,
            )
            wait_for_port(port, process)
            return process

        def stop(process: subprocess.Popen[bytes]) -> None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

        base_port = free_port()
        baseline_process = run(
            [
                sys.executable,
                "-c",
                f"from chat.bench import serve_bare_relay; serve_bare_relay({base_port})",
            ],
            base_port,
            {},
        )
        try:
            bare_hellos = [{"role": "agent", "agent": i} for i in range(agents)]
            bare_visitors = [{"role": "visitor", "agent": i % agents} for i in range(visitors)]
            baseline = asyncio.run(
                _drive(
                    agent_hellos=bare_hellos,
                    visitor_hellos=bare_visitors,
                    conversation_ids=conversation_ids,
                    url_agent=f"ws://127.0.0.1:{base_port}",
                    url_visitor=f"ws://127.0.0.1:{base_port}",
                    rate=rate,
                    seconds=seconds,
                    prefix="b",
                )
            )
        finally:
            stop(baseline_process)

        hub_port = free_port()
        hub_process = run(hub_command(data_dir, hub_port, ""), hub_port, hub_env)
        try:
            ours = asyncio.run(
                _drive(
                    agent_hellos=agent_hellos,
                    visitor_hellos=visitor_hellos,
                    conversation_ids=conversation_ids,
                    url_agent=f"ws://127.0.0.1:{hub_port}/ws/agent",
                    url_visitor=f"ws://127.0.0.1:{hub_port}/ws/visitor",
                    rate=rate,
                    seconds=seconds,
                    prefix="h",
                )
            )
        finally:
            stop(hub_process)

    return {
        "connections": connections,
        "messages": ours["messages"],
        "rate_per_s": ours["rate_per_s"],
        "p50_ms": ours["p50_ms"],
        "p95_ms": ours["p95_ms"],
        "p99_ms": ours["p99_ms"],
        "lost": ours["lost"],
        "duplicated": ours["duplicated"],
        "baseline": {k: baseline[k] for k in ("p50_ms", "p95_ms", "p99_ms")},
        "p99_ratio": round(ours["p99_ms"] / baseline["p99_ms"], 2) if baseline["p99_ms"] else None,
        "database": make_url(settings.resolved_database_url()).get_backend_name(),
    }
