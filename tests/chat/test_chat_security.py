"""Attacks on the running hub: what one person must not reach of another's data or session."""

from __future__ import annotations

from typing import Any

import httpx

from chat.auth import identity_hmac
from tests.chat.helpers import Client, agent, login, query, visitor


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

    # A customer the hub has not seen yet gets a contact of their own, not Anna's.
    anna_again = await visitor(core, token=anna.welcome["visitor_token"])
    assert anna_again.welcome["contact_id"] == anna_id
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
