"""The shop's back end pushes orders and commerce events here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from chat.api.deps import AdminAgent, DbSession, HubDep
from chat.models import AuditEntry, Contact, Order

router = APIRouter(prefix="/api", tags=["orders"])


class OrderIn(BaseModel):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    customer_id: Annotated[str, Field(max_length=128)] | None = None
    email: Annotated[str, Field(min_length=3, max_length=320)]
    status: Annotated[str, Field(min_length=1, max_length=32)]
    total: Annotated[float, Field(ge=0)]
    currency: Annotated[str, Field(min_length=3, max_length=3)] = "EUR"
    items: list[dict[str, Any]] = []
    tracking_url: Annotated[str, Field(max_length=2048, pattern=r"^https?://")] | None = None
    return_status: Annotated[str, Field(max_length=32)] | None = None
    placed_at: dt.datetime | None = None


class EventIn(BaseModel):
    contact_id: str
    kind: Annotated[str, Field(pattern=r"^(page_view|product_view|add_to_cart|order)$")]
    url: Annotated[str, Field(max_length=2048)] | None = None
    product_id: Annotated[str, Field(max_length=128)] | None = None
    data: dict[str, Any] = {}


@router.post("/orders")
async def upsert_orders(orders: list[OrderIn], agent: AdminAgent, db: DbSession) -> dict[str, int]:
    """Create or update orders by order number; all or nothing."""
    created = updated = 0
    for incoming in orders:
        values = incoming.model_dump(exclude_none=True)
        existing = await db.get(Order, incoming.id)
        if existing is None:
            db.add(Order(**values))
            created += 1
        else:
            for key, value in values.items():
                setattr(existing, key, value)
            updated += 1
    db.add(
        AuditEntry(
            actor=agent.email,
            action="orders.upsert",
            target="orders",
            details={"created": created, "updated": updated},
        )
    )
    await db.commit()
    return {"created": created, "updated": updated}


@router.post("/events", status_code=202)
async def record_event(
    event: EventIn, _agent: AdminAgent, hub: HubDep, db: DbSession
) -> dict[str, str]:
    if await db.get(Contact, event.contact_id) is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail={"code": "not_found", "message": f"contact {event.contact_id} does not exist"},
        )
    await hub.conversations.record_event(
        event.contact_id,
        kind=event.kind,
        url=event.url,
        product_id=event.product_id,
        data=event.data,
    )
    return {"status": "recorded"}
