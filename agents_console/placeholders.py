"""Placeholders in canned responses: ``Hello {first_name}, order {order_number} ...``.

Pure functions: which placeholders a text uses, whether they are all known, and
the text with the values filled in. ``{first_name|there}`` names the words to use
when the value is unknown; a placeholder without a value or such a fallback stays
as it is and is reported as missing, so the agent sees what to fill in by hand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["KNOWN", "Rendered", "first_name", "placeholders_in", "render", "unknown_placeholders"]

KNOWN = ("first_name", "order_number", "agent_name")
# Only {lowercase_name} or {lowercase_name|fallback} counts, so other braces
# ("{ }", JSON) stay plain text.
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)(?:\|([^{}|]*))?\}")


@dataclass(frozen=True)
class Rendered:
    text: str
    missing: list[str]


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in ``text``, each once, in order of appearance."""
    return list(dict.fromkeys(match.group(1) for match in _PLACEHOLDER.finditer(text)))


def unknown_placeholders(text: str) -> list[str]:
    return [name for name in placeholders_in(text) if name not in KNOWN]


def render(text: str, values: Mapping[str, str | None]) -> Rendered:
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name, fallback = match.groups()
        value = values.get(name)
        if value:
            return value
        if fallback is not None:
            return fallback.strip()
        missing.append(name)
        return match.group(0)

    filled = _PLACEHOLDER.sub(fill, text)
    return Rendered(text=filled, missing=list(dict.fromkeys(missing)))


def first_name(full_name: str | None) -> str | None:
    """The first word of a contact's name ("Anna Schmidt" -> "Anna")."""
    if not full_name or not full_name.strip():
        return None
    return full_name.split()[0]
