"""Database engine, the declarative base every package maps onto, and migrations.

Each plugin keeps its own Alembic version folder (a branch labelled with the
plugin's name); ``upgrade`` applies every branch's head.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import StaticPool

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")
log = logging.getLogger("touchpoint.db")
CHECKPOINT_SECONDS = 1.0  # how often the group writer checkpoints the SQLite WAL
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
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        dt.datetime: UTCDateTime(),
    }


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# A failed statement's error names its parameters unless hidden: shoppers' messages,
# e-mail addresses and names would end up in logged tracebacks.
HIDE_PARAMETERS = {"hide_parameters": True}


def create_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"timeout": 30}, **HIDE_PARAMETERS}
        if ":memory:" in url:
            kwargs["poolclass"] = StaticPool
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url, pool_size=20, max_overflow=20, pool_pre_ping=True, **HIDE_PARAMETERS
    )


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


def upgrade(url: str, version_locations: list[str], targets: list[str]) -> None:
    """Upgrade each target (``branch@head``) in turn; the branches are independent."""
    config = alembic_config(url, version_locations)
    for target in targets:
        command.upgrade(config, target)


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def sqlite_engine_hook(engine: Engine) -> None:
    event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_busy(exc: OperationalError) -> bool:
    """Another connection holds the write lock (extended codes like BUSY_SNAPSHOT included)."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY


class GroupWriter(Generic[Item, Outcome]):
    """Writes items submitted concurrently in batches: one transaction, one thread call.

    ``write_batch`` runs on a worker thread with a synchronous connection and
    returns one outcome per item. While batches are being written the next one
    gathers, so under load a commit (and the handover between the event loop and
    the thread, which costs more than the SQL) is shared by many messages.
    PostgreSQL waits for each commit to reach the network and the disk, so
    several batches overlap there (``write_batch`` must take its row locks in a
    fixed order so that they cannot deadlock).

    SQLite has one writer anyway, so it gets one batch at a time, and an item
    that finds no batch being written is written at once on the event loop: a
    commit that waits for neither the disk (WAL, ``synchronous=NORMAL``, no
    checkpoint) nor a lock (busy timeout 0) takes about 70 µs there, against
    about 180 µs of handover to the thread and back. If another connection holds
    the write lock, the item goes to the thread, which waits for it.

    On SQLite the writer's commits never checkpoint the WAL (a checkpoint waits
    for the disk, and every message queued behind it would wait too); a second
    thread checkpoints at most once a second instead, beside the writer.
    """

    def __init__(
        self,
        url: str,
        write_batch: Callable[[Connection, list[Item]], list[Outcome]],
        *,
        max_batch: int = 200,
    ) -> None:
        sqlite = url.startswith("sqlite")
        self.in_flight_limit = 1 if sqlite else 4
        self.engine = sa_create_engine(
            sync_url(url),
            **HIDE_PARAMETERS,
            **(
                {"connect_args": {"check_same_thread": False, "timeout": 30}}
                if sqlite
                else {"pool_size": self.in_flight_limit, "pool_pre_ping": True}
            ),
        )
        self.checkpointer: ThreadPoolExecutor | None = None
        self.writes_inline = sqlite
        self._inline: Connection | None = None
        if sqlite:
            sqlite_engine_hook(self.engine)
            event.listen(self.engine, "connect", _no_autocheckpoint)
            self.checkpointer = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="touchpoint-checkpoint"
            )
        self.write_batch = write_batch
        self.max_batch = max_batch
        self.executor = ThreadPoolExecutor(
            max_workers=self.in_flight_limit, thread_name_prefix="touchpoint-writer"
        )
        self._pending: list[tuple[Item, asyncio.Future[Outcome]]] = []
        self._in_flight: set[asyncio.Task[None]] = set()
        self._checkpoint_due = time.monotonic() + CHECKPOINT_SECONDS
        self._checkpointing = False

    async def submit(self, item: Item) -> Outcome:
        """Write ``item`` with whatever else is waiting; returns once it is committed."""
        if self.writes_inline and not self._pending and not self._in_flight:
            try:
                outcome = self.write_batch(self._inline_connection(), [item])[0]
            except OperationalError as exc:
                if not _sqlite_busy(exc):
                    raise
            else:
                self._maybe_checkpoint()
                return outcome
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        self._start_batches()
        # A caller that goes away (its socket closed) does not stop the write.
        return await asyncio.shield(future)

    def _start_batches(self) -> None:
        while self._pending and len(self._in_flight) < self.in_flight_limit:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            task = asyncio.ensure_future(self._write_batch(batch))
            self._in_flight.add(task)
            task.add_done_callback(self._batch_done)

    def _inline_connection(self) -> Connection:
        if self._inline is None:
            self._inline = self.engine.connect()
            # Never wait on the event loop: a held lock sends the item to the thread.
            self._inline.exec_driver_sql("PRAGMA busy_timeout=0")
            self._inline.commit()
        return self._inline

    def _batch_done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._start_batches()
        self._maybe_checkpoint()

    def _maybe_checkpoint(self) -> None:
        if (
            self.checkpointer
            and not self._checkpointing
            and time.monotonic() >= self._checkpoint_due
        ):
            self._checkpointing = True
            done = asyncio.get_running_loop().run_in_executor(self.checkpointer, self._checkpoint)
            done.add_done_callback(self._checkpoint_done)

    def _checkpoint(self) -> None:
        with self.engine.connect() as connection:
            # PASSIVE copies what no reader still needs and never blocks the writer.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def _checkpoint_done(self, done: asyncio.Future[None]) -> None:
        self._checkpointing = False
        self._checkpoint_due = time.monotonic() + CHECKPOINT_SECONDS
        if not done.cancelled() and done.exception() is not None:
            log.warning("WAL checkpoint failed; the next one retries", exc_info=done.exception())

    async def _write_batch(self, batch: list[tuple[Item, asyncio.Future[Outcome]]]) -> None:
        items = [item for item, _ in batch]
        try:
            outcomes = await asyncio.get_running_loop().run_in_executor(
                self.executor, self._write, items
            )
        except Exception as exc:  # noqa: BLE001 - each writer in the batch gets the failure
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            future.set_result(outcome)

    def _write(self, items: list[Item]) -> list[Outcome]:
        with self.engine.connect() as connection:
            return self.write_batch(connection, items)

    async def close(self) -> None:
        # What was submitted is written (and acknowledged) before the connections go.
        while self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        if self._inline is not None:
            self._inline.close()
        self.executor.shutdown(wait=True)
        if self.checkpointer:
            self.checkpointer.shutdown(wait=True)
        self.engine.dispose()
