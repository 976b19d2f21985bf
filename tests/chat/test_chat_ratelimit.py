"""Token buckets (chat/ratelimit.py) with an explicit clock."""

from __future__ import annotations

import pytest

from chat.config import Settings
from chat.ratelimit import Limits, RateLimiter


def test_a_burst_then_one_token_per_interval() -> None:
    limiter = RateLimiter(per_minute=30)  # burst 10, one token every 2 s
    assert [limiter.hit("v", 100.0) for _ in range(10)] == [0.0] * 10
    assert limiter.hit("v", 100.0) == pytest.approx(2.0)
    assert limiter.hit("v", 101.0) == pytest.approx(1.0), "the wait shrinks as time passes"
    assert limiter.hit("v", 102.0) == 0.0
    assert limiter.hit("v", 102.0) == pytest.approx(2.0)


def test_retry_after_is_exactly_when_the_next_hit_succeeds() -> None:
    limiter = RateLimiter(per_minute=7, burst=1)
    assert limiter.hit("v", 0.0) == 0.0
    wait = limiter.hit("v", 0.0)
    assert wait == pytest.approx(60 / 7, abs=0.001)
    assert limiter.hit("v", wait - 0.01) > 0.0
    assert limiter.hit("v", wait + 0.001) == 0.0


def test_a_refused_hit_costs_nothing() -> None:
    limiter = RateLimiter(per_minute=60, burst=1)
    limiter.hit("v", 0.0)
    for _ in range(50):  # hammering while limited does not push the next slot back
        limiter.hit("v", 0.5)
    assert limiter.hit("v", 1.0) == 0.0


def test_idle_time_refills_only_up_to_the_burst() -> None:
    limiter = RateLimiter(per_minute=60, burst=3)
    limiter.hit("v", 0.0)
    allowed = [limiter.hit("v", 3600.0) == 0.0 for _ in range(5)]
    assert allowed == [True, True, True, False, False]


def test_keys_are_independent() -> None:
    limiter = RateLimiter(per_minute=3, burst=1)
    assert limiter.hit("a", 0.0) == 0.0
    assert limiter.hit("a", 0.0) > 0
    assert limiter.hit("b", 0.0) == 0.0


def test_default_burst_is_a_third_of_the_minute_and_at_least_one() -> None:
    assert RateLimiter(per_minute=120).capacity == 40
    assert RateLimiter(per_minute=2).capacity == 1
    assert RateLimiter(per_minute=10, burst=10).capacity == 10


def test_eviction_forgets_only_refilled_buckets() -> None:
    limiter = RateLimiter(per_minute=60, burst=1, max_keys=3)  # a token a second
    limiter.hit("a", 0.0)
    limiter.hit("b", 0.0)
    limiter.hit("c", 0.9)
    # The table is full; at 1.5 "a" and "b" have refilled and go, "c" is still waiting.
    assert limiter.hit("d", 1.5) == 0.0
    assert limiter.hit("c", 1.5) == pytest.approx(0.4), "a busy bucket is kept"


def test_a_table_of_busy_buckets_is_cleared_rather_than_grown() -> None:
    limiter = RateLimiter(per_minute=60, burst=1, max_keys=2)
    limiter.hit("a", 0.0)
    limiter.hit("b", 0.0)
    assert limiter.hit("c", 0.1) == 0.0
    assert limiter.hit("a", 0.1) == 0.0, "forgotten: memory stays bounded under a flood of keys"


def test_limits_come_from_settings() -> None:
    limits = Limits(
        Settings(
            visitor_messages_per_minute=3,
            ip_messages_per_minute=6,
            ip_connections_per_minute=9,
            login_attempts_per_minute=4,
        )
    )
    assert limits.visitor_messages.capacity == 1
    assert limits.ip_messages.capacity == 2
    assert limits.ip_connections.capacity == 3
    assert limits.logins.capacity == 4, "a person may mistype a few times in a row"
    assert [limits.logins.hit("ip|a@b.c", 0.0) == 0.0 for _ in range(5)] == [True] * 4 + [False]
