"""The knowledge plugin: tables, the /api/kb router, the index service and the CLI groups."""

from __future__ import annotations

from importlib import resources

from chat.hub import Hub
from chat.plugins import Plugin
from knowledge.api import router
from knowledge.base import KnowledgeBase
from knowledge.bench import bench_app
from knowledge.cli import kb_app
from knowledge.embedder import get_embedder
from knowledge.service import KnowledgeService
from knowledge.settings import KnowledgeSettings

DEMO_ACTOR = "demo-seed"


def setup(hub: Hub) -> None:
    kb = KnowledgeBase(get_embedder(hub.settings), KnowledgeSettings())
    hub.provide(KnowledgeBase, kb)
    hub.provide(KnowledgeService, KnowledgeService(hub, kb))
    hub.include_router(router)


async def startup(hub: Hub) -> None:
    await hub.require(KnowledgeService).start()


async def shutdown(hub: Hub) -> None:
    await hub.require(KnowledgeService).stop()


async def seed_demo(hub: Hub) -> None:
    """The demo shop's catalog, FAQs, synonyms and category names, into an empty store only."""
    service = hub.require(KnowledgeService)
    if any(service.kb.counts().values()):
        return
    demo = resources.files("knowledge") / "demo"
    for kind in ("products", "faqs"):
        data = (demo / f"{kind}.json").read_bytes()
        await service.import_file(data, kind=kind, filename=f"demo/{kind}.json", actor=DEMO_ACTOR)
    synonyms = (demo / "synonyms.json").read_bytes()
    await service.import_synonyms(synonyms, filename="demo/synonyms.json", actor=DEMO_ACTOR)
    names = (demo / "categories.json").read_bytes()
    await service.import_category_names(names, filename="demo/categories.json", actor=DEMO_ACTOR)


plugin = Plugin(
    name="knowledge",
    migrations="knowledge:migrations/versions",
    setup=setup,
    startup=startup,
    shutdown=shutdown,
    cli={"kb": kb_app, "bench": bench_app},
    seed_demo=seed_demo,
)
