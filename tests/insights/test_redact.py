"""PII redaction of stored analytics and bot-training text (chat.privacy.redact)."""

from __future__ import annotations

import pytest

from chat.privacy import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to anna.schmidt+shop@example.co.uk please", "write to [email] please"),
        ("my card is 4111 1111 1111 1111", "my card is [card]"),
        ("card 4111-1111-1111-1111 exp 12/27", "card [card] exp 12/27"),
        ("number 5500005555555559", "number [card]"),
        ("amex 3782 822463 10005", "amex [card]"),
        ("call me on +49 30 1234567", "call me on [phone]"),
        ("mobile 0176 12345678", "mobile [phone]"),
        ("(030) 123 45 67 any time", "[phone] any time"),
        ("US: 555-123-4567", "US: [phone]"),
        ("+44 20 7946 0958 or a@b.de", "[phone] or [email]"),
    ],
)
def test_personal_data_is_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Where is order TP-10001?",
        "order 100234 arrived on 2024-05-01",
        "a tent for 2 people under 300 euros",
        "postcode 10115 Berlin",
        "the 28 cm pan, size 42, 3 pieces",
        "delivered on 12.05.2024",
        "",
    ],
)
def test_questions_without_personal_data_stay_as_they_are(text: str) -> None:
    assert redact(text) == text


def test_redaction_is_idempotent() -> None:
    once = redact("mail a@b.de, phone +49 170 1234567, card 4111111111111111")
    assert redact(once) == once
    assert "@" not in once and "1234567" not in once and "4111" not in once
