"""`touchpoint widget ...`: the embed snippet, identity HMACs and the size budget."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from widget._assets import LOADER_BUDGET, WIDGET_BUDGET, widget_assets

widget_app = typer.Typer(help="The shopper chat widget.", no_args_is_help=True)


@widget_app.command("snippet")
def snippet(
    site: Annotated[str | None, typer.Option(help="Site key (default: the hub's).")] = None,
) -> None:
    """Print the script tag a shop puts on its pages."""
    from chat.cli import current_settings

    settings = current_settings()
    base = settings.public_url.rstrip("/")
    typer.echo(
        f'<script src="{base}/widget.js" data-touchpoint-site="{site or settings.site_key}" async></script>'
    )


@widget_app.command("hmac")
def hmac(customer_id: Annotated[str, typer.Argument(help="The shop's customer id.")]) -> None:
    """Print the identity HMAC for a customer id (what the shop's server computes)."""
    from chat.auth import identity_hmac
    from chat.cli import current_settings

    settings = current_settings().prepare()
    typer.echo(identity_hmac(settings.identity_secret or "", customer_id))


@widget_app.command("size")
def size(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Gzipped sizes of the loader and the whole widget against their budgets."""
    assets = widget_assets()
    result = {
        "loader_bytes": len(assets.loader.body),
        "loader_gzip_bytes": assets.loader_gzip_bytes,
        "loader_budget_gzip_bytes": LOADER_BUDGET,
        "app_bytes": len(assets.app.body),
        "app_gzip_bytes": len(assets.app.gzipped),
        "widget_gzip_bytes": assets.widget_gzip_bytes,
        "widget_budget_gzip_bytes": WIDGET_BUDGET,
    }
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"loader  {assets.loader_gzip_bytes:>6} B gzipped (budget {LOADER_BUDGET} B)")
    typer.echo(
        f"widget  {assets.widget_gzip_bytes:>6} B gzipped (budget {WIDGET_BUDGET} B, loader + app + css)"
    )
