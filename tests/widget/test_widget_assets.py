"""The widget's scripts as served: size budget and what the sources may not do."""

from __future__ import annotations

import re

from widget import LOADER_BUDGET, WIDGET_BUDGET, widget_assets
from widget._assets import _source

SOURCES = ("loader.js", "app.js", "widget.css")


def test_loader_stays_within_its_budget() -> None:
    size = widget_assets().loader_gzip_bytes
    assert size <= LOADER_BUDGET, f"widget.js is {size} B gzipped; the budget is {LOADER_BUDGET} B"


def test_whole_widget_stays_within_its_budget() -> None:
    size = widget_assets().widget_gzip_bytes
    assert size <= WIDGET_BUDGET, (
        f"loader + app + css are {size} B gzipped; the budget is {WIDGET_BUDGET} B"
    )


def test_bundle_name_follows_its_content() -> None:
    assets = widget_assets()
    assert re.fullmatch(r"widget/app\.[0-9a-f]{12}\.js", assets.app_path)
    assert assets.app.etag.strip('"').startswith(assets.app_path.split(".")[1])
    # The loader names exactly this bundle, and the placeholders are all filled in.
    assert assets.app_path.encode() in assets.loader.body
    assert b"__APP_PATH__" not in assets.loader.body and b"__CSS__" not in assets.app.body


def test_css_is_inlined_into_the_bundle() -> None:
    assert b".tp-panel" in widget_assets().app.body


def test_no_html_injection_points() -> None:
    # All text reaches the page through textContent; markup is built node by node.
    for name in ("loader.js", "app.js"):
        source = _source(name)
        for sink in (
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
        ):
            assert sink not in source, f"{name} uses {sink}"


def test_no_third_party_requests() -> None:
    # The only absolute URL in the sources is the SVG namespace, which is never fetched.
    for name in SOURCES:
        urls = set(re.findall(r"https?://[^\s\"')]+", _source(name)))
        assert urls <= {"http://www.w3.org/2000/svg"}, f"{name} names {urls}"


def test_only_one_global() -> None:
    # Both scripts are wrapped in a function; the only assignment to window is the API.
    for name in ("loader.js", "app.js"):
        source = _source(name).strip()
        body = source[source.index("(function") :]
        assert body.endswith("})();"), f"{name} is not a single IIFE"
    assert re.findall(r"window\.(\w+)\s*=[^=]", _source("loader.js")) == ["Touchpoint"]
    assert not re.findall(r"window\.(\w+)\s*=[^=]", _source("app.js"))
