"""Database access for the knowledge tables: load, save with counts, delete, jobs, audit.

Functions take the session and keyword arguments; the caller owns the transaction,
so an import is one commit or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chat.db import utcnow
from chat.models import AuditEntry
from knowledge.models import KbCategoryName, KbFaq, KbImportJob, KbProduct, KbSynonymSet
from knowledge.schemas import Faq, Item, Kind, Product, content_hash, same_terms

BATCH = 1000
Table = type[KbProduct] | type[KbFaq]


def table_of(kind: Kind) -> Table:
    return KbProduct if kind == "product" else KbFaq


def kind_of(item: Item) -> Kind:
    return "product" if isinstance(item, Product) else "faq"


def _to_item(row: object) -> Item:
    # Rows were validated on their way in. Not validating them again on the way out keeps
    # a rule added later (such as web_address) from stopping a hub that stored older data.
    if isinstance(row, KbProduct):
        return Product.model_construct(
            id=row.id, title=row.title, description=row.description, price=row.price,
            currency=row.currency, category=row.category, brand=row.brand,
            attributes=row.attributes, stock=row.stock, url=row.url, image_url=row.image_url,
            rating=row.rating, popular=row.popular,
        )  # fmt: skip
    assert isinstance(row, KbFaq), row
    return Faq.model_construct(
        id=row.id, question=row.question, answer=row.answer, variants=row.variants, tags=row.tags,
        locale=row.locale, url=row.url, popular=row.popular,
    )  # fmt: skip


def _values(item: Item) -> dict[str, Any]:
    return {**item.model_dump(), "content_hash": content_hash(item), "updated_at": utcnow()}


async def load_items(db: AsyncSession, kind: Kind, ids: Sequence[str] | None = None) -> list[Item]:
    table = table_of(kind)
    if ids is None:
        rows = (await db.scalars(select(table).order_by(table.id))).all()
        return [_to_item(row) for row in rows]
    found: list[Item] = []
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found += [
            _to_item(row)
            for row in (await db.scalars(select(table).where(table.id.in_(chunk)))).all()
        ]
    return found


async def get_item(db: AsyncSession, kind: Kind, item_id: str) -> Item | None:
    row = await db.get(table_of(kind), item_id)
    return _to_item(row) if row is not None else None


async def list_items(
    db: AsyncSession, kind: Kind, *, offset: int, limit: int
) -> tuple[list[Item], int]:
    table = table_of(kind)
    total = await db.scalar(select(func.count()).select_from(table)) or 0
    rows = (await db.scalars(select(table).order_by(table.id).offset(offset).limit(limit))).all()
    return [_to_item(row) for row in rows], total


async def counts(db: AsyncSession) -> dict[str, int]:
    products = await db.scalar(select(func.count()).select_from(KbProduct)) or 0
    faqs = await db.scalar(select(func.count()).select_from(KbFaq)) or 0
    synonyms = await db.scalar(select(func.count()).select_from(KbSynonymSet)) or 0
    return {"products": products, "faqs": faqs, "synonyms": synonyms}


async def change_marks(db: AsyncSession) -> list[tuple[int, Any]]:
    """Per kind, the row count and the latest ``updated_at``: a write moves the latter,
    a delete the former, so two equal readings mean nothing changed in between."""
    marks = []
    for table in (KbProduct, KbFaq, KbSynonymSet, KbCategoryName):
        row = (await db.execute(select(func.count(), func.max(table.updated_at)))).one()
        marks.append((int(row[0]), row[1]))
    return marks


NO_CATEGORY = "(none)"


async def category_counts(db: AsyncSession) -> dict[str, int]:
    """Products per category path as written (``NO_CATEGORY`` for none)."""
    rows = await db.execute(select(KbProduct.category, func.count()).group_by(KbProduct.category))
    return {category or NO_CATEGORY: n for category, n in rows.tuples().all()}


async def hashes(db: AsyncSession, kind: Kind, ids: Sequence[str] | None = None) -> dict[str, str]:
    """Content hash by id, of every row or only of ``ids``."""
    table = table_of(kind)
    query = select(table.id, table.content_hash)
    if ids is None:
        return dict((await db.execute(query)).tuples().all())
    found: dict[str, str] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found.update((await db.execute(query.where(table.id.in_(chunk)))).tuples().all())
    return found


@dataclass
class SaveResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    # Content hash of each created or updated item, as written.
    hashes: dict[str, str] = field(default_factory=dict)

    def changed(self) -> list[str]:
        return self.created + self.updated


async def save_items(
    db: AsyncSession,
    kind: Kind,
    items: Sequence[Item],
    *,
    replace: bool = False,
    progress: Callable[[int], None] | None = None,
) -> SaveResult:
    """Insert new items, update changed ones by id; with ``replace`` delete the rest."""
    table = table_of(kind)
    # A replace needs every row to know what to delete; otherwise only the rows at hand.
    existing = await hashes(db, kind, None if replace else [item.id for item in items])
    result = SaveResult()
    for start in range(0, len(items), BATCH):
        inserts, updates = [], []
        for item in items[start : start + BATCH]:
            values = _values(item)
            previous = existing.get(item.id)
            if previous is None:
                inserts.append({**values, "created_at": values["updated_at"]})
                result.created.append(item.id)
            elif previous != values["content_hash"]:
                updates.append(values)
                result.updated.append(item.id)
            else:
                result.unchanged += 1
                continue
            result.hashes[item.id] = values["content_hash"]
        if inserts:
            await db.execute(insert(table), inserts)
        if updates:
            await db.execute(update(table), updates)
        if progress:
            progress(len(items[start : start + BATCH]))
    if replace:
        keep = {item.id for item in items}
        result.deleted = [item_id for item_id in existing if item_id not in keep]
        for start in range(0, len(result.deleted), BATCH):
            await db.execute(
                delete(table).where(table.id.in_(result.deleted[start : start + BATCH]))
            )
    return result


async def delete_item(db: AsyncSession, kind: Kind, item_id: str) -> bool:
    table = table_of(kind)
    outcome = await db.execute(delete(table).where(table.id == item_id))
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


def audit(
    db: AsyncSession, *, actor: str, action: str, target: str, details: dict[str, Any]
) -> None:
    db.add(AuditEntry(actor=actor, action=action, target=target, details=details))


# --- synonyms ---------------------------------------------------------------------------------


async def synonym_sets(db: AsyncSession) -> list[KbSynonymSet]:
    """Every set, by its first term."""
    rows = (await db.scalars(select(KbSynonymSet))).all()
    return sorted(rows, key=lambda row: ([t.casefold() for t in row.terms], row.id))


async def save_synonym_set(
    db: AsyncSession, terms: list[str], *, actor: str, set_id: str | None = None
) -> KbSynonymSet | None:
    """A new set, or ``set_id``'s terms replaced (None: no such set)."""
    if set_id is None:
        row = KbSynonymSet(terms=terms, updated_by=actor)
        db.add(row)
    else:
        found = await db.get(KbSynonymSet, set_id)
        if found is None:
            return None
        row = found
        row.terms, row.updated_by, row.updated_at = terms, actor, utcnow()
    await db.flush()
    return row


async def import_synonym_sets(
    db: AsyncSession, sets: list[list[str]], *, actor: str, replace: bool
) -> tuple[int, int, int]:
    """Add the sets not stored yet (the same terms in any order and case are the same
    set); with ``replace`` delete the stored ones ``sets`` lacks. Created, unchanged,
    deleted."""
    stored = {same_terms(row.terms): row for row in await synonym_sets(db)}
    wanted = {same_terms(terms): terms for terms in sets}
    created = [
        KbSynonymSet(terms=terms, updated_by=actor)
        for key, terms in wanted.items()
        if key not in stored
    ]
    db.add_all(created)
    gone = [row.id for key, row in stored.items() if replace and key not in wanted]
    if gone:
        await db.execute(delete(KbSynonymSet).where(KbSynonymSet.id.in_(gone)))
    await db.flush()
    return len(created), len(wanted) - len(created), len(gone)


async def delete_synonym_set(db: AsyncSession, set_id: str) -> bool:
    outcome = await db.execute(delete(KbSynonymSet).where(KbSynonymSet.id == set_id))
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


# --- category names ---------------------------------------------------------------------------


async def category_names(db: AsyncSession) -> dict[str, dict[str, str]]:
    """Path -> language -> name, of every category the shop named."""
    rows = (await db.scalars(select(KbCategoryName))).all()
    return {row.path: dict(row.names) for row in rows}


async def save_category_names(
    db: AsyncSession, path: str, names: dict[str, str], *, actor: str
) -> None:
    """Set ``path``'s names; with none left, the catalog's own name is used again."""
    row = await db.get(KbCategoryName, path)
    if not names:
        if row is not None:
            await db.delete(row)
    elif row is None:
        db.add(KbCategoryName(path=path, names=names, updated_by=actor))
    else:
        row.names, row.updated_by, row.updated_at = names, actor, utcnow()
    await db.flush()


# --- import jobs ------------------------------------------------------------------------------


async def create_job(db: AsyncSession, *, kind: str, filename: str, created_by: str) -> KbImportJob:
    job = KbImportJob(
        kind=kind, filename=filename, created_by=created_by, status="queued", total=0, processed=0
    )
    db.add(job)
    await db.flush()
    return job


async def update_job(db: AsyncSession, job_id: str, **values: Any) -> None:
    await db.execute(update(KbImportJob).where(KbImportJob.id == job_id).values(**values))


async def get_job(db: AsyncSession, job_id: str) -> KbImportJob | None:
    return await db.get(KbImportJob, job_id)
