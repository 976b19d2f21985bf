"""`touchpoint kb ...`: import, export, search and stats from the command line."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, Self, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from chat.config import Settings
from knowledge import store
from knowledge.base import Mode
from knowledge.facets import FilterError
from knowledge.formats import Format, ItemKind, dump, dump_category_names, dump_synonyms
from knowledge.service import FileRejected, ImportRejected, KnowledgeService, SynonymImport

T = TypeVar("T")
kb_app = typer.Typer(
    help="Products, FAQs and synonyms: import, export, search, stats.", no_args_is_help=True
)
import_app = typer.Typer(
    help="Import products or FAQs (JSON, JSONL, CSV, a product feed), synonym sets or "
    "category names.",
    no_args_is_help=True,
)
kb_app.add_typer(import_app, name="import")

PHASES = {"read": "Reading", "save": "Saving", "index": "Indexing"}


def settings() -> Settings:
    from chat.cli import current_settings

    return current_settings()


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@asynccontextmanager
async def open_service(*, load: bool = True) -> AsyncIterator[KnowledgeService]:
    """A hub with only the knowledge plugin: database, bus (to tell running servers) and index."""
    from chat.hub import create_hub

    hub = create_hub(settings(), plugins=["knowledge"])
    await hub.migrate()
    await hub.bus.start()
    service = hub.require(KnowledgeService)
    try:
        if load:
            with BarProgress() as progress:
                await service.load(progress=progress)
        yield service
        await service.flush()
    finally:
        await hub.bus.stop()
        await hub.engine.dispose()


class BarProgress:
    """A progress bar per import phase, on stderr so stdout stays parseable."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            transient=False, disable=not sys.stderr.isatty(),
        )  # fmt: skip
        self._task: Any = None

    def __enter__(self) -> Self:
        self._bar.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._bar.stop()

    def phase(self, name: Literal["read", "save", "index"], total: int) -> None:
        self._task = self._bar.add_task(PHASES[name], total=total)

    def advance(self, done: int) -> None:
        self._bar.advance(self._task, done)


def _import(
    kind: ItemKind,
    file: Path,
    format: Format | None,
    encoding: str | None,
    replace: bool,
    skip_invalid: bool,
) -> None:
    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file", param_hint="FILE")

    async def go() -> None:
        async with open_service() as service:
            with BarProgress() as progress:
                try:
                    report = await service.import_file(
                        file.read_bytes(), kind=kind, filename=str(file), actor="cli", format=format,
                        encoding=encoding, replace=replace, skip_invalid=skip_invalid, progress=progress,
                    )  # fmt: skip
                except ImportRejected as exc:
                    for error in exc.report.invalid:
                        typer.echo(str(error), err=True)
                    hint = "; nothing was imported" + (
                        "" if skip_invalid else " (--skip-invalid imports the good rows)"
                    )
                    typer.echo(f"{len(exc.report.invalid)} problem(s){hint}", err=True)
                    raise typer.Exit(1) from None
        for error in report.invalid:
            typer.echo(f"skipped {error}", err=True)
        typer.echo(
            f"{kind}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.deleted} deleted, {len(report.invalid)} skipped"
        )

    run(go())


FormatOption = Annotated[
    Format | None,
    typer.Option("--format", help="json, jsonl, csv or feed (default: from the name)"),
]
EncodingOption = Annotated[
    str | None, typer.Option(help="Text encoding (default UTF-8, or UTF-16 with a BOM).")
]
ReplaceOption = Annotated[
    bool, typer.Option("--replace", help="Delete what the file no longer has.")
]
SkipOption = Annotated[
    bool, typer.Option("--skip-invalid", help="Import the good rows and list the bad ones.")
]
FileArgument = Annotated[Path, typer.Argument(help="The file to import.")]


def _import_command(kind: ItemKind, summary: str) -> None:
    def command(
        file: FileArgument, format: FormatOption = None, encoding: EncodingOption = None,
        replace: ReplaceOption = False, skip_invalid: SkipOption = False,
    ) -> None:  # fmt: skip
        _import(kind, file, format, encoding, replace, skip_invalid)

    command.__doc__ = summary
    import_app.command(kind)(command)


_import_command(
    "products", "Products: JSON, JSONL, CSV (attributes as attr_<name> columns) or a shopping feed."
)
_import_command("faqs", "FAQs: JSON, JSONL or CSV (variants and tags separated by |).")


def _rejected(exc: FileRejected) -> NoReturn:
    for error in exc.errors:
        typer.echo(str(error), err=True)
    typer.echo(f"{len(exc.errors)} problem(s); nothing was imported", err=True)
    raise typer.Exit(1) from None


@import_app.command("synonyms")
def import_synonyms(
    file: FileArgument, encoding: EncodingOption = None, replace: ReplaceOption = False
) -> None:
    """Synonym sets: JSON ({"synonyms": [["Laterne", "lantern"], ...]}) or text, one set a
    line with its terms separated by commas. Sets already stored stay as they are."""
    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file", param_hint="FILE")

    async def go() -> SynonymImport:
        async with open_service(load=False) as service:
            return await service.import_synonyms(
                file.read_bytes(), filename=str(file), actor="cli", encoding=encoding,
                replace=replace,
            )  # fmt: skip

    try:
        report = run(go())
    except FileRejected as exc:
        _rejected(exc)
    typer.echo(
        f"synonyms: {report.created} created, {report.unchanged} unchanged, {report.deleted} deleted"
    )


@import_app.command("categories")
def import_categories(file: FileArgument, encoding: EncodingOption = None) -> None:
    """Category names per language: JSON ({"categories": {"Garden/Tools": {"de":
    "Gartengeräte"}, ...}}). Categories the file does not name keep theirs."""
    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file", param_hint="FILE")

    async def go() -> int:
        async with open_service(load=False) as service:
            return await service.import_category_names(
                file.read_bytes(), filename=str(file), actor="cli", encoding=encoding
            )

    try:
        named = run(go())
    except FileRejected as exc:
        _rejected(exc)
    typer.echo(f"categories: {named} named")


@kb_app.command("export")
def export(
    kind: Annotated[
        Literal["products", "faqs", "synonyms", "categories"],
        typer.Argument(help="products, faqs, synonyms or categories (their names)"),
    ],
    file: Annotated[Path, typer.Argument(help="Where to write; - for stdout.")],
    format: Annotated[
        Format | None,
        typer.Option(
            "--format",
            help="json, jsonl or csv (default: from the name; synonyms and categories: json)",
        ),
    ] = None,
) -> None:
    """Write every product, FAQ, synonym set or category name to a file that `kb import`
    reads back."""
    as_json_only = {"synonyms": "synonym sets", "categories": "category names"}
    if kind in as_json_only and format not in (None, "json"):
        raise typer.BadParameter(
            f"{as_json_only[kind]} are written as JSON only", param_hint="--format"
        )
    fmt = format or {".jsonl": "jsonl", ".csv": "csv"}.get(file.suffix.lower(), "json")

    async def go() -> str:
        async with open_service(load=False) as service, service.hub.sessions() as db:
            if kind == "synonyms":
                return dump_synonyms(row.terms for row in await store.synonym_sets(db))
            if kind == "categories":
                return dump_category_names(await store.category_names(db))
            items = await store.load_items(db, "product" if kind == "products" else "faq")
        return dump(items, fmt, kind)  # type: ignore[arg-type]

    try:
        text = run(go())
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format") from None
    if str(file) == "-":
        sys.stdout.write(text)
    else:
        file.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {file}", err=True)


@kb_app.command("stats")
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Counts, categories, index size and the embedding model."""
    from knowledge.api import collect_stats

    async def go() -> dict[str, Any]:
        async with open_service() as service, service.hub.sessions() as db:
            return (await collect_stats(service, db)).model_dump()

    result = run(go())
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(
        f"products {result['products']}, faqs {result['faqs']}, synonym sets {result['synonyms']}, "
        f"index {result['index_mb']} MB, model {result['model']}"
    )
    for category, n in sorted(result["categories"].items()):
        typer.echo(f"  {n:6d}  {category}")


def parse_filter_options(values: list[str]) -> dict[str, str | list[str]]:
    """``--filter key=value`` options; a key given again adds a value any of which will do
    (``--filter attr.season=summer --filter attr.season=3-season``)."""
    filters: dict[str, str | list[str]] = {}
    for value in values:
        key, sep, raw = value.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(
                f"{value!r}: write key=value, e.g. brand=Alpina or attr.persons_min=2",
                param_hint="--filter",
            )
        key, raw = key.strip(), raw.strip()
        earlier = filters.get(key)
        if earlier is None:
            filters[key] = raw
        else:
            filters[key] = [*([earlier] if isinstance(earlier, str) else earlier), raw]
    return filters


@kb_app.command("search")
def search(
    query: Annotated[
        str, typer.Argument(help="What to look for; - reads one query per line from stdin.")
    ],
    kind: Annotated[Literal["products", "faqs"], typer.Option(help="What to search.")] = "products",
    k: Annotated[int, typer.Option("-k", min=1, max=1000, help="How many results.")] = 10,
    filter: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            help="key=value, repeatable: category, brand, price_min, price_max, in_stock, "
            "attr.<name>[_min|_max]; attr.<name> twice matches either value",
        ),
    ] = None,
    mode: Annotated[Mode, typer.Option(help="hybrid, keyword or dense.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per query.")] = False,
) -> None:
    """Search products or FAQs; with QUERY - answer a query per stdin line as JSON lines."""
    filters = parse_filter_options(filter or [])

    async def go() -> None:
        async with open_service() as service:
            kb = service.kb
            queries = (line.rstrip("\n") for line in sys.stdin) if query == "-" else iter([query])
            for text in queries:
                try:
                    result = kb.search(text, kind=kind, k=k, filters=filters, mode=mode)
                except FilterError as exc:
                    raise typer.BadParameter(str(exc), param_hint="--filter") from None
                if as_json or query == "-":
                    results = [{"id": h.id, "score": h.score, "kind": h.kind} for h in result.hits]
                    typer.echo(json.dumps({"query": text, "results": results}, ensure_ascii=False))
                    continue
                typer.echo(f"{result.total} match(es)")
                for hit in result.hits:
                    item = kb.get_product(hit.id) if hit.kind == "product" else kb.get_faq(hit.id)
                    title = getattr(item, "title", None) or getattr(item, "question", "")
                    typer.echo(f"  {hit.score:7.3f}  {hit.id:<20} {title}")

    run(go())
