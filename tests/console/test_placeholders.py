"""Canned-response placeholders: parsing, checking and filling in."""

from __future__ import annotations

import pytest

from agents_console.placeholders import (
    first_name,
    placeholders_in,
    render,
    unknown_placeholders,
)


def test_placeholders_in_order_and_once() -> None:
    text = "Hi {first_name}, order {order_number} ({order_number}) from {agent_name}"
    assert placeholders_in(text) == ["first_name", "order_number", "agent_name"]


def test_other_braces_are_plain_text() -> None:
    text = 'JSON {"a": 1}, empty { }, upper {Name}'
    assert placeholders_in(text) == []
    assert render(text, {}).text == text


def test_unknown_placeholders_are_reported() -> None:
    assert unknown_placeholders("Dear {first_name} {surname}") == ["surname"]


def test_render_fills_known_values() -> None:
    rendered = render(
        "Hi {first_name}, I'm {agent_name}.", {"first_name": "Anna", "agent_name": "Alex"}
    )
    assert rendered.text == "Hi Anna, I'm Alex."
    assert rendered.missing == []


def test_render_keeps_placeholders_without_value_and_names_them() -> None:
    rendered = render(
        "Order {order_number} for {first_name}", {"first_name": "Anna", "order_number": None}
    )
    assert rendered.text == "Order {order_number} for Anna"
    assert rendered.missing == ["order_number"]


def test_values_are_inserted_literally() -> None:
    # A value that looks like a placeholder or markup is not expanded again.
    rendered = render("Hi {first_name}", {"first_name": "{agent_name} <b>"})
    assert rendered.text == "Hi {agent_name} <b>"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Anna Schmidt", "Anna"), ("  Jo  ", "Jo"), ("", None), (None, None), ("   ", None)],
)
def test_first_name(name: str | None, expected: str | None) -> None:
    assert first_name(name) == expected


def test_a_fallback_stands_in_for_an_unknown_value() -> None:
    text = "Hi {first_name|there}, order {order_number|}: {first_name|you}"
    assert placeholders_in(text) == ["first_name", "order_number"]
    assert unknown_placeholders("{first_name|x} {surname|y}") == ["surname"]
    unknown = render(text, {"first_name": None, "order_number": ""})
    assert unknown.text == "Hi there, order : you"
    assert unknown.missing == []
    known = render(text, {"first_name": "Anna", "order_number": "TP-1"})
    assert known.text == "Hi Anna, order TP-1: Anna"
    # Spaces around the fallback go; a second bar makes it all plain text.
    assert render("Hi {first_name| there }!", {}).text == "Hi there!"
    assert placeholders_in("{first_name|a|b}") == []
