"""Helpers for the console tests: signed-in HTTP clients and websocket clients
that keep every frame, so a test can wait for the one it expects."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from websockets.sync.client import ClientConnection, connect

from chat.hub import Hub
from chat.models import Contact, Conversation, Message

DEMO = {
    "agent": ("agent@demo.shop", "demo-agent"),
    "sales": ("sales@demo.shop", "demo-sales"),
    "editor": ("editor@demo.shop", "demo-editor"),
    "admin": ("admin@demo.shop", "demo-admin"),
}
Frame = dict[str, Any]


class FrameTimeout(AssertionError):
    pass


class Socket:
    """A websocket client for tests. ``wait_for`` scans frames not yet matched."""

    def __init__(self, url: str, hello: Frame) -> None:
        self.ws: ClientConnection = connect(url, open_timeout=10, max_size=2**22)
        self.frames: list[Frame] = []
        self._next = 0
        self.send({"type": "hello", "v": 1, **hello})
        self.welcome = self.wait_for(lambda f: f["type"] in ("welcome", "error"))

    def send(self, frame: Frame) -> None:
        self.ws.send(json.dumps(frame))

    def new_id(self, prefix: str) -> str:
        # Unique across sockets: a shopper who reconnects must not reuse a message id.
        return f"{prefix}-{uuid.uuid4().hex[:12]}"

    def wait_for(self, match: Callable[[Frame], bool], timeout: float = 10.0) -> Frame:
        deadline = time.monotonic() + timeout
        while True:
            for index in range(self._next, len(self.frames)):
                if match(self.frames[index]):
                    frame = self.frames.pop(index)
                    return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FrameTimeout(f"no matching frame within {timeout} s; got {self.frames[-5:]}")
            try:
                self.frames.append(json.loads(self.ws.recv(timeout=remaining)))
            except TimeoutError:
                continue

    def command(self, name: str, conversation_id: int | None = None, **args: Any) -> Frame:
        """Runs a command; returns the ``result`` or ``error`` frame answering it."""
        frame: Frame = {"type": "command", "id": self.new_id("cmd"), "name": name, "args": args}
        if conversation_id is not None:
            frame["conversation_id"] = conversation_id
        self.send(frame)
        return self.wait_for(
            lambda f: (
                f.get("type") in ("result", "error")
                and f.get("id" if f["type"] == "result" else "ref") == frame["id"]
            )
        )

    def message(self, text: str, conversation_id: int | None = None, **extra: Any) -> Frame:
        frame: Frame = {"type": "message", "id": self.new_id("m"), "text": text, **extra}
        if conversation_id is not None:
            frame["conversation_id"] = conversation_id
        self.send(frame)
        return self.wait_for(lambda f: f.get("type") == "ack" and f["id"] == frame["id"])

    def close(self) -> None:
        self.ws.close()


def assigned(conversation_id: int, agent_id: int | None = None) -> Callable[[Frame], bool]:
    """Matches the ``conversation`` frame saying the conversation is assigned (to ``agent_id``)."""

    def match(frame: Frame) -> bool:
        conversation = frame.get("conversation") or {}
        return (
            frame["type"] == "conversation"
            and conversation.get("id") == conversation_id
            and conversation.get("status") == "assigned"
            and (agent_id is None or conversation.get("assignee_id") == agent_id)
        )

    return match


class ConsoleServer:
    """One running server with helpers to sign in and to open sockets."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.url = server.url
        self._sockets: list[Socket] = []
        self._clients: list[httpx.Client] = []

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=20)
        self._clients.append(client)
        return client

    def sign_in(
        self, who: str = "agent", password: str | None = None, email: str | None = None
    ) -> tuple[httpx.Client, Frame]:
        demo_email, demo_password = DEMO.get(who, (who, ""))
        response = httpx.post(
            f"{self.url}/api/auth/login",
            json={"email": email or demo_email, "password": password or demo_password},
            timeout=20,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return self.client(body["token"]), body

    def agent_socket(self, token: str) -> Socket:
        socket = Socket(f"{self.server.ws_url}/ws/agent", {"token": token})
        assert socket.welcome["type"] == "welcome", socket.welcome
        self._sockets.append(socket)
        return socket

    def visitor_socket(self, **hello: Any) -> Socket:
        socket = Socket(f"{self.server.ws_url}/ws/visitor", hello)
        assert socket.welcome["type"] == "welcome", socket.welcome
        self._sockets.append(socket)
        return socket

    def shopper_asks_for_human(
        self, text: str = "I need a person please", on_page: str | None = None
    ) -> tuple[Socket, int]:
        """A shopper (first seen on the page ``on_page``, if given) asks for a person."""
        visitor = self.visitor_socket()
        if on_page is not None:
            visitor.send({"type": "event", "kind": "page_view", "url": on_page})
        ack = visitor.message(text)
        result = visitor.command("request_human", ack["conversation_id"])
        assert result["type"] == "result", result
        return visitor, ack["conversation_id"]

    def close(self) -> None:
        for socket in self._sockets:
            socket.close()
        for client in self._clients:
            client.close()


def add_messages(
    db: AsyncSession,
    conversation_id: int,
    lines: list[tuple[str, str]],
    at: dt.datetime,
    step: dt.timedelta = dt.timedelta(0),
) -> None:
    """Adds ``lines`` (sender kind, text) to the conversation as messages 1, 2, …, message
    ``seq`` made at ``at + seq * step``."""
    for seq, (kind, text) in enumerate(lines, 1):
        db.add(
            Message(
                conversation_id=conversation_id,
                seq=seq,
                sender_kind=kind,
                text=text,
                created_at=at + seq * step,
            )
        )


def add_open_conversations(hub_settings: Any, count: int, assignee_id: int | None = None) -> None:
    """``count`` open conversations straight into the hub's database: with the bot,
    queued and assigned (to ``assignee_id``) in turn, each shopper's last words "question N"."""

    async def add() -> None:
        hub = Hub(hub_settings, plugins=[])
        start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        async with hub.sessions() as db:
            for n in range(count):
                contact = Contact(id=f"bulk-{n:04d}", name=f"Bulk Shopper {n}")
                conversation = Conversation(
                    contact_id=contact.id,
                    status=("bot", "queued", "assigned")[n % 3],
                    queued_at=start if n % 3 else None,
                    assignee_id=assignee_id if n % 3 == 2 else None,
                    last_seq=3,
                )
                db.add_all([contact, conversation])
                await db.flush()
                lines = [("visitor", "hi"), ("bot", "Hello!"), ("visitor", f"question {n}")]
                add_messages(db, conversation.id, lines, start, dt.timedelta(seconds=1))
            await db.commit()
        await hub.engine.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(add())).result()
