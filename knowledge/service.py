"""The knowledge engine inside a hub: the database is the record, the index follows it.

Every change (API, import, another process) ends in ``refresh``: under one
lock it reads the changed rows back from the database and applies them to the
in-memory index, so whatever order changes arrive in, the index ends equal to
the database. Other processes hear of changes on the bus channel ``kb`` and do
the same; after a lost bus link they ``resync`` by content hash.
See docs/subsystems/knowledge-search.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from chat.bus import watch_database
from chat.db import utcnow
from knowledge import store
from knowledge.base import KnowledgeBase
from knowledge.formats import (
    FileError,
    Format,
    ItemKind,
    RowError,
    parse,
    parse_category_names,
    parse_synonyms,
)
from knowledge.index_store import IndexStore
from knowledge.models import KbSynonymSet
from knowledge.schemas import Category, CategoryNamesIn, Item, Kind, SynonymSet
from knowledge.spelling import common_words
from knowledge.synonyms import Thesaurus

if TYPE_CHECKING:
    from chat.hub import Hub

log = logging.getLogger("touchpoint.knowledge")
CHANNEL = "kb"
# Beyond this many ids a bus message says "resync" instead of listing them.
MAX_IDS_PER_MESSAGE = 1000
JOB_PROGRESS_SECONDS = 0.3
KIND_OF: dict[ItemKind, Kind] = {"products": "product", "faqs": "faq"}


class ImportReport(BaseModel):
    kind: ItemKind
    file: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    invalid: list[RowError] = []
    applied: bool


class ImportRejected(Exception):
    """Nothing was imported; ``report.invalid`` says why."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{report.file}: import rejected, {len(report.invalid)} problem(s)")
        self.report = report


class SynonymImport(BaseModel):
    file: str
    created: int
    unchanged: int
    deleted: int


class FileRejected(Exception):
    """Nothing was imported from a synonyms or category names file; ``errors`` say why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{errors[0].file}: import rejected, {len(errors)} problem(s)")
        self.errors = errors


class ImportProgress(Protocol):
    def phase(self, name: Literal["read", "save", "index"], total: int) -> None: ...
    def advance(self, done: int) -> None: ...


class LoadReport(BaseModel):
    products: int
    faqs: int
    embedded: int
    reused: int


class KnowledgeService:
    def __init__(self, hub: Hub, kb: KnowledgeBase) -> None:
        self.hub = hub
        self.kb = kb
        self.store = IndexStore(hub.settings.data_dir / "index")
        self.origin = uuid.uuid4().hex
        self._refresh_lock = asyncio.Lock()
        self._save_task: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[None]] = set()
        self._unsubscribe: Callable[[], None] | None = None
        self._watch: asyncio.Task[None] | None = None
        self._own_writes = 0
        self.last_load: LoadReport | None = None

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> LoadReport:
        self._unsubscribe = self.hub.bus.subscribe(CHANNEL, self._on_bus)
        self.hub.bus.on_reconnect(self.resync)
        if not self.hub.bus.crosses_processes:
            marks = await self._change_marks()  # before loading: no change slips by
            self._watch = asyncio.create_task(
                watch_database(
                    self._change_marks,
                    self._changed_elsewhere,
                    seen=marks,
                    every=self.kb.settings.database_watch_seconds,
                    what="knowledge",
                )
            )
        report = await self.load()
        # Load and warm the model now rather than on the first shoppers' questions, and
        # the common words typo mending leaves alone (0.8 s to read).
        await asyncio.to_thread(self.kb.embedder.warm_up)
        await asyncio.to_thread(common_words)
        return report

    async def stop(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        if self._watch:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        for task in list(self._jobs):
            task.cancel()
        await asyncio.gather(*self._jobs, return_exceptions=True)
        if self._save_task and not self._save_task.done():
            self._save_task.cancel()
            await asyncio.gather(self._save_task, return_exceptions=True)
            await asyncio.to_thread(self._save)

    async def load(self, progress: ImportProgress | None = None) -> LoadReport:
        """Build the index from the database, reusing saved vectors of the same model."""
        async with self._refresh_lock:
            async with self.hub.sessions() as db:
                items = [*await store.load_items(db, "product"), *await store.load_items(db, "faq")]
            model_id = self.kb.embedder.model_id
            saved = await asyncio.to_thread(
                lambda: self.store.load("product", model_id) | self.store.load("faq", model_id)
            )
            embedded = await asyncio.to_thread(
                self.kb.replace_all, items, vectors=saved, progress=_index_progress(progress)
            )
            if embedded or not saved:
                await asyncio.to_thread(self._save)
        await self.load_vocabulary()
        counts = self.kb.counts()
        self.last_load = LoadReport(**counts, embedded=embedded, reused=len(saved))
        log.info("knowledge loaded", extra=self.last_load.model_dump())
        return self.last_load

    # --- changes ----------------------------------------------------------------------------

    async def upsert(self, item: Item, *, actor: str) -> bool:
        """Create or replace one product or FAQ; True if it was new."""
        kind = store.kind_of(item)
        async with self._own_write():
            async with self.hub.sessions() as db:
                result = await store.save_items(db, kind, [item])
                action = "create" if result.created else "update" if result.updated else "unchanged"
                if action != "unchanged":
                    store.audit(
                        db, actor=actor, action=f"kb.{kind}.{action}", target=item.id, details={}
                    )
                await db.commit()
            await self.changed(kind, [item.id])
        return bool(result.created)

    async def delete(self, kind: Kind, item_id: str, *, actor: str) -> bool:
        async with self._own_write():
            async with self.hub.sessions() as db:
                gone = await store.delete_item(db, kind, item_id)
                if gone:
                    store.audit(
                        db, actor=actor, action=f"kb.{kind}.delete", target=item_id, details={}
                    )
                await db.commit()
            if gone:
                await self.changed(kind, [item_id])
        return gone

    async def import_file(
        self,
        data: bytes,
        *,
        kind: ItemKind,
        filename: str,
        actor: str,
        format: Format | None = None,
        encoding: str | None = None,
        replace: bool = False,
        skip_invalid: bool = False,
        progress: ImportProgress | None = None,
    ) -> ImportReport:
        """Import a whole file in one transaction; raises ``ImportRejected`` and changes nothing
        when a row is bad (unless ``skip_invalid``) or the file cannot be read."""
        if progress:
            progress.phase("read", len(data))
        try:
            parsed = await asyncio.to_thread(
                parse, data, kind=kind, filename=filename, format=format, encoding=encoding
            )
        except FileError as exc:
            raise ImportRejected(
                ImportReport(kind=kind, file=filename, rows=0, invalid=[exc.error], applied=False)
            ) from None
        if progress:
            progress.advance(len(data))
        rows = len(parsed.items) + len(parsed.errors)
        if parsed.errors and not skip_invalid:
            raise ImportRejected(
                ImportReport(
                    kind=kind, file=filename, rows=rows, invalid=parsed.errors, applied=False
                )
            )
        item_kind = KIND_OF[kind]
        if progress:
            progress.phase("save", len(parsed.items))
        async with self._own_write():
            async with self.hub.sessions() as db:
                saved = await store.save_items(
                    db,
                    item_kind,
                    parsed.items,
                    replace=replace,
                    progress=progress.advance if progress else None,
                )
                report = ImportReport(
                    kind=kind, file=filename, rows=rows, created=len(saved.created), updated=len(saved.updated),
                    unchanged=saved.unchanged, deleted=len(saved.deleted), invalid=parsed.errors, applied=True,
                )  # fmt: skip
                details = report.model_dump(
                    include={"file", "rows", "created", "updated", "unchanged", "deleted"}
                )
                store.audit(
                    db, actor=actor, action=f"kb.{kind}.import", target=filename, details=details
                )
                await db.commit()
            # This process has the rows it just wrote: refresh need not read them back.
            written = {i.id: (saved.hashes[i.id], i) for i in parsed.items if i.id in saved.hashes}
            await self.changed(
                item_kind, saved.changed() + saved.deleted, progress=progress, written=written
            )
        # Prefixed: "created" and friends are reserved LogRecord attributes.
        log.info(
            "knowledge import", extra={f"import_{key}": value for key, value in details.items()}
        )
        return report

    async def changed(
        self,
        kind: Kind,
        ids: list[str],
        *,
        progress: ImportProgress | None = None,
        written: Mapping[str, tuple[str, Item]] | None = None,
    ) -> None:
        """Bring this process's index up to date for ``ids`` and tell the other processes.

        ``written``: content hash and item of what this process just committed, by id
        (see ``refresh``).
        """
        if not ids:
            return
        message: dict[str, Any] = {"origin": self.origin, "kind": kind}
        if len(ids) > MAX_IDS_PER_MESSAGE:
            message["op"] = "resync"
        else:
            message |= {"op": "changed", "ids": ids}
        # The rows are committed: the others can start while this process catches up.
        await self.hub.bus.publish(CHANNEL, message)
        await self.refresh(kind, ids, progress=progress, written=written)

    async def refresh(
        self,
        kind: Kind,
        ids: list[str],
        *,
        progress: ImportProgress | None = None,
        written: Mapping[str, tuple[str, Item]] | None = None,
    ) -> None:
        """Make the index hold what the database now has for ``ids``.

        ``written`` items are used instead of reading their rows back when the
        database still holds exactly them (same content hash): an import does
        not read 50,000 rows it has just written, and a change committed since
        by someone else is still read from the database.
        """
        async with self._refresh_lock:
            async with self.hub.sessions() as db:
                current = await _current_items(db, kind, ids, written)
            present = {item.id for item in current}
            deletes = [(kind, item_id) for item_id in ids if item_id not in present]
            await asyncio.to_thread(
                self.kb.apply, current, deletes, progress=_index_progress(progress)
            )
        self._schedule_save()

    async def resync(self) -> None:
        """Compare content hashes with the database and apply every difference."""
        await self.load_vocabulary()
        held = await asyncio.to_thread(self.kb.content_hashes)
        for kind in ("product", "faq"):
            async with self.hub.sessions() as db:
                current = await store.hashes(db, kind)
            mine = {item_id: h for (k, item_id), h in held.items() if k == kind}
            stale = [i for i, h in current.items() if mine.get(i) != h] + [
                i for i in mine if i not in current
            ]
            if stale:
                log.info("knowledge resync", extra={"kind": kind, "changed": len(stale)})
                await self.refresh(kind, stale)

    async def _change_marks(self) -> list[tuple[int, Any]]:
        async with self.hub.sessions() as db:
            return await store.change_marks(db)

    @contextlib.asynccontextmanager
    async def _own_write(self) -> AsyncIterator[None]:
        """Around a commit and its refresh: meanwhile the database watch waits, rather
        than index again what this process is about to index itself."""
        self._own_writes += 1
        try:
            yield
        finally:
            self._own_writes -= 1

    async def _changed_elsewhere(self) -> bool:
        """The database moved (the watch of ``start``): resync, unless this process is
        writing itself and about to index what it wrote (then look again next time).
        This process's own changes move the marks too; their resync finds nothing to do."""
        if self._own_writes:
            return False
        await self.resync()
        return True

    async def _on_bus(self, message: dict[str, Any]) -> None:
        if message.get("origin") == self.origin:
            return
        if message.get("op") == "changed":
            await self.refresh(message["kind"], [str(i) for i in message["ids"]])
        elif message.get("op") == "resync":
            await self.resync()
        elif message.get("op") == "synonyms":
            await self.load_synonyms()
        elif message.get("op") == "category_names":
            await self.load_category_names()

    async def load_vocabulary(self) -> None:
        """Put the stored synonym sets and category names in force in this process."""
        await self.load_synonyms()
        await self.load_category_names()

    # --- synonyms ---------------------------------------------------------------------------

    async def synonym_sets(self) -> list[SynonymSet]:
        """The stored synonym sets, by their first term."""
        async with self.hub.sessions() as db:
            return [_synonym_set(row) for row in await store.synonym_sets(db)]

    async def load_synonyms(self) -> None:
        """Put the stored synonym sets in force in this process."""
        self.kb.synonyms = Thesaurus(s.terms for s in await self.synonym_sets())

    async def save_synonyms(
        self, terms: list[str], *, actor: str, set_id: str | None = None
    ) -> SynonymSet | None:
        """Create a synonym set, or replace ``set_id``'s terms (None: no such set)."""
        async with self.hub.sessions() as db:
            row = await store.save_synonym_set(db, terms, actor=actor, set_id=set_id)
            if row is None:
                return None
            action = "create" if set_id is None else "update"
            store.audit(
                db,
                actor=actor,
                action=f"kb.synonyms.{action}",
                target=row.id,
                details={"terms": terms},
            )
            saved = _synonym_set(row)
            await db.commit()
        await self._synonyms_changed()
        return saved

    async def import_synonyms(
        self, data: bytes, *, filename: str, actor: str, encoding: str | None = None,
        replace: bool = False,
    ) -> SynonymImport:  # fmt: skip
        """Synonym sets from a file (``formats.parse_synonyms``), all or nothing: one bad
        set rejects the file and nothing changes (``FileRejected``)."""
        try:
            sets, errors = parse_synonyms(data, filename=filename, encoding=encoding)
        except FileError as exc:
            raise FileRejected([exc.error]) from None
        if errors:
            raise FileRejected(errors)
        async with self.hub.sessions() as db:
            created, unchanged, deleted = await store.import_synonym_sets(
                db, sets, actor=actor, replace=replace
            )
            report = SynonymImport(
                file=filename, created=created, unchanged=unchanged, deleted=deleted
            )
            store.audit(db, actor=actor, action="kb.synonyms.import", target=filename,
                        details=report.model_dump())  # fmt: skip
            await db.commit()
        if created or deleted:
            await self._synonyms_changed()
        return report

    async def delete_synonyms(self, set_id: str, *, actor: str) -> bool:
        async with self.hub.sessions() as db:
            gone = await store.delete_synonym_set(db, set_id)
            if gone:
                store.audit(db, actor=actor, action="kb.synonyms.delete", target=set_id, details={})
            await db.commit()
        if gone:
            await self._synonyms_changed()
        return gone

    async def _synonyms_changed(self) -> None:
        await self.hub.bus.publish(CHANNEL, {"origin": self.origin, "op": "synonyms"})
        await self.load_synonyms()

    # --- category names -------------------------------------------------------------------

    async def categories(self) -> list[Category]:
        """Every category of the catalog (its parents too), with its product count and the
        names the shop gave it; named ones no product is in any more come last."""
        async with self.hub.sessions() as db:
            counts = await store.category_counts(db)
            names = await store.category_names(db)
        total: dict[str, int] = {}
        for path, n in counts.items():
            if path == store.NO_CATEGORY:
                continue
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                parent = "/".join(parts[:depth])
                total[parent] = total.get(parent, 0) + n
        found = [
            Category(path=p, products=n, names=names.get(p, {})) for p, n in sorted(total.items())
        ]
        gone = [
            Category(path=p, products=0, names=n)
            for p, n in sorted(names.items())
            if p not in total
        ]
        return found + gone

    async def load_category_names(self) -> None:
        async with self.hub.sessions() as db:
            self.kb.category_names = await store.category_names(db)

    async def save_category_names(self, names: CategoryNamesIn, *, actor: str) -> None:
        async with self.hub.sessions() as db:
            await store.save_category_names(db, names.path, names.names, actor=actor)
            store.audit(db, actor=actor, action="kb.category_names.save", target=names.path,
                        details={"names": names.names})  # fmt: skip
            await db.commit()
        await self._category_names_changed()

    async def import_category_names(
        self, data: bytes, *, filename: str, actor: str, encoding: str | None = None
    ) -> int:
        """Category names from a file (``formats.parse_category_names``), all or nothing:
        a bad name, or a category no product is in, rejects the file (``FileRejected``).
        Categories the file does not name keep theirs. Returns how many it named."""
        try:
            found, errors = parse_category_names(data, filename=filename, encoding=encoding)
        except FileError as exc:
            raise FileRejected([exc.error]) from None
        known = {category.path for category in await self.categories()}
        errors += [
            RowError(file=filename, id=names.path, reason="no product is in this category")
            for names in found
            if names.path not in known
        ]
        if errors:
            raise FileRejected(errors)
        async with self.hub.sessions() as db:
            for names in found:
                await store.save_category_names(db, names.path, names.names, actor=actor)
            store.audit(db, actor=actor, action="kb.category_names.import", target=filename,
                        details={"categories": len(found)})  # fmt: skip
            await db.commit()
        await self._category_names_changed()
        return len(found)

    async def _category_names_changed(self) -> None:
        await self.hub.bus.publish(CHANNEL, {"origin": self.origin, "op": "category_names"})
        await self.load_category_names()

    # --- saving vectors ---------------------------------------------------------------------

    def _schedule_save(self) -> None:
        if self._save_task is None or self._save_task.done():
            self._save_task = asyncio.create_task(self._save_later())

    async def _save_later(self) -> None:
        await asyncio.sleep(self.kb.settings.save_delay_seconds)
        await asyncio.to_thread(self._save)

    def _save(self) -> None:
        model_id = self.kb.embedder.model_id
        for kind in ("product", "faq"):
            keys, vectors = self.kb.vector_snapshot(kind)
            self.store.save(kind, model_id, keys, vectors)

    async def flush(self) -> None:
        """Write pending vectors now (the CLI exits right after its work)."""
        if self._save_task and not self._save_task.done():
            self._save_task.cancel()
            await asyncio.gather(self._save_task, return_exceptions=True)
        await asyncio.to_thread(self._save)

    # --- import jobs (API) ------------------------------------------------------------------

    async def start_import_job(
        self, data: bytes, *, kind: ItemKind, filename: str, actor: str, **options: Any
    ) -> str:
        async with self.hub.sessions() as db:
            job = await store.create_job(db, kind=kind, filename=filename, created_by=actor)
            await db.commit()
        task = asyncio.create_task(
            self._run_job(job.id, data, kind=kind, filename=filename, actor=actor, **options)
        )
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        return job.id

    async def _run_job(self, job_id: str, data: bytes, **arguments: Any) -> None:
        progress = _JobProgress(self, job_id)
        await self._update_job(job_id, status="running")
        try:
            report = await self.import_file(data, progress=progress, **arguments)
        except ImportRejected as exc:
            await progress.drain()
            await self._update_job(
                job_id,
                status="failed",
                error=str(exc),
                report=exc.report.model_dump(mode="json"),
                finished_at=utcnow(),
            )
            return
        except Exception as exc:
            await progress.drain()
            log.exception("import job failed", extra={"job": job_id})
            await self._update_job(
                job_id, status="failed", error=f"internal error: {exc}", finished_at=utcnow()
            )
            return
        await progress.drain()
        await self._update_job(
            job_id,
            status="done",
            report=report.model_dump(mode="json"),
            total=progress.total,
            processed=progress.total,
            finished_at=utcnow(),
        )

    async def _update_job(self, job_id: str, **values: Any) -> None:
        async with self.hub.sessions() as db:
            await store.update_job(db, job_id, **values)
            await db.commit()


class _JobProgress:
    """Progress of an API import, written to its job row a few times a second."""

    def __init__(self, service: KnowledgeService, job_id: str) -> None:
        self.service = service
        self.job_id = job_id
        self.total = 0
        self.done = 0
        self._written = 0.0
        self._loop = asyncio.get_running_loop()
        # One write at a time, of the newest values: concurrent writes could commit out of
        # order and leave an earlier phase's figures in the row.
        self._unwritten: dict[str, int] | None = None
        self._writer: asyncio.Task[None] | None = None

    def phase(self, name: str, total: int) -> None:
        self.total, self.done = total, 0
        self._write(force=True)

    def advance(self, done: int) -> None:
        self.done += done
        self._write(force=self.done >= self.total)

    def _write(self, *, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._written < JOB_PROGRESS_SECONDS:
            return
        self._written = now
        values = {"total": self.total, "processed": min(self.done, self.total)}
        # Indexing reports from a worker thread: the write itself happens on the loop.
        self._loop.call_soon_threadsafe(self._queue, values)

    def _queue(self, values: dict[str, int]) -> None:
        self._unwritten = values
        if self._writer is None or self._writer.done():
            self._writer = self._loop.create_task(self._write_newest())

    async def _write_newest(self) -> None:
        while self._unwritten is not None:
            values, self._unwritten = self._unwritten, None
            await self.service._update_job(self.job_id, **values)

    async def drain(self) -> None:
        await asyncio.sleep(0)  # let writes scheduled from a worker thread be queued
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)


def _synonym_set(row: KbSynonymSet) -> SynonymSet:
    # Stored rows were validated on their way in (as ``store._to_item`` says of items).
    return SynonymSet.model_construct(
        id=row.id, terms=list(row.terms), updated_by=row.updated_by, updated_at=row.updated_at
    )


async def _current_items(
    db: AsyncSession, kind: Kind, ids: list[str], written: Mapping[str, tuple[str, Item]] | None
) -> list[Item]:
    """What the database holds for ``ids``, taking ``written`` items whose hash still matches."""
    if not written:
        return await store.load_items(db, kind, ids)
    held = await store.hashes(db, kind, ids)
    current: list[Item] = []
    stale: list[str] = []
    for item_id, digest in held.items():
        mine = written.get(item_id)
        if mine is not None and mine[0] == digest:
            current.append(mine[1])
        else:
            stale.append(item_id)
    return current + await store.load_items(db, kind, stale)


def _index_progress(progress: ImportProgress | None) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    state = {"started": False, "done": 0}

    def report(done: int, total: int) -> None:
        if not state["started"]:
            progress.phase("index", total)
            state["started"] = True
        progress.advance(done - state["done"])
        state["done"] = done

    return report
