"""`touchpoint privacy ...` (retention purge, export, erasure) and `touchpoint bench gaps`."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from chat.hub import Hub

privacy_app = typer.Typer(
    help="Personal data: the retention purge, and export or erasure of one contact.",
    no_args_is_help=True,
)
bench_app = typer.Typer()
DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CLI_ACTOR = "cli"


@asynccontextmanager
async def _hub(*, start: bool) -> AsyncIterator[Hub]:
    """A hub on this data dir; ``start`` also loads the indexes an erasure must update."""
    from chat.cli import current_settings
    from chat.hub import create_hub

    hub = create_hub(current_settings())
    if start:
        await hub.start()
    else:
        await hub.migrate()
    try:
        yield hub
    finally:
        if start:
            await hub.stop()
        else:
            await hub.engine.dispose()


@privacy_app.command("purge")
def purge(
    days: Annotated[
        int | None,
        typer.Option(min=1, help="Maximum age in days (default: TOUCHPOINT_RETENTION_DAYS)."),
    ] = None,
) -> None:
    """Delete conversations, events and analytics older than the retention period."""
    from agents_console.insights._privacy import run_purge
    from agents_console.insights._settings import InsightsSettings

    days = days or InsightsSettings().retention_days
    if days is None:
        raise typer.BadParameter("no retention period configured; give --days", param_hint="--days")

    async def main() -> None:
        columns = (
            SpinnerColumn(),
            TextColumn("{task.description:<14}"),
            TextColumn("{task.completed} deleted"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, disable=not sys.stderr.isatty()) as progress:
            tasks: dict[str, TaskID] = {}

            def tick(what: str, count: int) -> None:
                if what not in tasks:
                    tasks[what] = progress.add_task(what, total=None)
                progress.advance(tasks[what], count)

            async with _hub(start=False) as hub:
                report = await run_purge(hub, days, actor=CLI_ACTOR, progress=tick)
        typer.echo(report.model_dump_json(indent=2))

    asyncio.run(main())


@privacy_app.command("export")
def export(
    contact_id: Annotated[
        str, typer.Argument(help="The contact's id (see the console's privacy page).")
    ],
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print everything stored about one contact as JSON (audited)."""
    from chat import privacy
    from chat.models import AuditEntry

    async def main() -> str:
        async with _hub(start=False) as hub, hub.sessions() as db:
            try:
                data = await privacy.export_contact(db, contact_id, extra=privacy.owners(hub))
            except privacy.ContactNotFound as exc:
                raise typer.BadParameter(str(exc), param_hint="CONTACT_ID") from None
            details = {"conversations": len(data.conversations), "events": len(data.events)}
            db.add(
                AuditEntry(
                    actor=CLI_ACTOR,
                    action="privacy.export",
                    target=f"contact:{contact_id}",
                    details=details,
                )
            )
            await db.commit()
            return data.model_dump_json(indent=2)

    text = asyncio.run(main())
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"written to {out}", err=True)


@privacy_app.command("erase")
def erase(
    contact_id: Annotated[str, typer.Argument(help="The contact's id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete one contact and everything stored of it (messages, events, analytics)."""
    from chat import privacy

    if not yes:
        typer.confirm(
            f"Erase contact {contact_id} and all its data? This cannot be undone", abort=True
        )

    async def main() -> privacy.ErasureReport:
        async with _hub(start=True) as hub:
            try:
                return await privacy.erase_contact(hub, contact_id, actor=CLI_ACTOR)
            except privacy.ContactNotFound as exc:
                raise typer.BadParameter(str(exc), param_hint="CONTACT_ID") from None

    typer.echo(asyncio.run(main()).model_dump_json(indent=2))


@bench_app.command("gaps")
def bench_gaps(
    data: Annotated[Path, typer.Option(help="The evaluation data folder.")] = DEFAULT_DATA,
    tune: Annotated[bool, typer.Option(help="Also search the threshold on the dev splits.")] = True,
    threshold: Annotated[
        float | None, typer.Option(help="Report at this threshold (default: the tuned one).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Gap clustering quality: tune the similarity threshold on dev splits, report on test splits."""
    from agents_console.insights._bench import run_gap_benchmark

    if not (data / "clinc150" / "data_full.json").exists():
        raise typer.BadParameter(f"no clinc150/data_full.json under {data}", param_hint="--data")
    with typer.progressbar(length=100, label="clustering", file=sys.stderr) as bar:
        result = run_gap_benchmark(data, tune=tune, threshold=threshold, progress=bar.update)
    typer.echo(json.dumps(result) if as_json else json.dumps(result, indent=2))
