"""Agents, teams and canned responses over real HTTP, with the roles that may
change them and the errors a person can act on."""

from __future__ import annotations

import httpx
import pytest

from tests.console.console_helpers import ConsoleServer


@pytest.fixture(scope="module")
def console_hub(shared_console_hub: ConsoleServer) -> ConsoleServer:
    # One server for the module: these tests do not depend on each other's data.
    return shared_console_hub


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["detail"]["code"]
    return code


def test_admin_manages_agents_and_teams(console_hub: ConsoleServer) -> None:
    admin, _ = console_hub.sign_in("admin")

    team = admin.post("/api/teams", json={"name": "Returns"})
    assert team.status_code == 201, team.text
    team_id = team.json()["id"]
    assert error_code(admin.post("/api/teams", json={"name": "Returns"})) == "team_exists"

    created = admin.post(
        "/api/agents",
        json={
            "email": "Robin@Demo.Shop",
            "name": "Robin",
            "password": "long enough pw",
            "role": "agent",
            "max_concurrent": 2,
            "team_ids": [team_id],
        },
    )
    assert created.status_code == 201, created.text
    robin = created.json()
    assert robin["email"] == "robin@demo.shop"
    assert robin["teams"] == [{"id": team_id, "name": "Returns"}]
    assert robin["status"] == "offline" and robin["load"] == 0

    again = admin.post(
        "/api/agents", json={"email": "robin@demo.shop", "name": "R", "password": "long enough pw"}
    )
    assert again.status_code == 409 and error_code(again) == "email_taken"
    weak = admin.post(
        "/api/agents", json={"email": "x@demo.shop", "name": "X", "password": "short"}
    )
    assert weak.status_code == 422
    assert weak.json()["detail"]["fields"][0]["field"] == "password"
    mistyped = admin.post(
        "/api/agents", json={"email": "robin@shop", "name": "R", "password": "long enough pw"}
    )
    assert mistyped.json()["detail"]["fields"] == [
        {"field": "email", "message": "must be an e-mail address such as name@shop.example"}
    ]
    ghost_team = admin.post(
        "/api/agents",
        json={"email": "y@demo.shop", "name": "Y", "password": "long enough pw", "team_ids": [999]},
    )
    assert ghost_team.status_code == 422 and "999" in ghost_team.json()["detail"]["message"]

    patched = admin.patch(
        f"/api/agents/{robin['id']}", json={"max_concurrent": 7, "role": "editor"}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["max_concurrent"], patched.json()["role"]) == (7, "editor")
    assert admin.patch(f"/api/agents/{robin['id']}", json={"max_concurrent": 0}).status_code == 422

    robin_client, _ = console_hub.sign_in(email="robin@demo.shop", password="long enough pw")
    assert robin_client.get("/api/auth/me").json()["role"] == "editor"
    assert admin.delete(f"/api/agents/{robin['id']}").status_code == 204
    # Deactivated: the running session and new sign-ins are refused, the account stays listed.
    assert robin_client.get("/api/auth/me").status_code == 401
    listed = {a["email"]: a for a in admin.get("/api/agents").json()}
    assert listed["robin@demo.shop"]["active"] is False

    renamed = admin.patch(f"/api/teams/{team_id}", json={"name": "Returns & refunds"})
    assert renamed.json()["name"] == "Returns & refunds"
    assert (
        error_code(admin.patch(f"/api/teams/{team_id}", json={"name": "Support"})) == "team_exists"
    )
    # A team's canned responses would go with it: that needs deciding first.
    canned = admin.post(
        "/api/canned-responses",
        json={
            "shortcut": "refund",
            "title": "Refund",
            "text": "Refunds take 5 days.",
            "team_id": team_id,
        },
    )
    in_use = admin.delete(f"/api/teams/{team_id}")
    assert in_use.status_code == 409 and error_code(in_use) == "team_in_use"
    assert admin.delete(f"/api/canned-responses/{canned.json()['id']}").status_code == 204
    assert admin.delete(f"/api/teams/{team_id}").status_code == 204
    assert all(t["id"] != team_id for t in admin.get("/api/teams").json())
    assert admin.delete(f"/api/teams/{team_id}").status_code == 404


def test_a_new_password_ends_the_agents_sessions_and_open_sockets(
    console_hub: ConsoleServer,
) -> None:
    """An admin sets a new password for an agent whose password leaked: the agent's
    running sessions end, HTTP and websocket alike (the socket hears of it at once, not
    at its next frame), and only the new password signs in."""
    admin, _ = console_hub.sign_in("admin")
    created = admin.post(
        "/api/agents",
        json={"email": "sam@demo.shop", "name": "Sam", "password": "first password"},
    )
    assert created.status_code == 201, created.text
    sam, body = console_hub.sign_in(email="sam@demo.shop", password="first password")
    socket = console_hub.agent_socket(body["token"])
    changed = admin.patch(
        f"/api/agents/{created.json()['id']}", json={"password": "second password"}
    )
    assert changed.status_code == 200, changed.text
    ended = socket.wait_for(lambda f: f["type"] == "error", timeout=3)
    assert ended["code"] == "bad_token" and ended["fatal"], ended
    assert sam.get("/api/auth/me").status_code == 401
    refused = httpx.post(
        f"{console_hub.url}/api/auth/login",
        json={"email": "sam@demo.shop", "password": "first password"},
        timeout=20,
    )
    assert refused.status_code == 401
    console_hub.sign_in(email="sam@demo.shop", password="second password")


def test_the_last_admin_cannot_be_demoted_or_deactivated(console_hub: ConsoleServer) -> None:
    admin, body = console_hub.sign_in("admin")
    admin_id = body["agent"]["id"]
    for change in ({"role": "agent"}, {"active": False}):
        response = admin.patch(f"/api/agents/{admin_id}", json=change)
        assert response.status_code == 409 and error_code(response) == "last_admin"
    assert admin.get("/api/auth/me").json()["role"] == "admin"


def test_roles_decide_who_writes(console_hub: ConsoleServer) -> None:
    agent, _ = console_hub.sign_in("agent")
    editor, _ = console_hub.sign_in("editor")
    # Every agent reads the directories (transfers need them) ...
    assert {t["name"] for t in agent.get("/api/teams").json()} >= {"Support", "Sales"}
    assert "password_hash" not in agent.get("/api/agents").json()[0]
    # ... but only admins change agents and teams, and editors canned responses.
    denied = [
        agent.post(
            "/api/agents", json={"email": "z@demo.shop", "name": "Z", "password": "long enough pw"}
        ),
        editor.post("/api/teams", json={"name": "Nope"}),
        agent.post("/api/canned-responses", json={"shortcut": "x", "title": "X", "text": "x"}),
        agent.patch("/api/agents/1", json={"max_concurrent": 50}),
    ]
    assert [r.status_code for r in denied] == [403, 403, 403, 403]
    assert all(error_code(r) == "forbidden" for r in denied)
    made = editor.post(
        "/api/canned-responses", json={"shortcut": "/Thanks", "title": "Thanks", "text": "Thanks!"}
    )
    assert made.status_code == 201 and made.json()["shortcut"] == "thanks"


def test_cookie_sessions_need_the_csrf_header(console_hub: ConsoleServer) -> None:
    with httpx.Client(base_url=console_hub.url) as browser_like:
        login = browser_like.post(
            "/api/auth/login", json={"email": "admin@demo.shop", "password": "demo-admin"}
        )
        assert login.status_code == 200
        forged = browser_like.post("/api/teams", json={"name": "Forged"})
        assert forged.status_code == 403 and error_code(forged) == "csrf_failed"
        ok = browser_like.post(
            "/api/teams", json={"name": "Real"}, headers={"X-CSRF-Token": login.json()["csrf"]}
        )
        assert ok.status_code == 201


def test_canned_responses_search_scope_and_render(console_hub: ConsoleServer) -> None:
    editor, _ = console_hub.sign_in("editor")
    agent, _ = console_hub.sign_in("agent")
    teams = {t["name"]: t["id"] for t in agent.get("/api/teams").json()}

    sales_only = editor.post(
        "/api/canned-responses",
        json={
            "shortcut": "discount",
            "title": "Discount",
            "text": "Use code SAVE10, {first_name}.",
            "team_id": teams["Sales"],
        },
    )
    assert sales_only.status_code == 201, sales_only.text
    unknown = editor.post(
        "/api/canned-responses", json={"shortcut": "bad", "title": "Bad", "text": "Hi {surname}"}
    )
    assert unknown.status_code == 422
    # The validator's own words, as the console shows them under the field.
    assert unknown.json()["detail"]["fields"][0]["message"].startswith(
        "unknown placeholder {surname}"
    )
    spaced = editor.post(
        "/api/canned-responses", json={"shortcut": "good bye", "title": "Bye", "text": "Bye"}
    )
    assert spaced.status_code == 422
    assert spaced.json()["detail"]["fields"] == [{
        "field": "shortcut",
        "message": "may hold only small letters, digits, - and _, and must start with a letter or digit",
    }]  # fmt: skip
    clash = editor.post(
        "/api/canned-responses", json={"shortcut": "hello", "title": "Again", "text": "Hi"}
    )
    assert clash.status_code == 409 and error_code(clash) == "shortcut_taken"

    # The Support agent does not see the Sales team's response; search matches shortcut, title, text.
    shortcuts = {c["shortcut"] for c in agent.get("/api/canned-responses").json()}
    assert "hello" in shortcuts and "discount" not in shortcuts
    assert [
        c["shortcut"] for c in agent.get("/api/canned-responses", params={"q": "/retu"}).json()
    ] == ["returns"]

    visitor, conversation_id = console_hub.shopper_asks_for_human()
    canned = {c["shortcut"]: c for c in agent.get("/api/canned-responses").json()}
    rendered = agent.post(
        f"/api/canned-responses/{canned['bye']['id']}/render",
        params={"conversation_id": conversation_id},
    )
    assert rendered.status_code == 200, rendered.text
    # An anonymous shopper has no name yet: the placeholder stays and is named as missing,
    # unless the response gives a fallback ("Hi {first_name|there}").
    assert rendered.json() == {"text": canned["bye"]["text"], "missing": ["first_name"]}
    greeted = agent.post(
        f"/api/canned-responses/{canned['hello']['id']}/render",
        params={"conversation_id": conversation_id},
    )
    assert greeted.json()["text"].startswith("Hi there, thanks for waiting!")

    order = next(c for c in agent.get("/api/canned-responses").json() if c["shortcut"] == "order")
    replaced = editor.put(
        f"/api/canned-responses/{order['id']}",
        json={
            "shortcut": "order",
            "title": "Order",
            "text": "{agent_name} here, checking {order_number}.",
        },
    )
    assert replaced.status_code == 200 and replaced.json()["placeholders"] == [
        "agent_name",
        "order_number",
    ]
    filled = agent.post(
        f"/api/canned-responses/{order['id']}/render", params={"conversation_id": conversation_id}
    )
    assert filled.json() == {
        "text": "Alex Agent here, checking {order_number}.",
        "missing": ["order_number"],
    }

    assert (
        agent.post(
            f"/api/canned-responses/{order['id']}/render", params={"conversation_id": 99999}
        ).status_code
        == 404
    )
    other_team = agent.post(
        f"/api/canned-responses/{sales_only.json()['id']}/render",
        params={"conversation_id": conversation_id},
    )
    assert other_team.status_code == 404
    assert editor.delete(f"/api/canned-responses/{order['id']}").status_code == 204
    assert (
        agent.post(
            f"/api/canned-responses/{order['id']}/render",
            params={"conversation_id": conversation_id},
        ).status_code
        == 404
    )
    visitor.close()
