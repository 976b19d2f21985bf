"""The websocket adapter: moves frames between a socket and a protocol Session.

One task owns each connection: it waits for either the next websocket message
or the next bus notification, feeds it to the pure cores (chat/protocol.py,
chat/delivery.py), calls the service, and drains the frames to send. Decisions
about state live in those cores and in chat/lifecycle.py, not here.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeGuard

from fastapi import APIRouter, WebSocket
from pydantic import ValidationError
from sqlalchemy import update
from starlette.websockets import WebSocketDisconnect, WebSocketState

from chat import storage
from chat.auth import SESSION_COOKIE, TokenError, session_is_current, verify_identity
from chat.delivery import Delivery, Offer
from chat.events import ContactIdentified, DomainEvent
from chat.hub import Hub
from chat.lifecycle import Cause, LifecycleError, Status
from chat.models import Agent, ConsentRecord, Contact, Conversation, ShopperEvent, Team
from chat.presence import starting_status
from chat.protocol import (
    MAX_ID,
    Ack,
    Command,
    ConversationFrame,
    ConversationOut,
    ErrorCode,
    Hello,
    Identity,
    Ping,
    Pong,
    Presence,
    ProtocolError,
    QueueFrame,
    Read,
    ReadOut,
    Result,
    Resume,
    ResyncRequired,
    Role,
    Sender,
    SendMessage,
    Session,
    Track,
    Typing,
    TypingOut,
    Welcome,
)
from chat.ratelimit import RateLimiter
from chat.service import (
    AGENTS_CHANNEL,
    NotFound,
    contact_channel,
    conversation_channel,
    message_notice,
)

log = logging.getLogger("touchpoint.ws")
router = APIRouter()
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,}$")
CLOSE_BAD_FRAME, CLOSE_AUTH, CLOSE_RATE = 4400, 4401, 4429
# How stale an agent's session check may be when a notice (not a frame of theirs)
# arrives: signing out, disabling or a team change reach an open socket this fast.
AGENT_RECHECK_SECONDS = 5.0
SESSION_ENDED = "this session has ended (signed out, expired or account disabled); sign in again"


@router.websocket("/ws/visitor")
async def visitor_socket(websocket: WebSocket) -> None:
    await Connection(websocket.app.state.hub, websocket, Role.visitor).run()


@router.websocket("/ws/agent")
async def agent_socket(websocket: WebSocket) -> None:
    await Connection(websocket.app.state.hub, websocket, Role.agent).run()


class Connection:
    def __init__(self, hub: Hub, websocket: WebSocket, role: Role) -> None:
        self.hub = hub
        self.websocket = websocket
        self.role = role
        self.id = uuid.uuid4().hex
        self.ip = websocket.client.host if websocket.client else "unknown"
        self.session = Session(
            role,
            max_frame_bytes=hub.settings.max_frame_bytes,
            max_text_bytes=hub.settings.max_text_bytes,
        )
        self.delivery = Delivery(hub.settings.replay_limit)
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()  # frames and bus notices
        self._frame_handled = asyncio.Event()
        self.subscriptions: dict[str, Callable[[], None]] = {}
        self.limits = hub.limits
        self.contact_id: str | None = None
        self.owned: set[int] = set()  # a visitor's own conversations, checked once
        self.agent: Agent | None = None
        self._agent_token = ""
        self._agent_check_due = 0.0
        self.closing: int | None = None
        self.commands: dict[str, Callable[[Command], Awaitable[dict[str, Any]]]] = (
            self._visitor_commands() if role is Role.visitor else self._agent_commands()
        )

    # ---- the loop -------------------------------------------------------

    async def run(self) -> None:
        await self.websocket.accept()
        # Bus messages may have been lost while its link was down: replay from storage.
        self.subscriptions["#reconnect"] = self.hub.bus.on_reconnect(self._replay_all_later)
        self.hub.metrics.connections.labels(self.role.value).inc()
        self.hub.collector.connection_opened()
        try:
            wait = self.limits.ip_connections.hit(self.ip, time.monotonic())
            if wait:
                self.fail(
                    ErrorCode.rate_limited,
                    "too many new connections from this address",
                    CLOSE_RATE,
                    retry_after=wait,
                )
            else:
                await self._loop()
            await self.flush()
        except Exception:
            log.exception("connection failed", extra={"connection": self.id})
        finally:
            self.hub.metrics.connections.labels(self.role.value).dec()
            self.hub.collector.connection_closed()
            await self._cleanup()
        if self.closing and self.websocket.application_state is WebSocketState.CONNECTED:
            await self.websocket.close(self.closing)

    async def _loop(self) -> None:
        # One inbox for frames and bus notices, so this task waits on one queue: a
        # task per received frame lived until the next frame came (seconds), and
        # the cyclic garbage collector walked them all again and again.
        reader = asyncio.create_task(self._receive_frames())
        try:
            # No local keeps the last item alive while the next is awaited.
            while self.closing is None and await self._take(await self.inbox.get()):
                await self.flush()
        finally:
            reader.cancel()

    async def _take(self, item: dict[str, Any]) -> bool:
        """Handle a frame or a bus notice; False once the client has gone."""
        if item["kind"] != "frame":
            if self._agent_due_for_check(item):
                self._schedule_agent_check()
                self.hub.run_in_background(self._check_agent_aside())
            await self._notify(item)
            return True
        incoming = item["incoming"]
        self.hub.collector.frame_received()
        if incoming["type"] == "websocket.disconnect":
            return False
        data = incoming.get("text")
        self.session.receive_data(data if data is not None else incoming.get("bytes") or b"")
        frames = self.session.events_received()
        # Every frame of a signed-in agent is checked against the session as it is now.
        if frames and self.agent is not None and not await self._agent_session_holds():
            frames = []
        for frame in frames:
            await self._handle(frame)
        if self.session.failed:
            self.closing = CLOSE_BAD_FRAME
        self._frame_handled.set()
        return True

    async def _receive_frames(self) -> None:
        """Feed received frames to the inbox, the next only once the last is handled:
        a client that sends faster than the hub handles waits in TCP, not in memory."""
        while True:
            self._frame_handled.clear()
            try:
                incoming = await self.websocket.receive()
            except Exception:  # whatever ends reading ends the connection; the loop must hear of it
                log.exception("reading the socket failed", extra={"connection": self.id})
                incoming = {"type": "websocket.disconnect"}
            self.inbox.put_nowait({"kind": "frame", "incoming": incoming})
            if incoming["type"] == "websocket.disconnect":
                return
            await self._frame_handled.wait()

    async def flush(self) -> None:
        for text in self.session.frames_to_send():
            if text.startswith('{"type":"error"'):
                code = text.split('"code":"', 1)[1].split('"', 1)[0]
                self.hub.metrics.frame_errors.labels(code).inc()
            try:
                await self.websocket.send_text(text)
            except (WebSocketDisconnect, RuntimeError, OSError):
                # The peer is gone or the socket already closed: stop sending.
                self.closing = self.closing or 1001
                return

    def fail(self, code: ErrorCode, message: str, close_code: int, **extra: Any) -> None:
        self.session.send_error(code, message, fatal=True, **extra)
        self.closing = close_code

    async def _handle(self, frame: Any) -> None:
        ref = getattr(frame, "id", None)
        try:
            if self.role is Role.visitor and not isinstance(frame, Hello | SendMessage | Ping):
                self._frame_limit(ref)
            if isinstance(frame, Hello):
                await self._hello(frame)
            elif isinstance(frame, SendMessage):
                await self._message(frame)
            elif isinstance(frame, Typing):
                await self._typing(frame)
            elif isinstance(frame, Read):
                await self._read(frame)
            elif isinstance(frame, Resume):
                await self._authorize(frame.conversation_id)
                await self._follow(frame.conversation_id, frame.last_seq)
                await self._replay(frame.conversation_id)
            elif isinstance(frame, Command):
                data = await self.commands[frame.name](frame)
                self.session.send(Result(id=frame.id, data=data))
            elif isinstance(frame, Track):
                await self._track(frame)
            elif isinstance(frame, Ping):
                self.session.send(Pong())
        except ProtocolError as exc:
            self.session.send_error(
                exc.code, str(exc), ref=exc.ref or ref, retry_after=exc.retry_after
            )
        except TokenError as exc:
            self.fail(ErrorCode(exc.code), str(exc), CLOSE_AUTH)
        except LifecycleError as exc:
            self.session.send_error(ErrorCode.illegal_transition, str(exc), ref=ref)
        except NotFound as exc:
            self.session.send_error(ErrorCode.not_found, str(exc), ref=ref)
        except ValidationError as exc:
            self.session.send_error(ErrorCode.invalid_frame, exc.errors()[0]["msg"], ref=ref)
        except Exception:
            log.exception(
                "frame failed", extra={"connection": self.id, "frame": type(frame).__name__}
            )
            self.session.send_error(
                ErrorCode.internal, "the server could not process this frame; retry it", ref=ref
            )

    # ---- hello ----------------------------------------------------------

    async def _hello(self, hello: Hello) -> None:
        if self.role is Role.visitor:
            await self._hello_visitor(hello)
        else:
            await self._hello_agent(hello)

    async def _hello_visitor(self, hello: Hello) -> None:
        token = hello.token
        fresh_visit = False
        async with self.hub.sessions() as db:
            contact = None
            if token:
                contact = await db.get(Contact, self.hub.tokens.contact_id_from(token))
                if contact is None:
                    raise TokenError(
                        "bad_token", "this visitor is unknown (erased?); start a new visit"
                    )
                if contact.identity_verified and not self._signed(hello.identity):
                    # A known customer's pages send their identity: a visit with their
                    # token alone (or a wrong HMAC) may be the next person on a shared
                    # device (a shop that did not call Touchpoint.reset()), who must see
                    # nothing of theirs. It starts anonymous; identifying leads back.
                    contact, token, fresh_visit = None, None, True
            if contact is None:
                contact = Contact(locale=hello.locale or "en")
                db.add(contact)
            if hello.locale:
                contact.locale = hello.locale
            if hello.site:
                contact.site = hello.site
            await db.commit()
            self.contact_id = contact.id
        if not token:
            token = self.hub.tokens.visitor_token(self.contact_id)
        verified = False
        if hello.identity is not None:
            verified, token = await self._identify(hello.identity, token)
        async with self.hub.sessions() as db:
            contact = await db.get(Contact, self.contact_id)
            assert contact is not None
            conversations = await storage.conversations_of_contact(
                db, contact_id=contact.id, limit=10
            )
            verified = verified or contact.identity_verified
        self._subscribe(contact_channel(self.contact_id))
        for conversation in conversations:
            self.owned.add(conversation.id)
            await self._follow(conversation.id, conversation.last_seq)
        self.session.accept(
            Welcome(
                role=Role.visitor,
                session_id=self.id,
                visitor_token=token,
                contact_id=self.contact_id,
                identity_verified=verified,
                conversations=[storage.conversation_out(c) for c in conversations],
                agents_online=await self.hub.presence.agents_online(),
                limits=self._limits(),
            )
        )
        if not fresh_visit:  # the points are in the customer's conversations
            await self._resume_points(hello)

    def _signed(self, identity: Identity | None) -> bool:
        """Whether the shop's HMAC for ``identity`` checks out."""
        secret = self.hub.settings.identity_secret or ""
        return identity is not None and verify_identity(secret, identity.customer_id, identity.hmac)

    async def _identify(self, identity: Identity, token: str) -> tuple[bool, str]:
        """Mark the visitor as a known customer if the shop's HMAC checks out."""
        if not self._signed(identity):
            self.session.send_error(
                ErrorCode.bad_identity,
                "the identity HMAC does not match this customer id; continuing as an anonymous visitor",
            )
            return False, token
        assert self.contact_id is not None
        async with self.hub.sessions() as db:
            current = await db.get(Contact, self.contact_id)
            known = await storage.contact_by_customer_id(db, customer_id=identity.customer_id)
            assert current is not None
            switched = bool(
                current.identity_verified
                and current.customer_id
                and current.customer_id != identity.customer_id
            )
            if switched:
                # The visit belongs to another customer (a shared device whose shop did
                # not call Touchpoint.reset() on log-out): the new customer continues on
                # their own contact and nothing of the other one moves or stays in view.
                if known is None:
                    known = Contact(locale=current.locale, site=current.site)
                    db.add(known)
                    await db.flush()
                current = known
            elif known is not None and known.id != current.id:
                # The customer has a contact already: move this visit's history there
                # (consent records too: deleting the visit's contact would cascade to them).
                moved: list[type[Conversation | ShopperEvent | ConsentRecord]] = [
                    Conversation,
                    ShopperEvent,
                    ConsentRecord,
                ]
                for model in moved:
                    await db.execute(
                        update(model)
                        .where(model.contact_id == current.id)
                        .values(contact_id=known.id)
                    )
                if current.consent_personalisation is not None:
                    # The newest decision wins.
                    known.consent_personalisation = current.consent_personalisation
                await db.flush()
                await db.delete(current)
                current = known
            current.customer_id = identity.customer_id
            current.identity_verified = True
            current.email = identity.email or current.email
            current.name = identity.name or current.name
            await db.commit()
            if current.id != self.contact_id:
                self.subscriptions.pop(contact_channel(self.contact_id), lambda: None)()
                self.contact_id = current.id
                self._subscribe(contact_channel(current.id))
                token = self.hub.tokens.visitor_token(current.id)
            if switched:
                # Stop following the other customer's conversations on this connection.
                for conversation_id in list(self.delivery.followed()):
                    self._unfollow(conversation_id)
                self.owned.clear()
                for conversation in await storage.conversations_of_contact(
                    db, contact_id=current.id, limit=10
                ):
                    self.owned.add(conversation.id)
                    await self._follow(conversation.id, conversation.last_seq)
        self.hub.listeners.dispatch(
            [
                DomainEvent.of(
                    ContactIdentified(contact_id=self.contact_id, customer_id=identity.customer_id)
                )
            ]
        )
        return True, token

    async def _hello_agent(self, hello: Hello) -> None:
        token = hello.token
        if not token:
            token = self.websocket.cookies.get(SESSION_COOKIE)
            # Browsers send cookies with cross-site websocket handshakes too: only
            # pages of the hub itself may use the cookie session.
            if token and not _same_origin(self.websocket.headers):
                raise TokenError(
                    "bad_token", "the agent cookie is only accepted from the hub's own pages"
                )
        if not token:
            raise TokenError("bad_token", "sign in first: send the agent token in hello")
        agent_session = self.hub.tokens.agent_session(token)
        async with self.hub.sessions() as db:
            agent = await db.get(Agent, agent_session.agent_id)
            if not session_is_current(agent_session, agent):
                raise TokenError("bad_token", SESSION_ENDED)
            assert agent is not None
            assigned = await storage.assigned_to(db, agent_id=agent.id)
        self.agent = agent
        self._agent_token = token
        self._schedule_agent_check()
        await self.hub.presence.connected(agent.id, starting_status(agent))
        self._subscribe(AGENTS_CHANNEL)
        for conversation in assigned:
            await self._follow(conversation.id, conversation.last_seq)
        self.session.accept(
            Welcome(
                role=Role.agent,
                session_id=self.id,
                agent=storage.agent_info(agent),
                conversations=[storage.conversation_out(c) for c in assigned],
                agents_online=await self.hub.presence.agents_online(),
                limits=self._limits(),
            )
        )
        await self._send_queue()
        await self._send_presence()
        await self._resume_points(hello)

    async def _resume_points(self, hello: Hello) -> None:
        for point in hello.resume:
            try:
                await self._authorize(point.conversation_id)
            except ProtocolError as exc:  # not_found, or forbidden for another team's
                self.session.send_error(exc.code, str(exc))
                continue
            await self._follow(point.conversation_id, point.last_seq)
            await self._replay(point.conversation_id)

    def _agent_due_for_check(self, notice: dict[str, Any]) -> bool:
        if self.agent is None:
            return False
        if notice.get("kind") == "agent_changed":
            return bool(notice.get("agent_id") == self.agent.id)
        return time.monotonic() >= self._agent_check_due

    async def _check_agent_aside(self) -> None:
        """The check a notice makes due, beside the notices: none of them waits for its
        database read (twenty agents' reads at once held messages up 100 ms and more)."""
        if not await self._agent_session_holds():
            self.inbox.put_nowait({"kind": "session_ended"})  # the loop sends the error, closes

    def _schedule_agent_check(self) -> None:
        # Half to all of AGENT_RECHECK_SECONDS, drawn anew each time: agents whose checks
        # fell together (the first message after a quiet spell reaches them all) drift apart.
        self._agent_check_due = time.monotonic() + AGENT_RECHECK_SECONDS * random.uniform(0.5, 1)

    async def _agent_session_holds(self) -> bool:
        """Whether the agent's session still holds (not signed out, expired or disabled);
        refreshes the agent (role, teams). Otherwise the connection closes with 4401."""
        self._schedule_agent_check()
        try:
            session = self.hub.tokens.agent_session(self._agent_token)
        except TokenError as exc:
            self.fail(ErrorCode(exc.code), str(exc), CLOSE_AUTH)
            return False
        async with self.hub.sessions() as db:
            agent = await db.get(Agent, session.agent_id)
        if not session_is_current(session, agent):
            self.fail(ErrorCode.bad_token, SESSION_ENDED, CLOSE_AUTH)
            return False
        self.agent = agent
        return True

    def _limits(self) -> dict[str, int]:
        return {
            "max_text_bytes": self.hub.settings.max_text_bytes,
            "max_frame_bytes": self.hub.settings.max_frame_bytes,
        }

    # ---- messages, typing, read, events ----------------------------------

    async def _message(self, frame: SendMessage) -> None:
        started = time.perf_counter()
        if self.role is Role.visitor:
            try:
                self._rate_limit(frame.id)
            except ProtocolError:
                # A retry of a message stored before is answered, not limited:
                # the widget resends what it never saw acknowledged.
                if not await self._ack_stored(frame):
                    raise
                return
            if frame.conversation_id is None:
                conversation = await self.hub.conversations.open_or_start(self._contact())
                self.owned.add(conversation.id)
                await self._follow(conversation.id, conversation.last_seq)
                conversation_id = conversation.id
            else:
                conversation_id = frame.conversation_id
                await self._authorize(conversation_id)
            sender_id = self.contact_id
        else:
            assert frame.conversation_id is not None  # the protocol requires it for agents
            conversation_id = frame.conversation_id
            await self._authorize(conversation_id)
            sender_id = str(self._agent().id)
        result = await self.hub.conversations.post_message(
            conversation_id,
            sender_kind=self.role.value,
            sender_id=sender_id,
            text=frame.text,
            content_type=frame.content_type.value,
            payload=frame.payload,
            client_msg_id=frame.id,
            private=frame.private,
        )
        self.session.send(
            Ack(
                id=frame.id,
                conversation_id=conversation_id,
                seq=result.message.seq,
                duplicate=result.duplicate,
            )
        )
        if not result.duplicate:
            self.hub.metrics.messages.labels(self.role.value).inc()
        self.hub.metrics.ack_latency.observe(time.perf_counter() - started)

    async def _ack_stored(self, frame: SendMessage) -> bool:
        if frame.conversation_id is None or frame.conversation_id not in self.owned:
            return False
        async with self.hub.sessions() as db:
            stored = await storage.find_by_client_id(
                db,
                conversation_id=frame.conversation_id,
                sender_kind="visitor",
                client_msg_id=frame.id,
            )
        if stored is None:
            return False
        self.session.send(
            Ack(
                id=frame.id,
                conversation_id=frame.conversation_id,
                seq=stored["seq"],
                duplicate=True,
            )
        )
        return True

    def _rate_limit(self, ref: str | None) -> None:
        self._limit(
            self.limits.visitor_messages, self.limits.ip_messages, ref,
            "too many messages; try again in {wait:.1f} s (the message was not stored)",
        )  # fmt: skip

    def _frame_limit(self, ref: str | None) -> None:
        self._limit(
            self.limits.visitor_frames, self.limits.ip_frames, ref,
            "too many frames; try again in {wait:.1f} s (this one was dropped)",
        )  # fmt: skip

    def _limit(
        self, per_visitor: RateLimiter, per_ip: RateLimiter, ref: str | None, message: str
    ) -> None:
        """Counts a hit against the visitor's and the address's limits; over either,
        ``rate_limited`` with the wait."""
        now = time.monotonic()
        wait = max(per_visitor.hit(self._contact(), now), per_ip.hit(self.ip, now))
        if wait:
            raise ProtocolError(
                ErrorCode.rate_limited, message.format(wait=wait), ref=ref, retry_after=wait
            )

    async def _typing(self, frame: Typing) -> None:
        await self._authorize(frame.conversation_id)
        await self.hub.bus.publish(
            conversation_channel(frame.conversation_id),
            {
                "kind": "typing",
                "conversation_id": frame.conversation_id,
                "sender": self._sender().model_dump(),
                "on": frame.on,
                "origin": self.id,
            },
        )

    async def _read(self, frame: Read) -> None:
        await self._authorize(frame.conversation_id)
        await self.hub.conversations.mark_read(
            frame.conversation_id, by=self.role.value, seq=frame.seq
        )

    async def _track(self, frame: Track) -> None:
        async with self.hub.sessions() as db:
            open_conversation = await storage.open_conversation_of(db, contact_id=self._contact())
        await self.hub.conversations.record_event(
            self._contact(),
            kind=frame.kind.value,
            url=frame.url,
            product_id=frame.product_id,
            data=frame.data,
            conversation_id=open_conversation.id if open_conversation else None,
        )

    # ---- commands -------------------------------------------------------

    def _visitor_commands(self) -> dict[str, Callable[[Command], Awaitable[dict[str, Any]]]]:
        return {
            "request_human": self._cmd_request_human,
            "end": self._cmd_end,
            "rate": self._cmd_rate,
            "consent": self._cmd_consent,
            "offline_message": self._cmd_offline_message,
            "identify": self._cmd_identify,
        }

    def _agent_commands(self) -> dict[str, Callable[[Command], Awaitable[dict[str, Any]]]]:
        return {
            "open": self._cmd_open,
            "close": self._cmd_close,
            "take": self._cmd_take,
            "assign": self._cmd_assign,
            "transfer": self._cmd_transfer,
            "release": self._cmd_release,
            "resolve": self._cmd_resolve,
            "reopen": self._cmd_reopen,
            "status": self._cmd_status,
        }

    async def _visitor_conversation(self, command: Command) -> int:
        if command.conversation_id is not None:
            await self._authorize(command.conversation_id)
            return command.conversation_id
        conversation = await self.hub.conversations.open_or_start(self._contact())
        await self._follow(conversation.id, conversation.last_seq)
        return conversation.id

    async def _cmd_request_human(self, command: Command) -> dict[str, Any]:
        conversation_id = await self._visitor_conversation(command)
        state = await self.hub.conversations.transition(
            conversation_id, Cause.handoff, actor="visitor", reason="visitor_request"
        )
        return {"conversation_id": conversation_id, "status": state.status.value}

    async def _cmd_end(self, command: Command) -> dict[str, Any]:
        conversation_id = _required_conversation(command)
        await self._authorize(conversation_id)
        state = await self.hub.conversations.transition(
            conversation_id, Cause.resolve, actor="visitor"
        )
        return {"conversation_id": conversation_id, "status": state.status.value}

    async def _cmd_rate(self, command: Command) -> dict[str, Any]:
        conversation_id = _required_conversation(command)
        await self._authorize(conversation_id)
        score = command.args.get("score")
        comment = command.args.get("comment")
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise ProtocolError(
                ErrorCode.invalid_frame,
                "args.score must be a whole number from 1 to 5",
                ref=command.id,
            )
        if comment is not None and (not isinstance(comment, str) or len(comment) > 2000):
            raise ProtocolError(
                ErrorCode.invalid_frame,
                "args.comment must be text of at most 2000 characters",
                ref=command.id,
            )
        await self.hub.conversations.rate(conversation_id, score=score, comment=comment)
        return {"conversation_id": conversation_id}

    async def _cmd_consent(self, command: Command) -> dict[str, Any]:
        granted = command.args.get("granted")
        if not isinstance(granted, bool):
            raise ProtocolError(
                ErrorCode.invalid_frame, "args.granted must be true or false", ref=command.id
            )
        async with self.hub.sessions() as db:
            contact = await db.get(Contact, self._contact())
            assert contact is not None
            contact.consent_personalisation = granted
            db.add(
                ConsentRecord(
                    contact_id=contact.id,
                    purpose="personalisation",
                    granted=granted,
                    source="widget",
                )
            )
            await db.commit()
        return {"granted": granted}

    async def _cmd_offline_message(self, command: Command) -> dict[str, Any]:
        email, text = command.args.get("email"), command.args.get("text")
        if not isinstance(email, str) or not EMAIL.match(email):
            raise ProtocolError(
                ErrorCode.invalid_frame, "args.email must be an e-mail address", ref=command.id
            )
        if (
            not isinstance(text, str)
            or not text.strip()
            or len(text.encode()) > self.hub.settings.max_text_bytes
        ):
            raise ProtocolError(
                ErrorCode.invalid_frame,
                f"args.text must be non-empty text of at most {self.hub.settings.max_text_bytes} bytes",
                ref=command.id,
            )
        self._rate_limit(command.id)
        async with self.hub.sessions() as db:
            contact = await db.get(Contact, self._contact())
            assert contact is not None
            contact.email = contact.email or email
            await db.commit()
        conversation_id = await self._visitor_conversation(command)
        await self.hub.conversations.post_message(
            conversation_id,
            sender_kind="visitor",
            sender_id=self.contact_id,
            text=text,
            payload={"offline_message": {"email": email}},
            client_msg_id=command.id,
        )
        state = await self.hub.conversations.get(conversation_id)
        if state.status == Status.bot.value:
            await self.hub.conversations.transition(
                conversation_id, Cause.handoff, actor="visitor", reason="offline_message"
            )
        return {"conversation_id": conversation_id}

    async def _cmd_identify(self, command: Command) -> dict[str, Any]:
        try:
            identity = Identity.model_validate(command.args)
        except ValidationError as exc:
            raise ProtocolError(
                ErrorCode.invalid_frame, f"args: {exc.errors()[0]['msg']}", ref=command.id
            ) from None
        verified, token = await self._identify(
            identity, self.hub.tokens.visitor_token(self._contact())
        )
        return {
            "identity_verified": verified,
            "visitor_token": token,
            "contact_id": self.contact_id,
        }

    async def _cmd_open(self, command: Command) -> dict[str, Any]:
        conversation_id = _required_conversation(command)
        conversation = await self._authorize_agent(conversation_id)
        self._subscribe(conversation_channel(conversation_id))
        async with self.hub.sessions() as db:
            rows = await storage.latest_messages(
                db, conversation_id=conversation_id, limit=200, include_private=True
            )
            contact = await db.get(Contact, conversation.contact_id)
            conversation_row = await db.get(Conversation, conversation_id)
        messages = await self.hub.conversations.messages_after(
            conversation_id, rows[0].seq - 1 if rows else 0, limit=200, include_private=True
        )
        head = max([m.seq for m in messages], default=conversation.last_seq)
        self.delivery.follow(conversation_id, head)
        # Anything stored between the snapshot and now comes as a gap and is replayed.
        return {
            "conversation": conversation.model_dump(mode="json"),
            "handoff_context": conversation_row.handoff_context if conversation_row else None,
            "contact": storage.contact_summary(contact) if contact else None,
            "messages": [m.model_dump(mode="json") for m in messages],
        }

    async def _cmd_close(self, command: Command) -> dict[str, Any]:
        conversation_id = _required_conversation(command)
        conversation = await self.hub.conversations.get(conversation_id)
        if conversation.assignee_id != self._agent().id:
            self._unfollow(conversation_id)
        return {"conversation_id": conversation_id}

    async def _transition(self, command: Command, cause: Cause, **kwargs: Any) -> dict[str, Any]:
        conversation_id = _required_conversation(command)
        await self._authorize(conversation_id)
        state = await self.hub.conversations.transition(
            conversation_id, cause, actor=f"agent:{self._agent().id}", **kwargs
        )
        return {
            "conversation_id": conversation_id,
            "status": state.status.value,
            "assignee_id": state.assignee_id,
        }

    async def _cmd_take(self, command: Command) -> dict[str, Any]:
        # Taking never steals: it needs the status seen here to hold under the row
        # lock too, so of two agents taking at once exactly one wins.
        conversation_id = _required_conversation(command)
        conversation = await self._authorize_agent(conversation_id)
        if conversation.status == Status.assigned.value:
            raise LifecycleError("the conversation is already assigned; ask for a transfer")
        return await self._transition(
            command, Cause.assign, agent_id=self._agent().id, expected=Status(conversation.status)
        )

    async def _cmd_assign(self, command: Command) -> dict[str, Any]:
        agent_id = await self._target_agent(command)
        return await self._transition(command, Cause.assign, agent_id=agent_id)

    async def _cmd_transfer(self, command: Command) -> dict[str, Any]:
        if "team_id" in command.args:
            team_id = command.args["team_id"]
            if not _is_id(team_id):
                raise ProtocolError(
                    ErrorCode.invalid_frame, "args.team_id must be a team id", ref=command.id
                )
            async with self.hub.sessions() as db:
                if await db.get(Team, team_id) is None:
                    raise NotFound(f"team {team_id} does not exist")
            return await self._transition(command, Cause.transfer_team, team_id=team_id)
        return await self._cmd_assign(command)

    async def _target_agent(self, command: Command) -> int:
        agent_id = command.args.get("agent_id")
        if not _is_id(agent_id):
            raise ProtocolError(
                ErrorCode.invalid_frame, "args.agent_id must be an agent id", ref=command.id
            )
        async with self.hub.sessions() as db:
            target = await db.get(Agent, agent_id)
        if target is None or not target.active:
            raise NotFound(f"agent {agent_id} does not exist or is disabled")
        # An offline assignee would hold the chat unseen: no grace period runs for an
        # agent who was never connected, so the shopper would wait with nobody there.
        if agent_id != self._agent().id and not await self.hub.presence.is_online(agent_id):
            raise LifecycleError(
                f"{target.name} is offline and would not see this conversation; "
                "choose an agent who is online, or transfer it to a team"
            )
        return agent_id

    async def _cmd_release(self, command: Command) -> dict[str, Any]:
        return await self._transition(command, Cause.release)

    async def _cmd_resolve(self, command: Command) -> dict[str, Any]:
        return await self._transition(command, Cause.resolve)

    async def _cmd_reopen(self, command: Command) -> dict[str, Any]:
        return await self._transition(command, Cause.reopen, agent_id=self._agent().id)

    async def _cmd_status(self, command: Command) -> dict[str, Any]:
        status = command.args.get("status")
        if status not in ("online", "away"):
            raise ProtocolError(
                ErrorCode.invalid_frame, 'args.status must be "online" or "away"', ref=command.id
            )
        agent_id = self._agent().id
        async with self.hub.sessions() as db:  # chosen, for the next connection anywhere
            await db.execute(update(Agent).where(Agent.id == agent_id).values(chosen_status=status))
            await db.commit()
        await self.hub.presence.set_status(agent_id, status)
        return {"status": status}

    # ---- fan-out and replay ---------------------------------------------

    def _subscribe(self, channel: str) -> None:
        if channel not in self.subscriptions:
            self.subscriptions[channel] = self.hub.bus.subscribe(channel, self._enqueue)

    async def _enqueue(self, item: dict[str, Any]) -> None:
        self.inbox.put_nowait(item)

    async def _follow(self, conversation_id: int, last_seq: int) -> None:
        self._subscribe(conversation_channel(conversation_id))
        self.delivery.follow(conversation_id, last_seq)

    def _unfollow(self, conversation_id: int) -> None:
        self.delivery.unfollow(conversation_id)
        self.subscriptions.pop(conversation_channel(conversation_id), lambda: None)()

    async def _notify(self, item: dict[str, Any]) -> None:
        kind = item.get("kind")
        if kind == "message":
            await self._offer(item)
        elif kind == "conversation":
            await self._conversation_changed(ConversationOut.model_validate(item["conversation"]))
        elif kind == "typing" and item.get("origin") != self.id:
            sender = Sender.model_validate(item["sender"])
            if sender.kind != self.role.value or self.role is Role.agent:
                self.session.send(
                    TypingOut(conversation_id=item["conversation_id"], sender=sender, on=item["on"])
                )
        elif kind == "read":
            self.session.send(
                ReadOut(conversation_id=item["conversation_id"], by=item["by"], seq=item["seq"])
            )
        elif kind == "presence" and self.role is Role.agent:
            await self._send_presence()
        elif kind == "erased" and self.role is Role.visitor:
            self.fail(
                ErrorCode.bad_token,
                "this visitor's data was erased; start a new visit",
                CLOSE_AUTH,
            )
        elif kind == "replay_all":
            for conversation_id in self.delivery.followed():
                await self._replay(conversation_id)

    async def _replay_all_later(self) -> None:
        self.inbox.put_nowait({"kind": "replay_all"})

    async def _offer(self, notice: dict[str, Any]) -> None:
        conversation_id, seq = notice["conversation_id"], notice["seq"]
        decision = self.delivery.offer(conversation_id, seq)
        if decision is Offer.send:
            self._deliver(notice)
        elif decision is Offer.gap:
            await self._replay(conversation_id)

    def _deliver(self, notice: dict[str, Any]) -> None:
        """Send a message notice (chat.service.message_notice) this connection is due."""
        self.delivery.delivered(notice["conversation_id"], notice["seq"])
        if notice["private"] and self.role is Role.visitor:
            return  # agents' notes keep their seq but never reach the visitor
        self.session.send_serialized(notice["frame"])

    async def _replay(self, conversation_id: int) -> None:
        conversation = await self.hub.conversations.get(conversation_id)
        plan = self.delivery.plan_replay(conversation_id, conversation.last_seq)
        if plan.resync:
            self.delivery.follow(conversation_id, conversation.last_seq)
            self.session.send(
                ResyncRequired(
                    conversation_id=conversation_id,
                    reason="too many missed messages; reload the conversation",
                )
            )
            return
        missed = await self.hub.conversations.messages_after(
            conversation_id,
            plan.after_seq,
            limit=self.hub.settings.replay_limit,
            include_private=True,
        )
        for message in missed:
            if self.delivery.offer(conversation_id, message.seq) is not Offer.skip:
                self._deliver(message_notice(message))

    async def _conversation_changed(self, conversation: ConversationOut) -> None:
        if self.role is Role.visitor:
            if conversation.contact_id == self.contact_id:
                if not self.delivery.following(conversation.id):
                    await self._follow(conversation.id, 0)
                    await self._replay(conversation.id)
                self.session.send(ConversationFrame(conversation=conversation))
            return
        agent = self._agent()
        if not storage.may_see(agent, conversation):
            return
        mine = conversation.assignee_id == agent.id and conversation.status == Status.assigned.value
        if mine and not self.delivery.following(conversation.id):
            await self._follow(conversation.id, 0)
            await self._replay(conversation.id)
        self.session.send(ConversationFrame(conversation=conversation))
        await self._send_queue()

    async def _send_queue(self) -> None:
        agent = self._agent()
        async with self.hub.sessions() as db:
            waiting = await storage.waiting_conversations(db)
        self.hub.metrics.queue_length.set(len(waiting))
        visible = [storage.conversation_out(c) for c in waiting if storage.may_see(agent, c)]
        self.session.send(QueueFrame(waiting=visible))

    async def _send_presence(self) -> None:
        online = await self.hub.presence.online_agents()
        self.session.send(
            Presence(
                agents_online=sum(1 for p in online if p.status == "online"),
                agents=[{"id": p.agent_id, "status": p.status} for p in online],
            )
        )

    # ---- access ---------------------------------------------------------

    async def _authorize(self, conversation_id: int) -> ConversationOut | None:
        """Check access; visitors' own conversations are known without a query."""
        if self.role is Role.visitor and conversation_id in self.owned:
            return None
        try:
            conversation = await self.hub.conversations.get(conversation_id)
        except NotFound:
            raise ProtocolError(
                ErrorCode.not_found, f"conversation {conversation_id} does not exist"
            ) from None
        if self.role is Role.visitor:
            if conversation.contact_id != self.contact_id:
                # Same answer as for a missing one: visitors learn nothing of others' chats.
                raise ProtocolError(
                    ErrorCode.not_found, f"conversation {conversation_id} does not exist"
                )
            self.owned.add(conversation_id)
        elif not storage.may_see(self._agent(), conversation):
            raise ProtocolError(
                ErrorCode.forbidden,
                f"conversation {conversation_id} belongs to a team you are not in",
            )
        return conversation

    async def _authorize_agent(self, conversation_id: int) -> ConversationOut:
        conversation = await self._authorize(conversation_id)
        assert conversation is not None  # only visitors' known conversations skip the read
        return conversation

    def _contact(self) -> str:
        assert self.contact_id is not None  # the protocol requires hello first
        return self.contact_id

    def _agent(self) -> Agent:
        assert self.agent is not None  # the protocol requires hello first
        return self.agent

    def _sender(self) -> Sender:
        if self.role is Role.visitor:
            return Sender(kind="visitor", id=self.contact_id)
        agent = self._agent()
        return Sender(kind="agent", id=str(agent.id), name=agent.name)

    async def _cleanup(self) -> None:
        for unsubscribe in self.subscriptions.values():
            unsubscribe()
        self.subscriptions.clear()
        if self.agent is not None and await self.hub.presence.disconnected(self.agent.id):
            schedule_requeue(self.hub, self.agent.id)


def _same_origin(headers: Any) -> bool:
    origin = headers.get("origin")
    if origin is None:
        return True  # not a browser: no ambient cookie to abuse
    return bool(origin.split("://", 1)[-1] == headers.get("host"))


def _is_id(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def _required_conversation(command: Command) -> int:
    if command.conversation_id is None:
        raise ProtocolError(ErrorCode.invalid_frame, "conversation_id is required", ref=command.id)
    return command.conversation_id


def schedule_requeue(hub: Hub, agent_id: int) -> None:
    """After the grace period, put a still-offline agent's conversations back in the queue."""

    async def requeue_later() -> None:
        await asyncio.sleep(hub.settings.agent_grace_seconds)
        if await hub.presence.is_online(agent_id):
            return
        async with hub.sessions() as db:
            held = await storage.assigned_to(db, agent_id=agent_id)
        for conversation in held:
            try:
                await hub.conversations.transition(
                    conversation.id, Cause.agent_lost, actor="presence", expected=Status.assigned
                )
            except LifecycleError:
                pass  # someone resolved or moved it meanwhile

    hub.run_in_background(requeue_later())
