"""The shopper profile the agent sees next to a conversation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel
from sqlalchemy import select

from chat import storage
from chat.api.deps import CurrentAgent, DbSession
from chat.models import ConsentRecord, Contact, Order, ShopperEvent

router = APIRouter(prefix="/api/contacts", tags=["contacts"])

VISIT_GAP = dt.timedelta(minutes=30)
HIGH_VALUE_TOTAL = 500.0
REGULAR_ORDERS = 3


class Profile(BaseModel):
    id: str
    name: str | None
    email: str | None
    customer_id: str | None
    identity_verified: bool
    locale: str
    attributes: dict[str, Any]
    consent_personalisation: bool | None
    consent_records: list[dict[str, Any]]
    segment: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    current_page: str | None
    # Visit history is shown only with the shopper's consent to personalisation.
    browsing_hidden: bool
    pages: list[dict[str, Any]]
    products_viewed: list[dict[str, Any]]
    cart: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    conversations: list[dict[str, Any]]


def segment_of(*, orders: int, total_spent: float, conversations: int) -> str:
    """new / returning / regular buyer / high-value, from what the shop knows."""
    if total_spent >= HIGH_VALUE_TOTAL:
        return "high_value"
    if orders >= REGULAR_ORDERS:
        return "regular"
    if orders or conversations > 1:
        return "returning"
    return "new"


def current_visit(events: list[ShopperEvent]) -> list[ShopperEvent]:
    """The newest run of events without a 30-minute pause (events come newest first)."""
    visit: list[ShopperEvent] = []
    for event in events:
        if visit and _aware(visit[-1].created_at) - _aware(event.created_at) > VISIT_GAP:
            break
        visit.append(event)
    return visit


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def cart_of(visit: list[ShopperEvent]) -> list[dict[str, Any]]:
    cart: list[dict[str, Any]] = []
    for event in reversed(visit):  # oldest first
        if event.kind == "order":
            cart.clear()
        elif event.kind == "add_to_cart":
            cart.append({"product_id": event.product_id, **event.data})
    return cart


@router.get("/{contact_id}", response_model=Profile)
async def profile(contact_id: str, agent: CurrentAgent, db: DbSession) -> Profile:
    """For agents who may see one of the contact's conversations, if it has any (admins:
    any contact): another team's shopper stays theirs."""
    contact = await db.get(Contact, contact_id)
    if contact is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail={"code": "not_found", "message": f"contact {contact_id} does not exist"},
        )
    every = await storage.conversations_of_contact(db, contact_id=contact.id, limit=500)
    conversations = [c for c in every if storage.may_see(agent, c)][:50]
    if every and not conversations and agent.role != "admin":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={
                "code": "forbidden",
                "message": "this shopper's conversations belong to teams you are not in",
            },
        )
    visit = current_visit(await storage.recent_events(db, contact_id=contact.id))
    orders: list[Order] = []
    if contact.identity_verified and contact.customer_id:
        orders = await storage.orders_of_customer(db, customer_id=contact.customer_id)
    consents = (
        await db.execute(
            select(ConsentRecord)
            .where(ConsentRecord.contact_id == contact.id)
            .order_by(ConsentRecord.id)
        )
    ).scalars()
    page_views = [e for e in visit if e.kind == "page_view"]
    # Where the shopper is now and the cart serve the support request itself;
    # the trail of pages and products viewed is personal profiling and needs consent.
    history = visit if contact.consent_personalisation else []
    return Profile(
        id=contact.id,
        name=contact.name,
        email=contact.email,
        customer_id=contact.customer_id if contact.identity_verified else None,
        identity_verified=contact.identity_verified,
        locale=contact.locale,
        attributes=contact.attributes or {},
        consent_personalisation=contact.consent_personalisation,
        consent_records=[
            {"purpose": c.purpose, "granted": c.granted, "source": c.source, "at": c.created_at}
            for c in consents
        ],
        segment=segment_of(
            orders=len(orders),
            total_spent=float(sum(o.total for o in orders)),
            conversations=len(every),
        ),
        created_at=contact.created_at,
        last_seen_at=contact.last_seen_at,
        current_page=page_views[0].url if page_views else None,
        browsing_hidden=not contact.consent_personalisation,
        pages=[
            {"url": e.url, "title": e.data.get("title"), "at": e.created_at}
            for e in history
            if e.kind == "page_view"
        ],
        products_viewed=[
            {"product_id": e.product_id, **e.data, "at": e.created_at}
            for e in history
            if e.kind == "product_view"
        ],
        cart=cart_of(visit),
        orders=[
            {
                "id": o.id,
                "status": o.status,
                "total": float(o.total),
                "currency": o.currency,
                "items": o.items,
                "tracking_url": o.tracking_url,
                "return_status": o.return_status,
                "placed_at": o.placed_at,
            }
            for o in orders
        ],
        conversations=[
            {
                "id": c.id,
                "status": c.status,
                "created_at": c.created_at,
                "handoff_reason": c.handoff_reason,
            }
            for c in conversations
        ],
    )
