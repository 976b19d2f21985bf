"""The `touchpoint` command. Plugins add their own groups (kb, bot, bench ...)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from chat.config import Settings
from chat.plugins import installed_plugins

app = typer.Typer(
    help="Touchpoint: chat-based shopping assistant and live-support hub.", no_args_is_help=True
)
bench_app = typer.Typer(help="Benchmarks (print one JSON object with --json).")
db_app = typer.Typer(help="Database schema.")
_settings: Settings | None = None


def current_settings() -> Settings:
    """The settings of this invocation (environment plus --data-dir)."""
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings


@app.callback()
def main_options(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="Folder for the database, indexes and uploads (default ./var)."
        ),
    ] = None,
) -> None:
    global _settings
    _settings = Settings(data_dir=data_dir) if data_dir else Settings()
    # The server and `db upgrade` log what they do (requests, migrations run); the other
    # commands (kb import, bench ...) print their own result and log only warnings,
    # unless TOUCHPOINT_LOG_LEVEL asks for more.
    explicit = "log_level" in _settings.model_fields_set
    chatty = ctx.invoked_subcommand in ("serve", "db")
    level = _settings.log_level if explicit or chatty else "WARNING"
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


@app.command()
def serve(
    demo: Annotated[bool, typer.Option(help="Seed the demo shop into an empty data dir.")] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    plugins: Annotated[
        str | None,
        typer.Option(help='Comma-separated plugins to load (default all; "" for the core only).'),
    ] = None,
) -> None:
    """Serve the hub: widget, demo shop, console, API and websockets."""
    import uvicorn

    from chat.hub import create_app

    settings = current_settings()
    settings.public_url = f"http://{host}:{port}"
    only = None if plugins is None else [name for name in plugins.split(",") if name]
    fastapi_app = create_app(settings, plugins=only, demo=demo, manage_gc=True)
    typer.echo(f"Touchpoint on http://{host}:{port}  (data in {settings.data_dir.resolve()})")
    if demo:
        typer.echo(f"  demo shop      http://{host}:{port}/demo")
        typer.echo(
            f"  agent console  http://{host}:{port}/console  (agent@demo.shop / demo-agent,"
            " admin@demo.shop / demo-admin)"
        )
    typer.echo(f"  API docs       http://{host}:{port}/docs")
    # Chat frames are small: compressing each one for each socket costs more CPU
    # than it saves bandwidth (a proxy can still compress towards the browser).
    uvicorn.run(
        fastapi_app,
        host=host,
        port=port,
        log_level="warning",
        ws_max_size=settings.max_frame_bytes * 4,
        ws_per_message_deflate=False,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (the server also does this at start-up)."""
    from chat.db import upgrade
    from chat.hub import create_hub

    hub = create_hub(current_settings())
    upgrade(hub.database_url, hub.version_locations(), hub.migration_targets())
    typer.echo("database is up to date")


@bench_app.command("relay")
def bench_relay(
    connections: Annotated[
        int, typer.Option(help="Concurrent websocket connections (visitors + agents).")
    ] = 2000,
    rate: Annotated[
        float, typer.Option(help="Visitor messages per second, all visitors together.")
    ] = 500.0,
    seconds: Annotated[float, typer.Option(help="How long to send.")] = 20.0,
    agents: Annotated[int, typer.Option(help="How many of the connections are agents.")] = 20,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="An empty database to use instead of a fresh SQLite file (it is filled)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Relay visitor messages to agents through persistence; compare with a bare websockets relay."""
    import json

    from chat.bench import run_relay_benchmark

    result = run_relay_benchmark(
        connections=connections,
        rate=rate,
        seconds=seconds,
        agents=agents,
        database_url=database_url,
    )
    typer.echo(json.dumps(result) if as_json else json.dumps(result, indent=2))


def build_cli() -> typer.Typer:
    """The full command: the core's groups plus every plugin's (safe to call again)."""
    if app.registered_groups:
        return app
    groups: dict[str, typer.Typer] = {"bench": bench_app, "db": db_app}
    for plugin in installed_plugins(strict=False):
        for name, sub_app in plugin.cli.items():
            if name in groups:
                groups[name].registered_commands.extend(sub_app.registered_commands)
                groups[name].registered_groups.extend(sub_app.registered_groups)
            else:
                groups[name] = sub_app
    for name, sub_app in groups.items():
        app.add_typer(sub_app, name=name)
    return app


def main() -> None:
    """Entry point of the `touchpoint` console script."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    build_cli()()


if __name__ == "__main__":
    # `python -m chat.cli` runs this file as __main__, a second copy of the module: the
    # plugins' commands read chat.cli's settings (--data-dir), so run that copy's main.
    from chat.cli import main as importable_main

    importable_main()
