"""Site settings: validation, the business-hours check and their wording (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from widget._config import BusinessHours, SiteConfig, describe_hours, is_open, public_config

BERLIN_WEEKDAYS = BusinessHours(
    timezone="Europe/Berlin",
    days={d: ["09:00-12:00", "13:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def test_defaults_cover_both_languages() -> None:
    config = SiteConfig()
    assert set(config.texts) == {"en", "de"}
    assert config.texts["de"].launcher == "Zum Chat"


def test_a_language_left_out_keeps_its_defaults() -> None:
    config = SiteConfig.model_validate(
        {
            "texts": {
                "en": {
                    "title": "Acme",
                    "launcher": "Help",
                    "greeting_first": "Hi",
                    "greeting_returning": "Hi again",
                }
            }
        }
    )
    assert config.texts["en"].title == "Acme"
    assert config.texts["de"] == SiteConfig().texts["de"]


@pytest.mark.parametrize(
    "change",
    [
        {"colors": {"primary": "red"}},
        {"colors": {"primary": "#12345"}},
        {"colors": {"primary": "#123456;background:url(x)"}},
        {"position": "top-left"},
        {"privacy_url": "javascript:alert(1)"},
        {"privacy_url": "//elsewhere.example/privacy"},
        {"business_hours": {"timezone": "Mars/Olympus"}},
        {"business_hours": {"days": {"mon": ["18:00-09:00"]}}},
        {"business_hours": {"days": {"mon": ["9-17"]}}},
        {"business_hours": {"days": {"someday": ["09:00-17:00"]}}},
        {"surprise": True},
    ],
)
def test_bad_settings_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SiteConfig.model_validate(change)


@pytest.mark.parametrize(
    "url", ["https://shop.example/privacy", "http://localhost:8000/p", "/privacy"]
)
def test_privacy_url_may_be_a_web_address_or_a_path(url: str) -> None:
    assert SiteConfig(privacy_url=url).privacy_url == url


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc(2026, 11, 23, 8, 0), True),  # Monday 09:00 in Berlin (UTC+1): opening minute
        (utc(2026, 11, 23, 7, 59), False),  # 08:59
        (utc(2026, 11, 23, 11, 30), False),  # lunch break, 12:30
        (utc(2026, 11, 23, 16, 59), True),  # 17:59
        (utc(2026, 11, 23, 17, 0), False),  # 18:00: closed (the end is exclusive)
        (utc(2026, 11, 22, 12, 0), False),  # Sunday
        (utc(2026, 7, 6, 7, 30), True),  # summer time (UTC+2): 09:30
    ],
)
def test_business_hours_in_the_shops_time_zone(moment: dt.datetime, expected: bool) -> None:
    assert is_open(BERLIN_WEEKDAYS, moment) is expected


def test_no_business_hours_means_always_open() -> None:
    assert is_open(None, utc(2026, 11, 22, 3, 0))


def test_until_midnight() -> None:
    hours = BusinessHours(timezone="UTC", days={"sat": ["20:00-24:00"]})
    assert is_open(hours, utc(2026, 11, 21, 23, 59))
    assert not is_open(hours, utc(2026, 11, 22, 0, 0))


def test_hours_as_a_shopper_reads_them() -> None:
    assert describe_hours(BERLIN_WEEKDAYS) == {
        "en": "Mon–Fri 09:00–12:00 and 13:00–18:00",
        "de": "Mo–Fr 09:00–12:00 und 13:00–18:00",
    }
    # Days in a row share an entry only with the same ranges; a closed day splits a run.
    hours = BusinessHours(
        days={
            "mon": ["09:00-18:00"],
            "tue": ["09:00-18:00"],
            "wed": ["09:00-18:00"],
            "fri": ["09:00-16:00"],
            "sat": ["10:00-14:00"],
        }
    )
    assert describe_hours(hours)["en"] == "Mon–Wed 09:00–18:00; Fri 09:00–16:00; Sat 10:00–14:00"
    assert describe_hours(BusinessHours()) == {"en": "", "de": ""}


def test_public_config_adds_who_is_there() -> None:
    public = public_config(
        "demo",
        SiteConfig(business_hours=BERLIN_WEEKDAYS),
        now=utc(2026, 11, 22, 12),
        agents_online=3,
    )
    assert (public.site, public.open_now, public.agents_online) == ("demo", False, 3)
    assert public.colors.primary == SiteConfig().colors.primary
