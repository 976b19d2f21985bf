"""Chat analytics as pure functions: figures from hand-made rows."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from agents_console.insights._metrics import (
    ConversationRow,
    Rows,
    ShopEventRow,
    TurnRow,
    bounds,
    csv_rows,
    percentile,
    report,
    to_csv,
)

DAY = dt.date(2026, 3, 2)
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def conversation(
    cid: int, *, minutes: int = 0, visitor: int = 1, human: bool = False, **values: object
) -> ConversationRow:
    fields: dict[str, object] = {
        "handoff_reason": None,
        "queued_at": None,
        "first_response_at": None,
        "resolved_at": None,
        **values,
    }
    return ConversationRow(  # type: ignore[arg-type]
        id=cid,
        created_at=T0 + dt.timedelta(minutes=minutes),
        visitor_messages=visitor,
        human=human,
        **fields,
    )


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 0.5, None),
        ([4.0], 0.9, 4.0),
        ([1, 2, 3, 4], 0.5, 2.5),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1),
    ],
)
def test_percentile_interpolates_between_ranks(
    values: list[float], q: float, expected: float | None
) -> None:
    assert (
        percentile(values, q) == pytest.approx(expected)
        if expected is not None
        else percentile(values, q) is None
    )


def test_containment_handoffs_and_times() -> None:
    rows = Rows(
        conversations=[
            conversation(1, resolved_at=T0 + dt.timedelta(minutes=10)),  # the bot coped
            conversation(2),  # the bot coped, the shopper left
            conversation(
                3,
                human=True,
                handoff_reason="no_answer",
                queued_at=T0 + dt.timedelta(minutes=1),
                first_response_at=T0 + dt.timedelta(minutes=1, seconds=30),
                resolved_at=T0 + dt.timedelta(minutes=20),
            ),
            conversation(
                4,
                human=True,
                handoff_reason="asked",
                queued_at=T0 + dt.timedelta(minutes=2),
                first_response_at=T0 + dt.timedelta(minutes=4, seconds=30),
            ),
            conversation(5, visitor=0),  # opened the widget, said nothing
        ],
        ratings=[5, 4, 4, 1],
    )
    result = report(rows, start=DAY, end=DAY)
    assert (result.conversations, result.engaged, result.contained, result.handoffs) == (5, 4, 2, 2)
    assert result.containment_rate == 0.5 and result.handoff_rate == 0.5
    assert result.handoff_reasons == {"no_answer": 1, "asked": 1}
    assert result.first_response_seconds.count == 2
    assert result.first_response_seconds.median == 90.0  # 30 s and 150 s
    assert result.first_response_seconds.p90 == 138.0
    assert result.resolution_seconds.median == 900.0  # 10 min and 20 min
    assert result.csat.average == 3.5 and result.csat.distribution == {1: 1, 2: 0, 3: 0, 4: 2, 5: 1}
    assert [(d.date, d.conversations, d.contained, d.handoffs) for d in result.daily] == [
        (DAY, 5, 2, 2)
    ]


def test_days_follow_the_time_zone_and_cover_the_whole_period() -> None:
    late = conversation(1, minutes=14 * 60 + 30)  # 23:30 UTC = 00:30 the next day in Berlin
    result = report(
        Rows(conversations=[late]),
        start=DAY,
        end=DAY + dt.timedelta(days=2),
        timezone="Europe/Berlin",
    )
    assert [d.conversations for d in result.daily] == [0, 1, 0]
    since, until = bounds(DAY, DAY, "Europe/Berlin")
    assert (since.hour, until - since) == (23, dt.timedelta(days=1))


def test_faqs_served_and_assisted_add_to_cart() -> None:
    # The evening before the period: explains a cart, is not counted.
    before = T0 - dt.timedelta(hours=10)
    rows = Rows(
        turns=[
            TurnRow("c1", "answer_faq", "returns", (), T0),
            TurnRow("c2", "answer_faq", "returns", (), T0),
            TurnRow("c2", "answer_faq", "shipping", (), T0),
            TurnRow("c1", "show_products", None, ("P1", "P2"), T0),
            TurnRow("c3", "show_products", None, ("P3",), before - dt.timedelta(days=2)),
            TurnRow("c4", "show_products", None, ("P4",), before),
            TurnRow("c5", "ask_clarifying", None, ("P5",), T0),  # candidates, not a recommendation
        ],
        events=[
            ShopEventRow("c1", "product_view", "P1", False, T0 + dt.timedelta(minutes=1)),
            ShopEventRow("c1", "add_to_cart", "P1", False, T0 + dt.timedelta(minutes=3)),
            ShopEventRow("c9", "add_to_cart", "P2", True, T0),  # the widget marked it
            ShopEventRow("c3", "add_to_cart", "P3", False, T0),  # shown too long ago
            ShopEventRow("c4", "add_to_cart", "P4", False, T0),  # shown the evening before
            ShopEventRow("c2", "add_to_cart", "P1", False, T0),  # shown to someone else
            ShopEventRow("c5", "add_to_cart", "P5", False, T0),
        ],
    )
    result = report(rows, start=DAY, end=DAY)
    assert [(f.faq_id, f.served) for f in result.top_faqs] == [("returns", 2), ("shipping", 1)]
    by_id = {p.product_id: (p.recommended, p.clicked, p.added_to_cart) for p in result.products}
    assert by_id == {"P1": (1, 1, 1), "P2": (1, 0, 1), "P4": (0, 0, 1)}
    assert result.assisted_add_to_cart == 3


def test_empty_period_has_no_rates() -> None:
    result = report(Rows(), start=DAY, end=DAY)
    assert result.containment_rate is None and result.csat.average is None
    assert result.first_response_seconds.median is None


def test_csv_tables_quote_formulas_and_list_every_day() -> None:
    rows = Rows(turns=[TurnRow("c1", "answer_faq", "=HYPERLINK(1)", (), T0)])
    result = report(rows, start=DAY, end=DAY + dt.timedelta(days=1))
    faqs = list(csv.reader(io.StringIO(to_csv(result, "faqs"))))
    assert faqs == [["faq_id", "question", "served"], ["'=HYPERLINK(1)", "", "1"]]
    daily = list(csv.reader(io.StringIO(to_csv(result, "daily"))))
    assert [row[0] for row in daily] == ["date", "2026-03-02", "2026-03-03"]
    assert csv_rows(result, "summary")[0] == ["metric", "value"]
    with pytest.raises(ValueError, match="use one of"):
        csv_rows(result, "secrets")
