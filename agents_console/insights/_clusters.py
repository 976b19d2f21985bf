"""Gap clusters for the API: the period's open gap questions, embedded and grouped.

Vectors of questions are kept in memory between requests (questions repeat and
the page is reloaded); an erased shopper's questions are forgotten at once, and
the other server processes drop their vectors when they hear of an erasure.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from agents_console.insights import _storage
from agents_console.insights._gaps import Cluster, cluster_questions
from agents_console.insights._settings import InsightsSettings
from chat.hub import Hub
from chat.privacy import ERASED_ELSEWHERE
from knowledge import Embedder

CACHE = 20000
CHANNEL = "insights.gaps"


class GapFinder:
    def __init__(self, hub: Hub, embedder: Embedder, settings: InsightsSettings) -> None:
        self.hub = hub
        self.embedder = embedder
        self.settings = settings
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._unsubscribe: list[Callable[[], None]] = []

    async def start(self) -> None:
        self._unsubscribe = [
            self.hub.bus.subscribe(CHANNEL, self._on_bus),
            # Without a shared bus, the hub's watch of the audit log tells of an erasure
            # by another process (chat.privacy.watch_erasures).
            self.hub.bus.subscribe(ERASED_ELSEWHERE, self._on_erased_elsewhere),
        ]

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    async def clusters(self, *, since: dt.datetime, until: dt.datetime) -> list[Cluster]:
        async with self.hub.sessions() as db:
            questions = await _storage.open_gaps(
                db, since=since, until=until, limit=self.settings.gap_questions
            )
        return await asyncio.to_thread(
            cluster_questions, questions, self.embed, threshold=self.settings.gap_similarity
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, self.embedder.encode(missing), strict=True))
        with self._lock:
            self._vectors.update(known)
            for text in known:
                self._vectors.move_to_end(text)
            while len(self._vectors) > CACHE:
                self._vectors.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def forget(self, texts: set[str]) -> None:
        with self._lock:
            for text in texts:
                self._vectors.pop(text, None)
        # The bot embedded the shopper's raw messages too, not only these (redacted)
        # questions, and the embedder keeps recent texts: it forgets them all.
        self.embedder.clear_recent()

    async def forget_everywhere(self, texts: set[str]) -> None:
        """Forget ``texts`` here; other processes forget all (the bus carries no shopper text)."""
        self.forget(texts)
        await self.hub.bus.publish(CHANNEL, {"op": "forget"})

    async def _on_bus(self, message: dict[str, Any]) -> None:
        if message.get("op") == "forget":
            self._forget_all()

    def _forget_all(self) -> None:
        with self._lock:
            self._vectors.clear()
        self.embedder.clear_recent()

    async def _on_erased_elsewhere(self, _message: dict[str, Any]) -> None:
        self._forget_all()

    def holds(self, text: str) -> bool:
        with self._lock:
            return text in self._vectors
