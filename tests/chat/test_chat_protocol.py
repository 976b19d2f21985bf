"""The protocol core (chat/protocol.py) fed frame by frame: no socket, no event loop."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pydantic import BaseModel

from chat.protocol import (
    Ack,
    Command,
    ConversationFrame,
    ConversationOut,
    ErrorCode,
    ErrorFrame,
    Hello,
    MessageFrame,
    MessageOut,
    Ping,
    Pong,
    Presence,
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

MAX_FRAME, MAX_TEXT = 16384, 4096


def session(role: Role = Role.visitor, *, greeted: bool = True) -> Session:
    s = Session(role, max_frame_bytes=MAX_FRAME, max_text_bytes=MAX_TEXT)
    if greeted:
        s.receive_data(json.dumps({"type": "hello", "v": 1}))
        assert len(s.events_received()) == 1
        s.accept(Welcome(role=role, session_id="s-1"))
        s.frames_to_send()
    return s


def encode(frame: dict[str, Any] | Any) -> str:
    return frame if isinstance(frame, str) else json.dumps(frame)


def accepted(s: Session, frame: dict[str, Any]) -> Any:
    """Feed a frame that must be accepted: one event, nothing to send."""
    s.receive_data(encode(frame))
    assert s.frames_to_send() == []
    (event,) = s.events_received()
    return event


def rejected(s: Session, data: str | bytes | dict[str, Any], code: ErrorCode) -> dict[str, Any]:
    """Feed bad input: no event, exactly one non-fatal error frame with ``code``; returns it."""
    s.receive_data(data if isinstance(data, str | bytes) else encode(data))
    assert s.events_received() == []
    (sent,) = s.frames_to_send()
    error = json.loads(sent)
    assert error["type"] == "error"
    assert error["code"] == code.value, error
    assert len(error["message"]) > 10, "the message must tell a person what is wrong"
    return error


def message(**fields: Any) -> dict[str, Any]:
    return {"type": "message", "id": "m-1", "text": "Hello", **fields}


# ---- bad input ------------------------------------------------------------


@pytest.mark.parametrize(
    "data", ['{"type": "message"', "hello", "", '{"type": "ping"} trailing', "{'type': 'ping'}"]
)
def test_malformed_json(data: str) -> None:
    error = rejected(session(), data, ErrorCode.bad_json)
    assert "not JSON" in error["message"]


@pytest.mark.parametrize("data", ["[1, 2]", '"ping"', "3", "null", "true"])
def test_a_frame_must_be_an_object(data: str) -> None:
    error = rejected(session(), data, ErrorCode.invalid_frame)
    assert "JSON object" in error["message"]


@pytest.mark.parametrize(
    "frame", [{"type": "shout"}, {"type": 3}, {"type": None}, {}, {"text": "hi"}]
)
def test_unknown_or_missing_type(frame: dict[str, Any]) -> None:
    error = rejected(session(), frame, ErrorCode.unknown_type)
    assert "message" in error["message"] and "hello" in error["message"], "lists the known types"


@pytest.mark.parametrize(
    ("frame", "field"),
    [
        ({"type": "message", "text": "hi"}, "id"),
        (message(id=""), "id"),
        (message(id="has space"), "id"),
        (message(id="x" * 65), "id"),
        (message(id=5), "id"),
        (message(text=5), "text"),
        (message(conversation_id="twelve"), "conversation_id"),
        (message(conversation_id=0), "conversation_id"),
        (message(conversation_id="12"), "conversation_id"),  # no silent coercion
        (message(conversation_id=12.5), "conversation_id"),
        (message(private="true"), "private"),
        ({"type": "read", "conversation_id": 1, "seq": "3"}, "seq"),
        ({"type": "typing", "conversation_id": 1, "on": 1}, "on"),
        (message(content_type="video"), "content_type"),
        (message(payload=[1]), "payload"),
        (message(private="maybe"), "private"),
        (message(colour="red"), "colour"),
        ({"type": "typing", "conversation_id": 1}, "on"),
        ({"type": "typing", "on": True}, "conversation_id"),
        ({"type": "read", "conversation_id": 1, "seq": -1}, "seq"),
        ({"type": "resume", "conversation_id": 1}, "last_seq"),
        ({"type": "command", "id": "c-1"}, "name"),
        ({"type": "command", "id": "c-1", "name": "end", "args": []}, "args"),
        ({"type": "event", "kind": "purchase"}, "kind"),
        ({"type": "event", "kind": "page_view", "url": "u" * 3000}, "url"),
        ({"type": "ping", "extra": 1}, "extra"),
    ],
)
def test_missing_or_wrong_fields_name_the_field(frame: dict[str, Any], field: str) -> None:
    error = rejected(session(), frame, ErrorCode.invalid_frame)
    assert field in error["message"]


def test_the_error_refers_to_the_failing_frame() -> None:
    error = rejected(session(), message(conversation_id="x", id="m-77"), ErrorCode.invalid_frame)
    assert error["ref"] == "m-77"
    assert error["fatal"] is False


@pytest.mark.parametrize(
    ("frame", "field"),
    [
        ({"type": "hello", "v": 1, "locale": "fr"}, "locale"),
        ({"type": "hello", "v": 1, "identity": {"customer_id": "c", "hmac": "short"}}, "hmac"),
        ({"type": "hello", "v": 1, "resume": [{"conversation_id": 1}]}, "last_seq"),
        ({"type": "hello", "v": "one"}, "v"),
    ],
)
def test_bad_hello_fields(frame: dict[str, Any], field: str) -> None:
    error = rejected(session(greeted=False), frame, ErrorCode.invalid_frame)
    assert field in error["message"]


def test_oversized_frame() -> None:
    frame = json.dumps(message(text="x" * 10, payload={"pad": "p" * MAX_FRAME}))
    error = rejected(session(), frame, ErrorCode.too_large)
    assert str(MAX_FRAME) in error["message"]
    rejected(session(), frame.encode(), ErrorCode.too_large)


def test_oversized_text_counts_utf8_bytes() -> None:
    s = session()
    assert accepted(s, message(text="x" * MAX_TEXT)).text == "x" * MAX_TEXT
    error = rejected(s, message(text="x" * (MAX_TEXT + 1), id="m-big"), ErrorCode.too_large)
    assert error["ref"] == "m-big"
    assert f"{MAX_TEXT + 1} bytes" in error["message"] and str(MAX_TEXT) in error["message"]
    # 1366 characters, but 4098 bytes: the limit is on bytes.
    rejected(s, message(text="€" * 1366), ErrorCode.too_large)


@pytest.mark.parametrize(
    "data", [b"\xff\xfe\xfd", b'{"type": "ping", "x": "\xc3"}', b"\xed\xa0\x80"]
)
def test_binary_frame_with_invalid_utf8(data: bytes) -> None:
    error = rejected(session(), data, ErrorCode.invalid_utf8)
    assert "UTF-8" in error["message"]


def test_binary_frame_with_valid_utf8_is_a_frame() -> None:
    assert isinstance(accepted(session(), message(text="Grüße")), SendMessage)
    s = session()
    s.receive_data(json.dumps(message(text="Grüße"), ensure_ascii=False).encode())
    assert s.events_received()[0].text == "Grüße"


@pytest.mark.parametrize(
    "data",
    [
        '{"type": "message", "id": "m-1", "text": "broken \\ud800 half"}',
        '{"type": "message", "id": "m-1", "text": "low \\udc00 half"}',
        '{"type": "message", "id": "m-1", "text": "ok", "payload": {"k\\udfff": 1}}',
        '{"type": "event", "kind": "page_view", "data": {"tags": ["\\ud83d"]}}',
        # A text frame whose Python string already holds a lone surrogate.
        '{"type": "message", "id": "m-1", "text": "raw \ud800"}',
    ],
)
def test_lone_surrogates_are_invalid_utf8(data: str) -> None:
    error = rejected(session(), data, ErrorCode.invalid_utf8)
    assert "UTF-16" in error["message"]


def test_a_surrogate_pair_is_fine() -> None:
    event = accepted(session(), '{"type": "message", "id": "m-1", "text": "smile \\ud83d\\ude00"}')
    assert event.text == "smile \U0001f600"


def test_deep_nesting_is_refused_not_a_crash() -> None:
    # Deeper than the JSON parser's recursion limit: it used to raise out of the
    # session (RecursionError), and the server dropped the connection without a word.
    s = session()
    bomb = '{"type": "event", "kind": "order", "data": {"x": ' + "[" * 3000 + "]" * 3000 + "}}"
    assert "deeper than 32 levels" in rejected(s, bomb, ErrorCode.bad_json)["message"]
    nested: Any = "x"
    for _ in range(40):
        nested = {"a": nested}
    error = rejected(s, message(payload=nested), ErrorCode.invalid_frame)
    assert "deeper than 32 levels" in error["message"] and error["ref"] == "m-1"
    accepted(s, {"type": "event", "kind": "order", "data": {"size": ["M", {"fit": "slim"}]}})


@pytest.mark.parametrize("text", ["a\x00b", "\x00"])
def test_nul_in_text(text: str) -> None:
    error = rejected(session(), message(text=text), ErrorCode.invalid_frame)
    assert "NUL" in error["message"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text(text: str) -> None:
    error = rejected(session(), message(text=text), ErrorCode.invalid_frame)
    assert "empty" in error["message"]


@pytest.mark.parametrize(
    "frame",
    [
        message(),
        {"type": "ping"},
        {"type": "typing", "conversation_id": 1, "on": True},
        {"type": "command", "id": "c-1", "name": "end", "conversation_id": 1},
    ],
)
def test_frames_before_hello(frame: dict[str, Any]) -> None:
    s = session(greeted=False)
    error = rejected(s, frame, ErrorCode.hello_required)
    assert "hello" in error["message"]
    assert not s.greeted
    assert isinstance(accepted(s, {"type": "hello", "v": 1}), Hello), (
        "a hello still works afterwards"
    )


def test_second_hello() -> None:
    error = rejected(session(), {"type": "hello", "v": 1}, ErrorCode.invalid_frame)
    assert "already" in error["message"]


@pytest.mark.parametrize("version", [0, 2, 99])
def test_wrong_version_is_fatal(version: int) -> None:
    s = session(greeted=False)
    s.receive_data(json.dumps({"type": "hello", "v": version}))
    assert s.events_received() == []
    (sent,) = s.frames_to_send()
    error = json.loads(sent)
    assert error["code"] == "unsupported_version"
    assert error["fatal"] is True
    assert str(version) in error["message"] and "use 1" in error["message"]
    assert s.failed


@pytest.mark.parametrize(
    "frame",
    [
        message(private=True),
        message(content_type="quick_replies", payload={"options": [{"label": "A", "value": "a"}]}),
        message(content_type="product_cards", payload={"products": []}),
        message(content_type="form", payload={"form": "csat", "fields": []}),
        message(content_type="system_event", payload={"event": "conversation.status_changed"}),
        {"type": "command", "id": "c-1", "name": "take", "conversation_id": 1},
        {"type": "command", "id": "c-1", "name": "resolve", "conversation_id": 1},
        {"type": "command", "id": "c-1", "name": "status", "args": {"status": "away"}},
    ],
)
def test_visitor_forbidden_frames(frame: dict[str, Any]) -> None:
    error = rejected(session(Role.visitor), frame, ErrorCode.forbidden)
    assert error["ref"] in ("m-1", "c-1")


@pytest.mark.parametrize(
    "frame",
    [
        message(
            conversation_id=1,
            content_type="system_event",
            payload={"event": "conversation.status_changed"},
        ),
        {
            "type": "command",
            "id": "c-1",
            "name": "rate",
            "conversation_id": 1,
            "args": {"score": 5},
        },
        {"type": "command", "id": "c-1", "name": "request_human"},
        {"type": "event", "kind": "page_view", "url": "/"},
    ],
)
def test_agent_forbidden_frames(frame: dict[str, Any]) -> None:
    rejected(session(Role.agent), frame, ErrorCode.forbidden)


def test_unknown_command_lists_the_allowed_ones() -> None:
    error = rejected(
        session(Role.visitor),
        {"type": "command", "id": "c-1", "name": "explode"},
        ErrorCode.invalid_frame,
    )
    assert "request_human" in error["message"] and "explode" in error["message"]


def test_agents_must_name_the_conversation() -> None:
    error = rejected(session(Role.agent), message(), ErrorCode.invalid_frame)
    assert "conversation_id" in error["message"]


@pytest.mark.parametrize(
    ("content_type", "payload"),
    [
        ("quick_replies", {"options": [{"label": "Track order"}]}),
        ("quick_replies", {"choices": []}),
        ("product_cards", {"products": [{"title": "Kettle"}]}),
        ("form", {"form": "csat"}),
        (
            "form",
            {"form": "csat", "fields": [{"name": "score", "type": "rating", "required": "yes"}]},
        ),
        ("quick_replies", None),
    ],
)
def test_rich_content_payload_must_have_its_shape(
    content_type: str, payload: dict[str, Any] | None
) -> None:
    frame = message(conversation_id=1, content_type=content_type, payload=payload)
    error = rejected(session(Role.agent), frame, ErrorCode.invalid_frame)
    assert "payload" in error["message"]


def test_a_visitor_quick_reply_click_carries_its_value() -> None:
    event = accepted(session(), message(text="Track my order", payload={"reply": "track_order"}))
    assert event.payload == {"reply": "track_order"}


def test_a_visitor_submitted_form_carries_its_values() -> None:
    payload = {"form": "callback", "values": {"phone": "+49 30 1234", "when": "mornings"}}
    event = accepted(session(), message(text="phone: +49 30 1234", payload=payload))
    assert event.payload == payload


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        # Keys the server writes and acts on: a visitor setting them would silence
        # the bot ("offline_message"), forge a bot turn or a link.
        ({"offline_message": {"email": "a@b.example"}}, "payload.offline_message"),
        ({"reply": "yes", "bot_turn": {"action": "faq"}}, "payload.bot_turn"),
        ({"source_url": "https://evil.example"}, "payload.source_url"),
        ({"reply": 3}, "payload.reply"),
        ({"reply": "x" * 201}, "payload.reply"),
        ({"form": "callback", "values": {"phone": ["1", "2"]}}, "payload.values.phone"),
    ],
)
def test_a_visitor_payload_holds_only_a_reply_or_a_form(
    payload: dict[str, Any], named: str
) -> None:
    error = rejected(session(), message(payload=payload), ErrorCode.invalid_frame)
    assert named in error["message"]


def test_errors_never_stop_the_session() -> None:
    s = session()
    for bad in ("{", "[]", '{"type": "x"}', message(text=""), b"\xff"):
        s.receive_data(bad if isinstance(bad, str | bytes) else encode(bad))
    assert len(s.frames_to_send()) == 5
    assert isinstance(accepted(s, {"type": "ping"}), Ping)


# ---- valid frames round-trip ------------------------------------------------


CLIENT_FRAMES: list[tuple[Role, dict[str, Any], type[BaseModel]]] = [
    (
        Role.visitor,
        {
            "type": "hello",
            "v": 1,
            "token": "t.o.k",
            "site": "demo",
            "locale": "de",
            "identity": {
                "customer_id": "cust-1001",
                "hmac": "a" * 64,
                "email": "anna@example.com",
                "name": "Anna",
            },
            "resume": [{"conversation_id": 12, "last_seq": 7}],
        },
        Hello,
    ),
    (
        Role.visitor,
        {"type": "message", "id": "m-1", "conversation_id": 3, "text": "Hi <b>there</b>"},
        SendMessage,
    ),
    (
        Role.visitor,
        {"type": "message", "id": "m.2:x_y-z", "text": "Yes", "payload": {"reply": "yes"}},
        SendMessage,
    ),
    (
        Role.agent,
        {
            "type": "message",
            "id": "a-1",
            "conversation_id": 3,
            "text": "Pick one",
            "content_type": "quick_replies",
            "payload": {"options": [{"label": "A", "value": "a"}]},
        },
        SendMessage,
    ),
    (
        Role.agent,
        {
            "type": "message",
            "id": "a-2",
            "conversation_id": 3,
            "text": "",
            "content_type": "product_cards",
            "payload": {
                "products": [
                    {
                        "id": "p1",
                        "title": "Kettle",
                        "price": 29.9,
                        "currency": "EUR",
                        "image_url": "/k.png",
                        "url": "/p/1",
                        "stock": 3,
                        "rating": 4.5,
                    }
                ]
            },
        },
        SendMessage,
    ),
    (
        Role.agent,
        {
            "type": "message",
            "id": "a-3",
            "conversation_id": 3,
            "text": "How did we do?",
            "content_type": "form",
            "payload": {
                "form": "csat",
                "fields": [{"name": "score", "label": "Score", "type": "rating", "required": True}],
                "submit_label": "Send",
            },
        },
        SendMessage,
    ),
    (
        Role.agent,
        {"type": "message", "id": "a-4", "conversation_id": 3, "text": "note", "private": True},
        SendMessage,
    ),
    (Role.visitor, {"type": "typing", "conversation_id": 3, "on": True}, Typing),
    (Role.agent, {"type": "read", "conversation_id": 3, "seq": 9}, Read),
    (Role.visitor, {"type": "resume", "conversation_id": 3, "last_seq": 0}, Resume),
    (
        Role.visitor,
        {
            "type": "command",
            "id": "c-1",
            "name": "rate",
            "conversation_id": 3,
            "args": {"score": 5},
        },
        Command,
    ),
    (
        Role.agent,
        {
            "type": "command",
            "id": "c-2",
            "name": "transfer",
            "conversation_id": 3,
            "args": {"team_id": 2},
        },
        Command,
    ),
    (
        Role.visitor,
        {"type": "event", "kind": "add_to_cart", "product_id": "p1", "data": {"qty": 2}},
        Track,
    ),
    (Role.agent, {"type": "ping"}, Ping),
]


@pytest.mark.parametrize(("role", "frame", "model"), CLIENT_FRAMES)
def test_valid_client_frames_round_trip(
    role: Role, frame: dict[str, Any], model: type[BaseModel]
) -> None:
    s = session(role, greeted=frame["type"] != "hello")
    event = accepted(s, frame)
    assert type(event) is model
    assert event.model_dump(mode="json", exclude_unset=True) == frame


NOW = dt.datetime(2026, 11, 22, 8, 30, tzinfo=dt.UTC)
CONVERSATION = ConversationOut(
    id=3, status="queued", contact_id="c1", last_seq=4, handoff_reason="asked", queued_at=NOW
)
SERVER_FRAMES: list[BaseModel] = [
    Welcome(
        role=Role.visitor,
        session_id="s",
        visitor_token="t",
        contact_id="c1",
        conversations=[CONVERSATION],
        agents_online=2,
        limits={"max_text_bytes": 4096},
    ),
    Ack(id="m-1", conversation_id=3, seq=5, duplicate=True),
    MessageFrame(
        message=MessageOut(
            conversation_id=3,
            seq=5,
            id=11,
            client_id="m-1",
            sender=Sender(kind="agent", id="2", name="Alex"),
            content_type="text",
            text="<script>alert(1)</script>",
            created_at=NOW,
        )
    ),
    TypingOut(conversation_id=3, sender=Sender(kind="visitor", id="c1"), on=False),
    ReadOut(conversation_id=3, by="agent", seq=5),
    ConversationFrame(conversation=CONVERSATION),
    Presence(agents_online=1, agents=[{"id": 2, "status": "online"}]),
    QueueFrame(waiting=[CONVERSATION]),
    Result(id="c-1", data={"status": "queued"}),
    ResyncRequired(conversation_id=3, reason="too far behind"),
    ErrorFrame(code=ErrorCode.rate_limited, message="slow down", ref="m-1", retry_after=1.5),
    Pong(),
]


@pytest.mark.parametrize("frame", SERVER_FRAMES, ids=lambda f: type(f).__name__)
def test_server_frames_round_trip(frame: BaseModel) -> None:
    s = session()
    s.send(frame)  # type: ignore[arg-type]
    (sent,) = s.frames_to_send()
    assert type(frame).model_validate_json(sent) == frame
    assert json.loads(sent)["type"] == frame.type  # type: ignore[attr-defined]


def test_shopper_text_stays_text() -> None:
    """Markup in a message is data: it round-trips verbatim and is never rewritten."""
    text = '<img src=x onerror="alert(1)"> & </div>'
    assert accepted(session(), message(text=text)).text == text
