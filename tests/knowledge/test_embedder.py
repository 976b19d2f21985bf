"""The embedder's precision: bfloat16 where the CPU multiplies it, the same vectors as float32."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from chat.config import Settings
from knowledge import Embedder, Faq, Product, get_embedder
from knowledge.base import product_embedding_text
from knowledge.embedder import _threads_for, default_model_path, native_bfloat16, resolve_precision


def test_auto_precision_follows_the_cpu_and_a_named_one_is_kept() -> None:
    assert resolve_precision("auto") == ("bfloat16" if native_bfloat16() else "float32")
    assert resolve_precision("float32") == "float32"
    assert resolve_precision("bfloat16") == "bfloat16"


def test_an_unknown_precision_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="embedding_precision"):
        Settings(embedding_precision="float16")  # type: ignore[arg-type]


def test_the_environment_chooses_the_precision_of_the_shared_embedder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOUCHPOINT_EMBEDDING_PRECISION", "float32")
    exact = get_embedder()
    monkeypatch.setenv("TOUCHPOINT_EMBEDDING_PRECISION", "bfloat16")
    fast = get_embedder()
    assert (exact.precision, fast.precision) == ("float32", "bfloat16")
    assert get_embedder() is fast
    # Both precisions embed with one model: stored vectors stay valid across them.
    assert exact.model_id == fast.model_id


def test_bfloat16_vectors_agree_with_float32(
    demo_products: list[Product], demo_faqs: list[Faq]
) -> None:
    texts = [product_embedding_text(p) for p in demo_products]
    texts += [text for faq in demo_faqs for text in (faq.question, *faq.variants)]
    texts += ["wo ist meine Bestellung?", "a tent for 4 people under 300 euros"]
    exact = Embedder(default_model_path(), precision="float32").encode(texts)
    fast = Embedder(default_model_path(), precision="bfloat16").encode(texts)
    assert fast.dtype == np.float32 and fast.shape == exact.shape
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    cosines = (exact * fast).sum(axis=1)
    assert cosines.min() > 0.9995, cosines.min()
    # Every text's nearest other text is the same in both precisions.
    np.fill_diagonal(similar_exact := exact @ exact.T, -1.0)
    np.fill_diagonal(similar_fast := fast @ fast.T, -1.0)
    assert (similar_exact.argmax(axis=1) == similar_fast.argmax(axis=1)).mean() > 0.98


def test_bfloat16_weights_cast_at_load_give_the_vectors_of_autocast() -> None:
    """The linear layers keep bfloat16 weights; the arithmetic is autocast's over float32 ones."""
    texts = ["wo ist meine Bestellung?", "a tent for 4 people under 300 euros", "Rückgabe"]
    plain = Embedder(default_model_path(), precision="float32")._load()
    # Both sides one text at a time on one thread, as the one-query path runs: a padded
    # batch or another thread count sums in another order, which on some CPUs' bfloat16
    # kernels moves the vectors by 1e-3.
    with torch.autocast("cpu", dtype=torch.bfloat16), _threads_for(1):
        expected = np.stack(
            [plain.encode([t], normalize_embeddings=True, convert_to_numpy=True)[0] for t in texts]
        )
    fast = Embedder(default_model_path(), precision="bfloat16")
    vectors = np.stack([fast.encode([text])[0] for text in texts])
    assert np.allclose(vectors, expected, atol=1e-6, rtol=0)
    linear = [m for m in fast._load().modules() if isinstance(m, torch.nn.Linear)]
    assert linear and all(m.weight.dtype == torch.bfloat16 for m in linear)


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_warming_up_changes_no_vector_and_remembers_no_text(precision: str) -> None:
    texts = ["wo ist meine Bestellung?", "shop shop shop", "a tent for 4 people under 300 euros"]
    cold = Embedder(default_model_path(), precision=precision)  # type: ignore[arg-type]
    expected = np.stack([cold.encode([text])[0] for text in texts])
    warmed = Embedder(default_model_path(), precision=precision)  # type: ignore[arg-type]
    warmed.warm_up()
    warmed.warm_up()  # again, as a second hub in the same process would
    # Its texts were not shoppers': the cache of recent texts stays empty.
    assert warmed.recent("shop shop shop") is None
    vectors = np.stack([warmed.encode([text])[0] for text in texts])
    assert np.allclose(vectors, expected, atol=1e-6, rtol=0)
