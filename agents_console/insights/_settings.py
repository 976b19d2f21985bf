"""Insights settings: retention and gap finding (environment prefix ``TOUCHPOINT_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from agents_console.insights._gaps import DEFAULT_THRESHOLD


class InsightsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUCHPOINT_", extra="ignore")

    # Conversations without activity and shopper events older than this are deleted; unset: kept.
    retention_days: int | None = Field(default=180, ge=1)
    # How often each server process runs the purge.
    purge_interval_seconds: float = Field(default=3600.0, gt=0)
    # Questions at least this similar (cosine) to a cluster's seed join the cluster.
    gap_similarity: float = Field(default=DEFAULT_THRESHOLD, ge=0, le=1)
    # The newest this many open gap questions are clustered.
    gap_questions: int = Field(default=3000, ge=1, le=20000)
