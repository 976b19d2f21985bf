"""How packages plug into the hub.

chat/ is the core and imports none of the packages built on it. Each of them
(knowledge, bot, agents_console, widget) exposes a ``Plugin`` under the
``touchpoint.plugins`` entry point group; the hub loads them in dependency order.
See docs/subsystems/plugins.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from chat.hub import Hub


@dataclass(frozen=True)
class Plugin:
    name: str
    requires: tuple[str, ...] = ()
    # "package:migrations/versions" for plugins that own tables; the first revision's
    # branch_labels is (name,), so a hub upgrades only the branches it loads.
    migrations: str | None = None
    # Called once while the app is built: add routers, listeners and services.
    setup: Callable[[Hub], None] | None = None
    # Called when the server starts and stops (load indexes, start timers).
    startup: Callable[[Hub], Awaitable[None]] | None = None
    shutdown: Callable[[Hub], Awaitable[None]] | None = None
    # Sub-commands mounted under `touchpoint <name>` (e.g. `touchpoint kb`).
    cli: dict[str, typer.Typer] = field(default_factory=dict)
    # Seeds demo content into an empty store (`touchpoint serve --demo`).
    seed_demo: Callable[[Hub], Awaitable[None]] | None = None


def installed_plugins(only: list[str] | None = None, *, strict: bool = True) -> list[Plugin]:
    """The installed plugins sorted so that each comes after what it requires.

    With ``strict=False`` a plugin that fails to import is left out with a
    warning (the CLI stays usable to repair things), as are those needing it."""
    found = {ep.name: ep for ep in entry_points(group="touchpoint.plugins")}
    wanted = set(found) if only is None else set(only)
    loaded: dict[str, Plugin] = {}

    def load(name: str) -> None:
        if name in loaded:
            return
        if name not in found:
            raise RuntimeError(f"plugin {name!r} is required but not installed (pip install -e .)")
        plugin: Plugin = found[name].load()
        for dependency in plugin.requires:
            load(dependency)
        loaded[name] = plugin

    for name in sorted(wanted):
        try:
            load(name)
        except Exception as exc:
            if strict:
                raise
            warnings.warn(f"plugin {name!r} is left out: {exc}", stacklevel=2)
    return list(loaded.values())
