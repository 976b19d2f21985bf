"""The hub core over real HTTP and websockets: uvicorn on a free port, real clients."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from chat.auth import identity_hmac
from tests.chat.helpers import Client, agent, login, next_id, query, replying_to, visitor


def stored(server: Any, conversation_id: int) -> list[dict[str, Any]]:
    return query(
        server.hub.database_url,
        "SELECT seq, sender_kind, client_msg_id, text, private FROM messages"
        " WHERE conversation_id = :cid ORDER BY seq",
        cid=conversation_id,
    )


def status_of(server: Any, conversation_id: int) -> str:
    rows = query(
        server.hub.database_url,
        "SELECT status FROM conversations WHERE id = :cid",
        cid=conversation_id,
    )
    return str(rows[0]["status"])


async def test_message_is_stored_before_its_ack_and_retries_are_deduplicated(core: Any) -> None:
    shopper = await visitor(core)
    assert shopper.welcome and shopper.welcome["visitor_token"] and shopper.welcome["contact_id"]

    ack = await shopper.send_message("Do you ship to Austria?", id="first")
    cid = ack["conversation_id"]
    assert (ack["seq"], ack["duplicate"]) == (1, False)
    # The ack means the row is committed: a separate connection sees it.
    assert stored(core, cid) == [
        {
            "seq": 1,
            "sender_kind": "visitor",
            "client_msg_id": "first",
            "text": "Do you ship to Austria?",
            "private": False,
        }
    ]

    again = await shopper.send_message("Do you ship to Austria?", id="first")
    assert again == {**ack, "duplicate": True}
    assert len(stored(core, cid)) == 1

    seqs = [(await shopper.send_message(f"line {n}", conversation_id=cid))["seq"] for n in range(5)]
    assert seqs == [2, 3, 4, 5, 6]
    assert [row["seq"] for row in stored(core, cid)] == [1, 2, 3, 4, 5, 6]


async def test_a_whole_conversation_from_bot_to_agent_to_rating_and_back(core: Any) -> None:
    shopper = await visitor(core)
    cid = (await shopper.send_message("Where is my order?"))["conversation_id"]

    support = await agent(core)
    opened = await support.command("open", conversation_id=cid)
    assert [m["text"] for m in opened["messages"]] == ["Where is my order?"]

    # The agent gets the visitor's messages in order.
    for n in range(5):
        await shopper.send_message(f"detail {n}", conversation_id=cid)
    await support.expect("message", lambda f: f["message"]["text"] == "detail 4")
    texts = [m["text"] for m in support.messages(cid)]
    assert texts == [f"detail {n}" for n in range(5)]

    # Typing and read marks are relayed both ways, not stored.
    await shopper.send({"type": "typing", "conversation_id": cid, "on": True})
    typing = await support.expect("typing")
    assert (typing["conversation_id"], typing["on"], typing["sender"]["kind"]) == (
        cid,
        True,
        "visitor",
    )
    await support.send({"type": "typing", "conversation_id": cid, "on": False})
    typing = await shopper.expect("typing")
    assert (typing["on"], typing["sender"]["kind"], typing["sender"]["name"]) == (
        False,
        "agent",
        "Alex Agent",
    )
    await support.send({"type": "read", "conversation_id": cid, "seq": 6})
    assert (await shopper.expect("read")) == {
        "type": "read",
        "conversation_id": cid,
        "by": "agent",
        "seq": 6,
    }
    # Read marks are stored (and come back in `conversation`), typing is not.
    await shopper.send({"type": "read", "conversation_id": cid, "seq": 99})
    read = await support.expect("read", lambda f: f["by"] == "visitor")
    assert read["seq"] == 6, "clamped to the last seq"
    marks = "SELECT agent_read_seq, visitor_read_seq FROM conversations WHERE id = :c"
    assert query(core.hub.database_url, marks, c=cid) == [
        {"agent_read_seq": 6, "visitor_read_seq": 6}
    ]
    assert not [
        f for f in shopper.log if f["type"] == "typing" and f["sender"]["kind"] == "visitor"
    ]

    # Handoff: the visitor asks for a person, the conversation waits in the queue.
    assert (await shopper.command("request_human", conversation_id=cid))["status"] == "queued"
    waiting = await support.expect("queue", lambda f: any(c["id"] == cid for c in f["waiting"]))
    assert (
        next(c for c in waiting["waiting"] if c["id"] == cid)["handoff_reason"] == "visitor_request"
    )

    taken = await support.command("take", conversation_id=cid)
    assert taken == {
        "conversation_id": cid,
        "status": "assigned",
        "assignee_id": support.welcome["agent"]["id"],
    }
    joined = await shopper.expect(
        "conversation", lambda f: f["conversation"]["status"] == "assigned"
    )
    assert joined["conversation"]["assignee_id"] == support.welcome["agent"]["id"]
    event = await shopper.expect(
        "message",
        lambda f: (
            f["message"]["content_type"] == "system_event"
            and f["message"]["payload"]["to"] == "assigned"
        ),
    )
    assert event["message"]["payload"]["assignee"] == {
        "id": support.welcome["agent"]["id"],
        "name": "Alex Agent",
    }

    await support.send_message("Hi, I am Alex. Let me check.", conversation_id=cid)
    reply = await shopper.expect("message", lambda f: f["message"]["sender"]["kind"] == "agent")
    assert reply["message"]["text"] == "Hi, I am Alex. Let me check."
    assert reply["message"]["sender"]["name"] == "Alex Agent"

    # Resolve, then the visitor rates; rating an open conversation is refused.
    await shopper.send(
        {
            "type": "command",
            "id": "early",
            "name": "rate",
            "conversation_id": cid,
            "args": {"score": 5},
        }
    )
    assert (await shopper.expect_error("illegal_transition"))["ref"] == "early"
    assert (await support.command("resolve", conversation_id=cid))["status"] == "resolved"
    await shopper.expect("conversation", lambda f: f["conversation"]["status"] == "resolved")
    await shopper.command("rate", conversation_id=cid, score=4, comment="quick <b>help</b>")
    assert query(
        core.hub.database_url,
        "SELECT score, comment FROM csat_ratings WHERE conversation_id = :c",
        c=cid,
    ) == [{"score": 4, "comment": "quick <b>help</b>"}]

    # A new visitor message reopens it to the bot.
    ack = await shopper.send_message("One more question", conversation_id=cid)
    await shopper.expect("conversation", lambda f: f["conversation"]["status"] == "bot")
    assert status_of(core, cid) == "bot"
    timeline = stored(core, cid)
    assert [row["seq"] for row in timeline] == list(range(1, len(timeline) + 1))
    assert timeline[-1]["text"] == "One more question" and timeline[-1]["seq"] == ack["seq"]
    assert timeline[-2]["sender_kind"] == "system"


async def test_private_notes_never_reach_the_visitor(core: Any) -> None:
    shopper = await visitor(core)
    cid = (await shopper.send_message("Hello"))["conversation_id"]
    support = await agent(core)
    await support.command("take", conversation_id=cid)

    await support.send_message("VIP customer, be nice", conversation_id=cid, private=True)
    await support.send_message("Hello! How can I help?", conversation_id=cid)
    await shopper.expect("message", lambda f: f["message"]["text"] == "Hello! How can I help?")
    assert all(not m["private"] and "VIP" not in m["text"] for m in shopper.messages(cid))
    # Agents see the note (their frames are read as they are awaited, so wait for it).
    await support.expect(
        "message", lambda f: f["message"]["private"] and "VIP" in f["message"]["text"]
    )

    # Nor on replay, over the websocket or over HTTP.
    token = shopper.welcome["visitor_token"]
    await shopper.close()
    again = await Client.connect(core)
    await again.hello(token=token, resume=[{"conversation_id": cid, "last_seq": 0}])
    await again.expect("message", lambda f: f["message"]["text"] == "Hello! How can I help?")
    assert not any(m["private"] for m in again.messages(cid))
    async with httpx.AsyncClient(base_url=core.url) as http:
        history = (
            await http.get(f"/api/conversations/{cid}/messages", headers={"X-Visitor-Token": token})
        ).json()
        session = await login(core, "agent@demo.shop", "demo-agent")
        full = (
            await http.get(
                f"/api/conversations/{cid}/messages",
                headers={"Authorization": f"Bearer {session['token']}"},
            )
        ).json()
    assert "VIP customer, be nice" not in [m["text"] for m in history]
    assert "Hello! How can I help?" in [m["text"] for m in history]
    assert "VIP customer, be nice" in [m["text"] for m in full]


async def test_a_visitor_cannot_read_another_visitors_conversation(core: Any) -> None:
    anna = await visitor(core)
    cid = (await anna.send_message("my address is Hauptstr. 1"))["conversation_id"]
    mallory = await visitor(core)

    await mallory.send(
        {"type": "message", "id": "peek", "conversation_id": cid, "text": "let me in"}
    )
    assert (await mallory.expect_error("not_found"))["ref"] == "peek"
    await mallory.send({"type": "resume", "conversation_id": cid, "last_seq": 0})
    await mallory.expect_error("not_found")
    await mallory.send({"type": "typing", "conversation_id": cid, "on": True})
    await mallory.expect_error("not_found")
    await mallory.send({"type": "command", "id": "end-it", "name": "end", "conversation_id": cid})
    await mallory.expect_error("not_found")
    # Resuming at hello is refused the same way (the visitor learns nothing).
    sneaky = await Client.connect(core)
    await sneaky.send(
        {"type": "hello", "v": 1, "resume": [{"conversation_id": cid, "last_seq": 0}]}
    )
    await sneaky.expect("welcome")
    assert "does not exist" in (await sneaky.expect_error("not_found"))["message"]
    await sneaky.send({"type": "ping"})
    await sneaky.expect("pong")
    for client in (mallory, sneaky):
        assert not client.messages(cid)

    async with httpx.AsyncClient(base_url=core.url) as http:
        response = await http.get(
            f"/api/conversations/{cid}/messages",
            headers={"X-Visitor-Token": mallory.welcome["visitor_token"]},
        )
        assert response.status_code == 404
        assert response.json()["detail"]["code"] == "not_found"
        missing = await http.get(
            "/api/conversations/99999/messages",
            headers={"X-Visitor-Token": mallory.welcome["visitor_token"]},
        )
        assert missing.status_code == 404, "someone else's conversation looks like a missing one"
        assert missing.json()["detail"]["code"] == "not_found"
        forged = await http.get(
            f"/api/conversations/{cid}/messages", headers={"X-Visitor-Token": "forged.token"}
        )
        assert forged.status_code == 401 and forged.json()["detail"]["code"] == "bad_token"
    assert [row["text"] for row in stored(core, cid)] == ["my address is Hauptstr. 1"]


async def test_an_agent_cannot_open_a_conversation_of_another_team(core: Any) -> None:
    shopper = await visitor(core)
    cid = (await shopper.send_message("I want to buy 500 kettles"))["conversation_id"]
    query(
        core.hub.database_url,
        "UPDATE conversations SET team_id = (SELECT id FROM teams WHERE name = 'Sales')"
        " WHERE id = :c",
        c=cid,
    )

    support = await agent(core, "agent@demo.shop")  # Support team only
    for name in ("open", "take"):
        await support.send(
            {"type": "command", "id": f"x-{name}", "name": name, "conversation_id": cid}
        )
        error = await support.expect("error", lambda f, n=name: f.get("ref") == f"x-{n}")
        assert error["code"] == "forbidden" and "team" in error["message"]
    await support.send({"type": "message", "id": "x-msg", "conversation_id": cid, "text": "hi"})
    assert (await support.expect("error", lambda f: f.get("ref") == "x-msg"))["code"] == "forbidden"

    sales = await agent(core, "sales@demo.shop")
    assert (await sales.command("open", conversation_id=cid))["conversation"]["id"] == cid
    resuming = await Client.connect(core, "agent")
    await resuming.send(
        {
            "type": "hello",
            "v": 1,
            "token": (await login(core, "agent@demo.shop", "demo-agent"))["token"],
            "resume": [{"conversation_id": cid, "last_seq": 0}],
        }
    )
    await resuming.expect("welcome")
    assert "team" in (await resuming.expect_error("forbidden"))["message"]
    assert not resuming.messages(cid)

    token = (await login(core, "agent@demo.shop", "demo-agent"))["token"]
    async with httpx.AsyncClient(
        base_url=core.url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        for path in (f"/api/conversations/{cid}", f"/api/conversations/{cid}/messages"):
            response = await http.get(path)
            assert response.status_code == 403, path
            assert response.json()["detail"]["code"] == "forbidden"
        listed = (await http.get("/api/conversations")).json()
        assert cid not in [c["id"] for c in listed]
    assert [row["sender_kind"] for row in stored(core, cid)] == ["visitor"]

    # Assigned across teams, the agent may work on it, and after resolving it keeps
    # access to what it handled (the assignee stays on record).
    admin = await agent(core, "admin@demo.shop")
    support_id = support.welcome["agent"]["id"] if support.welcome else None
    await admin.command("assign", conversation_id=cid, agent_id=support_id)
    assert (await support.command("resolve", conversation_id=cid))["status"] == "resolved"
    reopened_view = await support.command("open", conversation_id=cid)
    assert reopened_view["conversation"]["assignee_id"] == support_id


async def test_a_visitor_token_is_not_an_agent_token(core: Any) -> None:
    shopper = await visitor(core)
    token = shopper.welcome["visitor_token"]
    async with httpx.AsyncClient(base_url=core.url) as http:
        for headers in ({"Authorization": f"Bearer {token}"}, {"X-Visitor-Token": token}, {}):
            for path in (
                "/api/conversations",
                "/api/auth/me",
                f"/api/contacts/{shopper.welcome['contact_id']}",
            ):
                response = await http.get(path, headers=headers)
                assert response.status_code == 401, (path, headers)
                assert response.json()["detail"]["code"] in ("bad_token", "not_signed_in")
    impostor = await Client.connect(core, "agent")
    await impostor.send({"type": "hello", "v": 1, "token": token})
    error = await impostor.expect_error("bad_token")
    assert error["fatal"] is True
    assert await impostor.closed() == 4401


async def test_bad_input_gets_an_error_and_loses_nothing(core: Any) -> None:
    sender = await visitor(core)
    bystander = await visitor(core)
    cid = (await sender.send_message("kept"))["conversation_id"]
    other = (await bystander.send_message("me too"))["conversation_id"]

    bad: list[tuple[str | bytes, str]] = [
        ('{"type": "message", "id": "x", "text": ', "bad_json"),
        ('{"type": "shout", "id": "x"}', "unknown_type"),
        ('{"type": "message", "id": "big", "text": "' + "x" * 4097 + '"}', "too_large"),
        (
            '{"type": "event", "kind": "page_view", "data": {"p": "' + "p" * 20000 + '"}}',
            "too_large",
        ),
        (b'{"type": "message", "id": "bin", "text": "\xff\xfe"}', "invalid_utf8"),
        ('{"type": "message", "id": "sur", "text": "\\ud800"}', "invalid_utf8"),
        ('{"type": "message", "id": "nul", "text": "a\\u0000b"}', "invalid_frame"),
        ('{"type": "hello", "v": 1}', "invalid_frame"),
    ]
    for data, code in bad:
        await sender.send_raw(data)
        error = await sender.expect("error")
        assert error["code"] == code, (data, error)
        assert error["message"] and error["fatal"] is False
        # Meanwhile the other connection keeps working.
        assert (await bystander.send_message(f"still here after {code}", conversation_id=other))[
            "duplicate"
        ] is False

    assert (await sender.send_message("after the errors", conversation_id=cid))["seq"] == 2
    assert [row["text"] for row in stored(core, cid)] == ["kept", "after the errors"]
    assert len(stored(core, other)) == 1 + len(bad)


async def test_fatal_errors_close_the_socket(core: Any) -> None:
    survivor = await visitor(core)
    cid = (await survivor.send_message("before"))["conversation_id"]

    forged = await Client.connect(core)
    await forged.send({"type": "hello", "v": 1, "token": "not-a-token"})
    error = await forged.expect_error("bad_token")
    assert error["fatal"] is True and "not valid" in error["message"]
    assert await forged.closed() == 4401

    hasty = await Client.connect(core, "agent")
    await hasty.send({"type": "command", "id": "early", "name": "take", "conversation_id": cid})
    assert (await hasty.expect_error("hello_required"))["fatal"] is False
    await hasty.send({"type": "hello", "v": 1})  # no token: authentication fails, fatally
    assert "sign in" in (await hasty.expect_error("bad_token"))["message"]
    assert await hasty.closed() == 4401

    future = await Client.connect(core)
    await future.send({"type": "hello", "v": 2})
    assert (await future.expect_error("unsupported_version"))["fatal"] is True
    assert await future.closed() == 4400

    assert (await survivor.send_message("after", conversation_id=cid))["seq"] == 2
    assert len(stored(core, cid)) == 2


async def test_visitor_and_ip_message_limits(start_core: Any) -> None:
    server = start_core(visitor_messages_per_minute=3, ip_messages_per_minute=600)
    shopper = await visitor(server)
    # The burst is one message.
    cid = (await shopper.send_message("one", id="one"))["conversation_id"]
    await shopper.send({"type": "message", "id": "two", "conversation_id": cid, "text": "two"})
    error = await shopper.expect_error("rate_limited")
    assert error["ref"] == "two" and 0 < error["retry_after"] <= 20
    assert "not stored" in error["message"]
    assert [row["text"] for row in stored(server, cid)] == ["one"]
    # A retry of the stored message is acknowledged again even while limited.
    retry = await shopper.send_message("one", id="one", conversation_id=cid)
    assert (retry["seq"], retry["duplicate"]) == (1, True)
    other = await visitor(server)
    assert (await other.send_message("a different visitor is not limited"))["seq"] == 1

    per_ip = start_core(visitor_messages_per_minute=600, ip_messages_per_minute=3)
    first, second = await visitor(per_ip), await visitor(per_ip)
    await first.send_message("from 127.0.0.1")
    await second.send({"type": "message", "id": "same-ip", "text": "me too, same address"})
    error = await second.expect_error("rate_limited")
    assert error["ref"] == "same-ip" and error["retry_after"] > 0
    assert (
        query(per_ip.hub.database_url, "SELECT id FROM messages WHERE client_msg_id = 'same-ip'")
        == []
    )


async def test_login_limit(start_core: Any) -> None:
    server = start_core(login_attempts_per_minute=3)
    async with httpx.AsyncClient(base_url=server.url) as http:
        codes = [
            (
                await http.post(
                    "/api/auth/login", json={"email": "agent@demo.shop", "password": "guess"}
                )
            ).status_code
            for _ in range(3)
        ]
        assert codes == [401, 401, 401]
        limited = await http.post(
            "/api/auth/login", json={"email": "agent@demo.shop", "password": "demo-agent"}
        )
        assert limited.status_code == 429
        assert limited.json()["detail"]["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) >= 1
        other = await http.post(
            "/api/auth/login", json={"email": "sales@demo.shop", "password": "demo-sales"}
        )
        assert other.status_code == 200, "the limit is per address and account"


async def test_identity_hmac_links_the_visitor_to_the_customer(core: Any) -> None:
    (anna,) = query(
        core.hub.database_url, "SELECT id FROM contacts WHERE customer_id = 'cust-1001'"
    )
    signature = identity_hmac(core.settings.identity_secret, "cust-1001")

    known = await visitor(core, identity={"customer_id": "cust-1001", "hmac": signature})
    assert known.welcome["identity_verified"] is True
    assert known.welcome["contact_id"] == anna["id"]
    assert [c["status"] for c in known.welcome["conversations"]] == ["resolved"], (
        "her past conversation"
    )

    stranger = await Client.connect(core)
    await stranger.send(
        {"type": "hello", "v": 1, "identity": {"customer_id": "cust-1001", "hmac": "0" * 64}}
    )
    error = await stranger.expect_error("bad_identity")
    assert error["fatal"] is False and "anonymous" in error["message"]
    welcome = await stranger.expect("welcome")
    assert welcome["identity_verified"] is False
    assert welcome["contact_id"] != anna["id"]
    assert welcome["conversations"] == []
    assert (await stranger.send_message("still works"))["seq"] == 1
    assert query(
        core.hub.database_url,
        "SELECT identity_verified FROM contacts WHERE id = :c",
        c=welcome["contact_id"],
    ) == [{"identity_verified": False}]


async def test_identify_later_moves_the_visit_to_the_customer(core: Any) -> None:
    (ben,) = query(core.hub.database_url, "SELECT id FROM contacts WHERE customer_id = 'cust-1002'")
    shopper = await visitor(core)
    cid = (await shopper.send_message("my kettle again"))["conversation_id"]
    await shopper.send({"type": "event", "kind": "page_view", "url": "/kettles"})
    await shopper.command("consent", granted=True)  # Ben had refused before
    result = await shopper.command(
        "identify",
        customer_id="cust-1002",
        hmac=identity_hmac(core.settings.identity_secret, "cust-1002"),
    )
    assert result["identity_verified"] is True and result["contact_id"] == ben["id"]
    assert query(
        core.hub.database_url, "SELECT contact_id FROM conversations WHERE id = :c", c=cid
    ) == [{"contact_id": ben["id"]}]
    events = query(
        core.hub.database_url, "SELECT contact_id FROM shopper_events WHERE url = '/kettles'"
    )
    assert events == [{"contact_id": ben["id"]}]
    consents = query(
        core.hub.database_url,
        "SELECT granted FROM consent_records WHERE contact_id = :c ORDER BY id",
        c=ben["id"],
    )
    assert consents == [{"granted": True}], "the consent given in this visit is kept"
    (profile,) = query(
        core.hub.database_url,
        "SELECT consent_personalisation FROM contacts WHERE id = :c",
        c=ben["id"],
    )
    assert profile["consent_personalisation"], "the newest decision counts (Ben had refused)"
    returning = await visitor(
        core,
        token=result["visitor_token"],
        identity={
            "customer_id": "cust-1002",
            "hmac": identity_hmac(core.settings.identity_secret, "cust-1002"),
        },
    )
    assert (
        returning.welcome["contact_id"] == ben["id"]
        and returning.welcome["identity_verified"] is True
    )
    assert cid in [c["id"] for c in returning.welcome["conversations"]]


async def test_agent_login_cookie_csrf_bearer_and_logout(core: Any) -> None:
    async with httpx.AsyncClient(base_url=core.url) as http:
        wrong = await http.post(
            "/api/auth/login", json={"email": "agent@demo.shop", "password": "demo-agentx"}
        )
        assert wrong.status_code == 401 and wrong.json()["detail"]["code"] == "bad_credentials"
        unknown = await http.post(
            "/api/auth/login", json={"email": "nobody@demo.shop", "password": "demo-agent"}
        )
        assert unknown.status_code == 401 and unknown.json() == wrong.json(), (
            "no hint which part was wrong"
        )
        invalid = await http.post("/api/auth/login", json={"email": "agent@demo.shop"})
        assert (
            invalid.status_code == 422
            and invalid.json()["detail"]["fields"][0]["field"] == "password"
        )

        ok = await http.post(
            "/api/auth/login", json={"email": "Agent@Demo.Shop", "password": "demo-agent"}
        )
        assert ok.status_code == 200
        body = ok.json()
        assert body["agent"]["email"] == "agent@demo.shop" and body["agent"]["teams"] == [
            {"id": 1, "name": "Support"}
        ]
        assert "httponly" in ok.headers["set-cookie"].lower()
        assert (
            http.cookies.get("tp_session") == body["token"]
            and http.cookies.get("tp_csrf") == body["csrf"]
        )
        assert (await http.get("/api/auth/me")).json()[
            "email"
        ] == "agent@demo.shop"  # the cookie alone

        refused = await http.post("/api/auth/logout")
        assert refused.status_code == 403 and refused.json()["detail"]["code"] == "csrf_failed"
        wrong_csrf = await http.post("/api/auth/logout", headers={"X-CSRF-Token": "guess"})
        assert wrong_csrf.status_code == 403
        out = await http.post("/api/auth/logout", headers={"X-CSRF-Token": body["csrf"]})
        assert out.status_code == 204
        assert http.cookies.get("tp_session") is None
        assert (await http.get("/api/auth/me")).status_code == 401

    # Signing out ended the session everywhere: the token is dead as a bearer token too.
    async with httpx.AsyncClient(
        base_url=core.url, headers={"Authorization": f"Bearer {body['token']}"}
    ) as stale:
        assert (await stale.get("/api/auth/me")).json()["detail"]["code"] == "session_ended"

    again = await login(core, "agent@demo.shop", "demo-agent")
    cookie_agent = await Client.connect(core, "agent", Cookie=f"tp_session={again['token']}")
    welcome = await cookie_agent.hello()
    assert welcome["agent"]["email"] == "agent@demo.shop"
    await cookie_agent.close()

    async with httpx.AsyncClient(
        base_url=core.url, headers={"Authorization": f"Bearer {again['token']}"}
    ) as bearer:
        assert (await bearer.get("/api/auth/me")).status_code == 200
        assert (await bearer.post("/api/auth/logout")).status_code == 204, (
            "bearer tokens need no CSRF header"
        )


async def test_health_readiness_and_metrics(core: Any) -> None:
    shopper = await visitor(core)
    await shopper.send_message("count me")
    await shopper.send_raw("{broken")
    await shopper.expect_error("bad_json")
    async with httpx.AsyncClient(base_url=core.url) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        ready = await http.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {
            "status": "ok",
            "checks": {"database": "ok"},
        }
        metrics = await http.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    for name in (
        "touchpoint_connections",
        "touchpoint_messages_total",
        "touchpoint_message_ack_seconds",
        "touchpoint_queue_length",
    ):
        assert f"# TYPE {name}" in text, name
    assert 'touchpoint_connections{role="visitor"} 1.0' in text
    assert 'touchpoint_messages_total{sender="visitor"} 1.0' in text
    assert "touchpoint_message_ack_seconds_count 1.0" in text
    assert 'touchpoint_frame_errors_total{code="bad_json"} 1.0' in text
    assert "touchpoint_queue_length 0.0" in text


async def test_a_disconnected_agents_conversations_go_back_to_the_queue(start_core: Any) -> None:
    server = start_core(agent_grace_seconds=0.5)
    shoppers = [await visitor(server), await visitor(server)]
    cids = [(await s.send_message("help"))["conversation_id"] for s in shoppers]
    returning, leaving = (
        await agent(server, "agent@demo.shop"),
        await agent(server, "admin@demo.shop"),
    )
    await returning.command("take", conversation_id=cids[0])
    await leaving.command("take", conversation_id=cids[1])

    # Both drop; one comes back within the grace period, the other does not.
    await returning.close()
    await leaving.close()
    back = await agent(server, "agent@demo.shop")
    assert [c["id"] for c in back.welcome["conversations"]] == [cids[0]]

    requeued = await shoppers[1].expect(
        "conversation", lambda f: f["conversation"]["status"] == "queued"
    )
    assert requeued["conversation"].get("assignee_id") is None
    await back.expect("queue", lambda f: cids[1] in [c["id"] for c in f["waiting"]])
    # The returning agent's timer started first, so it has run by now: nothing changed.
    assert status_of(server, cids[0]) == "assigned"
    assert status_of(server, cids[1]) == "queued"
    lost = await shoppers[1].expect(
        "message",
        lambda f: (
            f["message"]["content_type"] == "system_event"
            and f["message"]["payload"]["cause"] == "agent_lost"
        ),
    )
    assert lost["message"]["payload"]["to"] == "queued"
    assert not [
        f
        for f in shoppers[0].log
        if f["type"] == "conversation" and f["conversation"]["status"] == "queued"
    ]


async def test_concurrent_visitors_each_see_only_their_own_stream(core: Any) -> None:
    shoppers = [await visitor(core) for _ in range(4)]

    async def chat(index: int, client: Client) -> int:
        cid = None
        for n in range(5):
            ack = await client.send_message(
                f"visitor {index} line {n}",
                id=next_id(f"v{index}"),
                **({"conversation_id": cid} if cid else {}),
            )
            cid = ack["conversation_id"]
        return int(cid)

    cids = await asyncio.gather(*(chat(i, c) for i, c in enumerate(shoppers)))
    assert len(set(cids)) == 4
    for index, (client, cid) in enumerate(zip(shoppers, cids)):
        await client.expect(
            "message", lambda f, i=index: f["message"]["text"] == f"visitor {i} line 4"
        )
        assert {f["message"]["conversation_id"] for f in client.log if f["type"] == "message"} == {
            cid
        }
        assert [row["seq"] for row in stored(core, cid)] == [1, 2, 3, 4, 5]


async def test_two_agents_taking_at_once_one_wins(core: Any) -> None:
    shopper = await visitor(core)
    cid = (await shopper.send_message("anyone there?"))["conversation_id"]
    await shopper.command("request_human", conversation_id=cid)
    alex, ada = await agent(core, "agent@demo.shop"), await agent(core, "admin@demo.shop")
    for client in (alex, ada):
        await client.send({"type": "command", "id": "grab", "name": "take", "conversation_id": cid})
    answers = [
        await client.expect(("result", "error"), replying_to("grab")) for client in (alex, ada)
    ]

    assert sorted(a["type"] for a in answers) == ["error", "result"], answers
    winner = next(a for a in answers if a["type"] == "result")
    loser = next(a for a in answers if a["type"] == "error")
    assert loser["code"] == "illegal_transition" and "assigned" in loser["message"]
    (row,) = query(
        core.hub.database_url, "SELECT assignee_id FROM conversations WHERE id = :c", c=cid
    )
    assert row["assignee_id"] == winner["data"]["assignee_id"]
    events = query(
        core.hub.database_url,
        "SELECT seq FROM messages WHERE conversation_id = :c AND content_type = 'system_event'",
        c=cid,
    )
    assert len(events) == 2, "queued, then assigned once"


async def test_transfer_to_a_team_shows_it_only_in_that_teams_queue(core: Any) -> None:
    shopper = await visitor(core)
    cid = (await shopper.send_message("I would like a quote for 500 kettles"))["conversation_id"]
    support, sales = await agent(core, "agent@demo.shop"), await agent(core, "sales@demo.shop")
    await support.command("take", conversation_id=cid)
    sales_team = next(
        t["id"] for t in (await login(core, "sales@demo.shop", "demo-sales"))["agent"]["teams"]
    )

    moved = await support.command("transfer", conversation_id=cid, team_id=sales_team)
    assert moved["status"] == "queued" and moved["assignee_id"] is None
    waiting = await sales.expect("queue", lambda f: cid in [c["id"] for c in f["waiting"]])
    assert next(c for c in waiting["waiting"] if c["id"] == cid)["team_id"] == sales_team
    # Support never sees it waiting and cannot take it back.
    await support.send({"type": "command", "id": "back", "name": "take", "conversation_id": cid})
    assert (await support.expect("error", replying_to("back")))["code"] == "forbidden"
    queues = [f["waiting"] for f in support.log if f["type"] == "queue"]
    assert queues and all(cid not in [c["id"] for c in waiting] for waiting in queues)
    assert (await sales.command("take", conversation_id=cid))["status"] == "assigned"

    await sales.send(
        {
            "type": "command",
            "id": "nowhere",
            "name": "transfer",
            "conversation_id": cid,
            "args": {"team_id": 999},
        }
    )
    assert (await sales.expect("error", replying_to("nowhere")))["code"] == "not_found"


async def test_a_transfer_to_an_agent_who_is_not_signed_in_is_refused(core: Any) -> None:
    shopper = await visitor(core)
    cid = (await shopper.send_message("can a person help me?"))["conversation_id"]
    support = await agent(core, "agent@demo.shop")
    await support.command("take", conversation_id=cid)
    sales_id = (await login(core, "sales@demo.shop", "demo-sales"))["agent"]["id"]

    await support.send(
        {
            "type": "command",
            "id": "away",
            "name": "transfer",
            "conversation_id": cid,
            "args": {"agent_id": sales_id},
        }
    )
    error = await support.expect("error", replying_to("away"))
    assert error["code"] == "illegal_transition"
    assert "offline" in error["message"] and "team" in error["message"]
    assert (await support.command("open", conversation_id=cid))["conversation"][
        "assignee_id"
    ] == support.welcome["agent"]["id"]

    sales = await agent(core, "sales@demo.shop")  # now signed in: the same transfer works
    moved = await support.command("transfer", conversation_id=cid, agent_id=sales_id)
    assert moved["assignee_id"] == sales_id
    await sales.expect(
        "conversation",
        lambda f: f["conversation"]["id"] == cid and f["conversation"]["assignee_id"] == sales_id,
    )


async def test_a_conversation_left_with_the_bot_is_resolved(
    start_core: Any,
) -> None:
    server = start_core(bot_idle_minutes=0.02)  # idle after 1.2 s, looked for every 0.3 s
    shopper = await visitor(server)
    cid = (await shopper.send_message("just looking around"))["conversation_id"]
    waiting = await visitor(server)
    queued = (await waiting.send_message("a person, please"))["conversation_id"]
    await waiting.command("request_human", conversation_id=queued)

    def resolved(frame: dict[str, Any]) -> bool:
        return frame["conversation"]["id"] == cid and frame["conversation"]["status"] == "resolved"

    await shopper.expect("conversation", resolved, timeout=15)
    (event,) = query(
        server.hub.database_url,
        "SELECT payload, created_at FROM messages"
        " WHERE conversation_id = :c AND content_type = 'system_event'",
        c=cid,
    )
    change = json.loads(event["payload"]) if isinstance(event["payload"], str) else event["payload"]
    assert (change["from"], change["to"], change["cause"]) == ("bot", "resolved", "resolve")
    # It ended when the shopper left, not when it was closed: the idle time is no time
    # to resolution in the analytics.
    ((resolved_at, created_at),) = [
        (row["resolved_at"], row["created_at"])
        for row in query(
            server.hub.database_url,
            "SELECT resolved_at, created_at FROM conversations WHERE id = :c",
            c=cid,
        )
    ]
    assert str(created_at) <= str(resolved_at) < str(event["created_at"])
    # Waiting for a person is the team's: it stays queued however long it waits.
    await asyncio.sleep(2)
    assert query(
        server.hub.database_url, "SELECT status FROM conversations WHERE id = :c", c=queued
    ) == [{"status": "queued"}]
    # The shopper's next message starts a new conversation, with the bot (the widget
    # names none once the last one ended); naming the old one opens it again.
    later = (await shopper.send_message("back again"))["conversation_id"]
    assert later != cid
    assert (await shopper.send_message("about before", conversation_id=cid))[
        "conversation_id"
    ] == cid
    await shopper.expect(
        "conversation",
        lambda f: f["conversation"]["id"] == cid and f["conversation"]["status"] == "bot",
    )


async def test_too_many_new_connections_from_one_address(start_core: Any) -> None:
    server = start_core(ip_connections_per_minute=3)  # a burst of one
    first = await visitor(server)
    second = await Client.connect(server)
    error = await second.expect_error("rate_limited")
    assert error["fatal"] is True and error["retry_after"] > 0
    assert await second.closed() == 4429
    assert (await first.send_message("the open connection is unaffected"))["seq"] == 1
