"""The insights REST API under /api/insights: analytics, knowledge gaps, the bot preview
and the guided-selling flows. Editors and admins only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, Field

from agents_console._storage import audit
from agents_console.insights import _storage
from agents_console.insights._clusters import GapFinder
from agents_console.insights._flows import FlowBook, FlowIn, FlowOut, definition
from agents_console.insights._gaps import Cluster, FaqDraft, draft_faq, normalise, wordings
from agents_console.insights._metrics import (
    ASSIST_WINDOW,
    CSV_TABLES,
    Report,
    bounds,
    report,
    to_csv,
)
from agents_console.insights._preview import Preview, PreviewIn, answer_now, preview
from bot import Runtime
from chat.api.deps import DbSession, EditorAgent, HubDep
from knowledge import Faq, FilterError, KnowledgeService

log = logging.getLogger("touchpoint.insights")
router = APIRouter(prefix="/api/insights", tags=["insights"])
MAX_DAYS = 366
UNKNOWN_WORDS = 5  # per gap cluster
DEFAULT_DAYS = 30


def _error(code: int, key: str, message: str) -> HTTPException:
    return HTTPException(code, detail={"code": key, "message": message})


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    timezone: str

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return bounds(self.start, self.end, self.timezone)


def period(
    start: Annotated[
        dt.date | None, Query(description="first day (default: 29 days before end)")
    ] = None,
    end: Annotated[dt.date | None, Query(description="last day, included (default: today)")] = None,
    tz: Annotated[
        str, Query(max_length=64, description="IANA time zone of the days, e.g. Europe/Berlin")
    ] = "UTC",
) -> Period:
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise _error(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid_timezone",
            f"unknown time zone {tz!r}; use an IANA name such as Europe/Berlin or UTC",
        ) from None  # fmt: skip
    end = end or dt.datetime.now(zone).date()
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise _error(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid_period", "start must not be after end"
        )
    if (end - start).days >= MAX_DAYS:
        raise _error(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "invalid_period",
            f"choose at most {MAX_DAYS} days",
        )
    return Period(start, end, tz)


PeriodDep = Annotated[Period, Depends(period)]


def get_knowledge(hub: HubDep) -> KnowledgeService:
    return hub.require(KnowledgeService)


def get_gaps(hub: HubDep) -> GapFinder:
    return hub.require(GapFinder)


def get_flows(hub: HubDep) -> FlowBook:
    return hub.require(FlowBook)


def get_runtime(hub: HubDep) -> Runtime:
    return hub.require(Runtime)


Knowledge = Annotated[KnowledgeService, Depends(get_knowledge)]
Gaps = Annotated[GapFinder, Depends(get_gaps)]
Flows = Annotated[FlowBook, Depends(get_flows)]
BotRuntime = Annotated[Runtime, Depends(get_runtime)]


# ---- analytics ----------------------------------------------------------------


async def _report(p: Period, db: DbSession, knowledge: KnowledgeService) -> Report:
    since, until = p.bounds
    rows = await _storage.analytics_rows(
        db, since=since, until=until, turns_since=since - ASSIST_WINDOW
    )
    result = report(rows, start=p.start, end=p.end, timezone=p.timezone)
    kb = knowledge.kb
    for faq in result.top_faqs:
        found = kb.get_faq(faq.faq_id)
        faq.question = found.question if found else None
    for product in result.products:
        found_product = kb.get_product(product.product_id)
        product.title = found_product.title if found_product else None
    return result


@router.get("/analytics", response_model=Report)
async def analytics(
    _editor: EditorAgent, p: PeriodDep, db: DbSession, knowledge: Knowledge
) -> Report:
    """Conversations, containment, handoffs, response times, CSAT, FAQs and products of a period."""
    return await _report(p, db, knowledge)


@router.get("/analytics.csv", response_class=Response)
async def analytics_csv(
    _editor: EditorAgent,
    p: PeriodDep,
    db: DbSession,
    knowledge: Knowledge,
    table: Annotated[str, Query(description=f"one of {', '.join(CSV_TABLES)}")] = "daily",
) -> Response:
    if table not in CSV_TABLES:
        raise _error(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "invalid_table",
            f"table must be one of {', '.join(CSV_TABLES)}",
        )
    body = to_csv(await _report(p, db, knowledge), table)
    name = f"touchpoint-{table}-{p.start}-{p.end}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# ---- knowledge gaps -----------------------------------------------------------


class GapsOut(BaseModel):
    questions: int = Field(description="open gap questions in the period (clustered)")
    clusters: list[Cluster]


class DraftIn(BaseModel):
    turn_ids: Annotated[list[int], Field(min_length=1, max_length=500)]
    question: Annotated[str, Field(max_length=1000)] | None = Field(
        None, description="the cluster's question, to become the FAQ's question"
    )


class PublishIn(BaseModel):
    faq: Faq
    turn_ids: Annotated[list[int], Field(max_length=500)] = Field(
        default_factory=list,
        description="the gap questions the FAQ answers: they leave the gap list",
    )


class Published(BaseModel):
    faq: Faq
    closed: int


class CloseIn(BaseModel):
    turn_ids: Annotated[list[int], Field(min_length=1, max_length=500)]
    faq_id: Annotated[str, Field(min_length=1, max_length=128)] | None = Field(
        None,
        description="the FAQ that answers these questions; none: they are no content gap",
    )
    add_variants: bool = Field(
        False,
        description="add the questions' wordings to the FAQ's variants, so the bot knows them",
    )


class Closed(BaseModel):
    closed: int = Field(description="gap questions closed (those still open)")
    faq: Faq | None = Field(description="the FAQ as it is now, with any wordings added")
    variants_added: list[str]


@router.get("/gaps", response_model=GapsOut)
async def gaps(
    _editor: EditorAgent,
    p: PeriodDep,
    finder: Gaps,
    knowledge: Knowledge,
    runtime: BotRuntime,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> GapsOut:
    """Questions the bot could not answer, was unsure about, or that led to a handoff, grouped
    by meaning, most frequent first; with each, the words search does not know (candidates
    for synonyms: "Hängematte" on an English catalog) and, where content added since
    answers it, what the bot answers its question with now."""
    since, until = p.bounds
    clusters = await finder.clusters(since=since, until=until)
    shown = clusters[:limit]
    # How shoppers talk to the bot ("ich brauche") is no content gap.
    intents = await asyncio.to_thread(lambda: runtime.brain.intents) if shown else None
    chat_words = intents.words if intents else frozenset()
    for cluster in shown:
        words = await asyncio.to_thread(
            knowledge.kb.unknown_words, " ".join(cluster.examples), ignore=chat_words
        )
        cluster.unknown_words = words[:UNKNOWN_WORDS]
    # Together: the bot embeds the questions of concurrent conversations in one batch.
    answers = await asyncio.gather(*(answer_now(runtime, cluster) for cluster in shown))
    for cluster, answer in zip(shown, answers, strict=True):
        cluster.answer_now = answer
    return GapsOut(questions=sum(c.size for c in clusters), clusters=shown)


@router.post("/gaps/draft", response_model=FaqDraft)
async def draft(
    body: DraftIn, _editor: EditorAgent, db: DbSession, knowledge: Knowledge
) -> FaqDraft:
    """A new FAQ prefilled from a cluster's questions, for the editor to answer and publish."""
    turns = await _storage.turns_by_ids(db, ids=body.turn_ids)
    if not turns:
        raise _error(
            status.HTTP_404_NOT_FOUND, "not_found", "none of these gap questions exist any more"
        )
    asked = Counter(normalise(t.question) for t in turns)
    texts = sorted(
        {normalise(t.question): t.question for t in turns}.values(),
        key=lambda t: -asked[normalise(t)],
    )
    if body.question and body.question.strip():
        texts = [body.question.strip(), *texts]
    locale = Counter(t.language for t in turns).most_common(1)[0][0]
    return draft_faq(
        texts, [t.id for t in turns], locale=locale, taken=(f.id for f in knowledge.kb.faqs())
    )


@router.post("/gaps/close", response_model=Closed)
async def close(body: CloseIn, editor: EditorAgent, db: DbSession, knowledge: Knowledge) -> Closed:
    """Close gap questions without a new FAQ: an existing FAQ answers them (the bot does so
    now, or will once their wordings join its variants), or they are no content gap."""
    if body.add_variants and body.faq_id is None:
        raise _error(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "faq_missing",
            "name the FAQ whose variants the questions should join",
        )
    faq = knowledge.kb.get_faq(body.faq_id) if body.faq_id else None
    if body.faq_id and faq is None:
        raise _error(
            status.HTTP_404_NOT_FOUND, "faq_not_found", f"there is no FAQ with id {body.faq_id!r}"
        )
    turns = [t for t in await _storage.turns_by_ids(db, ids=body.turn_ids) if t.is_open_gap]
    if not turns:
        raise _error(
            status.HTTP_404_NOT_FOUND,
            "not_found",
            "none of these gap questions is open any more: reload the list",
        )
    added: list[str] = []
    if faq is not None and body.add_variants:
        added = wordings((t.question for t in turns), known=[faq.question, *faq.variants])
        if added:
            faq = faq.model_copy(update={"variants": [*faq.variants, *added]})
            await knowledge.upsert(faq, actor=editor.email)
    closed = await _storage.close_gaps(db, ids=[t.id for t in turns], faq_id=body.faq_id)
    audit(
        db, actor=editor, action="insights.gap.closed",
        target=f"faq:{body.faq_id}" if body.faq_id else "gaps",
        details={"questions": closed, "variants_added": len(added)},
    )  # fmt: skip
    await db.commit()
    log.info(
        "gap closed", extra={"faq_id": body.faq_id, "questions": closed, "variants": len(added)}
    )
    return Closed(closed=closed, faq=faq, variants_added=added)


@router.post("/gaps/publish", response_model=Published, status_code=status.HTTP_201_CREATED)
async def publish(
    body: PublishIn, editor: EditorAgent, db: DbSession, knowledge: Knowledge
) -> Published:
    """Publish the completed FAQ; the bot answers with it at once and its gap questions close."""
    if not body.faq.answer.strip():
        raise _error(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "answer_missing",
            "write the answer before publishing",
        )
    if knowledge.kb.get_faq(body.faq.id) is not None:
        raise _error(
            status.HTTP_409_CONFLICT,
            "exists",
            f"an FAQ with id {body.faq.id!r} exists; choose another id",
        )
    await knowledge.upsert(body.faq, actor=editor.email)
    closed = (
        await _storage.close_gaps(db, ids=body.turn_ids, faq_id=body.faq.id) if body.turn_ids else 0
    )
    audit(
        db, actor=editor, action="insights.gap.published", target=f"faq:{body.faq.id}",
        details={"questions": closed},
    )  # fmt: skip
    await db.commit()
    log.info("gap closed by a new faq", extra={"faq_id": body.faq.id, "questions": closed})
    return Published(faq=body.faq, closed=closed)


# ---- the bot ------------------------------------------------------------------


@router.post("/preview", response_model=Preview)
async def ask_the_bot(body: PreviewIn, _editor: EditorAgent, runtime: BotRuntime) -> Preview:
    """What the bot would answer now, for a new anonymous shopper; stores nothing."""
    return await preview(runtime, body)


@router.get("/flows", response_model=list[FlowOut])
async def list_flows(_editor: EditorAgent, flows: Flows) -> list[FlowOut]:
    return await flows.list()


def _category(category: str) -> str:
    cleaned = "/".join(part.strip() for part in category.split("/") if part.strip())
    if not cleaned or len(cleaned) > 500:
        raise _error(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "invalid_category",
            "give a category path such as Outdoor/Tents",
        )
    return cleaned


@router.put("/flows/{category:path}", response_model=FlowOut)
async def save_flow(
    category: str,
    body: FlowIn,
    editor: EditorAgent,
    db: DbSession,
    flows: Flows,
    knowledge: Knowledge,
) -> FlowOut:
    """Create or replace the flow of a catalog category (it replaces a packaged one)."""
    category = _category(category)
    try:
        found = await asyncio.to_thread(
            knowledge.kb.search, "", kind="products", k=1, filters={"category": category}
        )
    except FilterError as exc:
        raise _error(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid_category", str(exc)) from None
    if found.total == 0:
        raise _error(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "unknown_category",
            f"no product is in the category {category!r}; use a category path from the catalog",
        )  # fmt: skip
    await _storage.save_flow(
        db, category=category, definition=definition(category, body), actor=editor.email
    )
    audit(db, actor=editor, action="insights.flow.saved", target=f"flow:{category}", details={})
    await db.commit()
    await flows.changed()
    return next(f for f in await flows.list() if f.category == category)


@router.delete(
    "/flows/{category:path}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
async def delete_flow(category: str, editor: EditorAgent, db: DbSession, flows: Flows) -> Response:
    """Drop the edit: a packaged flow of the category applies again."""
    category = _category(category)
    if not await _storage.delete_flow(db, category=category):
        raise _error(status.HTTP_404_NOT_FOUND, "not_found", f"no edited flow for {category!r}")
    audit(db, actor=editor, action="insights.flow.deleted", target=f"flow:{category}", details={})
    await db.commit()
    await flows.changed()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
