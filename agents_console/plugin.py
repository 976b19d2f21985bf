"""The agent console as a hub plugin: pages, admin REST, queue routing.

See docs/subsystems/console.md.
"""

from __future__ import annotations

from agents_console._api import router as api_router
from agents_console._dispatcher import QueueDispatcher
from agents_console._pages import pages_router
from chat.hub import Hub
from chat.plugins import Plugin


def setup(hub: Hub) -> None:
    dispatcher = QueueDispatcher(hub)
    dispatcher.install()
    hub.provide(QueueDispatcher, dispatcher)
    hub.include_router(api_router)
    hub.include_router(pages_router())


plugin = Plugin(
    name="agents_console",
    requires=("knowledge",),
    setup=setup,
)
