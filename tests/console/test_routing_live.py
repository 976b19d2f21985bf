"""Routing against the real hub: handoffs reach the least-loaded online agent,
equals take turns, full agents wait, freed capacity takes the oldest waiting
conversation, an agent who goes offline loses their chats to the others."""

from __future__ import annotations

import httpx

from tests.console.console_helpers import ConsoleServer, assigned


def second_support_agent(
    console_hub: ConsoleServer, admin: httpx.Client, capacity: int
) -> tuple[int, str]:
    support = next(t["id"] for t in admin.get("/api/teams").json() if t["name"] == "Support")
    created = admin.post(
        "/api/agents",
        json={
            "email": "blair@demo.shop",
            "name": "Blair",
            "password": "long enough pw",
            "max_concurrent": capacity,
            "team_ids": [support],
        },
    )
    assert created.status_code == 201, created.text
    _, login = console_hub.sign_in(email="blair@demo.shop", password="long enough pw")
    return created.json()["id"], login["token"]


def test_least_loaded_round_robin_capacity_and_oldest_first(console_hub: ConsoleServer) -> None:
    admin, _ = console_hub.sign_in("admin")
    _, alex_login = console_hub.sign_in("agent")
    alex_id = alex_login["agent"]["id"]
    assert admin.patch(f"/api/agents/{alex_id}", json={"max_concurrent": 2}).status_code == 200
    blair_id, blair_token = second_support_agent(console_hub, admin, capacity=2)
    alex = console_hub.agent_socket(alex_login["token"])
    blair = console_hub.agent_socket(blair_token)

    # Four handoffs for two agents with room for two each: they alternate.
    shoppers = [console_hub.shopper_asks_for_human(f"help {n}") for n in range(4)]
    ids = [conversation_id for _, conversation_id in shoppers]
    assert alex.wait_for(assigned(ids[0], alex_id))
    assert blair.wait_for(assigned(ids[1], blair_id))
    assert alex.wait_for(assigned(ids[2], alex_id))
    assert blair.wait_for(assigned(ids[3], blair_id))

    # Everyone is full: the next two wait, oldest first in the queue.
    late = [console_hub.shopper_asks_for_human(f"late {n}")[1] for n in range(2)]
    queue = alex.wait_for(
        lambda f: f["type"] == "queue" and [c["id"] for c in f["waiting"]] == late
    )
    assert queue["waiting"][0]["handoff_reason"] == "visitor_request"

    # Alex resolves one: the oldest waiting conversation is his at once.
    assert alex.command("resolve", ids[0])["type"] == "result"
    assert alex.wait_for(assigned(late[0], alex_id))
    # Blair hands one back to the bot: the other waiting one goes to Blair.
    assert blair.command("release", ids[1])["type"] == "result"
    assert blair.wait_for(assigned(late[1], blair_id))


def test_away_agents_get_nothing_and_capacity_changes_take_effect(
    console_hub: ConsoleServer,
) -> None:
    admin, _ = console_hub.sign_in("admin")
    _, login = console_hub.sign_in("agent")
    alex_id = login["agent"]["id"]
    alex = console_hub.agent_socket(login["token"])
    assert alex.command("status", status="away")["data"] == {"status": "away"}

    _, waiting_id = console_hub.shopper_asks_for_human()
    alex.wait_for(
        lambda f: f["type"] == "queue" and [c["id"] for c in f["waiting"]] == [waiting_id]
    )
    assert alex.command("status", status="online")["type"] == "result"
    assert alex.wait_for(assigned(waiting_id, alex_id))

    # At capacity 1 the next one waits until an admin raises the limit.
    assert admin.patch(f"/api/agents/{alex_id}", json={"max_concurrent": 1}).status_code == 200
    _, second = console_hub.shopper_asks_for_human()
    alex.wait_for(lambda f: f["type"] == "queue" and [c["id"] for c in f["waiting"]] == [second])
    raised = admin.patch(f"/api/agents/{alex_id}", json={"max_concurrent": 3})
    assert raised.json()["load"] == 2  # assigned before the answer
    assert alex.wait_for(assigned(second, alex_id))


def test_an_offline_agents_conversations_go_to_someone_online(console_hub: ConsoleServer) -> None:
    admin, _ = console_hub.sign_in("admin")
    _, login = console_hub.sign_in("agent")
    alex_id = login["agent"]["id"]
    alex = console_hub.agent_socket(login["token"])
    visitor, conversation_id = console_hub.shopper_asks_for_human()
    alex.wait_for(assigned(conversation_id, alex_id))

    blair_id, blair_token = second_support_agent(console_hub, admin, capacity=2)
    blair = console_hub.agent_socket(blair_token)
    alex.close()  # the grace period in these tests is 0.3 s
    assert blair.wait_for(assigned(conversation_id, blair_id))
    # The shopper's conversation carries on with Blair.
    assert blair.message("Blair here, I'm taking over", conversation_id)["seq"] > 0
    visitor.wait_for(
        lambda f: f["type"] == "message" and f["message"]["text"] == "Blair here, I'm taking over"
    )


def test_deactivating_an_agent_hands_their_conversations_on(console_hub: ConsoleServer) -> None:
    admin, _ = console_hub.sign_in("admin")
    blair_id, blair_token = second_support_agent(console_hub, admin, capacity=2)
    blair = console_hub.agent_socket(blair_token)
    _, conversation_id = console_hub.shopper_asks_for_human()
    blair.wait_for(assigned(conversation_id, blair_id))

    _, login = console_hub.sign_in("agent")
    alex = console_hub.agent_socket(login["token"])
    # Blair's socket is still open, but the account is gone: Alex gets the shopper.
    assert admin.delete(f"/api/agents/{blair_id}").status_code == 204
    assert alex.wait_for(assigned(conversation_id, login["agent"]["id"]))
    listed = {a["id"]: a for a in admin.get("/api/agents").json()}
    assert listed[blair_id]["load"] == 0 and listed[blair_id]["active"] is False
