"""Demo data for `touchpoint serve --demo`: agents, teams, canned responses,
shoppers and a few past conversations. Seeds only an empty store."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from chat.auth import hash_password
from chat.db import utcnow
from chat.models import (
    Agent,
    CannedResponse,
    Contact,
    Conversation,
    CsatRating,
    Message,
    ShopperEvent,
    Team,
)

if TYPE_CHECKING:
    from chat.hub import Hub

log = logging.getLogger("touchpoint.demo")

DEMO_AGENTS = [
    # email, password, name, role, teams
    ("agent@demo.shop", "demo-agent", "Alex Agent", "agent", ["Support"]),
    ("sales@demo.shop", "demo-sales", "Sam Sales", "agent", ["Sales"]),
    ("editor@demo.shop", "demo-editor", "Erin Editor", "editor", ["Support"]),
    ("admin@demo.shop", "demo-admin", "Ada Admin", "admin", ["Support", "Sales"]),
]
CANNED = [
    # A fallback where the shopper is anonymous; "bye" leaves the name to fill in by hand.
    ("hello", "Greeting", "Hi {first_name|there}, thanks for waiting! How can I help you today?"),
    ("order", "Order status", "Let me check order {order_number} for you, one moment please."),
    (
        "returns",
        "Returns",
        "You can return any item within 30 days; the return label is in your order e-mail.",
    ),
    ("bye", "Goodbye", "Thanks for chatting with us, {first_name}. Have a lovely day!"),
]


async def seed_core(hub: Hub) -> None:
    async with hub.sessions() as db:
        if await db.scalar(select(func.count()).select_from(Agent)):
            return
        teams = {name: Team(name=name) for name in ("Support", "Sales")}
        db.add_all(teams.values())
        for email, password, name, role, team_names in DEMO_AGENTS:
            db.add(
                Agent(
                    email=email,
                    name=name,
                    password_hash=hash_password(password),
                    role=role,
                    max_concurrent=4,
                    teams=[teams[t] for t in team_names],
                )
            )
        for shortcut, title, text in CANNED:
            db.add(CannedResponse(shortcut=shortcut, title=title, text=text))
        await _seed_history(db)
        await db.commit()
    log.info("demo data seeded", extra={"agents": len(DEMO_AGENTS)})


async def _seed_history(db: object) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(db, AsyncSession)
    now = utcnow()
    anna = Contact(
        customer_id="cust-1001",
        identity_verified=True,
        name="Anna Schmidt",
        email="anna@example.com",
        locale="de",
        consent_personalisation=True,
        attributes={"newsletter": True},
        created_at=now - dt.timedelta(days=120),
    )
    ben = Contact(
        customer_id="cust-1002",
        identity_verified=True,
        name="Ben Carter",
        email="ben@example.com",
        locale="en",
        consent_personalisation=False,
        created_at=now - dt.timedelta(days=40),
    )
    db.add_all([anna, ben])
    await db.flush()
    past = [
        (
            anna,
            9,
            [
                ("visitor", "Wie lange dauert der Versand nach Österreich?"),
                ("bot", "Nach Österreich liefern wir in 3–5 Werktagen."),
            ],
            None,
        ),
        (
            ben,
            3,
            [
                ("visitor", "My kettle arrived damaged"),
                ("agent", "Sorry to hear that! I have sent you a free replacement."),
            ],
            5,
        ),
    ]
    for contact, days_ago, lines, score in past:
        started = now - dt.timedelta(days=days_ago)
        conversation = Conversation(
            contact_id=contact.id,
            status="resolved",
            created_at=started,
            resolved_at=started + dt.timedelta(minutes=12),
            last_seq=len(lines),
        )
        db.add(conversation)
        await db.flush()
        for seq, (kind, text) in enumerate(lines, start=1):
            db.add(
                Message(
                    conversation_id=conversation.id,
                    seq=seq,
                    sender_kind=kind,
                    sender_id=contact.id if kind == "visitor" else None,
                    text=text,
                    created_at=started + dt.timedelta(minutes=seq),
                )
            )
        if score:
            db.add(CsatRating(conversation_id=conversation.id, score=score))
        db.add(
            ShopperEvent(contact_id=contact.id, kind="page_view", url="/demo/", created_at=started)
        )
