"""The supervisors' *All open* list over real HTTP: only admins get it, it lists
every open conversation with its last words and how long the shopper waits, and
its cost does not grow with the number of conversations."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import event

from tests.console.console_helpers import ConsoleServer, add_open_conversations, assigned

OPEN = "/api/open-conversations"


def by_id(listing: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {c["id"]: c for c in listing["conversations"]}


def test_only_admins_may_list_every_open_conversation(console_hub: ConsoleServer) -> None:
    agent_http, agent_login = console_hub.sign_in("agent")  # team Support only
    agent_id = agent_login["agent"]["id"]
    agent = console_hub.agent_socket(agent_login["token"])
    admin_http, _ = console_hub.sign_in("admin")
    sales_team = next(t["id"] for t in admin_http.get("/api/teams").json() if t["name"] == "Sales")

    # One with the bot (this hub has none to answer), one queued for Sales (nobody of
    # Sales online), one assigned to Alex who has not answered, one Alex answered.
    with_bot = console_hub.visitor_socket()
    bot_id = with_bot.message("just looking around")["conversation_id"]
    for_sales, sales_id = console_hub.shopper_asks_for_human("a question for sales")
    agent.wait_for(assigned(sales_id, agent_id))
    assert agent.command("transfer", sales_id, team_id=sales_team)["type"] == "result"
    unanswered, unanswered_id = console_hub.shopper_asks_for_human("hello? anyone?")
    agent.wait_for(assigned(unanswered_id, agent_id))
    answered, answered_id = console_hub.shopper_asks_for_human("where is my parcel")
    agent.wait_for(assigned(answered_id, agent_id))
    agent.message("Let me look", answered_id)
    agent.message("note: check carrier", answered_id, private=True)
    done, done_id = console_hub.shopper_asks_for_human("thanks, bye")
    agent.wait_for(assigned(done_id, agent_id))
    assert agent.command("resolve", done_id)["type"] == "result"

    # Agents and editors are refused, whatever their teams; so is anyone not signed in.
    for who in ("agent", "sales", "editor"):
        http = agent_http if who == "agent" else console_hub.sign_in(who)[0]
        refused = http.get(OPEN)
        assert refused.status_code == 403, (who, refused.text)
        assert refused.json()["detail"]["code"] == "forbidden"
    assert httpx.get(f"{console_hub.url}{OPEN}").status_code == 401
    visitor_token = with_bot.welcome["visitor_token"]
    for headers in (
        {"Authorization": f"Bearer {visitor_token}"},
        {"X-Visitor-Token": visitor_token},
    ):
        assert httpx.get(f"{console_hub.url}{OPEN}", headers=headers).status_code == 401
    # What agents already get instead is limited to their teams: the Sales one is not theirs.
    theirs = {c["id"] for c in agent_http.get("/api/conversations").json()}
    assert {unanswered_id, answered_id} <= theirs and sales_id not in theirs
    assert agent_http.get(f"/api/conversations/{sales_id}").status_code == 403

    response = admin_http.get(OPEN)
    assert response.status_code == 200, response.text
    listing = response.json()
    assert listing["truncated"] is False
    rows = by_id(listing)
    assert {bot_id, sales_id, unanswered_id, answered_id} <= set(rows)
    assert done_id not in rows
    assert all(row["status"] in ("bot", "queued", "assigned") for row in rows.values())

    assert rows[bot_id]["status"] == "bot"
    assert rows[bot_id]["last_message"]["text"] == "just looking around"
    assert rows[bot_id]["waiting_since"] is not None  # nothing answered them

    sales = rows[sales_id]
    assert (sales["status"], sales["team_id"], sales["assignee_id"]) == ("queued", sales_team, None)
    # Waiting since they asked, before the queue took them; nobody has answered.
    assert sales["last_message"]["sender_kind"] == "visitor"
    assert sales["waiting_since"] == sales["last_message"]["created_at"]
    assert sales["waiting_since"] < sales["queued_at"]

    assert (rows[unanswered_id]["status"], rows[unanswered_id]["assignee_id"]) == (
        "assigned",
        agent_id,
    )
    assert rows[unanswered_id]["waiting_since"] is not None
    assert rows[unanswered_id]["last_message"]["text"] == "hello? anyone?"

    # Answered: not waiting; the last words are Alex's, not the private note.
    last = rows[answered_id]["last_message"]
    assert (last["sender_kind"], last["sender_id"], last["text"]) == (
        "agent",
        str(agent_id),
        "Let me look",
    )
    assert rows[answered_id]["waiting_since"] is None
    # The shopper writes again: waiting since that message.
    answered.message("it has been a week", answered_id)
    again = by_id(admin_http.get(OPEN).json())[answered_id]
    assert again["last_message"]["text"] == "it has been a week"
    assert again["waiting_since"] == again["last_message"]["created_at"]

    truncated = admin_http.get(OPEN, params={"limit": 2}).json()
    assert truncated["truncated"] is True and len(truncated["conversations"]) == 2
    for socket in (with_bot, for_sales, unanswered, answered, done):
        socket.close()


def test_several_hundred_open_conversations_take_a_few_queries(
    console_hub: ConsoleServer,
) -> None:
    admin_http, _ = console_hub.sign_in("admin")
    before = len(admin_http.get(OPEN).json()["conversations"])
    add_open_conversations(console_hub.server.settings, 600)

    statements: list[str] = []
    parameters: list[int] = []

    def count(*args: Any) -> None:
        statements.append(args[2])
        parameters.append(len(args[3]) if isinstance(args[3], tuple | list | dict) else 0)

    engine = console_hub.server.hub.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        listing = admin_http.get(OPEN).json()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    rows = [c for c in listing["conversations"] if c["contact_id"].startswith("bulk-")]
    assert len(listing["conversations"]) == before + 600 and len(rows) == 600
    assert all(row["last_message"]["text"].startswith("question ") for row in rows)
    assert rows[0]["contact_name"] == "Bulk Shopper 0"
    # With the bot, the bot's answer counts; waiting for a person, only a person's.
    with_bot, queued = rows[0], rows[1]
    assert with_bot["waiting_since"] == with_bot["last_message"]["created_at"]
    assert queued["waiting_since"] == queued["queued_at"]
    # The session check, the conversations, their last words, the unanswered messages:
    # not one query per conversation.
    listing_queries = [s for s in statements if "messages" in s or "conversations" in s]
    assert len(listing_queries) <= 4, listing_queries
    assert len(statements) <= 10, statements
    # Nor a bound parameter per conversation (databases cap them: SQLite at 32766).
    assert max(parameters) < 20, parameters


def test_the_conversation_list_reads_its_contacts_in_one_query(
    console_hub: ConsoleServer,
) -> None:
    admin_http, _ = console_hub.sign_in("admin")
    add_open_conversations(console_hub.server.settings, 300)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = console_hub.server.hub.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        listed = admin_http.get("/api/conversations", params={"limit": 300})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert listed.status_code == 200 and len(listed.json()) == 300
    bulk = [c for c in listed.json() if c["contact_id"].startswith("bulk-")]
    assert bulk and all(c["contact"]["name"].startswith("Bulk Shopper ") for c in bulk)
    # It made one query per conversation for its contact.
    contact_queries = [s for s in statements if "FROM contacts" in s]
    assert len(contact_queries) <= 1, len(contact_queries)
