"""The content API under /api/kb: products, FAQs, synonyms, imports, search and stats.

Any signed-in agent may read; writing needs the editor or admin role. Every
write is audited and searchable (in every server process) within a second.
"""

# No `from __future__ import annotations`: the route factory's body parameters are
# annotated with a variable (`model`) that FastAPI must see as a class, not a string.

import asyncio
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, HTTPException, Query, Response, UploadFile, status
from pydantic import BaseModel, Field

from chat.api.deps import CurrentAgent, DbSession, EditorAgent, HubDep
from knowledge import store
from knowledge.base import Mode, SearchKind
from knowledge.facets import FilterError
from knowledge.formats import FORMATS, Format, ItemKind
from knowledge.models import KbImportJob
from knowledge.schemas import (
    Category,
    CategoryNamesIn,
    Faq,
    FaqMatch,
    Hit,
    Item,
    Kind,
    Product,
    SynonymSet,
    SynonymSetIn,
)
from knowledge.service import FileRejected, KnowledgeService, SynonymImport

router = APIRouter(prefix="/api/kb", tags=["knowledge"])
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_SYNONYM_BYTES = 5 * 1024 * 1024


def get_service(hub: HubDep) -> KnowledgeService:
    return hub.require(KnowledgeService)


Service = Annotated[KnowledgeService, Depends(get_service)]


class ProductPage(BaseModel):
    items: list[Product]
    total: int


class FaqPage(BaseModel):
    items: list[Faq]
    total: int


class SearchRequest(BaseModel):
    query: str = Field(default="", max_length=1000)
    kind: SearchKind = "products"
    k: int = Field(10, ge=1, le=100)
    mode: Mode = "hybrid"
    filters: dict[str, Any] = Field(
        default_factory=dict,
        description="category, brand, price_min, price_max, in_stock, attr.<name> (a value, "
        "or a list of which any will do), attr.<name>_min, attr.<name>_max",
        examples=[{"category": "Outdoor/Tents", "attr.season": ["summer", "3-season"]}],
    )


class SearchResponse(BaseModel):
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    total: int
    # The products or FAQs of ``hits``, in the same order.
    items: list[Product | Faq]


class ImportJobOut(BaseModel):
    id: str
    kind: str
    filename: str
    status: Literal["queued", "running", "done", "failed"]
    total: int
    processed: int
    report: dict[str, Any] | None
    error: str | None


class ImportStarted(BaseModel):
    job_id: str
    status_url: str


class Stats(BaseModel):
    products: int
    faqs: int
    synonyms: int = Field(description="synonym sets")
    categories: dict[str, int]
    index_mb: float
    model: str


def _not_found(kind: Kind, item_id: str) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        detail={"code": "not_found", "message": f"no {kind} with id {item_id!r}"},
    )


def _check_path_id(path_id: str, body_id: str) -> None:
    if path_id != body_id:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail={
                "code": "invalid_request",
                "message": "the request has invalid fields",
                "fields": [
                    {"field": "id", "message": f"must equal the id in the URL ({path_id!r})"}
                ],
            },
        )


def _crud(
    kind: Kind, model: type[Product] | type[Faq], page: type[ProductPage] | type[FaqPage]
) -> None:
    """List, read, create, replace and delete routes for one kind."""
    plural = f"{kind}s"

    async def list_items(
        _agent: CurrentAgent,
        db: DbSession,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> Any:
        items, total = await store.list_items(db, kind, offset=offset, limit=limit)
        return page(items=items, total=total)  # type: ignore[arg-type]

    async def get_item(item_id: str, _agent: CurrentAgent, db: DbSession) -> Any:
        item = await store.get_item(db, kind, item_id)
        if item is None:
            raise _not_found(kind, item_id)
        return item

    # `model` is a class chosen per kind; FastAPI validates the body against it.
    async def create_item(item: model, agent: EditorAgent, service: Service, db: DbSession) -> Any:  # type: ignore[valid-type]
        doc = cast(Item, item)
        if await store.get_item(db, kind, doc.id) is not None:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                detail={
                    "code": "exists",
                    "message": f"{kind} {doc.id!r} exists; PUT /api/kb/{plural}/{doc.id} replaces it",
                },
            )
        await service.upsert(doc, actor=agent.email)
        return doc

    async def replace_item(
        item_id: str,
        item: model,  # type: ignore[valid-type]
        agent: EditorAgent,
        service: Service,
        response: Response,
    ) -> Any:
        doc = cast(Item, item)
        _check_path_id(item_id, doc.id)
        if await service.upsert(doc, actor=agent.email):
            response.status_code = status.HTTP_201_CREATED
        return doc

    async def delete_item(item_id: str, agent: EditorAgent, service: Service) -> Response:
        if not await service.delete(kind, item_id, actor=agent.email):
            raise _not_found(kind, item_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    one = f"/{plural}/{{item_id}}"
    for path, endpoint, method, code, response_model, summary in (
        (f"/{plural}", list_items, "GET", 200, page, f"List {plural}"),
        (f"/{plural}", create_item, "POST", 201, model, f"Create a {kind}"),
        (one, get_item, "GET", 200, model, f"Get a {kind}"),
        (one, replace_item, "PUT", 200, model, f"Create or replace a {kind}"),
    ):
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            status_code=code,
            response_model=response_model,
            summary=summary,
        )
    router.add_api_route(
        one,
        delete_item,
        methods=["DELETE"],
        status_code=204,
        summary=f"Delete a {kind}",
        response_class=Response,
    )


_crud("product", Product, ProductPage)
_crud("faq", Faq, FaqPage)


def _no_synonym_set(set_id: str) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        detail={"code": "not_found", "message": f"no synonym set with id {set_id!r}"},
    )


@router.get("/categories", response_model=list[Category], summary="List categories")
async def list_categories(_agent: CurrentAgent, service: Service) -> list[Category]:
    """Every category of the catalog and its parents, with product counts and the names
    the shop gave them per language."""
    return await service.categories()


@router.put("/categories", response_model=Category, summary="Name a category per language")
async def name_category(names: CategoryNamesIn, agent: EditorAgent, service: Service) -> Category:
    """What the bot's buttons call a category in each language (``{"de": "Gartengeräte"}``),
    in force in every process within a second; no names: the catalog's own again."""
    # A category no product is in any more keeps its names until they are cleared here.
    categories = {c.path: c for c in await service.categories()}
    if names.path not in categories:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail={
                "code": "not_found",
                "message": f"no product is in category {names.path!r}; "
                "GET /api/kb/categories lists them",
            },
        )
    await service.save_category_names(names, actor=agent.email)
    return categories[names.path].model_copy(update={"names": names.names})


@router.get("/synonyms", response_model=list[SynonymSet], summary="List synonym sets")
async def list_synonyms(_agent: CurrentAgent, service: Service) -> list[SynonymSet]:
    """Every synonym set, by its first term (as search uses them now)."""
    return await service.synonym_sets()


@router.post(
    "/synonyms", status_code=201, response_model=SynonymSet, summary="Create a synonym set"
)
async def create_synonyms(
    synonyms: SynonymSetIn, agent: EditorAgent, service: Service
) -> SynonymSet:
    """Terms keyword search treats as one word, in force in every process within a second."""
    saved = await service.save_synonyms(synonyms.terms, actor=agent.email)
    assert saved is not None  # a new set always saves
    return saved


@router.post("/synonyms/import", response_model=SynonymImport, summary="Import synonym sets")
async def import_synonyms(
    file: UploadFile,
    agent: EditorAgent,
    service: Service,
    replace: Annotated[bool, Query(description="delete the sets the file does not have")] = False,
    encoding: Annotated[
        str | None, Query(description="default: UTF-8 (or UTF-16 with BOM)")
    ] = None,
) -> SynonymImport:
    """JSON (``{"synonyms": [["Laterne", "lantern"], ...]}``) or text, one set a line
    with its terms separated by commas. All or nothing: one bad set is a 422 listing
    every problem with its line, and nothing changes."""
    data = await file.read(MAX_SYNONYM_BYTES + 1)
    if len(data) > MAX_SYNONYM_BYTES:
        raise HTTPException(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            detail={"code": "too_large", "message": "a synonym file may have at most 5 MB"},
        )
    try:
        return await service.import_synonyms(
            data, filename=file.filename or "synonyms", actor=agent.email, encoding=encoding,
            replace=replace,
        )  # fmt: skip
    except FileRejected as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail={
                "code": "invalid_file",
                "message": f"nothing was imported: {len(exc.errors)} problem(s)",
                "errors": [error.model_dump() for error in exc.errors],
            },
        ) from None


@router.put("/synonyms/{set_id}", response_model=SynonymSet, summary="Replace a synonym set")
async def replace_synonyms(
    set_id: str, synonyms: SynonymSetIn, agent: EditorAgent, service: Service
) -> SynonymSet:
    saved = await service.save_synonyms(synonyms.terms, actor=agent.email, set_id=set_id)
    if saved is None:
        raise _no_synonym_set(set_id)
    return saved


@router.delete(
    "/synonyms/{set_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a synonym set",
)
async def delete_synonyms(set_id: str, agent: EditorAgent, service: Service) -> Response:
    if not await service.delete_synonyms(set_id, actor=agent.email):
        raise _no_synonym_set(set_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/search", response_model=SearchResponse)
async def search(request: SearchRequest, _agent: CurrentAgent, service: Service) -> SearchResponse:
    """Hybrid (or keyword / dense) search with filters; facets count every match."""
    kb = service.kb
    try:
        result = await asyncio.to_thread(
            kb.search,
            request.query,
            kind=request.kind,
            k=request.k,
            filters=request.filters,
            mode=request.mode,
        )
    except FilterError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail={
                "code": "invalid_filter",
                "message": str(exc),
                "fields": [{"field": f"filters.{exc.key}", "message": exc.message}],
            },
        ) from None
    ids = [hit.id for hit in result.hits]
    items: list[Product | Faq] = []
    if request.kind == "products":
        items.extend(kb.products(ids))
    else:
        items.extend(f for i in ids if (f := kb.get_faq(i)) is not None)
    return SearchResponse(hits=result.hits, facets=result.facets, total=result.total, items=items)


@router.get("/faq-matches", response_model=list[FaqMatch])
async def faq_matches(
    q: Annotated[str, Query(min_length=1, max_length=1000)],
    _agent: CurrentAgent,
    service: Service,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[FaqMatch]:
    """The closest FAQs with each retriever's evidence (what the bot sees)."""
    return await asyncio.to_thread(service.kb.faq_matches, q, k)


@router.post("/import/{kind}", status_code=202, response_model=ImportStarted)
async def start_import(
    kind: ItemKind,
    file: UploadFile,
    agent: EditorAgent,
    service: Service,
    format: Annotated[
        Format | None,
        Query(description=f"one of {', '.join(FORMATS)}; default: from the file name"),
    ] = None,
    encoding: Annotated[
        str | None, Query(description="default: UTF-8 (or UTF-16 with BOM)")
    ] = None,
    replace: Annotated[bool, Query(description="delete what the file no longer has")] = False,
    skip_invalid: Annotated[
        bool, Query(description="import the good rows and list the bad ones")
    ] = False,
) -> ImportStarted:
    """Start a bulk import; poll ``status_url`` for progress and the report."""
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            detail={
                "code": "too_large",
                "message": "files over 200 MB: use `touchpoint kb import` on the server",
            },
        )
    job_id = await service.start_import_job(
        data, kind=kind, filename=file.filename or f"upload.{format or 'json'}", actor=agent.email,
        format=format, encoding=encoding, replace=replace, skip_invalid=skip_invalid,
    )  # fmt: skip
    return ImportStarted(job_id=job_id, status_url=f"/api/kb/jobs/{job_id}")


@router.get("/jobs/{job_id}", response_model=ImportJobOut)
async def get_job(job_id: str, _agent: CurrentAgent, db: DbSession) -> ImportJobOut:
    job: KbImportJob | None = await store.get_job(db, job_id)
    if job is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail={"code": "not_found", "message": f"no import job {job_id!r}"},
        )
    return ImportJobOut.model_validate(job, from_attributes=True)


@router.get("/stats", response_model=Stats)
async def stats(_agent: CurrentAgent, service: Service, db: DbSession) -> Stats:
    return await collect_stats(service, db)


async def collect_stats(service: KnowledgeService, db: DbSession) -> Stats:
    counts = await store.counts(db)
    return Stats(
        products=counts["products"],
        faqs=counts["faqs"],
        synonyms=counts["synonyms"],
        categories=await store.category_counts(db),
        index_mb=round(await asyncio.to_thread(service.kb.nbytes) / 2**20, 2),
        model=service.kb.embedder.model_id,
    )
