"""Dense retrieval: sentence-transformers embeddings searched exactly with faiss.

Corpus embeddings are cached on disk (one ``.npy`` per corpus and model) so that a rerun over
the same corpus never loads the model for indexing; only query encoding needs it.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.cases import Document
from evalstage.evalcore.env import cache_dir
from evalstage.evalcore.files import write_bytes_atomic
from evalstage.evalcore.sentence_models import BUNDLED_MODEL, load_sentence_model, resolve_model
from evalstage.retrieval_eval._types import Ranking

__all__ = ["BUNDLED_MODEL", "DenseConfig", "DenseRetriever", "corpus_cache_key"]

_CACHE_FORMAT = "evalstage-dense-corpus-v1"

Embeddings = npt.NDArray[np.float32]


class DenseConfig(BaseModel):
    """Parameters of a dense retriever."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(
        default=BUNDLED_MODEL,
        min_length=1,
        description="'all-MiniLM-L6-v2' (bundled), a local model directory, or a Hugging Face "
        "id already in the local cache (never downloaded).",
    )
    batch_size: int = Field(default=64, ge=1)
    cache_dir: str | None = Field(
        default_factory=lambda: str(cache_dir("embeddings")),
        description="Where corpus embeddings are cached (default: the data folder's "
        "cache/embeddings); null disables caching.",
    )
    normalize: bool = Field(
        default=True,
        description="L2-normalise embeddings so that inner product is cosine similarity; "
        "False searches by raw inner product.",
    )
    show_progress: bool = False


def _directory_fingerprint(path: Path) -> str:
    """Cheap identity of a model directory: every file's relative path, size and mtime."""
    parts = []
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        stat = file.stat()
        parts.append(f"{file.relative_to(path).as_posix()}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def corpus_cache_key(model_identity: str, documents: Sequence[Document]) -> str:
    """Return the sha256 hex digest of a model identity and every doc id and full text."""
    digest = hashlib.sha256()

    def put(text: str) -> None:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)

    put(_CACHE_FORMAT)
    put(model_identity)
    for doc in documents:
        put(doc.doc_id)
        put(doc.full_text)
    return digest.hexdigest()


class DenseRetriever:
    """Exact inner-product search over sentence-transformers embeddings.

    Implements the ``Retriever`` protocol. The model is loaded on first use, once, on CPU.
    """

    def __init__(self, config: DenseConfig | None = None) -> None:
        self.config = config if config is not None else DenseConfig()
        self._model: Any = None
        self._model_path: str | None = None
        self._identity: str | None = None
        self._index: Any = None
        self.doc_ids: list[str] = []
        self.last_cache_hit: bool | None = None
        """Whether the last :meth:`encode_corpus` call was served from the cache."""

    # ------------------------------------------------------------------ the model
    def _resolve(self) -> tuple[str, bool]:
        """Return (what to load, whether it is a local directory)."""
        return resolve_model(self.config.model)

    def model_identity(self) -> str:
        """Return a string that changes whenever the embeddings of a text could change."""
        if self._identity is None:
            target, local = self._resolve()
            fingerprint = _directory_fingerprint(Path(target)) if local else "hub"
            self._identity = (
                f"{self.config.model}|{target}|{fingerprint}|normalize={self.config.normalize}"
            )
        return self._identity

    def _load_model(self) -> Any:
        return load_sentence_model(self.config.model)

    @property
    def model(self) -> Any:
        """The ``SentenceTransformer``, loaded on first access."""
        if self._model is None:
            self._model = self._load_model()
        return self._model

    def encode(self, texts: Sequence[str]) -> Embeddings:
        """Embed texts with the model (no caching) as a C-contiguous float32 matrix."""
        vectors = self.model.encode(
            list(texts),
            batch_size=self.config.batch_size,
            show_progress_bar=self.config.show_progress,
            convert_to_numpy=True,
            normalize_embeddings=self.config.normalize,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    # ------------------------------------------------------------------ the cache
    def cache_path(self, documents: Sequence[Document]) -> Path | None:
        """Return the cache file of these documents' embeddings, or None without cache_dir."""
        if self.config.cache_dir is None:
            return None
        key = corpus_cache_key(self.model_identity(), documents)
        return Path(self.config.cache_dir) / f"{key}.npy"

    @staticmethod
    def _read_cache(path: Path, n_docs: int) -> Embeddings | None:
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None
        if array.ndim != 2 or array.shape[0] != n_docs or array.dtype != np.float32:
            return None
        return np.ascontiguousarray(array)

    @staticmethod
    def _write_cache(path: Path, array: Embeddings) -> None:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        write_bytes_atomic(path, buffer.getvalue())

    def encode_corpus(self, documents: Sequence[Document]) -> Embeddings:
        """Embed every document's ``full_text``, reading and filling the on-disk cache."""
        path = self.cache_path(documents)
        if path is not None and path.exists():
            cached = self._read_cache(path, len(documents))
            if cached is not None:
                self.last_cache_hit = True
                return cached
        self.last_cache_hit = False
        vectors = self.encode([doc.full_text for doc in documents])
        if path is not None:
            self._write_cache(path, vectors)
        return vectors

    # -------------------------------------------------------------- the retriever
    def index(self, documents: Sequence[Document]) -> None:
        """Embed the documents (or read them from the cache) and build a flat IP index."""
        if not documents:
            raise ValueError("cannot index an empty corpus")
        doc_ids = [doc.doc_id for doc in documents]
        if len(set(doc_ids)) != len(doc_ids):
            raise ValueError("doc ids must be unique")
        vectors = self.encode_corpus(documents)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        self._index = index
        self.doc_ids = doc_ids

    def search(self, queries: Mapping[str, str], k: int) -> Ranking:
        """Return the top ``k`` documents by inner product for every query id."""
        if k < 1:
            raise ValueError("k must be at least 1")
        if self._index is None:
            raise RuntimeError("index() must be called before searching")
        qids = list(queries)
        if not qids:
            return {}
        vectors = self.encode([queries[qid] for qid in qids])
        scores, labels = self._index.search(vectors, min(k, len(self.doc_ids)))
        ranking: Ranking = {}
        for qid, row_scores, row_labels in zip(qids, scores, labels, strict=True):
            ranking[qid] = {
                self.doc_ids[label]: float(score)
                for score, label in zip(row_scores.tolist(), row_labels.tolist(), strict=True)
                if label >= 0
            }
        return ranking
