"""Privacy in the hub: the bot turns as a contact's data, and the admin REST API
(search, export, erase, purge, audit log). The work itself is chat/privacy.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from agents_console._storage import audit
from agents_console.insights import _storage
from agents_console.insights._gaps import normalise
from agents_console.insights._settings import InsightsSettings
from chat import privacy
from chat.api.deps import AdminAgent, DbSession, HubDep
from chat.hub import Hub
from chat.models import AuditEntry
from knowledge import Faq, KnowledgeService

log = logging.getLogger("touchpoint.insights")
ERASURE_ACTOR = "privacy-erasure"


class TurnData:
    """The bot turns hold a shopper's questions (redacted), and an FAQ published from a
    gap may hold them as variants: both go when the shopper is erased."""

    name = "bot_turns"

    def __init__(self, hub: Hub, forget: Callable[[set[str]], Awaitable[None]]) -> None:
        self.hub = hub
        self.forget = forget  # drops the texts from in-memory caches (the gap vectors)

    async def export(self, db: AsyncSession, contact_id: str) -> list[dict[str, Any]]:
        return [
            {
                "question": t.question,
                "action": t.action,
                "faq_id": t.faq_id,
                "at": t.created_at.isoformat(),
            }
            for t in await _storage.turns_of_contact(db, contact_id=contact_id)
        ]

    async def erase(self, db: AsyncSession, contact_id: str) -> privacy.Erased:
        turns = await _storage.turns_of_contact(db, contact_id=contact_id)
        texts = {t.question for t in turns}
        published = {t.closed_by_faq for t in turns if t.closed_by_faq}
        rows = await _storage.delete_turns(db, ids=[t.id for t in turns])

        async def after_commit() -> None:
            await self.forget(texts)
            await self._strip_faqs(published, texts)

        return privacy.Erased(rows=rows, after_commit=[after_commit])

    async def purge(self, db: AsyncSession, before: dt.datetime) -> int:
        return await _storage.delete_turns_before(db, before=before)

    async def _strip_faqs(self, faq_ids: set[str], texts: set[str]) -> None:
        """Remove the erased questions from FAQs drafted from them, in the database and index."""
        service = self.hub.optional(KnowledgeService)
        if service is None or not faq_ids:
            return
        gone = {normalise(t) for t in texts}
        for faq_id in sorted(faq_ids):
            faq = service.kb.get_faq(faq_id)
            if faq is None:
                continue
            stripped = without_texts(faq, gone)
            if stripped != faq:
                await service.upsert(stripped, actor=ERASURE_ACTOR)
        # The saved vectors are keyed by text: rewrite them now, not in a few seconds.
        await service.flush()


def without_texts(faq: Faq, gone: set[str]) -> Faq:
    """``faq`` without variants in ``gone``; a question in ``gone`` gives way to a variant."""
    variants = [v for v in faq.variants if normalise(v) not in gone]
    question = faq.question
    if normalise(question) in gone and variants:
        question = variants.pop(0)
    return faq.model_copy(update={"question": question, "variants": variants})


# ---- REST ---------------------------------------------------------------------

router = APIRouter(prefix="/api/privacy", tags=["privacy"])


def _error(code: int, key: str, message: str) -> HTTPException:
    return HTTPException(code, detail={"code": key, "message": message})


class ContactHit(BaseModel):
    id: str
    name: str | None
    email: str | None
    customer_id: str | None
    identity_verified: bool
    consent_personalisation: bool | None
    created_at: dt.datetime
    last_seen_at: dt.datetime


class PurgeIn(BaseModel):
    days: Annotated[int, Field(ge=1, le=36500)] | None = Field(
        None, description="default: TOUCHPOINT_RETENTION_DAYS"
    )


class AuditOut(BaseModel):
    id: int
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    created_at: dt.datetime


class Retention(BaseModel):
    days: int | None
    interval_seconds: float


@router.get("/contacts", response_model=list[ContactHit])
async def find_contacts(
    _admin: AdminAgent,
    db: DbSession,
    q: Annotated[
        str, Query(min_length=2, max_length=320, description="id, customer id, e-mail or name")
    ],
) -> list[ContactHit]:
    rows = await _storage.find_contacts(db, term=q.strip(), limit=20)
    return [ContactHit.model_validate(c, from_attributes=True) for c in rows]


@router.get("/contacts/{contact_id}/export", response_model=privacy.ContactExport)
async def export(contact_id: str, admin: AdminAgent, hub: HubDep, db: DbSession) -> JSONResponse:
    """Everything stored about the contact, as a JSON download. Audited."""
    try:
        data = await privacy.export_contact(db, contact_id, extra=privacy.owners(hub))
    except privacy.ContactNotFound as exc:
        raise _error(status.HTTP_404_NOT_FOUND, "not_found", str(exc)) from None
    audit(
        db, actor=admin, action="privacy.export", target=f"contact:{contact_id}",
        details={"conversations": len(data.conversations), "events": len(data.events)},
    )  # fmt: skip
    await db.commit()
    log.info("contact exported", extra={"contact_id": contact_id, "by": admin.id})
    return JSONResponse(
        data.model_dump(mode="json"),
        headers={"Content-Disposition": f'attachment; filename="contact-{contact_id}.json"'},
    )


@router.delete("/contacts/{contact_id}", response_model=privacy.ErasureReport)
async def erase(
    contact_id: str,
    admin: AdminAgent,
    hub: HubDep,
    db: DbSession,
    force: Annotated[bool, Query(description="erase even while a conversation is open")] = False,
) -> privacy.ErasureReport:
    """Delete the contact and all its data (messages, events, analytics); audited without it."""
    actor = f"agent:{admin.id}"
    open_ids = await _storage.conversations_with_agents(db, contact_id=contact_id)
    # The erasure runs in its own transaction; an open read here would hold up its checkpoint.
    await db.rollback()
    if open_ids and not force:
        raise _error(
            status.HTTP_409_CONFLICT,
            "conversation_open",
            f"an agent is on conversation {open_ids[0]} with this contact; resolve it first or erase with force=true",
        )
    try:
        return await privacy.erase_contact(hub, contact_id, actor=actor)
    except privacy.ContactNotFound as exc:
        raise _error(status.HTTP_404_NOT_FOUND, "not_found", str(exc)) from None


@router.post("/purge", response_model=privacy.PurgeReport)
async def purge(body: PurgeIn, admin: AdminAgent, hub: HubDep) -> privacy.PurgeReport:
    """Run the retention purge now (it also runs on a schedule)."""
    days = body.days or hub.require(InsightsSettings).retention_days
    if days is None:
        raise _error(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "no_retention",
            "no retention period is configured (TOUCHPOINT_RETENTION_DAYS); give days",
        )
    return await run_purge(hub, days, actor=f"agent:{admin.id}")


async def run_purge(
    hub: Hub, days: int, *, actor: str, progress: privacy.Progress | None = None
) -> privacy.PurgeReport:
    """Purge and audit what went (when anything did)."""
    report = await privacy.purge_older_than(hub, days, progress=progress)
    removed = report.model_dump(mode="json", exclude={"before"})
    if any(removed["other"].values()) or any(v for k, v in removed.items() if k != "other"):
        async with hub.sessions() as db:
            db.add(
                AuditEntry(
                    actor=actor,
                    action="privacy.purge",
                    target=f"older_than:{days}d",
                    details=removed,
                )
            )
            await db.commit()
    return report


@router.get("/audit", response_model=list[AuditOut])
async def audit_log(
    _admin: AdminAgent,
    db: DbSession,
    action: Annotated[
        str | None, Query(max_length=64, description='a prefix, e.g. "privacy." or "agent."')
    ] = None,
    before_id: Annotated[
        int | None, Query(ge=1, description="page: entries older than this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditOut]:
    entries = await _storage.audit_entries(db, action=action, before_id=before_id, limit=limit)
    return [AuditOut.model_validate(entry, from_attributes=True) for entry in entries]


@router.get("/retention", response_model=Retention)
async def retention(_admin: AdminAgent, hub: HubDep) -> Retention:
    settings = hub.require(InsightsSettings)
    return Retention(days=settings.retention_days, interval_seconds=settings.purge_interval_seconds)
