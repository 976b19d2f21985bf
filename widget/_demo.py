"""Routes of the demo storefront at /demo (rendering is in _shop.py)."""

from __future__ import annotations

from importlib import resources
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Cookie, Header, HTTPException, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from chat import storage
from chat.api.deps import DbSession, HubDep
from chat.auth import identity_hmac
from knowledge import KnowledgeBase, Product
from widget._shop import (
    DemoCustomer,
    Page,
    by_slug,
    placeholder_svg,
    render_cart,
    render_category,
    render_help,
    render_home,
    render_privacy,
    render_product,
)

router = APIRouter(prefix="/demo", include_in_schema=False)
CUSTOMER_COOKIE = "demo_customer"
DEMO_CUSTOMER_ID = "cust-1001"  # Anna, seeded by chat/demo.py with orders from the bot's demo data
STATIC_TYPES = {"shop.js": "text/javascript; charset=utf-8", "shop.css": "text/css; charset=utf-8"}
CustomerCookie = Annotated[str | None, Cookie(alias=CUSTOMER_COOKIE)]


def _catalogue(hub: HubDep) -> list[Product]:
    return hub.require(KnowledgeBase).all_products()


async def _page(hub: HubDep, db: DbSession, customer_id: str | None) -> Page:
    if customer_id != DEMO_CUSTOMER_ID:
        return Page(site_key=hub.settings.site_key)
    contact = await storage.contact_by_customer_id(db, customer_id=customer_id)
    customer = DemoCustomer(
        customer_id=customer_id,
        name=(contact.name if contact and contact.name else "Anna"),
        email=(contact.email if contact and contact.email else ""),
    )
    # What a shop's server renders for a logged-in customer (docs/embedding.md).
    secret = hub.settings.identity_secret or ""
    return Page(
        site_key=hub.settings.site_key,
        customer=customer,
        identity_hmac=identity_hmac(secret, customer_id),
    )


@router.get("", response_class=HTMLResponse)
async def home(hub: HubDep, db: DbSession, customer: CustomerCookie = None) -> str:
    return render_home(await _page(hub, db, customer), _catalogue(hub))


@router.get("/c/{category:path}", response_class=HTMLResponse)
async def category(
    category: str, hub: HubDep, db: DbSession, customer: CustomerCookie = None
) -> str:
    products = _catalogue(hub)
    if not any(p.category == category or p.category.startswith(category + "/") for p in products):
        raise HTTPException(
            404,
            detail={
                "code": "not_found",
                "message": f"no category {category!r} in the demo catalogue",
            },
        )
    return render_category(await _page(hub, db, customer), products, category)


def _product(hub: HubDep, name: str) -> Product:
    product = by_slug(_catalogue(hub), name)
    if product is None:
        raise HTTPException(
            404,
            detail={"code": "not_found", "message": f"no product {name!r} in the demo catalogue"},
        )
    return product


@router.get("/products/{name}", response_class=HTMLResponse)
async def product(name: str, hub: HubDep, db: DbSession, customer: CustomerCookie = None) -> str:
    return render_product(await _page(hub, db, customer), _catalogue(hub), _product(hub, name))


@router.get("/cart", response_class=HTMLResponse)
async def cart(hub: HubDep, db: DbSession, customer: CustomerCookie = None) -> str:
    return render_cart(await _page(hub, db, customer), _catalogue(hub))


@router.get("/privacy", response_class=HTMLResponse)
async def privacy(hub: HubDep, db: DbSession, customer: CustomerCookie = None) -> str:
    return render_privacy(await _page(hub, db, customer), _catalogue(hub))


@router.get("/help", response_class=HTMLResponse)
async def help_page(hub: HubDep, db: DbSession, customer: CustomerCookie = None) -> str:
    faqs = hub.require(KnowledgeBase).faqs()
    return render_help(await _page(hub, db, customer), _catalogue(hub), faqs)


@router.get("/img/{name}.svg")
async def image(name: str, hub: HubDep) -> Response:
    product = _product(hub, name)
    return Response(
        placeholder_svg(product.id, product.title),
        media_type="image/svg+xml",
        headers={
            "Cache-Control": "public, max-age=3600",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


@router.get("/{name}")
async def static(name: str) -> Response:
    if name not in STATIC_TYPES:
        raise HTTPException(404, detail={"code": "not_found", "message": f"no demo page {name!r}"})
    text = (resources.files("widget") / "demo" / name).read_text(encoding="utf-8")
    return Response(text, media_type=STATIC_TYPES[name], headers={"Cache-Control": "no-cache"})


def _back(referer: str | None) -> str:
    # Only back to a demo page: never an open redirect to wherever the Referer says.
    path = urlsplit(referer or "").path
    return path if path.startswith("/demo") else "/demo"


@router.post("/login")
async def login(referer: Annotated[str | None, Header()] = None) -> RedirectResponse:
    response = RedirectResponse(_back(referer), status_code=303)
    response.set_cookie(CUSTOMER_COOKIE, DEMO_CUSTOMER_ID, httponly=True, samesite="lax")
    return response


@router.post("/logout")
async def logout(referer: Annotated[str | None, Header()] = None) -> RedirectResponse:
    response = RedirectResponse(_back(referer), status_code=303)
    response.delete_cookie(CUSTOMER_COOKIE)
    return response
