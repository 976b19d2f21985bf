"""The hub: settings, database, bus, listeners and plugins wired into one app.

``create_app`` is the composition root. Plugins (knowledge, bot, console,
widget) get the ``Hub`` in their ``setup`` and add routers, listeners and
services; chat/ itself never imports them.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chat import storage
from chat.auth import Tokens
from chat.bus import Bus, create_bus
from chat.collector import IdleCollector
from chat.config import Settings
from chat.db import GroupWriter, create_engine, session_factory, upgrade
from chat.events import DomainEvent, EventName
from chat.metrics import Metrics
from chat.plugins import Plugin, installed_plugins
from chat.ratelimit import Limits

T = TypeVar("T")
Listener = Callable[[DomainEvent], Awaitable[None]]
log = logging.getLogger("touchpoint.hub")


class Listeners:
    """Domain-event listeners of this process, keyed by event name.

    Events are dispatched only in the process that caused them, so a listener
    (the bot, routing) acts once per event however many processes run.
    """

    def __init__(self) -> None:
        self._by_name: dict[EventName, list[Listener]] = defaultdict(list)
        self._tasks: set[asyncio.Task[None]] = set()

    def on(self, name: EventName) -> Callable[[Listener], Listener]:
        def register(listener: Listener) -> Listener:
            self._by_name[name].append(listener)
            return listener

        return register

    def dispatch(self, events: list[DomainEvent]) -> None:
        """Run the listeners in the background: the caller has already answered its client."""
        for event in events:
            for listener in self._by_name.get(event.name, ()):
                task = asyncio.create_task(self._run(listener, event))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for running listeners (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @staticmethod
    async def _run(listener: Listener, event: DomainEvent) -> None:
        try:
            await listener(event)
        except Exception:
            log.exception("listener failed", extra={"event": event.name.value})


class Hub:
    def __init__(self, settings: Settings, plugins: list[Plugin]) -> None:
        from chat.presence import Presence
        from chat.service import ConversationService

        self.settings = settings.prepare()
        self.plugins = plugins
        self.database_url = settings.resolved_database_url()
        self.engine: AsyncEngine = create_engine(self.database_url)
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(self.engine)
        self.message_writer = GroupWriter(self.database_url, storage.write_messages)
        self.bus: Bus = create_bus(settings.bus_url)
        self.listeners = Listeners()
        self.tokens = Tokens(self.settings.secret_key or "", settings.session_hours)
        self.presence = Presence(self)
        self.metrics = Metrics()
        # Told of connections and frames; schedules full collections only where
        # create_app(manage_gc=True) runs it (a server process of its own).
        self.collector = IdleCollector()
        self.limits = Limits(self.settings)
        self.conversations = ConversationService(self)
        self.routers: list[APIRouter] = []
        # Timers and other fire-and-forget work, cancelled on shutdown.
        self.background: set[asyncio.Task[Any]] = set()
        self._services: dict[type, Any] = {}

    def run_in_background(self, work: Awaitable[Any]) -> asyncio.Task[Any]:
        """Run ``work`` until it ends or the hub stops (which cancels it)."""
        task = asyncio.ensure_future(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task

    # Services that plugins offer each other (the knowledge base to the bot, ...).
    def provide(self, kind: type[T], service: T) -> None:
        self._services[kind] = service

    def require(self, kind: type[T]) -> T:
        try:
            return self._services[kind]  # type: ignore[no-any-return]
        except KeyError:
            raise RuntimeError(f"no {kind.__name__} registered; is its plugin installed?") from None

    def optional(self, kind: type[T]) -> T | None:
        return self._services.get(kind)

    def include_router(self, router: APIRouter) -> None:
        self.routers.append(router)

    def version_locations(self) -> list[str]:
        """The migrations of the core and of every installed plugin, loaded here or not.

        A database shared with a fuller hub (``touchpoint kb import`` on the data dir
        of ``touchpoint serve``) holds those plugins' revisions too, and Alembic has
        to resolve every revision it finds."""
        plugins = {p.name: p for p in installed_plugins(strict=False)} | {
            p.name: p for p in self.plugins
        }
        locations = [str(Path(__file__).parent / "migrations" / "versions")]
        for plugin in plugins.values():
            if plugin.migrations:
                package, _, path = plugin.migrations.partition(":")
                locations.append(package_path(package, path))
        return locations

    def migration_targets(self) -> list[str]:
        """What this hub brings up to date: the core's branch and its plugins' (a
        plugin's first revision carries its name as branch label), not the others'."""
        return ["chat@head", *(f"{p.name}@head" for p in self.plugins if p.migrations)]

    async def migrate(self) -> None:
        await asyncio.to_thread(
            upgrade, self.database_url, self.version_locations(), self.migration_targets()
        )

    async def start(self) -> None:
        await self.migrate()
        await self.bus.start()
        await self.presence.start()
        # Imported here: both modules need the hub's types.
        from chat.privacy import watch_erasures
        from chat.service import resolve_idle_forever

        if not self.bus.crosses_processes:
            self.run_in_background(watch_erasures(self))
        if self.settings.bot_idle_minutes:
            self.run_in_background(resolve_idle_forever(self))
        for plugin in self.plugins:
            if plugin.startup:
                await plugin.startup(self)

    async def stop(self) -> None:
        for plugin in reversed(self.plugins):
            if plugin.shutdown:
                await plugin.shutdown(self)
        for task in list(self.background):
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.listeners.drain()
        await self.presence.stop()
        await self.bus.stop()
        await self.engine.dispose()
        await self.message_writer.close()

    async def seed_demo(self) -> None:
        from chat.demo import seed_core

        await seed_core(self)
        for plugin in self.plugins:
            if plugin.seed_demo:
                await plugin.seed_demo(self)


def package_path(package: str, relative: str) -> str:
    module = importlib.import_module(package)
    if module.__file__ is None:
        raise RuntimeError(
            f"{package} is not a regular package (is something shadowing it on sys.path?)"
        )
    return str(Path(module.__file__).parent / relative)


def create_hub(settings: Settings | None = None, plugins: list[str] | None = None) -> Hub:
    """A hub with the installed plugins (or only those named, with what they require)."""
    hub = Hub(settings or Settings(), installed_plugins(plugins))
    for plugin in hub.plugins:
        if plugin.setup:
            plugin.setup(hub)
    return hub


def create_app(
    settings: Settings | None = None,
    plugins: list[str] | None = None,
    demo: bool = False,
    manage_gc: bool = False,
) -> FastAPI:
    """The ASGI app. ``manage_gc`` is for a server process that runs this app alone:
    full garbage collections then run when the hub is quiet (chat/collector.py)."""
    from chat.api import install_core_routes

    hub = create_hub(settings, plugins)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        if demo:
            await hub.seed_demo()
        collecting: asyncio.Task[None] | None = None
        if manage_gc:
            # Modules, models and indexes loaded so far live as long as the process:
            # frozen, CPython's collections no longer walk them.
            hub.collector.collect()
            collecting = asyncio.create_task(hub.collector.run())
        yield
        if collecting is not None:
            collecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await collecting
        await hub.stop()

    app = FastAPI(
        title="Touchpoint",
        version="1",
        summary="Chat-based shopping assistant and live-support hub",
        lifespan=lifespan,
    )
    app.state.hub = hub
    install_core_routes(app, hub)
    for router in hub.routers:
        app.include_router(router)
    if demo and any(router.prefix == "/demo" for router in hub.routers):
        # `make run` names http://127.0.0.1:8000: with the demo shop, that is where to land.
        app.add_api_route("/", lambda: RedirectResponse("/demo"), include_in_schema=False)
    return app
