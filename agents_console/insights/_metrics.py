"""Chat analytics as pure functions over plain rows: no database, no clock.

The storage layer (``_storage.analytics_rows``) reads a period's rows; ``report``
turns them into the figures the analytics page charts and the CSV export lists.
See docs/subsystems/insights.md for what each figure means.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

# A product view or add-to-cart this soon after the bot showed the product counts as from chat.
ASSIST_WINDOW = dt.timedelta(hours=24)
# Bot outcomes whose products were shown as cards (a question about a product named
# shows its card with the answer).
SHOWS_PRODUCTS = ("show_products", "product_details")
TOP = 10


@dataclass(frozen=True)
class ConversationRow:
    id: int
    created_at: dt.datetime
    visitor_messages: int
    human: bool  # an agent took part or it waited in the queue
    handoff_reason: str | None
    queued_at: dt.datetime | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None


@dataclass(frozen=True)
class TurnRow:
    contact_id: str
    action: str
    faq_id: str | None
    product_ids: tuple[str, ...]
    created_at: dt.datetime


@dataclass(frozen=True)
class ShopEventRow:
    contact_id: str
    kind: str  # product_view | add_to_cart
    product_id: str | None
    from_chat: bool  # the widget marked it (data.source == "chat")
    created_at: dt.datetime


@dataclass
class Rows:
    conversations: list[ConversationRow] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)
    turns: list[TurnRow] = field(default_factory=list)
    events: list[ShopEventRow] = field(default_factory=list)


class Spread(BaseModel):
    count: int
    median: float | None
    p90: float | None


class Day(BaseModel):
    date: dt.date
    conversations: int
    contained: int
    handoffs: int


class FaqCount(BaseModel):
    faq_id: str
    question: str | None = None
    served: int


class ProductCount(BaseModel):
    product_id: str
    title: str | None = None
    recommended: int
    clicked: int
    added_to_cart: int


class Csat(BaseModel):
    count: int
    average: float | None
    distribution: dict[int, int]


class Report(BaseModel):
    start: dt.date
    end: dt.date
    timezone: str
    conversations: int
    engaged: int  # with at least one shopper message
    contained: int
    handoffs: int
    containment_rate: float | None
    handoff_rate: float | None
    handoff_reasons: dict[str, int]
    first_response_seconds: Spread
    resolution_seconds: Spread
    csat: Csat
    top_faqs: list[FaqCount]
    products: list[ProductCount]
    assisted_add_to_cart: int
    daily: list[Day]


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def spread(values: Sequence[float]) -> Spread:
    median, p90 = percentile(values, 0.5), percentile(values, 0.9)
    return Spread(
        count=len(values),
        median=None if median is None else round(median, 1),
        p90=None if p90 is None else round(p90, 1),
    )


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _seconds(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds()


def first_response_seconds(c: ConversationRow) -> float | None:
    """From the handoff (or the start, if an agent wrote first) to the first agent reply."""
    return _seconds(c.queued_at or c.created_at, c.first_response_at)


def is_handoff(c: ConversationRow) -> bool:
    return c.handoff_reason is not None or c.queued_at is not None


def bounds(start: dt.date, end: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The period from ``start`` to ``end`` (both whole days in ``timezone``) as UTC [since, until)."""
    zone = ZoneInfo(timezone)
    since = dt.datetime.combine(start, dt.time(), zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
    return since.astimezone(dt.UTC), until.astimezone(dt.UTC)


def from_chat(events: Iterable[ShopEventRow], turns: Iterable[TurnRow]) -> list[ShopEventRow]:
    """The events the chat led to: marked by the widget, or of a product the bot showed the
    same shopper within ``ASSIST_WINDOW`` before."""
    shown: dict[tuple[str, str], list[dt.datetime]] = defaultdict(list)
    for turn in turns:
        for product_id in turn.product_ids if turn.action in SHOWS_PRODUCTS else ():
            shown[(turn.contact_id, product_id)].append(turn.created_at)
    assisted = []
    for event in events:
        times = shown.get((event.contact_id, event.product_id or ""), [])
        if event.from_chat or any(t <= event.created_at <= t + ASSIST_WINDOW for t in times):
            assisted.append(event)
    return assisted


def report(rows: Rows, *, start: dt.date, end: dt.date, timezone: str = "UTC") -> Report:
    """The figures of ``rows`` (limited to the period; turns may start earlier) by day."""
    zone = ZoneInfo(timezone)
    since, _ = bounds(start, end, timezone)
    turns = [t for t in rows.turns if t.created_at >= since]
    engaged = [c for c in rows.conversations if c.visitor_messages > 0]
    contained = [c for c in engaged if not c.human]
    handoffs = [c for c in rows.conversations if is_handoff(c)]
    per_day: dict[dt.date, Counter[str]] = defaultdict(Counter)
    for c in rows.conversations:
        day = per_day[c.created_at.astimezone(zone).date()]
        day["conversations"] += 1
        day["contained"] += c.visitor_messages > 0 and not c.human
        day["handoffs"] += is_handoff(c)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    served = Counter(t.faq_id for t in turns if t.action == "answer_faq" and t.faq_id)
    recommended = Counter(
        p for t in turns if t.action in SHOWS_PRODUCTS for p in dict.fromkeys(t.product_ids)
    )
    assisted = from_chat(rows.events, rows.turns)
    clicked = Counter(e.product_id for e in assisted if e.kind == "product_view" and e.product_id)
    carted = Counter(e.product_id for e in assisted if e.kind == "add_to_cart" and e.product_id)
    product_ids = sorted(
        set(recommended) | set(clicked) | set(carted),
        key=lambda p: (-carted[p], -clicked[p], -recommended[p], p),
    )
    scores = Counter(rows.ratings)
    return Report(
        start=start,
        end=end,
        timezone=timezone,
        conversations=len(rows.conversations),
        engaged=len(engaged),
        contained=len(contained),
        handoffs=len(handoffs),
        containment_rate=_ratio(len(contained), len(engaged)),
        handoff_rate=_ratio(len(handoffs), len(engaged)),
        handoff_reasons=dict(
            Counter(c.handoff_reason or "unknown" for c in handoffs).most_common()
        ),
        first_response_seconds=spread(
            [s for c in rows.conversations if (s := first_response_seconds(c)) is not None]
        ),
        resolution_seconds=spread(
            [
                s
                for c in rows.conversations
                if (s := _seconds(c.created_at, c.resolved_at)) is not None
            ]
        ),
        csat=Csat(
            count=len(rows.ratings),
            average=round(sum(rows.ratings) / len(rows.ratings), 2) if rows.ratings else None,
            distribution={score: scores[score] for score in range(1, 6)},
        ),
        top_faqs=[
            FaqCount(faq_id=f, served=n)
            for f, n in sorted(served.items(), key=lambda i: (-i[1], i[0]))[:TOP]
        ],
        products=[
            ProductCount(
                product_id=p,
                recommended=recommended[p],
                clicked=clicked[p],
                added_to_cart=carted[p],
            )
            for p in product_ids[:TOP]
        ],
        assisted_add_to_cart=sum(carted.values()),
        daily=[
            Day(
                date=day,
                conversations=per_day[day]["conversations"],
                contained=per_day[day]["contained"],
                handoffs=per_day[day]["handoffs"],
            )
            for day in days
        ],
    )


CSV_TABLES = ("summary", "daily", "handoff_reasons", "faqs", "products", "csat")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting like a formula; quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(report: Report, table: str) -> list[list[Any]]:
    """One of ``CSV_TABLES`` as rows, the first the header."""
    if table == "summary":
        spreads = {
            "first_response": report.first_response_seconds,
            "resolution": report.resolution_seconds,
        }
        return [
            ["metric", "value"],
            ["start", report.start], ["end", report.end], ["timezone", report.timezone],
            ["conversations", report.conversations], ["engaged", report.engaged],
            ["contained", report.contained], ["containment_rate", report.containment_rate],
            ["handoffs", report.handoffs], ["handoff_rate", report.handoff_rate],
            *[[f"{name}_seconds_{k}", getattr(s, k)] for name, s in spreads.items() for k in ("median", "p90", "count")],
            ["csat_average", report.csat.average], ["csat_count", report.csat.count],
            ["assisted_add_to_cart", report.assisted_add_to_cart],
        ]  # fmt: skip
    if table == "daily":
        return [["date", "conversations", "contained", "handoffs"]] + [
            [d.date, d.conversations, d.contained, d.handoffs] for d in report.daily
        ]
    if table == "handoff_reasons":
        return [["reason", "handoffs"], *([r, n] for r, n in report.handoff_reasons.items())]
    if table == "faqs":
        return [["faq_id", "question", "served"]] + [
            [f.faq_id, f.question, f.served] for f in report.top_faqs
        ]
    if table == "products":
        return [["product_id", "title", "recommended", "clicked", "added_to_cart"]] + [
            [p.product_id, p.title, p.recommended, p.clicked, p.added_to_cart]
            for p in report.products
        ]
    if table == "csat":
        return [["score", "ratings"], *([s, n] for s, n in report.csat.distribution.items())]
    raise ValueError(f"unknown table {table!r}; use one of {', '.join(CSV_TABLES)}")


def to_csv(report: Report, table: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv_rows(report, table):
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()
