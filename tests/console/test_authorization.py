"""Who may see what: team boundaries for agents, and visitor tokens kept out
of everything meant for agents."""

from __future__ import annotations

import httpx

from tests.console.console_helpers import ConsoleServer, Socket, assigned

AGENT_ENDPOINTS = [
    ("GET", "/api/agents"),
    ("GET", "/api/teams"),
    ("GET", "/api/canned-responses"),
    ("POST", "/api/canned-responses/1/render?conversation_id=1"),
    ("GET", "/api/conversations"),
    ("GET", "/api/auth/me"),
]


def test_an_agent_cannot_open_a_conversation_of_a_team_it_is_not_in(
    console_hub: ConsoleServer,
) -> None:
    agent_http, login = console_hub.sign_in("agent")  # team Support only
    agent_id = login["agent"]["id"]
    sales_team = next(t["id"] for t in agent_http.get("/api/teams").json() if t["name"] == "Sales")
    agent = console_hub.agent_socket(login["token"])
    visitor, conversation_id = console_hub.shopper_asks_for_human()
    agent.wait_for(assigned(conversation_id, agent_id))  # the only agent online gets it

    moved = agent.command("transfer", conversation_id, team_id=sales_team)
    assert moved["type"] == "result" and moved["data"]["status"] == "queued"
    # Nobody from Sales is online: it waits, and the Support agent no longer sees it.
    agent.send(
        {
            "type": "command",
            "id": "c-open",
            "name": "open",
            "conversation_id": conversation_id,
            "args": {},
        }
    )
    refused = agent.wait_for(lambda f: f.get("ref") == "c-open")
    assert (refused["type"], refused["code"]) == ("error", "forbidden")
    rest = agent_http.get(f"/api/conversations/{conversation_id}")
    assert rest.status_code == 403 and rest.json()["detail"]["code"] == "forbidden"
    assert agent_http.get(f"/api/conversations/{conversation_id}/messages").status_code == 403
    hello = next(
        c for c in agent_http.get("/api/canned-responses").json() if c["shortcut"] == "hello"
    )
    render = agent_http.post(
        f"/api/canned-responses/{hello['id']}/render", params={"conversation_id": conversation_id}
    )
    assert render.status_code == 404
    queue = agent.wait_for(lambda f: f["type"] == "queue")
    assert all(c["id"] != conversation_id for c in queue["waiting"])

    # A Sales agent coming online is assigned it by routing and may open it.
    sales_http, sales_login = console_hub.sign_in("sales")
    sales = console_hub.agent_socket(sales_login["token"])
    sales.wait_for(assigned(conversation_id, sales_login["agent"]["id"]))
    opened = sales.command("open", conversation_id)
    assert opened["type"] == "result"
    texts = [m["text"] for m in opened["data"]["messages"]]
    assert "I need a person please" in texts
    assert sales_http.get(f"/api/conversations/{conversation_id}").status_code == 200
    visitor.close()


def test_a_visitor_token_cannot_call_agent_endpoints(console_hub: ConsoleServer) -> None:
    visitor = console_hub.visitor_socket()
    token = visitor.welcome["visitor_token"]
    for headers in ({"Authorization": f"Bearer {token}"}, {"X-Visitor-Token": token}):
        with httpx.Client(base_url=console_hub.url, headers=headers) as client:
            for method, path in AGENT_ENDPOINTS:
                response = client.request(method, path)
                assert response.status_code == 401, (method, path, headers, response.text)
                assert response.json()["detail"]["code"] in ("bad_token", "not_signed_in")
    # The agent websocket refuses it too, with a fatal error.
    refused = Socket(f"{console_hub.server.ws_url}/ws/agent", {"token": token})
    assert refused.welcome["type"] == "error"
    assert refused.welcome["code"] == "bad_token" and refused.welcome["fatal"] is True
    refused.close()
    visitor.close()
