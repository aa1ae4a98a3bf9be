"""The offline embedder: the real all-MiniLM-L6-v2 int8 ONNX model from PyPI, loaded without a hub."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from da_platform.rag.embedder import MiniLMEmbedder


def test_vectors_have_384_dimensions_and_unit_length(minilm: MiniLMEmbedder) -> None:
    vectors = minilm.embed(["Why did Volve oil drop on 2016-03-14?", "well test on 15/9-F-12"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_related_texts_are_closer_than_unrelated_ones(minilm: MiniLMEmbedder) -> None:
    q, near, far = minilm.embed(
        ["why did oil production fall", "oil production declined because the well was shut in", "a recipe for cake"]
    )
    assert float(q @ near) > float(q @ far) + 0.2


def test_a_text_gets_the_same_vector_alone_and_in_a_batch(minilm: MiniLMEmbedder) -> None:
    texts = ["short", "a much longer sentence about the gas lift compressor trip on the platform"]
    batch = minilm.embed(texts)
    alone = np.stack([minilm.embed([t])[0] for t in texts])
    assert np.allclose(batch, alone, atol=1e-4)


def test_a_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="embedding model"):
        MiniLMEmbedder(model_path=tmp_path / "missing.onnx").embed(["x"])
