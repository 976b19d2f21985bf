"""Agent sessions end on sign-out, and the cookie session only works from the hub's pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.chat.helpers import Client, login


async def test_logout_revokes_every_token_of_the_agent(core: Any) -> None:
    first = await login(core, "agent@demo.shop", "demo-agent")
    second = await login(core, "agent@demo.shop", "demo-agent")
    async with httpx.AsyncClient(base_url=core.url) as http:
        bearer = {"Authorization": f"Bearer {first['token']}"}
        assert (await http.get("/api/auth/me", headers=bearer)).status_code == 200
        assert (await http.post("/api/auth/logout", headers=bearer)).status_code == 204
        for token in (first["token"], second["token"]):
            response = await http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401
            assert response.json()["detail"]["code"] == "session_ended"

    client = await Client.connect(core, "agent")
    await client.send({"type": "hello", "v": 1, "token": second["token"]})
    error = await client.expect("error")
    assert error["code"] == "bad_token" and error["fatal"] is True
    await client.close()

    fresh = await login(core, "agent@demo.shop", "demo-agent")
    async with httpx.AsyncClient(base_url=core.url) as http:
        me = await http.get("/api/auth/me", headers={"Authorization": f"Bearer {fresh['token']}"})
    assert me.status_code == 200


async def _hello_with_cookie(server: Any, token: str, origin: str) -> dict[str, Any]:
    client = await Client.connect(server, "agent", Cookie=f"tp_session={token}", Origin=origin)
    try:
        await client.send({"type": "hello", "v": 1})
        return await client.expect(("welcome", "error"))
    finally:
        try:
            await client.close()
        except ConnectionClosed:
            pass


@pytest.mark.parametrize(
    ("origin_of", "accepted"),
    [(lambda url: url, True), (lambda url: "https://evil.example", False)],
    ids=["same-origin", "cross-site"],
)
async def test_cookie_session_on_the_agent_socket_needs_the_hubs_own_origin(
    core: Any, origin_of: Any, accepted: bool
) -> None:
    session = await login(core, "agent@demo.shop", "demo-agent")
    frame = await _hello_with_cookie(core, session["token"], origin_of(core.url))
    if accepted:
        assert frame["type"] == "welcome" and frame["agent"]["email"] == "agent@demo.shop"
    else:
        assert frame["type"] == "error" and frame["code"] == "bad_token"
        assert "own pages" in frame["message"]
