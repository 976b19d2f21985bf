"""Reading what the bot did from what it stored (read_turn), and which turns are gaps."""

from __future__ import annotations

from typing import Any

import pytest

from agents_console.insights._gaps import blames_previous, gap_kind
from agents_console.insights._turns import Reply, read_turn
from bot.texts import say


def bot(text: str = "", content_type: str = "text", payload: dict[str, Any] | None = None) -> Reply:
    return Reply("bot", content_type, text, payload)


def system(cause: str, to: str) -> Reply:
    return Reply(
        "system",
        "system_event",
        "",
        {"event": "conversation.status_changed", "cause": cause, "to": to},
    )


HUMAN = {"options": [{"label": "Talk to a human", "value": "human"}]}
STATE = {"last_confidence": 0.42, "last_intent": None, "failed": 0, "failed_question": None}


@pytest.mark.parametrize(
    ("replies", "state", "handoff_reason", "expected"),
    [
        (
            [bot("30 days", payload={"faq_id": "returns", "source_url": None})],
            STATE,
            None,
            ("answer_faq", "returns", None),
        ),
        (
            [
                bot("Here:", "product_cards", {"products": [{"id": "TE-601"}, {"id": "TE-606"}]}),
                bot("", "quick_replies", HUMAN),
            ],
            STATE,
            None,
            ("show_products", None, None),
        ),
        (
            [
                bot(
                    "Is it one of these?",
                    "quick_replies",
                    {
                        "options": [
                            {"label": "Returns", "value": "faq:returns"},
                            {"label": "Human", "value": "human"},
                        ]
                    },
                )
            ],
            STATE,
            None,
            ("ask_clarifying", None, "unsure"),
        ),
        (
            [bot(say("fallback", "en"), "quick_replies", HUMAN)],
            STATE,
            None,
            ("fallback", None, "unanswered"),
        ),
        ([bot(say("no_products", "de"))], STATE, None, ("fallback", None, "unanswered")),
        (
            [system("handoff", "queued"), bot("A colleague will be with you in about 3 minutes.")],
            STATE,
            "no_answer",
            ("handoff", None, "unanswered"),
        ),
        (
            [
                bot(
                    "Nobody is online.",
                    "form",
                    {"form": "offline", "fields": [], "submit_label": "Send"},
                )
            ],
            STATE,
            None,
            ("handoff", None, None),
        ),
        (
            [
                bot(
                    "Nobody is online.",
                    "form",
                    {"form": "offline", "fields": [], "submit_label": "Send"},
                )
            ],
            {**STATE, "failed_question": "do you repair tents?"},
            None,
            ("handoff", None, "unanswered"),
        ),
        (
            [bot("Hi! How can I help?")],
            {**STATE, "last_intent": "greet"},
            None,
            ("greet", None, None),
        ),
        (
            [
                bot(
                    "Which size?",
                    "quick_replies",
                    {"options": [{"label": "2", "value": "facet:attr.persons=2"}]},
                )
            ],
            {**STATE, "last_intent": "product_search"},
            None,
            ("other", None, None),
        ),
    ],
)
def test_what_the_bot_did(
    replies: list[Reply],
    state: dict[str, Any],
    handoff_reason: str | None,
    expected: tuple[str, str | None, str | None],
) -> None:
    turn = read_turn("do you repair tents?", replies, state, handoff_reason)
    assert turn is not None
    assert (turn.action, turn.faq_id, turn.gap) == expected
    assert turn.confidence == 0.42


def test_handoff_reasons() -> None:
    offline = bot("Nobody is online.", "form", {"form": "offline", "fields": []})
    assert read_turn("human please", [offline], STATE, "no_answer").handoff_reason == "asked"  # type: ignore[union-attr]
    queued = [system("handoff", "queued"), bot("A colleague will be with you.")]
    assert read_turn("human please", queued, STATE, "frustration").handoff_reason == "frustration"  # type: ignore[union-attr]


def test_products_shown_are_kept() -> None:
    turn = read_turn(
        "tent",
        [bot("Here:", "product_cards", {"products": [{"id": "TE-601"}, {"id": "TE-606"}]})],
        STATE,
        None,
    )
    assert turn is not None and turn.product_ids == ["TE-601", "TE-606"]


def test_the_greeting_after_a_release_answers_nothing() -> None:
    assert (
        read_turn("thanks", [system("release", "bot"), bot("Welcome back!")], STATE, None) is None
    )
    # No bot reply yet.
    assert read_turn("hello", [system("handoff", "queued")], STATE, "asked") is None


@pytest.mark.parametrize(
    ("outcome", "reason", "blames"),
    [
        ("handoff", "asked", True),
        ("handoff", "frustration", True),
        ("handoff", "no_answer", False),
        ("handoff", "high_value", False),
        ("answer_faq", None, False),
    ],
)
def test_a_request_for_a_person_blames_the_previous_answer(
    outcome: str, reason: str | None, blames: bool
) -> None:
    assert blames_previous(outcome, reason) is blames


def test_gap_kinds() -> None:
    assert gap_kind("fallback", suggested=False, handoff_reason=None) == "unanswered"
    # A selling question.
    assert gap_kind("ask_clarifying", suggested=False, handoff_reason=None) is None
    assert gap_kind("answer_faq", suggested=False, handoff_reason=None) is None


def stated(action: str, **fields: Any) -> dict[str, Any]:
    return {
        "bot_turn": {
            "action": action,
            "faq_id": None,
            "confidence": 0.77,
            "reason": "",
            "handoff_reason": None,
            "suggested_faqs": [],
            **fields,
        }
    }


@pytest.mark.parametrize(
    ("replies", "handoff_reason", "expected"),
    [
        # The bot's own statement wins over what its text looks like.
        (
            [bot(say("fallback", "en"), payload=stated("answer_faq", faq_id="returns"))],
            None,
            ("answer_faq", "returns", None),
        ),
        (
            [bot("Sorry, I cannot say.", payload=stated("fallback"))],
            None,
            ("fallback", None, "unanswered"),
        ),
        (
            [
                bot(
                    "Is it one of these?",
                    "quick_replies",
                    {**HUMAN, **stated("ask_clarifying", suggested_faqs=["returns"])},
                )
            ],
            None,
            ("ask_clarifying", None, "unsure"),
        ),
        (
            [bot("Which size?", "quick_replies", {**HUMAN, **stated("ask_clarifying")})],
            None,
            ("ask_clarifying", None, None),
        ),
        (
            [
                system("handoff", "queued"),
                bot(
                    "A colleague will be with you.",
                    payload=stated("handoff", handoff_reason="no_answer"),
                ),
            ],
            "no_answer",
            ("handoff", None, "unanswered"),
        ),
        (
            [
                bot(
                    "Nobody is online.",
                    "form",
                    {
                        "form": "offline",
                        "fields": [],
                        "handoff_packet": {"reason": "asked"},
                        **stated("handoff", handoff_reason="asked"),
                    },
                )
            ],
            None,
            ("handoff", None, None),
        ),
        (
            [bot("Good to know:", payload=stated("suggest_accessories"))],
            None,
            ("suggest_accessories", None, None),
        ),
    ],
)
def test_what_the_bot_says_it_did(
    replies: list[Reply], handoff_reason: str | None, expected: tuple[str, str | None, str | None]
) -> None:
    turn = read_turn("do you repair tents?", replies, STATE, handoff_reason)
    assert turn is not None
    assert (turn.action, turn.faq_id, turn.gap) == expected
    assert turn.confidence == 0.77
