"""The widget's JavaScript as served: a small loader and one versioned app bundle.

Hand-written, dependency-free sources in widget/static/ (no build step). The app
bundle is app.js with widget.css inlined; its file name carries a hash of its
content so it can be cached forever, while the loader (which names the bundle)
is cached briefly and revalidated by ETag. Gzip versions are made once here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

LOADER_BUDGET = 15 * 1024  # gzipped bytes
WIDGET_BUDGET = 60 * 1024  # gzipped bytes, loader and app together


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    etag: str


@dataclass(frozen=True)
class WidgetAssets:
    loader: Asset
    app: Asset
    app_path: str  # relative to the hub's root: "widget/app.<hash>.js"

    @property
    def loader_gzip_bytes(self) -> int:
        return len(self.loader.gzipped)

    @property
    def widget_gzip_bytes(self) -> int:
        return len(self.loader.gzipped) + len(self.app.gzipped)


def _source(name: str) -> str:
    return (resources.files("widget") / "static" / name).read_text(encoding="utf-8")


def _asset(text: str) -> Asset:
    body = text.encode()
    digest = hashlib.sha256(body).hexdigest()
    # mtime=0: the same source always gives the same bytes.
    return Asset(
        body=body, gzipped=gzip.compress(body, compresslevel=9, mtime=0), etag=f'"{digest[:20]}"'
    )


@cache
def widget_assets() -> WidgetAssets:
    app = _asset(_source("app.js").replace("__CSS__", json.dumps(_source("widget.css"))))
    app_path = f"widget/app.{app.etag.strip(chr(34))[:12]}.js"
    loader = _asset(_source("loader.js").replace("__APP_PATH__", app_path))
    return WidgetAssets(loader=loader, app=app, app_path=app_path)
