"""Test helpers for talking to a real hub: a protocol-aware websocket client and agent login.

Other packages' tests (console, widget) may import these::

    from tests.chat.helpers import Client, login

Frames a client reads are kept: ``expect`` takes the first unread frame that
matches and leaves the others for later calls, so a test can wait for what it
cares about in any order without sleeping; ``log`` has every frame received.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any, Protocol, Self

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Frame = dict[str, Any]
DEFAULT_TIMEOUT = 10.0
DEMO_PASSWORDS = {
    "agent@demo.shop": "demo-agent",
    "sales@demo.shop": "demo-sales",
    "editor@demo.shop": "demo-editor",
    "admin@demo.shop": "demo-admin",
}
_ids = itertools.count(1)
_tokens: dict[tuple[str, str], str] = {}


class Server(Protocol):
    """What the helpers need of a server (``tests.conftest.LiveServer`` fits)."""

    url: str
    ws_url: str


def next_id(prefix: str = "c") -> str:
    """A client id unique within the test run."""
    return f"{prefix}-{next(_ids)}"


class Client:
    """One websocket connection to ``/ws/visitor`` or ``/ws/agent``."""

    def __init__(self, ws: ClientConnection, role: str) -> None:
        self.ws = ws
        self.role = role
        self.log: list[Frame] = []  # every frame received, in order
        self._unread: list[Frame] = []
        self.welcome: Frame | None = None

    @classmethod
    async def connect(cls, server: Server, role: str = "visitor", **headers: str) -> Client:
        ws = await connect(
            f"{server.ws_url}/ws/{role}", additional_headers=headers or None, max_size=None
        )
        return cls(ws, role)

    # ---- sending ----------------------------------------------------------

    async def send(self, frame: Frame) -> None:
        await self.ws.send(json.dumps(frame))

    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def hello(self, **fields: Any) -> Frame:
        """Send ``hello`` and return the ``welcome`` (fails on an ``error`` instead)."""
        await self.send({"type": "hello", "v": 1, **fields})
        self.welcome = await self.expect("welcome", fail_on_error=True)
        return self.welcome

    async def send_message(self, text: str, *, id: str | None = None, **fields: Any) -> Frame:
        """Send a ``message`` and return its ``ack`` (fails on an ``error`` for it instead)."""
        client_id = id or next_id("m")
        await self.send({"type": "message", "id": client_id, "text": text, **fields})
        return await self.expect("ack", lambda f: f["id"] == client_id, fail_on_error=client_id)

    async def command(self, name: str, conversation_id: int | None = None, **args: Any) -> Frame:
        """Run a command and return the ``result`` data (fails on an ``error`` for it instead)."""
        command_id = next_id("cmd")
        frame: Frame = {"type": "command", "id": command_id, "name": name, "args": args}
        if conversation_id is not None:
            frame["conversation_id"] = conversation_id
        await self.send(frame)
        result = await self.expect(
            "result", lambda f: f["id"] == command_id, fail_on_error=command_id
        )
        data: Frame = result["data"]
        return data

    # ---- receiving --------------------------------------------------------

    async def expect(
        self,
        type: str | tuple[str, ...],
        predicate: Callable[[Frame], bool] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        fail_on_error: bool | str = False,
    ) -> Frame:
        """The first unread frame of ``type`` (or of one of several types) that matches
        ``predicate``; reads until one comes.

        ``fail_on_error``: True fails on any ``error`` frame, a string on one whose ``ref`` is it.
        """

        def matches(frame: Frame) -> bool:
            wanted = frame.get("type") in ((type,) if isinstance(type, str) else type)
            return wanted and (predicate is None or predicate(frame))

        def failing(frame: Frame) -> bool:
            if frame.get("type") != "error" or not fail_on_error:
                return False
            return fail_on_error is True or frame.get("ref") == fail_on_error

        async def scan() -> Frame:
            position = 0
            while True:
                while position < len(self._unread):
                    frame = self._unread[position]
                    if failing(frame):
                        raise AssertionError(f"expected {type!r} but got an error: {frame}")
                    if matches(frame):
                        return self._unread.pop(position)
                    position += 1
                await self._read_one()

        try:
            return await asyncio.wait_for(scan(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"no {type!r} frame within {timeout} s; unread: {self._unread[-10:]}"
            ) from None

    async def expect_error(self, code: str, *, timeout: float = DEFAULT_TIMEOUT) -> Frame:
        return await self.expect("error", lambda f: f["code"] == code, timeout=timeout)

    async def closed(self, *, timeout: float = DEFAULT_TIMEOUT) -> int | None:
        """Read until the server closes the connection; returns the close code."""

        async def drain() -> None:
            try:
                while True:
                    await self._read_one()
            except ConnectionClosed:
                return

        await asyncio.wait_for(drain(), timeout)
        return self.ws.close_code

    def messages(self, conversation_id: int) -> list[Frame]:
        """Every ``message`` of that conversation received so far, as the ``message`` objects."""
        return [
            f["message"]
            for f in self.log
            if f.get("type") == "message" and f["message"]["conversation_id"] == conversation_id
        ]

    async def _read_one(self) -> None:
        frame = json.loads(await self.ws.recv())
        self.log.append(frame)
        self._unread.append(frame)

    # ---- closing ----------------------------------------------------------

    async def close(self) -> None:
        await self.ws.close()

    def drop(self) -> None:
        """Cut the connection without a closing handshake (a network failure)."""
        self.ws.transport.abort()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


def replying_to(ref: str) -> Callable[[Frame], bool]:
    """Predicate: the ``ack``, ``result`` or ``error`` answering the frame with id ``ref``."""
    return lambda frame: ref in (frame.get("ref"), frame.get("id"))


async def visitor(server: Server, **hello: Any) -> Client:
    """A visitor connected and greeted."""
    client = await Client.connect(server, "visitor")
    await client.hello(**hello)
    return client


async def agent(
    server: Server, email: str = "agent@demo.shop", password: str | None = None
) -> Client:
    """An agent signed in, connected and greeted (the bearer token goes in hello).

    Demo agents need no password (``DEMO_PASSWORDS``). Tokens are reused per
    server secret and e-mail: checking an argon2 password takes a good half second.
    """
    settings = getattr(server, "settings", None)
    key = (getattr(settings, "secret_key", None) or server.url, email)
    if key not in _tokens:
        _tokens[key] = (await login(server, email, password or DEMO_PASSWORDS[email]))["token"]
    client = await Client.connect(server, "agent")
    await client.hello(token=_tokens[key])
    return client


async def login(server: Server, email: str, password: str) -> Frame:
    """``POST /api/auth/login``: returns ``{"token", "csrf", "agent"}``; fails on a non-200."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    data: Frame = response.json()
    return data


def query(database_url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Run one SQL statement on a server's database (``server.hub.database_url``) and commit.

    Goes through its own synchronous connection, so it sees only what was committed.
    """
    from sqlalchemy import create_engine, text

    from chat.db import sync_url

    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return [dict(row) for row in result.mappings()] if result.returns_rows else []
    finally:
        engine.dispose()
