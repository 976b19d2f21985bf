"""The Touchpoint websocket protocol, version 1, as pure logic (no I/O).

A ``Session`` is fed the text of each incoming websocket message and collects
what happened (``events_received``) and what to send back (``frames_to_send``),
like the sans-I/O cores of ``websockets`` and h11. The adapter in chat/ws.py
moves frames between the socket and a session; it never parses JSON itself.
The wire format is documented in docs/protocol.md.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

VERSION = 1
ClientId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
# Ids and sequence numbers are 32-bit integer columns (PostgreSQL refuses larger ones).
MAX_ID = 2**31 - 1
ConversationId = Annotated[int, Field(ge=1, le=MAX_ID)]
Seq = Annotated[int, Field(ge=0, le=MAX_ID)]


class Role(StrEnum):
    visitor = "visitor"
    agent = "agent"


class ErrorCode(StrEnum):
    bad_json = "bad_json"
    invalid_utf8 = "invalid_utf8"
    invalid_frame = "invalid_frame"
    unknown_type = "unknown_type"
    too_large = "too_large"
    hello_required = "hello_required"
    unsupported_version = "unsupported_version"
    bad_token = "bad_token"
    token_expired = "token_expired"
    bad_identity = "bad_identity"
    forbidden = "forbidden"
    not_found = "not_found"
    rate_limited = "rate_limited"
    illegal_transition = "illegal_transition"
    internal = "internal"


class Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- client -> server -------------------------------------------------------


class Identity(Frame):
    customer_id: Annotated[str, Field(min_length=1, max_length=128)]
    hmac: Annotated[str, Field(min_length=64, max_length=64)]
    email: Annotated[str, Field(max_length=320)] | None = None
    name: Annotated[str, Field(max_length=200)] | None = None


class ResumePoint(Frame):
    conversation_id: ConversationId
    last_seq: Seq


class Hello(Frame):
    type: Literal["hello"]
    v: int = VERSION
    token: Annotated[str, Field(max_length=2048)] | None = None
    site: Annotated[str, Field(max_length=64)] | None = None
    locale: Literal["en", "de"] | None = None
    identity: Identity | None = None
    resume: Annotated[list[ResumePoint], Field(max_length=50)] = []


class ContentType(StrEnum):
    text = "text"
    quick_replies = "quick_replies"
    product_cards = "product_cards"
    form = "form"
    system_event = "system_event"


class RichPayload(BaseModel):
    # Known fields are checked; extra ones pass through for the widget to ignore.
    model_config = ConfigDict(extra="allow")


class QuickReply(RichPayload):
    label: Annotated[str, Field(min_length=1, max_length=200)]
    value: Annotated[str, Field(min_length=1, max_length=200)]


class QuickReplies(RichPayload):
    options: Annotated[list[QuickReply], Field(min_length=1, max_length=20)]


class ProductCard(RichPayload):
    id: Annotated[str, Field(min_length=1, max_length=128)]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    price: float | None = None
    currency: Annotated[str, Field(max_length=3)] | None = None
    image_url: Annotated[str, Field(max_length=2048)] | None = None
    url: Annotated[str, Field(max_length=2048)] | None = None
    stock: int | None = None
    rating: float | None = None


class ProductCards(RichPayload):
    products: Annotated[list[ProductCard], Field(min_length=1, max_length=20)]


class FormField(RichPayload):
    name: Annotated[str, Field(min_length=1, max_length=64)]
    label: Annotated[str, Field(min_length=1, max_length=200)]
    type: Annotated[str, Field(min_length=1, max_length=32)]
    required: bool = False


class Form(RichPayload):
    form: Annotated[str, Field(min_length=1, max_length=64)]
    fields: Annotated[list[FormField], Field(max_length=20)]
    submit_label: Annotated[str, Field(max_length=100)] | None = None


class VisitorPayload(Frame):
    """What a visitor's message may carry besides its text: the quick reply clicked or
    the form filled in. Other keys (``offline_message``, ``bot_turn``, ``source_url``)
    are written by the server and mean something there, so a visitor cannot set them."""

    reply: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    form: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    values: (
        Annotated[
            dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=4096)]],
            Field(max_length=20),
        ]
        | None
    ) = None


class SendMessage(Frame):
    type: Literal["message"]
    id: ClientId
    conversation_id: ConversationId | None = None
    text: str = ""
    content_type: ContentType = ContentType.text
    payload: dict[str, Any] | None = None
    private: bool = False

    @field_validator("text")
    @classmethod
    def no_nul(cls, text: str) -> str:
        if "\x00" in text:
            raise ValueError("text must not contain NUL characters")
        return text


class Typing(Frame):
    type: Literal["typing"]
    conversation_id: ConversationId
    on: bool


class Read(Frame):
    type: Literal["read"]
    conversation_id: ConversationId
    seq: Seq


class Resume(Frame):
    type: Literal["resume"]
    conversation_id: ConversationId
    last_seq: Seq


class VisitorCommand(StrEnum):
    request_human = "request_human"  # ask for a person
    end = "end"  # "end chat": resolves the conversation
    rate = "rate"  # args: {"score": 1..5, "comment": str?}
    consent = "consent"  # args: {"granted": bool}
    offline_message = "offline_message"  # args: {"email": str, "text": str}
    identify = "identify"  # args: Identity fields


class AgentCommand(StrEnum):
    open = "open"  # watch a conversation: snapshot + live messages
    close = "close"  # stop watching it
    take = "take"  # assign it to myself
    assign = "assign"  # args: {"agent_id": int}
    transfer = "transfer"  # args: {"agent_id": int} or {"team_id": int}
    release = "release"  # hand back to the bot
    resolve = "resolve"
    reopen = "reopen"
    status = "status"  # args: {"status": "online" | "away"}


class Command(Frame):
    type: Literal["command"]
    id: ClientId
    name: str
    conversation_id: ConversationId | None = None
    args: dict[str, Any] = {}


class EventKind(StrEnum):
    page_view = "page_view"
    product_view = "product_view"
    add_to_cart = "add_to_cart"
    order = "order"


class Track(Frame):
    type: Literal["event"]
    kind: EventKind
    url: Annotated[str, Field(max_length=2048)] | None = None
    product_id: Annotated[str, Field(max_length=128)] | None = None
    data: dict[str, Any] = {}


class Ping(Frame):
    type: Literal["ping"]


ClientFrame = Annotated[
    Hello | SendMessage | Typing | Read | Resume | Command | Track | Ping,
    Field(discriminator="type"),
]
_client_frame: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)
RICH_PAYLOADS: dict[ContentType, type[RichPayload]] = {
    ContentType.quick_replies: QuickReplies,
    ContentType.product_cards: ProductCards,
    ContentType.form: Form,
}
CLIENT_TYPES = {"hello", "message", "typing", "read", "resume", "command", "event", "ping"}
VISITOR_COMMANDS = {c.value for c in VisitorCommand}
AGENT_COMMANDS = {c.value for c in AgentCommand}


# ---- server -> client -------------------------------------------------------


class Sender(BaseModel):
    kind: Literal["visitor", "bot", "agent", "system"]
    id: str | None = None
    name: str | None = None


class MessageOut(BaseModel):
    conversation_id: int
    seq: int
    id: int
    client_id: str | None = None
    sender: Sender
    content_type: ContentType
    text: str
    payload: dict[str, Any] | None = None
    private: bool = False
    created_at: dt.datetime


class ConversationOut(BaseModel):
    id: int
    status: str
    contact_id: str
    assignee_id: int | None = None
    team_id: int | None = None
    priority: int = 0
    last_seq: int = 0
    visitor_read_seq: int = 0
    agent_read_seq: int = 0
    handoff_reason: str | None = None
    queued_at: dt.datetime | None = None
    created_at: dt.datetime | None = None


class Welcome(BaseModel):
    type: Literal["welcome"] = "welcome"
    v: int = VERSION
    role: Role
    session_id: str
    visitor_token: str | None = None
    contact_id: str | None = None
    identity_verified: bool = False
    agent: dict[str, Any] | None = None
    conversations: list[ConversationOut] = []
    agents_online: int = 0
    limits: dict[str, int] = {}


class Ack(BaseModel):
    type: Literal["ack"] = "ack"
    id: str
    conversation_id: int
    seq: int
    duplicate: bool = False


class MessageFrame(BaseModel):
    type: Literal["message"] = "message"
    message: MessageOut


class TypingOut(BaseModel):
    type: Literal["typing"] = "typing"
    conversation_id: int
    sender: Sender
    on: bool


class ReadOut(BaseModel):
    type: Literal["read"] = "read"
    conversation_id: int
    by: Literal["visitor", "agent"]
    seq: int


class ConversationFrame(BaseModel):
    type: Literal["conversation"] = "conversation"
    conversation: ConversationOut


class Presence(BaseModel):
    type: Literal["presence"] = "presence"
    agents_online: int
    agents: list[dict[str, Any]] | None = None  # agents see who is online


class QueueFrame(BaseModel):
    """For agents: the waiting conversations changed."""

    type: Literal["queue"] = "queue"
    waiting: list[ConversationOut]


class Result(BaseModel):
    type: Literal["result"] = "result"
    id: str
    ok: bool = True
    data: dict[str, Any] = {}


class ResyncRequired(BaseModel):
    type: Literal["resync_required"] = "resync_required"
    conversation_id: int
    reason: str


class ErrorFrame(BaseModel):
    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    ref: str | None = None  # the client id of the frame that failed, if any
    retry_after: float | None = None
    fatal: bool = False  # the server closes the connection after a fatal error


class Pong(BaseModel):
    type: Literal["pong"] = "pong"


ServerFrame = (
    Welcome
    | Ack
    | MessageFrame
    | TypingOut
    | ReadOut
    | ConversationFrame
    | Presence
    | QueueFrame
    | Result
    | ResyncRequired
    | ErrorFrame
    | Pong
)


class ProtocolError(Exception):
    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        ref: str | None = None,
        retry_after: float | None = None,
        fatal: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.ref = ref
        self.retry_after = retry_after
        self.fatal = fatal


# ---- the per-connection session ---------------------------------------------


class Session:
    """One connection's protocol state. Exactly one task may own a session."""

    def __init__(self, role: Role, *, max_frame_bytes: int, max_text_bytes: int) -> None:
        self.role = role
        self.max_frame_bytes = max_frame_bytes
        self.max_text_bytes = max_text_bytes
        self.greeted = False
        # A fatal error was sent: the adapter closes the connection (code 4400).
        self.failed = False
        self._received: list[ClientFrame] = []
        self._outgoing: list[str] = []

    # -- input
    def receive_data(self, data: str | bytes) -> None:
        """Feed one websocket message. Bad input queues an ``error`` frame."""
        if self.failed:
            return
        try:
            self._received.append(self._parse(data))
        except ProtocolError as exc:
            self.send_error(exc.code, str(exc), ref=exc.ref, fatal=exc.fatal)
            self.failed = exc.fatal

    def events_received(self) -> list[ClientFrame]:
        received, self._received = self._received, []
        return received

    # -- output
    def send(self, frame: ServerFrame) -> None:
        self._outgoing.append(frame.model_dump_json(exclude_none=True))

    def send_serialized(self, frame: str) -> None:
        """Queue a server frame serialised already (fan-out serialises once for all)."""
        self._outgoing.append(frame)

    def send_error(
        self,
        code: ErrorCode,
        message: str,
        *,
        ref: str | None = None,
        retry_after: float | None = None,
        fatal: bool = False,
    ) -> None:
        self.send(
            ErrorFrame(code=code, message=message, ref=ref, retry_after=retry_after, fatal=fatal)
        )

    def accept(self, welcome: Welcome) -> None:
        self.greeted = True
        self.send(welcome)

    def frames_to_send(self) -> list[str]:
        outgoing, self._outgoing = self._outgoing, []
        return outgoing

    # -- parsing
    def _parse(self, data: str | bytes) -> ClientFrame:
        size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
        if size > self.max_frame_bytes:
            raise ProtocolError(
                ErrorCode.too_large, f"frame is {size} bytes; the limit is {self.max_frame_bytes}"
            )
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                raise ProtocolError(ErrorCode.invalid_utf8, "frame is not valid UTF-8") from None
        try:
            raw = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ProtocolError(ErrorCode.bad_json, f"frame is not JSON: {exc.msg}") from None
        except RecursionError:
            raise ProtocolError(ErrorCode.bad_json, _TOO_DEEP) from None
        if not isinstance(raw, dict):
            raise ProtocolError(ErrorCode.invalid_frame, "a frame must be a JSON object")
        ref = raw.get("id") if isinstance(raw.get("id"), str) else None
        kind = raw.get("type")
        if kind not in CLIENT_TYPES:
            raise ProtocolError(
                ErrorCode.unknown_type,
                f"unknown frame type {kind!r}; expected one of {', '.join(sorted(CLIENT_TYPES))}",
                ref=ref,
            )
        flaw = _string_flaw(raw)
        if flaw == "surrogate":
            raise ProtocolError(
                ErrorCode.invalid_utf8, "frame contains invalid UTF-16 escapes", ref=ref
            )
        if flaw == "deep":
            raise ProtocolError(ErrorCode.invalid_frame, _TOO_DEEP, ref=ref)
        if flaw == "nul":
            # No text column takes them (PostgreSQL refuses the whole statement).
            raise ProtocolError(
                ErrorCode.invalid_frame,
                "frame contains NUL characters (\\u0000); remove them",
                ref=ref,
            )
        try:
            # Strict: "12" is not a conversation id and "yes" is not true. JSON mode
            # still reads enum members from their string values.
            frame = _client_frame.validate_json(data, strict=True)
        except ValidationError as exc:
            raise ProtocolError(ErrorCode.invalid_frame, _describe(exc), ref=ref) from None
        self._check(frame, ref)
        return frame

    def _check(self, frame: ClientFrame, ref: str | None) -> None:
        if not self.greeted and not isinstance(frame, Hello):
            raise ProtocolError(ErrorCode.hello_required, "send a hello frame first", ref=ref)
        if isinstance(frame, Hello):
            if self.greeted:
                raise ProtocolError(ErrorCode.invalid_frame, "hello was already sent", ref=ref)
            if frame.v != VERSION:
                raise ProtocolError(
                    ErrorCode.unsupported_version,
                    f"protocol version {frame.v} is not supported; use {VERSION}",
                    fatal=True,
                )
        elif isinstance(frame, SendMessage):
            size = len(frame.text.encode("utf-8"))
            if size > self.max_text_bytes:
                raise ProtocolError(
                    ErrorCode.too_large,
                    f"message text is {size} bytes; the limit is {self.max_text_bytes}",
                    ref=ref,
                )
            if self.role is Role.visitor and (
                frame.private or frame.content_type is not ContentType.text
            ):
                raise ProtocolError(
                    ErrorCode.forbidden, "visitors send plain text messages only", ref=ref
                )
            if not frame.text.strip() and frame.payload is None:
                raise ProtocolError(ErrorCode.invalid_frame, "message text is empty", ref=ref)
            if self.role is Role.visitor and frame.payload is not None:
                _check_payload(VisitorPayload, frame.payload, ref)
            if self.role is Role.agent and frame.conversation_id is None:
                raise ProtocolError(ErrorCode.invalid_frame, "conversation_id is required", ref=ref)
            if frame.content_type is ContentType.system_event:
                raise ProtocolError(
                    ErrorCode.forbidden,
                    "system events are written by the server, not sent",
                    ref=ref,
                )
            shape = RICH_PAYLOADS.get(frame.content_type)
            if shape is not None:
                if frame.payload is None:
                    raise ProtocolError(
                        ErrorCode.invalid_frame,
                        f"payload is required for {frame.content_type.value}",
                        ref=ref,
                    )
                _check_payload(shape, frame.payload, ref)
        elif isinstance(frame, Command):
            allowed = VISITOR_COMMANDS if self.role is Role.visitor else AGENT_COMMANDS
            if frame.name not in allowed:
                raise ProtocolError(
                    ErrorCode.forbidden
                    if frame.name in VISITOR_COMMANDS | AGENT_COMMANDS
                    else ErrorCode.invalid_frame,
                    f"{self.role.value}s cannot use the command {frame.name!r}; "
                    f"allowed: {', '.join(sorted(allowed))}",
                    ref=ref,
                )
        elif isinstance(frame, Track) and self.role is not Role.visitor:
            raise ProtocolError(ErrorCode.forbidden, "only visitors send shopper events", ref=ref)


def _check_payload(shape: type[BaseModel], payload: dict[str, Any], ref: str | None) -> None:
    try:
        shape.model_validate(payload)
    except ValidationError as exc:
        raise ProtocolError(
            ErrorCode.invalid_frame, _describe(exc, prefix="payload", tagged=False), ref=ref
        ) from None


MAX_DEPTH = 32
_TOO_DEEP = f"frame nests objects and lists deeper than {MAX_DEPTH} levels"


def _string_flaw(value: Any) -> str | None:
    """The first flaw of a parsed frame: "surrogate" or "nul" in a string (key or value),
    "deep" for nesting deeper than ``MAX_DEPTH``; None if none. Iterative: no recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "surrogate"
            if "\x00" in item:
                return "nul"
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                return "deep"
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return None


def _describe(exc: ValidationError, *, prefix: str = "", tagged: bool = True) -> str:
    parts = []
    for error in exc.errors()[:3]:
        # Drop the union tag pydantic puts first ("message.text" -> "text").
        path = [prefix] if prefix else []
        path += [str(p) for p in error["loc"][1 if tagged else 0 :]]
        location = ".".join(path) or "frame"
        parts.append(f"{location}: {error['msg']}")
    return "; ".join(parts)
