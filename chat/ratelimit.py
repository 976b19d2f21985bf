"""Token-bucket rate limits, pure: the caller passes the clock.

Limits are per server process; behind a proxy with several processes a client
gets at most N times the limit (see docs/deploy.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from chat.config import Settings


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self, per_minute: int, *, burst: int | None = None, max_keys: int = 100_000
    ) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1, per_minute // 3))
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def hit(self, key: str, now: float) -> float:
        """Take one token for ``key``: 0.0 when allowed, else seconds to wait."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._evict(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return round((1.0 - bucket.tokens) / self.rate, 3)

    def waiting(self, key: str, now: float) -> float:
        """Seconds until ``key`` may take a token (0.0: now), without taking one."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        return 0.0 if tokens >= 1.0 else round((1.0 - tokens) / self.rate, 3)

    def _evict(self, now: float) -> None:
        # Drop buckets that have refilled completely: forgetting them changes nothing.
        full = [
            k
            for k, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self.rate >= self.capacity
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:
            self._buckets.clear()


class Limits:
    """The limiters one server process shares across its connections and requests."""

    def __init__(self, settings: Settings) -> None:
        self.visitor_messages = RateLimiter(settings.visitor_messages_per_minute)
        self.ip_messages = RateLimiter(settings.ip_messages_per_minute)
        self.visitor_frames = RateLimiter(settings.visitor_frames_per_minute)
        self.ip_frames = RateLimiter(settings.ip_frames_per_minute)
        self.ip_connections = RateLimiter(settings.ip_connections_per_minute)
        self.logins = RateLimiter(
            settings.login_attempts_per_minute, burst=settings.login_attempts_per_minute
        )
        self.ip_logins = RateLimiter(
            settings.login_failures_per_ip_per_minute,
            burst=settings.login_failures_per_ip_per_minute,
        )
