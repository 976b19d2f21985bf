"""Database engine, the declarative base every package maps onto, and migrations.

Each plugin keeps its own Alembic version folder (a branch labelled with the
plugin's name); ``upgrade`` applies every branch's head.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.pool import StaticPool

T = TypeVar("T")
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        dt.datetime: UTCDateTime(),
    }


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"timeout": 30}}
        if ":memory:" in url:
            kwargs["poolclass"] = StaticPool
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while one writer commits; NORMAL is durable across app crashes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Erased personal data must not linger in freed pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def sync_url(url: str) -> str:
    """The URL Alembic uses: the same database through a synchronous driver."""
    return url.replace("sqlite+aiosqlite", "sqlite")


def alembic_config(url: str, version_locations: list[str]) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("version_locations", " ".join(version_locations))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, version_locations: list[str]) -> None:
    command.upgrade(alembic_config(url, version_locations), "heads")


def sqlite_engine_hook(engine: Engine) -> None:
    event.listen(engine, "connect", _sqlite_pragmas)


class SyncWriter:
    """Runs short write transactions on worker threads with a synchronous connection.

    One thread call per transaction instead of one per statement: the message hot
    path costs a fraction of the async driver's round trips. SQLite gets one
    thread (it has one writer anyway), so writes queue here instead of polling
    the database lock.
    """

    def __init__(self, url: str) -> None:
        sqlite = url.startswith("sqlite")
        self.engine = sa_create_engine(
            sync_url(url),
            **({"connect_args": {"check_same_thread": False, "timeout": 30}} if sqlite else {"pool_size": 8}),
        )
        if sqlite:
            sqlite_engine_hook(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.executor = ThreadPoolExecutor(max_workers=1 if sqlite else 8, thread_name_prefix="touchpoint-writer")

    async def run(self, work: Callable[..., T], /, **kwargs: Any) -> T:
        def call() -> T:
            with self.sessions() as db:
                return work(db, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.engine.dispose()
