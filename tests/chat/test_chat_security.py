"""Attacks on the running hub: what one person must not reach of another's data or session."""

from __future__ import annotations

import asyncio
import stat
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from chat import privacy
from chat.auth import identity_hmac
from chat.config import Settings
from tests.chat.helpers import DEMO_PASSWORDS, Client, agent, login, query, visitor


def signed(server: Any, customer_id: str) -> dict[str, str]:
    return {
        "customer_id": customer_id,
        "hmac": identity_hmac(server.settings.identity_secret, customer_id),
    }


async def test_a_second_customer_on_the_same_device_gets_nothing_of_the_first(core: Any) -> None:
    # Anna chats as a verified customer; the shop forgets Touchpoint.reset() at her
    # log-out, so Ben, logging in next on the same browser, brings her visitor token.
    anna = await visitor(core, identity=signed(core, "cust-1001"))
    anna_id = anna.welcome["contact_id"]
    cid = (await anna.send_message("deliver to my new address, Elm Street 5"))["conversation_id"]

    result = await anna.command("identify", **signed(core, "cust-1002"))
    (ben,) = query(core.hub.database_url, "SELECT id FROM contacts WHERE customer_id = 'cust-1002'")
    assert result["identity_verified"] is True and result["contact_id"] == ben["id"]
    assert query(
        core.hub.database_url, "SELECT contact_id FROM conversations WHERE id = :c", c=cid
    ) == [{"contact_id": anna_id}], "Anna's conversation stays hers"
    assert query(
        core.hub.database_url, "SELECT customer_id FROM contacts WHERE id = :c", c=anna_id
    ) == [{"customer_id": "cust-1001"}]
    # On this connection, Ben can no longer write into Anna's conversation.
    await anna.send({"type": "message", "id": "ben-1", "conversation_id": cid, "text": "hi"})
    assert (await anna.expect_error("not_found"))["ref"] == "ben-1"

    # The same at hello: her token with his identity.
    again = await visitor(
        core, token=anna.welcome["visitor_token"], identity=signed(core, "cust-1002")
    )
    assert again.welcome["contact_id"] == ben["id"]
    assert cid not in [c["id"] for c in again.welcome["conversations"]]

    # Her token without her identity (the next person, not logged in) or with a wrong
    # HMAC is a fresh anonymous visit: nothing of hers, no resume into her conversation.
    for identity in (None, {"customer_id": "cust-1001", "hmac": "0" * 64}):
        nobody = await Client.connect(core)
        hello = {"type": "hello", "v": 1, "token": anna.welcome["visitor_token"]}
        await nobody.send(
            {**hello, "identity": identity, "resume": [{"conversation_id": cid, "last_seq": 0}]}
        )
        if identity:
            await nobody.expect_error("bad_identity")
        welcome = await nobody.expect("welcome")
        assert welcome["contact_id"] != anna_id
        assert (welcome["identity_verified"], welcome["conversations"]) == (False, [])
        await nobody.send({"type": "ping"})
        await nobody.expect("pong")
        assert not nobody.messages(cid)
        assert not [f for f in nobody.log if f["type"] == "error" and f["code"] != "bad_identity"]
    # Nor over HTTP, where no identity can come with the token.
    async with httpx.AsyncClient(base_url=core.url) as http:
        history = await http.get(
            f"/api/conversations/{cid}/messages",
            headers={"X-Visitor-Token": anna.welcome["visitor_token"]},
        )
    assert history.status_code == 403 and history.json()["detail"]["code"] == "identity_required"
    # With her identity it is her visit again.
    anna_again = await visitor(
        core, token=anna.welcome["visitor_token"], identity=signed(core, "cust-1001")
    )
    assert anna_again.welcome["contact_id"] == anna_id
    assert cid in [c["id"] for c in anna_again.welcome["conversations"]]
    # A customer the hub has not seen yet gets a contact of their own, not Anna's.
    carl = await visitor(
        core, token=anna.welcome["visitor_token"], identity=signed(core, "cust-new-9")
    )
    assert carl.welcome["contact_id"] != anna_id and carl.welcome["conversations"] == []
    assert query(
        core.hub.database_url, "SELECT customer_id FROM contacts WHERE id = :c", c=anna_id
    ) == [{"customer_id": "cust-1001"}]


async def test_an_open_agent_socket_ends_with_the_session(core: Any) -> None:
    shopper = await visitor(core)
    cid = (await shopper.send_message("is anybody there?"))["conversation_id"]

    # Signing out (everywhere) closes the agent's open socket at once.
    token = (await login(core, "agent@demo.shop", "demo-agent"))["token"]
    console = await Client.connect(core, "agent")
    await console.hello(token=token)
    async with httpx.AsyncClient(
        base_url=core.url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        assert (await http.post("/api/auth/logout")).status_code == 204
    error = await console.expect_error("bad_token")
    assert error["fatal"] is True and "signed out" in error["message"]
    assert await console.closed() == 4401

    # A disabled agent's next frame is refused and the socket closes; nothing is shown.
    sales = await agent(core, "sales@demo.shop")
    query(core.hub.database_url, "UPDATE agents SET active = false WHERE email = 'sales@demo.shop'")
    await sales.send({"type": "command", "id": "late", "name": "open", "conversation_id": cid})
    assert (await sales.expect_error("bad_token"))["fatal"] is True
    assert await sales.closed() == 4401
    assert not [f for f in sales.log if f.get("type") == "result"]


async def test_a_visitor_cannot_flood_events_commands_or_typing(start_core: Any) -> None:
    server = start_core(visitor_frames_per_minute=6, ip_frames_per_minute=600)  # a burst of 2
    shopper = await visitor(server)
    for i in range(10):
        await shopper.send(
            {"type": "event", "kind": "page_view", "url": f"/p{i}", "data": {"pad": "x" * 8000}}
        )
    for i in range(5):
        await shopper.send(
            {"type": "command", "id": f"consent-{i}", "name": "consent", "args": {"granted": True}}
        )
    await shopper.send({"type": "ping"})
    await shopper.expect("pong")
    limited = [f for f in shopper.log if f.get("type") == "error"]
    assert len(limited) == 13 and {f["code"] for f in limited} == {"rate_limited"}
    assert all(f["retry_after"] > 0 and not f.get("fatal") for f in limited)
    assert {f.get("ref") for f in limited if f.get("ref")} == {f"consent-{i}" for i in range(5)}
    stored = query(
        server.hub.database_url,
        "SELECT count(*) AS n FROM shopper_events WHERE contact_id = :c",
        c=shopper.welcome["contact_id"],
    )
    assert stored == [{"n": 2}]
    assert query(server.hub.database_url, "SELECT count(*) AS n FROM consent_records") == [{"n": 0}]
    # Messages have their own limit, and another visitor has their own budget.
    assert (await shopper.send_message("still heard"))["seq"] == 1
    other = await visitor(server)
    assert (await other.command("consent", granted=False)) == {"granted": False}


async def test_sign_in_does_not_tell_which_accounts_exist_or_allow_spraying(
    start_core: Any,
) -> None:
    server = start_core()
    async with httpx.AsyncClient(base_url=server.url) as http:

        async def seconds(email: str) -> float:
            started = time.perf_counter()
            answer = await http.post("/api/auth/login", json={"email": email, "password": "guess"})
            assert answer.status_code == 401
            return time.perf_counter() - started

        known, unknown = [], []
        for i in range(3):
            known.append(await seconds("agent@demo.shop"))
            unknown.append(await seconds(f"nobody-{i}@demo.shop"))
        # Checking an argon2 hash dominates; without it the unknown address answers
        # in a few milliseconds.
        assert min(unknown) > 0.3 * min(known), (known, unknown)

    sprayed = start_core(login_failures_per_ip_per_minute=3)
    async with httpx.AsyncClient(base_url=sprayed.url) as http:
        ok = await http.post(
            "/api/auth/login", json={"email": "agent@demo.shop", "password": "demo-agent"}
        )
        assert ok.status_code == 200, "successful sign-ins do not count"
        for email in ("agent@demo.shop", "sales@demo.shop", "nobody@demo.shop"):
            wrong = await http.post("/api/auth/login", json={"email": email, "password": "guess"})
            assert wrong.status_code == 401
        limited = await http.post(
            "/api/auth/login", json={"email": "editor@demo.shop", "password": "guess"}
        )
        assert limited.status_code == 429 and limited.json()["detail"]["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) >= 1


async def test_sign_ins_do_not_stall_the_chat(core: Any) -> None:
    shopper = await visitor(core)
    async with httpx.AsyncClient(base_url=core.url, timeout=60) as http:

        async def attempt(email: str) -> int:
            answer = await http.post("/api/auth/login", json={"email": email, "password": "guess"})
            return answer.status_code

        started = time.perf_counter()
        attempts = asyncio.ensure_future(
            asyncio.gather(
                *(attempt(e) for e in ("agent@demo.shop", "sales@demo.shop", "nobody@demo.shop"))
            )
        )
        pongs = []
        while not attempts.done():
            pinged = time.perf_counter()
            await shopper.send({"type": "ping"})
            await shopper.expect("pong")
            pongs.append(time.perf_counter() - pinged)
            await asyncio.sleep(0.02)
        assert await attempts == [401, 401, 401]
        signing_in = time.perf_counter() - started
    # Before, each argon2 check held the event loop (every socket) for its whole duration.
    assert max(pongs) < signing_in / 4, (pongs, signing_in)


async def test_nul_characters_are_refused_before_they_reach_postgresql(
    start_core: Any, postgres_url: str
) -> None:
    server = start_core(database_url=postgres_url)
    # A NUL in an offline message failed the whole group commit on PostgreSQL:
    # other shoppers' messages written in the same batch got "internal" errors.
    attacker = await visitor(server)
    shoppers = [await visitor(server) for _ in range(4)]
    for round_ in range(3):
        sends = [
            s.send({"type": "message", "id": f"m{round_}-{i}", "text": "hello"})
            for i, s in enumerate(shoppers)
        ]
        nul = {"email": "a@shop.example", "text": "call me\u0000"}
        await asyncio.gather(
            *sends,
            attacker.send(
                {"type": "command", "id": f"off-{round_}", "name": "offline_message", "args": nul}
            ),
        )
        for i, shopper in enumerate(shoppers):
            await shopper.expect("ack", lambda f, r=round_, i=i: f["id"] == f"m{r}-{i}")
        error = await attacker.expect_error("invalid_frame")
        assert error["ref"] == f"off-{round_}" and "NUL" in error["message"]
    for shopper in shoppers:
        assert not [f for f in shopper.log if f.get("type") == "error"]

    # Elsewhere a NUL was an "internal" error; now it says what is wrong.
    for frame in (
        {"type": "event", "kind": "page_view", "url": "/a\u0000b"},
        {"type": "command", "id": "rate-nul", "name": "identify", "args": {"x\u0000": 1}},
    ):
        await attacker.send(frame)
        assert "NUL" in (await attacker.expect_error("invalid_frame"))["message"]
    nul_hello = await Client.connect(server)
    await nul_hello.send({"type": "hello", "v": 1, "site": "demo\u0000"})
    assert "NUL" in (await nul_hello.expect_error("invalid_frame"))["message"]
    assert query(
        server.hub.database_url,
        "SELECT count(*) AS n FROM shopper_events WHERE contact_id = :c",
        c=attacker.welcome["contact_id"],
    ) == [{"n": 0}]


async def test_a_shoppers_profile_is_only_for_agents_of_their_conversations(core: Any) -> None:
    shopper = await visitor(core)
    first = (await shopper.send_message("my address is Elm Street 5"))["conversation_id"]
    contact = shopper.welcome["contact_id"]
    query(core.hub.database_url, "UPDATE conversations SET team_id = 1 WHERE id = :c", c=first)

    async def profile(email: str) -> httpx.Response:
        token = (await login(core, email, DEMO_PASSWORDS[email]))["token"]
        async with httpx.AsyncClient(
            base_url=core.url, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            return await http.get(f"/api/contacts/{contact}")

    refused = await profile("sales@demo.shop")  # Sales only; the chat is Support's
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == "forbidden"
    assert "team" in refused.json()["detail"]["message"]
    assert (await profile("agent@demo.shop")).status_code == 200
    assert (await profile("admin@demo.shop")).status_code == 200

    # A later chat in Sales opens the profile to Sales, with only the chats Sales may see.
    await shopper.command("end", conversation_id=first)
    query(
        core.hub.database_url, "UPDATE conversations SET status = 'resolved' WHERE id = :c", c=first
    )
    second = (await shopper.send_message("a question for sales"))["conversation_id"]
    assert second != first
    query(core.hub.database_url, "UPDATE conversations SET team_id = 2 WHERE id = :c", c=second)
    sales_view = await profile("sales@demo.shop")
    assert sales_view.status_code == 200
    assert [c["id"] for c in sales_view.json()["conversations"]] == [second]


async def test_erasure_closes_the_shoppers_open_widget(core: Any) -> None:
    shopper = await visitor(core)
    await shopper.send_message("please forget me")
    contact = shopper.welcome["contact_id"]
    # What DELETE /api/privacy/contacts/{id} and `touchpoint privacy erase` run, on the hub's loop.
    loop = core.server.servers[0].get_loop()
    erasing = asyncio.run_coroutine_threadsafe(
        privacy.erase_contact(core.hub, contact, actor="test"), loop
    )
    assert (await asyncio.wrap_future(erasing)).conversations == 1
    error = await shopper.expect_error("bad_token")
    assert error["fatal"] is True and "erased" in error["message"]
    assert await shopper.closed() == 4401
    assert query(core.hub.database_url, "SELECT id FROM contacts WHERE id = :c", c=contact) == []


async def test_the_export_holds_the_whole_order_and_what_the_bot_kept(core: Any) -> None:
    anna = await visitor(core, identity=signed(core, "cust-1001"))
    cid = (await anna.send_message("where is my parcel?"))["conversation_id"]
    query(
        core.hub.database_url,
        "UPDATE conversations SET bot_state = :s WHERE id = :c",
        s='{"awaiting": "order", "order_number": "A-77", "email": "anna@example.com"}',
        c=cid,
    )
    query(
        core.hub.database_url,
        "INSERT INTO orders (id, customer_id, email, status, total, currency, items,"
        " tracking_url, return_status, placed_at, updated_at) VALUES ('A-77', 'cust-1001',"
        " 'anna@example.com', 'shipped', 12.5, 'EUR', '[]', 'https://track.example/A-77',"
        " 'requested', '2026-01-02 03:04:05', '2026-01-03 03:04:05')",
    )

    async def export() -> Any:
        async with core.hub.sessions() as db:
            return await privacy.export_contact(db, anna.welcome["contact_id"])

    loop = core.server.servers[0].get_loop()
    data = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(export(), loop))
    (order,) = [o for o in data.orders if o.id == "A-77"]
    assert (order.email, order.tracking_url, order.return_status, order.customer_id) == (
        "anna@example.com",
        "https://track.example/A-77",
        "requested",
        "cust-1001",
    )
    (conversation,) = [c for c in data.conversations if c.id == cid]
    assert conversation.bot_state["order_number"] == "A-77"


async def test_oversized_request_bodies_are_refused_before_they_are_parsed(core: Any) -> None:
    orders = b"[" + b",".join([b'{"id":"x","email":"a@b.cd","status":"s","total":1}'] * 40_000)
    big = orders + b"]"  # about 2 MB, over the 1 MB limit
    assert len(big) > 2 * 1024 * 1024 - 100_000

    async def chunks() -> Any:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    json_type = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=core.url, timeout=60) as http:
        # Without credentials the body used to be read and parsed in full first.
        for body in (big, chunks()):
            answer = await http.post("/api/orders", content=body, headers=json_type)
            assert answer.status_code == 413, answer.text
            assert answer.json()["detail"]["code"] == "too_large"
            assert "1048576 bytes" in answer.json()["detail"]["message"]
        small = await http.post("/api/orders", content=b"[]", headers=json_type)
        assert small.status_code == 401


async def test_database_errors_do_not_carry_shoppers_words_into_the_log(core: Any) -> None:
    from sqlalchemy import text

    from chat.db import GroupWriter, create_engine
    from chat.storage import write_messages

    failing = text("INSERT INTO no_such_table (text) VALUES (:text)")
    words = {"text": "my card is 4111 1111 1111 1111, Anna Secret"}
    engine = create_engine(core.hub.database_url)  # the hub's engine, as it makes it
    try:
        async with engine.connect() as connection:
            with pytest.raises(Exception) as failed:
                await connection.execute(failing, words)
    finally:
        await engine.dispose()
    writer = GroupWriter(core.hub.database_url, write_messages)  # the message writer's
    try:
        with writer.engine.connect() as connection, pytest.raises(Exception) as failed_too:
            connection.execute(failing, words)
    finally:
        await writer.close()
    for error in (failed.value, failed_too.value):
        assert "no_such_table" in str(error)
        assert "Anna Secret" not in str(error) and "4111" not in str(error)


async def test_ids_beyond_32_bits_are_invalid_not_internal_errors(
    start_core: Any, postgres_url: str
) -> None:
    server = start_core(database_url=postgres_url)
    huge = 2**40
    shopper = await visitor(server)
    cid = (await shopper.send_message("hi"))["conversation_id"]
    await shopper.send({"type": "message", "id": "far", "conversation_id": huge, "text": "x"})
    error = await shopper.expect_error("invalid_frame")
    assert error["ref"] == "far" and "conversation_id" in error["message"]
    await shopper.send({"type": "read", "conversation_id": cid, "seq": huge})
    assert "seq" in (await shopper.expect_error("invalid_frame"))["message"]

    console = await agent(server)
    await console.send(
        {"type": "command", "id": "to", "name": "assign", "conversation_id": cid,
         "args": {"agent_id": huge}}
    )  # fmt: skip
    assert (await console.expect_error("invalid_frame"))["ref"] == "to"
    token = shopper.welcome["visitor_token"]
    async with httpx.AsyncClient(base_url=server.url) as http:
        answer = await http.get(
            f"/api/conversations/{huge}/messages", headers={"X-Visitor-Token": token}
        )
    assert answer.status_code == 422 and answer.json()["detail"]["code"] == "invalid_request"
    assert not [f for f in shopper.log + console.log if f.get("code") == "internal"]


def test_a_new_data_dir_and_its_secrets_are_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh" / "data").prepare()
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700
    for secret in ("secret_key", "identity_secret"):
        assert stat.S_IMODE((settings.data_dir / secret).stat().st_mode) == 0o600
    # An existing data dir keeps what the operator gave it (a group may need it).
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o750)
    shared.chmod(0o750)
    Settings(data_dir=shared).prepare()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o750


def test_an_empty_secret_file_stops_the_hub_instead_of_signing_with_nothing(
    tmp_path: Path,
) -> None:
    # A crash between creating and writing the file left it empty: tokens were then
    # signed with an empty key, which anyone can forge.
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(RuntimeError, match="secret_key is empty"):
        Settings(data_dir=tmp_path).prepare()


async def test_only_signed_in_agents_may_send_large_files(core: Any) -> None:
    upload = {"file": ("products.csv", b"id,title\n" + b"x,y\n" * 600_000, "text/csv")}
    token = (await login(core, "admin@demo.shop", "demo-admin"))["token"]
    async with httpx.AsyncClient(base_url=core.url, timeout=60) as http:
        anonymous = await http.post("/api/orders", files=upload)
        assert anonymous.status_code == 413, "parsed and spooled to disk before, then 401"
        assert "sign-in" in anonymous.json()["detail"]["message"]
        signed_in = await http.post(
            "/api/orders", files=upload, headers={"Authorization": f"Bearer {token}"}
        )
        assert signed_in.status_code == 422, "big enough for an import once signed in"
