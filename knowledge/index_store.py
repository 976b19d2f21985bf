"""Embeddings kept in the data dir, so a restart loads vectors instead of re-embedding.

One file per kind, ``index/<kind>.vectors.npz``: text keys, vectors and the
model id. Written whole to a temporary file and renamed, so a reader (another
process sharing the data dir) never sees half a file. A different model id
means the vectors are useless: the caller re-embeds and writes them anew.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from knowledge.schemas import Kind

log = logging.getLogger("touchpoint.knowledge")
FORMAT = 1


class IndexStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, kind: Kind) -> Path:
        return self.directory / f"{kind}.vectors.npz"

    def load(self, kind: Kind, model_id: str) -> dict[str, np.ndarray]:
        """Text key -> vector, or nothing if the file is missing, damaged or of another model."""
        path = self.path(kind)
        if not path.exists():
            return {}
        try:
            with np.load(path, allow_pickle=False) as data:
                stored_model = str(data["model_id"])
                if int(data["format"]) != FORMAT or stored_model != model_id:
                    log.warning(
                        "embedding model changed; re-embedding",
                        extra={"kind": kind, "stored_model": stored_model, "model": model_id},
                    )
                    return {}
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, ValueError, KeyError) as exc:
            log.warning(
                "unreadable vector file; re-embedding", extra={"path": str(path), "error": str(exc)}
            )
            return {}
        return dict(zip(keys.tolist(), vectors, strict=True))

    def save(self, kind: Kind, model_id: str, keys: list[str], vectors: np.ndarray) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(
                    handle,
                    format=np.int64(FORMAT),
                    model_id=np.str_(model_id),
                    keys=np.asarray(keys, dtype="U40"),
                    vectors=vectors.astype(np.float32),
                )
            os.replace(tmp, self.path(kind))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        log.info("vectors saved", extra={"kind": kind, "count": len(keys)})
