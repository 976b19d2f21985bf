"""`touchpoint bench widget`: how fast the widget shows up, opens and sends, in Chromium.

A hub with the widget runs as its own process on loopback; headless Chromium
(the system one, as in the tests) loads a page of the demo shop that embeds the
widget the documented way. Each run measures, in the page's own clock:

- launcher_ms: from navigation start until the launcher is on screen;
- open_ms: from ``Touchpoint.open()`` until the hub's welcome (app bundle fetched
  and run, websocket open, hello answered);
- send_ms: from pressing Enter until the message shows "Sent" (the hub's ack).

"cold" runs use a fresh browser profile; "warm" runs reload in the same profile,
so the loader is revalidated (304) and the app comes from the cache.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from chat.bench import free_port, hub_command, wait_for_port
from widget._assets import widget_assets

bench_app = typer.Typer()
# Debian's Chromium, headless, with nothing of its own reaching out (the tests use these too).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
WIDGET = "touchpoint-widget"
OPEN_UNTIL_READY = """() => new Promise((resolve) => {
  const start = performance.now();
  Touchpoint.on("ready", () => resolve(performance.now() - start));
  Touchpoint.open();
})"""
SEND_UNTIL_SENT = """(text) => new Promise((resolve) => {
  const root = document.querySelector("touchpoint-widget").shadowRoot;
  const input = root.getElementById("tp-input");
  const start = performance.now();
  new MutationObserver((changes, observer) => {
    const mine = root.querySelectorAll(".tp-from-visitor[data-seq] .tp-receipt");
    if (mine.length && mine[mine.length - 1].textContent) { observer.disconnect(); resolve(performance.now() - start); }
  }).observe(root, {subtree: true, childList: true, characterData: true});
  input.value = text;
  input.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}));
})"""
LAUNCHER_SHOWN = """() => new Promise((resolve) => {
  const check = () => {
    const host = document.querySelector("touchpoint-widget");
    const label = host && host.shadowRoot.querySelector(".tp-launcher span");
    if (label && label.textContent) resolve(performance.now()); else requestAnimationFrame(check);
  };
  check();
})"""


def _serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(hub_command(data_dir, port, "widget"), stdout=subprocess.DEVNULL)
    wait_for_port(port, process, timeout=300)
    return process


def _one_run(page: Any, url: str, number: int) -> dict[str, float]:
    page.goto(url, wait_until="commit")
    launcher = page.evaluate(LAUNCHER_SHOWN)
    opened = page.evaluate(OPEN_UNTIL_READY)
    sent = page.evaluate(SEND_UNTIL_SENT, f"benchmark message {number}")
    page.evaluate("Touchpoint.close()")
    return {"launcher_ms": launcher, "open_ms": opened, "send_ms": sent}


def _summary(runs: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    return {
        name: {
            "median": round(statistics.median(r[name] for r in runs), 1),
            "max": round(max(r[name] for r in runs), 1),
        }
        for name in runs[0]
    }


def run_widget_benchmark(runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright  # a test extra: pip install -e '.[test]'

    assets = widget_assets()
    with tempfile.TemporaryDirectory(prefix="touchpoint-bench-widget-") as tmp:
        port = free_port()
        hub = _serve(Path(tmp), port)
        url = f"http://127.0.0.1:{port}/demo/privacy"  # a demo shop page: the widget embedded as documented
        cold: list[dict[str, float]] = []
        warm: list[dict[str, float]] = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                with typer.progressbar(range(runs), label="runs", file=sys.stderr) as progress:
                    for number in progress:
                        context = browser.new_context()
                        page = context.new_page()
                        cold.append(_one_run(page, url, number))
                        # The same first visit, now from the cache.
                        page.evaluate("localStorage.clear()")
                        warm.append(_one_run(page, url, number))
                        context.close()
                browser.close()
        finally:
            hub.terminate()
            hub.wait(timeout=30)
    return {
        "runs": runs,
        "loader_gzip_bytes": assets.loader_gzip_bytes,
        "widget_gzip_bytes": assets.widget_gzip_bytes,
        "cold": _summary(cold),
        "warm": _summary(warm),
    }


@bench_app.command("widget")
def bench_widget(
    runs: Annotated[int, typer.Option(help="Page loads per profile (cold and warm).")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Time to launcher, to an open chat and to a sent message, in headless Chromium."""
    import json

    if not Path(CHROMIUM).exists():
        raise typer.BadParameter(f"{CHROMIUM} is missing: run `make browser` first")
    result = run_widget_benchmark(runs)
    typer.echo(json.dumps(result) if as_json else json.dumps(result, indent=2))
