"""A site's widget settings (look, texts, business hours) and what the widget sees.

Pure logic: models, defaults and the business-hours check; storage is in
_storage.py and the HTTP surface in _api.py. See docs/subsystems/widget.md.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from knowledge.schemas import web_address

SiteKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
# Hex only: a colour ends up in a CSS custom property, so nothing else may get through.
HexColor = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
Locale = Literal["en", "de"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Colors(Strict):
    primary: HexColor = "#1f6feb"
    on_primary: HexColor = "#ffffff"
    background: HexColor = "#ffffff"
    text: HexColor = "#1d2430"


class Texts(Strict):
    """What the shopper reads before anyone writes: one set per language."""

    title: Annotated[str, Field(min_length=1, max_length=60)]
    launcher: Annotated[str, Field(min_length=1, max_length=40)]
    greeting_first: Annotated[str, Field(min_length=1, max_length=500)]
    greeting_returning: Annotated[str, Field(min_length=1, max_length=500)]


DEFAULT_TEXTS: dict[Locale, Texts] = {
    "en": Texts(
        title="Shop assistant",
        launcher="Chat with us",
        greeting_first="Hi! I can answer questions about products, delivery and returns. How can I help?",
        greeting_returning="Welcome back! How can I help you today?",
    ),
    "de": Texts(
        title="Shop-Assistent",
        launcher="Zum Chat",
        greeting_first="Hallo! Ich beantworte Fragen zu Produkten, Versand und Rückgabe. Wie kann ich helfen?",
        greeting_returning="Willkommen zurück! Wie kann ich heute helfen?",
    ),
}


def _time_range(text: str) -> str:
    match = _RANGE.match(text)
    if match is None or match.group(3, 4) > ("24", "00") or text[:5] >= text[6:]:
        raise ValueError(f"{text!r} is not a range like 09:00-18:00")
    return text


# Checked one by one, so a 422 names the day and the range ("business_hours.days.mon.0"),
# and the console puts the message under that day's field.
TimeRange = Annotated[str, AfterValidator(_time_range)]


class BusinessHours(Strict):
    """When agents answer; outside these hours the widget offers the offline form."""

    timezone: str = "Europe/Berlin"
    # Weekday -> ranges like "09:00-18:00"; a missing day is closed.
    days: dict[Weekday, list[TimeRange]] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like Europe/Berlin"
            ) from None
        return value


class SiteConfig(Strict):
    """What an admin edits (PUT /api/widget/config)."""

    position: Literal["bottom-right", "bottom-left"] = "bottom-right"
    colors: Colors = Field(default_factory=Colors)
    texts: dict[Locale, Texts] = Field(default_factory=lambda: dict(DEFAULT_TEXTS))
    privacy_url: Annotated[str, Field(max_length=2048)] | None = None
    business_hours: BusinessHours | None = None  # None: agents may answer at any time

    @field_validator("privacy_url")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        # A path ("/privacy") is on the shop's own site, where the widget runs.
        return None if value is None else web_address(value)

    @field_validator("texts")
    @classmethod
    def every_language(cls, texts: dict[Locale, Texts]) -> dict[Locale, Texts]:
        # A language left out keeps the defaults, so the widget never shows an empty label.
        return {**DEFAULT_TEXTS, **texts}


class PublicConfig(SiteConfig):
    """What the widget loads (GET /api/widget/config): the settings plus who is there now."""

    site: SiteKey
    open_now: bool
    agents_online: int


def is_open(hours: BusinessHours | None, now: dt.datetime) -> bool:
    """Whether ``now`` (timezone-aware) falls inside the business hours."""
    if hours is None:
        return True
    local = now.astimezone(ZoneInfo(hours.timezone))
    clock = local.strftime("%H:%M")
    return any(
        text[:5] <= clock < text[6:] for text in hours.days.get(WEEKDAYS[local.weekday()], [])
    )


_DAY_NAMES: dict[Locale, tuple[str, ...]] = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
}
_AND: dict[Locale, str] = {"en": " and ", "de": " und "}


def describe_hours(hours: BusinessHours) -> dict[str, str]:
    """The hours as a shopper reads them, per language: "Mon–Thu 09:00–18:00; Fri
    09:00–16:00". Days in a row with the same ranges share one entry."""
    runs: list[tuple[int, int, list[str]]] = []  # first day, last day, ranges
    for index, day in enumerate(WEEKDAYS):
        ranges = hours.days.get(day, [])
        if not ranges:
            continue
        if runs and runs[-1][1] == index - 1 and runs[-1][2] == ranges:
            runs[-1] = (runs[-1][0], index, ranges)
        else:
            runs.append((index, index, ranges))
    described: dict[str, str] = {}
    for language, names in _DAY_NAMES.items():
        entries = []
        for first, last, ranges in runs:
            days = names[first] if first == last else f"{names[first]}–{names[last]}"
            times = _AND[language].join(text.replace("-", "–") for text in ranges)
            entries.append(f"{days} {times}")
        described[language] = "; ".join(entries)
    return described


def public_config(
    site: str, config: SiteConfig, *, now: dt.datetime, agents_online: int
) -> PublicConfig:
    return PublicConfig(
        **config.model_dump(),
        site=site,
        open_now=is_open(config.business_hours, now),
        agents_online=agents_online,
    )
