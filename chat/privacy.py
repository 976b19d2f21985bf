"""Personal data: export one contact, erase one contact, purge what is too old, redact text.

``redact`` is pure. The rest are storage calls over the core tables plus the
tables of any plugin that registered a ``ContactData`` owner (its own rows that
hold a contact's data, such as analytics text), so a plugin's data is exported,
erased and purged together with the core's. An erasure is audited with counts
only, never with what was erased. See docs/privacy.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from chat.bus import watch_database
from chat.db import utcnow
from chat.models import (
    AuditEntry,
    ConsentRecord,
    Contact,
    Conversation,
    CsatRating,
    Message,
    Order,
    ShopperEvent,
)
from chat.service import contact_channel

if TYPE_CHECKING:
    from chat.hub import Hub

__all__ = [
    "ERASED_ELSEWHERE",
    "ERASE_ACTION",
    "ContactData",
    "ContactExport",
    "ContactNotFound",
    "Erased",
    "ErasureReport",
    "PurgeReport",
    "erase_contact",
    "export_contact",
    "owners",
    "purge_older_than",
    "redact",
    "register",
    "secure_delete",
    "watch_erasures",
]

log = logging.getLogger("touchpoint.privacy")
# The audit action of an erasure (other processes without a shared bus watch for it).
ERASE_ACTION = "privacy.erase"
# Published within this process when ``watch_erasures`` sees another process's erasure:
# plugins empty what they keep of shoppers in memory.
ERASED_ELSEWHERE = "privacy.erased_elsewhere"
EXPORT_FORMAT = "touchpoint.contact-export/1"
# Rows deleted per statement and commit while purging, so a large purge never holds long locks.
PURGE_BATCH = 500
# What a contact's channel hears when it is erased: its open widgets close.
ERASED = {"kind": "erased"}


# ---- redaction (pure) --------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# 13 to 19 digits, optionally in groups split by single spaces or dashes: any payment card.
_CARD = re.compile(r"(?<![\w+])\d(?:[ \-]?\d){12,18}(?!\w)")
# A leading + or 00, or an area code in brackets, then digits split by spaces, dashes, brackets.
_PHONE = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d[\d \-()]{5,}\d(?!\w)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MIN_PHONE_DIGITS = 8
MIN_INTERNATIONAL_DIGITS = 7


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    international = found.startswith(("+", "(+", "00"))
    if _ISO_DATE.fullmatch(found.strip()) or digits > 15:
        return found
    if digits >= MIN_PHONE_DIGITS or (international and digits >= MIN_INTERNATIONAL_DIGITS):
        return "[phone]"
    return found


def redact(text: str) -> str:
    """``text`` with e-mail addresses, card-like numbers and phone numbers replaced.

    Used for everything kept for analytics and bot training. Order numbers and
    short numbers (quantities, prices, postcodes) stay: they carry the meaning
    of a question and identify nobody on their own.
    """
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub("[card]", text)
    return _PHONE.sub(_phone, text)


# ---- plugins' data -----------------------------------------------------------


@dataclass
class Erased:
    """What an owner removed for one contact; ``after_commit`` updates derived indexes."""

    rows: int
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


class ContactData(Protocol):
    """A plugin's rows that hold shoppers' data, registered with ``register``."""

    name: str

    async def export(self, db: AsyncSession, contact_id: str) -> list[dict[str, Any]]: ...

    async def erase(self, db: AsyncSession, contact_id: str) -> Erased: ...

    async def purge(self, db: AsyncSession, before: dt.datetime) -> int: ...


class _Owners:
    def __init__(self) -> None:
        self.owners: list[ContactData] = []


def register(hub: Hub, owner: ContactData) -> None:
    """Include ``owner``'s rows in every export, erasure and purge of this hub."""
    registry = hub.optional(_Owners)
    if registry is None:
        registry = _Owners()
        hub.provide(_Owners, registry)
    registry.owners.append(owner)


def owners(hub: Hub) -> list[ContactData]:
    registry = hub.optional(_Owners)
    return list(registry.owners) if registry else []


# ---- export ------------------------------------------------------------------


class ContactNotFound(LookupError):
    def __init__(self, contact_id: str) -> None:
        super().__init__(f"contact {contact_id} does not exist (or was erased)")
        self.contact_id = contact_id


class ExportedConsent(BaseModel):
    purpose: str
    granted: bool
    source: str
    at: dt.datetime


class ExportedEvent(BaseModel):
    kind: str
    url: str | None
    product_id: str | None
    data: dict[str, Any]
    conversation_id: int | None
    at: dt.datetime


class ExportedMessage(BaseModel):
    seq: int
    sender_kind: str
    content_type: str
    text: str
    payload: dict[str, Any] | None
    private: bool
    at: dt.datetime


class ExportedRating(BaseModel):
    score: int
    comment: str | None
    at: dt.datetime


class ExportedConversation(BaseModel):
    id: int
    status: str
    channel: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    handoff_reason: str | None
    handoff_context: dict[str, Any] | None
    # What the bot keeps of the conversation (e.g. an order number and e-mail it asked for).
    bot_state: dict[str, Any]
    rating: ExportedRating | None
    messages: list[ExportedMessage]


class ExportedOrder(BaseModel):
    id: str
    customer_id: str | None
    email: str
    status: str
    total: float
    currency: str
    items: list[Any]
    tracking_url: str | None
    return_status: str | None
    placed_at: dt.datetime
    updated_at: dt.datetime


class ExportedContact(BaseModel):
    id: str
    customer_id: str | None
    identity_verified: bool
    name: str | None
    email: str | None
    phone: str | None
    locale: str
    site: str | None = None
    attributes: dict[str, Any]
    consent_personalisation: bool | None
    created_at: dt.datetime
    last_seen_at: dt.datetime


class ContactExport(BaseModel):
    format: str = EXPORT_FORMAT
    exported_at: dt.datetime
    contact: ExportedContact
    consent_records: list[ExportedConsent]
    events: list[ExportedEvent]
    conversations: list[ExportedConversation]
    orders: list[ExportedOrder]
    # Rows of plugins (e.g. "bot_turns": the analytics kept of the shopper's questions).
    other: dict[str, list[dict[str, Any]]]


async def export_contact(
    db: AsyncSession, contact_id: str, *, extra: Sequence[ContactData] = ()
) -> ContactExport:
    """Everything stored about one contact, private agent notes included (marked ``private``)."""
    contact = await db.get(Contact, contact_id)
    if contact is None:
        raise ContactNotFound(contact_id)
    consents = await db.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.contact_id == contact_id)
        .order_by(ConsentRecord.id)
    )
    events = await db.scalars(
        select(ShopperEvent).where(ShopperEvent.contact_id == contact_id).order_by(ShopperEvent.id)
    )
    conversations = list(
        await db.scalars(
            select(Conversation)
            .where(Conversation.contact_id == contact_id)
            .order_by(Conversation.id)
        )
    )
    ids = [c.id for c in conversations]
    messages: dict[int, list[ExportedMessage]] = {i: [] for i in ids}
    ratings: dict[int, ExportedRating] = {}
    if ids:
        for m in await db.scalars(
            select(Message)
            .where(Message.conversation_id.in_(ids))
            .order_by(Message.conversation_id, Message.seq)
        ):
            messages[m.conversation_id].append(
                ExportedMessage(
                    seq=m.seq, sender_kind=m.sender_kind, content_type=m.content_type, text=m.text,
                    payload=m.payload, private=m.private, at=m.created_at,
                )
            )  # fmt: skip
        for r in await db.scalars(select(CsatRating).where(CsatRating.conversation_id.in_(ids))):
            ratings[r.conversation_id] = ExportedRating(
                score=r.score, comment=r.comment, at=r.created_at
            )
    return ContactExport(
        exported_at=utcnow(),
        contact=ExportedContact.model_validate(contact, from_attributes=True),
        consent_records=[
            ExportedConsent(purpose=c.purpose, granted=c.granted, source=c.source, at=c.created_at)
            for c in consents
        ],
        events=[
            ExportedEvent(
                kind=e.kind,
                url=e.url,
                product_id=e.product_id,
                data=e.data or {},
                conversation_id=e.conversation_id,
                at=e.created_at,
            )
            for e in events
        ],
        conversations=[
            ExportedConversation(
                id=c.id,
                status=c.status,
                channel=c.channel,
                created_at=c.created_at,
                resolved_at=c.resolved_at,
                handoff_reason=c.handoff_reason,
                handoff_context=c.handoff_context,
                bot_state=c.bot_state or {},
                rating=ratings.get(c.id),
                messages=messages[c.id],
            )
            for c in conversations
        ],
        orders=[
            ExportedOrder(
                id=o.id,
                customer_id=o.customer_id,
                email=o.email,
                status=o.status,
                total=float(o.total),
                currency=o.currency,
                items=o.items or [],
                tracking_url=o.tracking_url,
                return_status=o.return_status,
                placed_at=o.placed_at,
                updated_at=o.updated_at,
            )
            for o in await _orders_of(db, contact)
        ],
        other={owner.name: await owner.export(db, contact_id) for owner in extra},
    )


async def _orders_of(db: AsyncSession, contact: Contact) -> Sequence[Order]:
    # Only a verified customer id links orders to a contact; a typed-in e-mail proves nothing.
    if not (contact.identity_verified and contact.customer_id):
        return []
    query = select(Order).where(Order.customer_id == contact.customer_id).order_by(Order.placed_at)
    return (await db.scalars(query)).all()


# ---- erasure -----------------------------------------------------------------


class ErasureReport(BaseModel):
    contact_id: str
    conversations: int
    messages: int
    events: int
    consent_records: int
    ratings: int
    orders: int
    other: dict[str, int]


async def erase_contact(hub: Hub, contact_id: str, actor: str) -> ErasureReport:
    """Delete the contact and everything stored of it, in one transaction, then audit it.

    Plugins' rows go through their registered owners (which may also fix
    indexes derived from them once the transaction has committed). The audit
    entry holds the counts and the contact's random id, nothing erased.
    """
    async with hub.sessions() as db:
        contact = await db.get(Contact, contact_id)
        if contact is None:
            raise ContactNotFound(contact_id)
        other: dict[str, int] = {}
        follow_ups: list[Callable[[], Awaitable[None]]] = []
        for owner in owners(hub):
            erased = await owner.erase(db, contact_id)
            other[owner.name] = erased.rows
            follow_ups += erased.after_commit
        conversation_ids = list(
            await db.scalars(select(Conversation.id).where(Conversation.contact_id == contact_id))
        )
        removed = await _delete_conversations(db, conversation_ids)
        orders = [o.id for o in await _orders_of(db, contact)]
        report = ErasureReport(
            contact_id=contact_id,
            conversations=removed.conversations,
            messages=removed.messages,
            ratings=removed.ratings,
            events=await _rowcount(
                db, delete(ShopperEvent).where(ShopperEvent.contact_id == contact_id)
            ),
            consent_records=await _rowcount(
                db, delete(ConsentRecord).where(ConsentRecord.contact_id == contact_id)
            ),
            orders=await _rowcount(db, delete(Order).where(Order.id.in_(orders))) if orders else 0,
            other=other,
        )
        await _rowcount(db, delete(Contact).where(Contact.id == contact_id))
        db.add(
            AuditEntry(
                actor=actor,
                action=ERASE_ACTION,
                target=f"contact:{contact_id}",
                details=report.model_dump(exclude={"contact_id"}),
            )
        )
        await db.commit()
    # The shopper's open widget sockets (in every process sharing the bus) close.
    await hub.bus.publish(contact_channel(contact_id), ERASED)
    for follow_up in follow_ups:
        await follow_up()
    await _checkpoint(hub.engine)
    log.info("contact erased", extra={"actor": actor, **report.model_dump()})
    return report


async def watch_erasures(hub: Hub) -> None:
    """For a server without a shared bus: an erasure by another process (`touchpoint
    privacy erase`) shows only as its audit entry. Close the erased shoppers' widgets
    here too and tell the plugins (``ERASED_ELSEWHERE``). Runs until cancelled."""

    async def last_erasure() -> int:
        async with hub.sessions() as db:
            newest = await db.scalar(
                select(func.max(AuditEntry.id)).where(AuditEntry.action == ERASE_ACTION)
            )
        return newest or 0

    handled = await last_erasure()

    async def close_erased() -> bool:
        nonlocal handled
        async with hub.sessions() as db:
            entries = await db.execute(
                select(AuditEntry.id, AuditEntry.target)
                .where(AuditEntry.action == ERASE_ACTION, AuditEntry.id > handled)
                .order_by(AuditEntry.id)
            )
        erased = 0
        for entry_id, target in entries.tuples():
            # Sockets of a contact this process erased itself are closed already.
            await hub.bus.publish(contact_channel(target.removeprefix("contact:")), ERASED)
            handled, erased = entry_id, erased + 1
        if erased:
            await hub.bus.publish(ERASED_ELSEWHERE, {"erasures": erased})
        return True

    await watch_database(
        last_erasure,
        close_erased,
        seen=handled,
        every=hub.settings.erasure_watch_seconds,
        what="erasures",
    )


@dataclass(frozen=True)
class _Removed:
    conversations: int = 0
    messages: int = 0
    ratings: int = 0


async def _delete_conversations(db: AsyncSession, ids: Sequence[int]) -> _Removed:
    """Conversations with their messages and ratings; events keep only losing the link."""
    if not ids:
        return _Removed()
    await db.execute(
        update(ShopperEvent)
        .where(ShopperEvent.conversation_id.in_(ids))
        .values(conversation_id=None)
    )
    return _Removed(
        ratings=await _rowcount(db, delete(CsatRating).where(CsatRating.conversation_id.in_(ids))),
        messages=await _rowcount(db, delete(Message).where(Message.conversation_id.in_(ids))),
        conversations=await _rowcount(db, delete(Conversation).where(Conversation.id.in_(ids))),
    )


async def _rowcount(db: AsyncSession, statement: Any) -> int:
    result = await db.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _checkpoint(engine: AsyncEngine) -> None:
    """SQLite: copy the write-ahead log into the database file and empty it, so deleted
    rows do not linger in the log (deleted content itself is zeroed: ``secure_delete``)."""
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as conn:
        busy = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()[0]
    if busy:
        log.warning("write-ahead log still in use; it is emptied at a later checkpoint")


def secure_delete(engine: AsyncEngine) -> None:
    """SQLite keeps deleted rows in free pages until they are reused; zero them instead."""
    if engine.dialect.name != "sqlite":
        return

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    event.listen(engine.sync_engine, "connect", on_connect)


# ---- retention ---------------------------------------------------------------


class PurgeReport(BaseModel):
    before: dt.datetime
    conversations: int = 0
    messages: int = 0
    ratings: int = 0
    events: int = 0
    contacts: int = 0
    other: dict[str, int] = {}


Progress = Callable[[str, int], None]  # (what was purged, how many rows this batch)


async def purge_older_than(hub: Hub, days: int, *, progress: Progress | None = None) -> PurgeReport:
    """Delete conversations without activity for ``days``, events older than that, and
    contacts not seen for that long who have no conversation left; then plugins' rows."""
    if days < 1:
        raise ValueError("the retention period must be at least one day")
    before = utcnow() - dt.timedelta(days=days)
    report = PurgeReport(before=before)
    tick = progress or (lambda _what, _count: None)
    # Plugins first: their rows may hang off the conversations deleted below.
    for owner in owners(hub):
        async with hub.sessions() as db:
            count = await owner.purge(db, before)
            await db.commit()
        report.other[owner.name] = count
        tick(owner.name, count)
    while ids := await _ids(hub, select(Conversation.id).where(Conversation.updated_at < before)):
        async with hub.sessions() as db:
            removed = await _delete_conversations(db, ids)
            await db.commit()
        report.conversations += removed.conversations
        report.messages += removed.messages
        report.ratings += removed.ratings
        tick("conversations", removed.conversations)
    while ids := await _ids(hub, select(ShopperEvent.id).where(ShopperEvent.created_at < before)):
        async with hub.sessions() as db:
            count = await _rowcount(db, delete(ShopperEvent).where(ShopperEvent.id.in_(ids)))
            await db.commit()
        report.events += count
        tick("events", count)
    idle = select(Contact.id).where(
        Contact.last_seen_at < before,
        ~select(Conversation.id).where(Conversation.contact_id == Contact.id).exists(),
    )
    while ids := await _ids(hub, idle):
        async with hub.sessions() as db:
            await db.execute(delete(ConsentRecord).where(ConsentRecord.contact_id.in_(ids)))
            await db.execute(delete(ShopperEvent).where(ShopperEvent.contact_id.in_(ids)))
            count = await _rowcount(db, delete(Contact).where(Contact.id.in_(ids)))
            await db.commit()
        report.contacts += count
        tick("contacts", count)
    await _checkpoint(hub.engine)
    log.info("retention purge", extra=report.model_dump(mode="json"))
    return report


async def _ids(hub: Hub, query: Any) -> list[Any]:
    async with hub.sessions() as db:
        return list(await db.scalars(query.limit(PURGE_BATCH)))
