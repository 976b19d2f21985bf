"""The hub core: websocket server, protocol, conversation lifecycle and storage.

A shopper's message travels: chat/ws.py (socket) -> chat/protocol.py (frame)
-> chat/service.py (persist, publish) -> chat/bus.py (fan-out) -> listeners
(bot/, agents_console/) and the agents' connections.
"""

from chat.config import Settings
from chat.events import DomainEvent, EventName
from chat.hub import Hub, create_app, create_hub
from chat.lifecycle import Cause, LifecycleError, Status
from chat.plugins import Plugin

__all__ = [
    "Cause",
    "DomainEvent",
    "EventName",
    "Hub",
    "LifecycleError",
    "Plugin",
    "Settings",
    "Status",
    "create_app",
    "create_hub",
]
