"""Types shared inside the retrieval stage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from evalstage.evalcore.cases import Document

Qrels = dict[str, dict[str, int]]
"""query id -> doc id -> graded relevance."""

Ranking = dict[str, dict[str, float]]
"""query id -> doc id -> score (a TREC run); higher scores rank first."""


@runtime_checkable
class Retriever(Protocol):
    """A retrieval system: index a corpus once, then search many queries."""

    def index(self, documents: Sequence[Document]) -> None:
        """Build the index over ``documents``."""
        ...

    def search(self, queries: Mapping[str, str], k: int) -> Ranking:
        """Return the top ``k`` documents with scores for every query id."""
        ...
