""" "Ask the bot": what the bot would do with a question, on the content as it is now.

Runs the bot's own dialogue (understanding, decision, action) for a fresh
conversation of an anonymous shopper, and stores nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from agents_console.insights._gaps import AnswerNow, Cluster, is_new_answer
from agents_console.insights._metrics import SHOWS_PRODUCTS
from bot import Dialogue, Runtime
from knowledge import KnowledgeBase, Product


class PreviewIn(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=1000)]
    locale: Literal["en", "de"] = "en"


class PreviewFaq(BaseModel):
    id: str
    question: str
    answer: str
    url: str


class PreviewReply(BaseModel):
    content_type: str
    text: str
    payload: dict[str, Any] | None


class Preview(BaseModel):
    action: str = Field(
        description="what the bot did: answer_faq, show_products, product_details, ask_clarifying, handoff, …"
    )
    reason: str = Field(description="why, in the bot's words")
    intent: str | None
    confidence: float | None = Field(description="the calibrated chance that the best FAQ is right")
    band: str | None = Field(
        description="answer | suggest | unknown: how the confidence compares to the thresholds"
    )
    faq: PreviewFaq | None = Field(
        description="the FAQ answered, or the best match when not confident"
    )
    suggestions: list[PreviewFaq]
    products: list[Product]
    handoff_reason: str | None
    replies: list[PreviewReply]


def _faq(kb: KnowledgeBase, faq_id: str | None) -> PreviewFaq | None:
    faq = kb.get_faq(faq_id) if faq_id else None
    if faq is None:
        return None
    return PreviewFaq(id=faq.id, question=faq.question, answer=faq.answer, url=faq.url)


async def preview(runtime: Runtime, request: PreviewIn) -> Preview:
    result = await Dialogue(runtime).respond(
        request.text, locale=request.locale, sender_id="preview"
    )
    kb = runtime.brain.kb
    u, decision = result.understanding, result.decision
    return Preview(
        action=result.action,
        reason=decision.reason,
        intent=u.intent,
        confidence=round(u.faq.confidence, 4) if u.faq else None,
        band=u.faq.band if u.faq else None,
        faq=_faq(kb, decision.faq_id or (u.faq.faq_id if u.faq else None)),
        suggestions=[f for s in decision.suggestions if (f := _faq(kb, s)) is not None],
        products=kb.products(result.product_ids) if result.action in SHOWS_PRODUCTS else [],
        handoff_reason=decision.handoff_reason.value if decision.handoff_reason else None,
        replies=[
            PreviewReply(content_type=r.content_type, text=r.text, payload=r.payload)
            for r in result.replies
        ],
    )


async def answer_now(runtime: Runtime, cluster: Cluster) -> AnswerNow | None:
    """What the bot answers the cluster's question with now, where that is an answer the
    question did not get then (content added since may have closed the gap)."""
    result = await Dialogue(runtime).respond(
        cluster.question, locale=cluster.language, sender_id="preview"
    )
    faq_id = result.decision.faq_id
    if not is_new_answer(cluster, result.action, faq_id):
        return None
    kb = runtime.brain.kb
    if result.action == "answer_faq":
        faq = kb.get_faq(faq_id) if faq_id else None
        return AnswerNow(
            action="answer_faq", faq_id=faq_id, faq_question=faq.question if faq else None
        )
    return AnswerNow(
        action="show_products", products=[p.title for p in kb.products(result.product_ids)]
    )
