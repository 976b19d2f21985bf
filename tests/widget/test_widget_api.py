"""The widget's HTTP surface on a real server: scripts, settings, queue status, demo shop."""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

import httpx
import pytest

from chat.auth import identity_hmac
from knowledge.base import KnowledgeBase
from tests.chat.helpers import DEMO_PASSWORDS, query
from tests.widget.widget_helpers import Loop, module_server, visitor_client
from widget import widget_assets

server = module_server(["widget"])


@pytest.fixture
def http(server: Any) -> Any:
    with httpx.Client(base_url=server.url, follow_redirects=False) as client:
        yield client


def signed_in(server: Any, email: str) -> httpx.Client:
    """A client with an agent's bearer token (no cookies, so no CSRF header needed)."""
    token = httpx.post(
        f"{server.url}/api/auth/login", json={"email": email, "password": DEMO_PASSWORDS[email]}
    ).json()["token"]
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})


def admin_id(server: Any) -> int:
    rows = query(server.hub.database_url, "SELECT id FROM agents WHERE email = 'admin@demo.shop'")
    return int(rows[0]["id"])


def test_loader_is_revalidated_and_the_bundle_cached_for_good(http: httpx.Client) -> None:
    loader = http.get("/widget.js", headers={"Accept-Encoding": "gzip"})
    assert loader.status_code == 200
    assert loader.headers["content-type"].startswith("text/javascript")
    assert loader.headers["content-encoding"] == "gzip"
    assert loader.headers["cache-control"] == "public, max-age=300"
    assert (
        http.get("/widget.js", headers={"If-None-Match": loader.headers["etag"]}).status_code == 304
    )

    app_path = re.search(r"widget/app\.[0-9a-f]{12}\.js", loader.text)
    assert app_path and app_path.group(0) == widget_assets().app_path
    bundle = http.get("/" + app_path.group(0), headers={"Accept-Encoding": "identity"})
    assert bundle.status_code == 200 and "content-encoding" not in bundle.headers
    assert bundle.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert gzip.compress(bundle.content) and b".tp-panel" in bundle.content

    gone = http.get("/widget/app.000000000000.js")
    assert gone.status_code == 404 and gone.json()["detail"]["code"] == "unknown_version"


def test_settings_are_public_and_cross_origin(http: httpx.Client) -> None:
    response = http.get(
        "/api/widget/config", params={"site": "demo"}, headers={"Origin": "https://shop.example"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "https://shop.example")
    assert response.headers["cache-control"] == "no-store"
    config = response.json()
    assert config["site"] == "demo" and config["open_now"] is True and config["agents_online"] == 0
    assert config["privacy_url"] == "/demo/privacy"  # seeded for the demo shop
    assert set(config["texts"]) == {"en", "de"}

    unknown = http.get("/api/widget/config", params={"site": "typo"})
    assert unknown.status_code == 404 and unknown.json()["detail"]["code"] == "unknown_site"
    bad = http.get("/api/widget/config", params={"site": "<script>"})
    assert bad.status_code == 422 and bad.json()["detail"]["code"] == "invalid_request"


def test_only_admins_change_settings_and_bad_ones_change_nothing(
    server: Any, http: httpx.Client
) -> None:
    # A site of its own, so the demo site stays as the other tests expect it.
    site = {"site": "outlet"}
    change = {
        "colors": {"primary": "#aa3300"},
        "position": "bottom-left",
        "privacy_url": "https://shop.example/p",
    }
    assert http.get("/api/widget/config", params=site).status_code == 404
    assert http.put("/api/widget/config", params=site, json=change).status_code == 401
    with signed_in(server, "agent@demo.shop") as agent:
        refused = agent.put("/api/widget/config", params=site, json=change)
        assert refused.status_code == 403 and refused.json()["detail"]["code"] == "forbidden"

    with signed_in(server, "admin@demo.shop") as admin:
        saved = admin.put("/api/widget/config", params=site, json=change)
        assert saved.status_code == 200, saved.text
        invalid = admin.put(
            "/api/widget/config", params=site, json={**change, "colors": {"primary": "red;}"}}
        )
        assert invalid.status_code == 422
        detail = invalid.json()["detail"]
        assert (
            detail["code"] == "invalid_request" and detail["fields"][0]["field"] == "colors.primary"
        )

    config = http.get("/api/widget/config", params=site).json()
    assert (config["colors"]["primary"], config["position"]) == ("#aa3300", "bottom-left")
    assert config["privacy_url"] == "https://shop.example/p"
    assert config["texts"]["de"]["launcher"] == "Zum Chat"  # left out, so the default
    audit = query(
        server.hub.database_url, "SELECT actor FROM audit_log WHERE target = 'site:outlet'"
    )
    assert [row["actor"] for row in audit] == [f"agent:{admin_id(server)}"]


def test_queue_status_is_for_the_waiting_visitor_only(
    server: Any, http: httpx.Client, loop: Loop
) -> None:
    first = visitor_client(loop, server)
    first.send_message("I would like to talk to someone")
    waiting = first.command("request_human")
    second = visitor_client(loop, server)
    second.send_message("me too")
    second_id = second.command("request_human")["conversation_id"]

    def status(conversation_id: int, token: str | None) -> httpx.Response:
        headers = {"X-Visitor-Token": token} if token else {}
        return http.get(
            "/api/widget/queue", params={"conversation_id": conversation_id}, headers=headers
        )

    first_place = status(waiting["conversation_id"], first.welcome["visitor_token"]).json()
    mine = status(second_id, second.welcome["visitor_token"])
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert (body["status"], body["position"], body["agents_online"]) == (
        "queued",
        first_place["position"] + 1,
        0,
    )
    assert body["waiting"] >= 2 and 30 <= body["expected_wait_seconds"] <= 7200

    assert status(second_id, None).json()["detail"]["code"] == "no_visitor_token"
    assert status(second_id, "forged").json()["detail"]["code"] == "bad_token"
    # Another visitor's conversation looks exactly like one that does not exist.
    foreign = status(second_id, first.welcome["visitor_token"])
    assert foreign.status_code == 404 and foreign.json()["detail"]["code"] == "not_found"


def test_demo_shop_pages(server: Any, http: httpx.Client) -> None:
    # The address `make run` prints leads to the demo shop.
    landing = http.get("/", follow_redirects=False)
    assert landing.status_code == 307 and landing.headers["location"] == "/demo"
    home = http.get("/demo")
    assert home.status_code == 200
    assert '<script src="/widget.js" data-touchpoint-site="demo" async></script>' in home.text
    product_path = re.search(r'href="(/demo/products/[^"]+)"', home.text)
    category_path = re.search(r'href="(/demo/c/[^"]+)"', home.text)
    assert product_path and category_path, "the demo catalogue is empty"
    product = http.get(product_path.group(1))
    assert product.status_code == 200 and "data-add-to-cart" in product.text
    assert http.get(category_path.group(1)).status_code == 200
    picture = http.get(re.search(r'src="(/demo/img/[^"]+\.svg)"', product.text).group(1))  # type: ignore[union-attr]
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/svg+xml"
    for path in ("/demo/shop.js", "/demo/shop.css", "/demo/cart", "/demo/privacy"):
        assert http.get(path).status_code == 200, path
    # The links of the bot's FAQ answers ("More: /demo/help#returns") land on their answer.
    help_page = http.get("/demo/help")
    assert help_page.status_code == 200 and 'href="/demo/help"' in home.text
    for faq in server.hub.require(KnowledgeBase).faqs():
        path, _, anchor = faq.url.partition("#")
        assert path == "/demo/help" and f'id="{anchor}"' in help_page.text, faq.url
    # The catalogue's own addresses (what the bot's product cards link to) are all real pages.
    for item in server.hub.require(KnowledgeBase).all_products():
        assert http.get(item.url).status_code == 200, item.url
        assert http.get(item.image_url).headers["content-type"] == "image/svg+xml", item.image_url
    for path in (
        "/demo/products/no-such-thing",
        "/demo/c/Nowhere",
        "/demo/img/none.svg",
        "/demo/secrets.txt",
    ):
        missing = http.get(path)
        assert missing.status_code == 404 and missing.json()["detail"]["code"] == "not_found", path


def test_demo_login_renders_a_valid_identity(server: Any, http: httpx.Client) -> None:
    logged_in = http.post("/demo/login", headers={"Referer": f"{server.url}/demo/cart"})
    assert logged_in.status_code == 303 and logged_in.headers["location"] == "/demo/cart"
    page = http.get("/demo/cart").text
    data = json.loads(re.search(r'id="page-data">(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    identity = data["identity"]
    assert identity["customerId"] == "cust-1001" and identity["email"] == "anna@example.com"
    assert identity["hmac"] == identity_hmac(server.settings.identity_secret, "cust-1001")
    # Never an open redirect, whatever the Referer says.
    assert (
        http.post("/demo/logout", headers={"Referer": "https://evil.example/demo"}).headers[
            "location"
        ]
        == "/demo"
    )
    assert (
        "identity" not in http.get("/demo").text.split('id="page-data">')[1].split("</script>")[0]
    )
