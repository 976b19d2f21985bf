"""`touchpoint bot ...` (try the bot) and `touchpoint bench bot` (measure it)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

bot_app = typer.Typer(help="Try the shopping bot and refit its confidence model.")
bench_app = typer.Typer()
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


async def _ask(texts: list[str], as_json: bool) -> None:
    from bot.dialogue import Dialogue
    from bot.runtime import Runtime
    from chat.cli import current_settings
    from chat.hub import create_hub

    hub = create_hub(current_settings(), plugins=["bot"])
    await hub.start()
    try:
        dialogue = Dialogue(hub.require(Runtime))
        for text in texts:
            # Each utterance is the first message of a fresh conversation.
            result = await dialogue.respond(text)
            summary = result.summary()
            typer.echo(
                json.dumps(summary, ensure_ascii=False)
                if as_json
                else f"[{summary['action']}] {summary['reply']}"
            )
    finally:
        await hub.stop()


@bot_app.command("ask")
def ask(
    text: Annotated[
        str,
        typer.Argument(
            help='What the shopper writes; "-" reads one utterance per line from stdin.'
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per utterance.")
    ] = False,
) -> None:
    """Answer TEXT as the bot would at the start of a conversation."""
    texts = [line.strip() for line in sys.stdin if line.strip()] if text == "-" else [text]
    if not texts or not all(texts):
        raise typer.BadParameter("give a non-empty text, or - with one utterance per line on stdin")
    asyncio.run(_ask(texts, as_json))


@bot_app.command("calibrate")
def calibrate_command(
    data: Annotated[
        Path, typer.Option(help="The evaluation data folder (CLINC150 train/val are used).")
    ] = DEFAULT_DATA,
) -> None:
    """Refit the FAQ confidence model and thresholds on CLINC150 train/val; writes bot/data/calibration.json."""
    from bot.bench import calibrate, load_clinc

    if not (data / "clinc150" / "data_full.json").exists():
        raise typer.BadParameter(f"no clinc150/data_full.json under {data}", param_hint="--data")
    total = len(load_clinc(data, split="val").test) + 100
    with typer.progressbar(length=total, label="calibrating") as bar:
        calibration = calibrate(data, progress=bar.update)
    calibration.save()
    typer.echo(json.dumps(calibration.__dict__))


@bench_app.command("bot")
def bench_bot(
    data: Annotated[Path, typer.Option(help="The evaluation data folder.")] = DEFAULT_DATA,
    products: Annotated[int, typer.Option(help="Catalog size for the latency run.")] = 50_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Intent accuracy on CLINC150, BANKING77 and Bitext, how often the demo shop answers
    their questions with products, and reply latency on a large catalog."""
    from bot.bench import run_all

    if not data.is_dir():
        raise typer.BadParameter(f"{data} is not a folder", param_hint="--data")
    with typer.progressbar(
        length=5500 + 3080 + 810 + 5500 + 810 + products, label="bench bot", file=sys.stderr
    ) as bar:
        result = run_all(data, products, progress=bar.update)
    typer.echo(json.dumps(result) if as_json else json.dumps(result, indent=2))
