"""The console's pages and assets: versioned URLs, cache and security headers."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from agents_console._pages import Assets
from tests.console.console_helpers import ConsoleServer


def test_asset_version_follows_the_content(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text("export const a = 1;\n")
    (tmp_path / "style.css").write_text("body {}\n")
    (tmp_path / "notes.txt").write_text("not served")
    (tmp_path / "Bad Name.js").write_text("not served either")
    first = Assets(tmp_path)
    assert set(first.files) == {"app.js", "style.css"}
    assert first.files["app.js"].media_type.startswith("text/javascript")
    assert first.base == f"/console/static/{first.version}"

    assert Assets(tmp_path).version == first.version
    (tmp_path / "app.js").write_text("export const a = 2;\n")
    assert Assets(tmp_path).version != first.version


def test_pages_and_assets_headers(console_hub: ConsoleServer) -> None:
    with httpx.Client(base_url=console_hub.url) as client:
        page = client.get("/console")
        assert page.status_code == 200
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["x-content-type-options"] == "nosniff"
        # Modules only, nothing inline.
        assert "<script" in page.text and "<script>" not in page.text

        login = client.get("/console/login")
        assert login.status_code == 200 and 'id="login-form"' in login.text

        asset_urls = re.findall(r'(?:src|href)="(/console/static/[^"]+)"', page.text)
        assert {url.rsplit("/", 1)[1] for url in asset_urls} == {"console.css", "console.js"}
        script = client.get(next(u for u in asset_urls if u.endswith(".js")))
        assert script.status_code == 200
        assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert script.headers["content-type"].startswith("text/javascript")
        assert "innerHTML" not in script.text
        cached = client.get(script.url, headers={"If-None-Match": script.headers["etag"]})
        assert cached.status_code == 304

        # Modules import their siblings under the same version.
        sibling = client.get(str(script.url).replace("console.js", "dom.js"))
        assert sibling.status_code == 200

        stale = client.get("/console/static/0ld0ld0ld0ld/console.js")
        assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
        missing = client.get(str(script.url).replace("console.js", "secret.py"))
        assert missing.status_code == 404 and missing.json()["detail"]["code"] == "not_found"
        traversal = client.get("/console/static/x/..%2F_api.py")
        assert traversal.status_code == 404
