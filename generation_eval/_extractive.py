"""The ``extractive`` baseline generator: an honest, deliberately weak RAG system.

It embeds the question and every passage sentence with the bundled MiniLM, answers with the best
matching sentence (and the runner-up when it is nearly as good and from another passage), cites
each with ``[n]``, and abstains when no sentence is similar enough. It never notices conflicts
and never paraphrases: the demo's numbers show what such a system gets right and wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.sentence_models import BUNDLED_MODEL, load_sentence_model
from evalstage.generation_eval._cases import Generation, Passage

ABSTENTION = "The provided passages do not contain enough information to answer this question."


class ExtractiveConfig(BaseModel):
    """Arguments of the ``extractive`` target."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(default=BUNDLED_MODEL, description="sentence-transformers model.")
    abstain_below: float = Field(
        default=0.5, ge=-1.0, le=1.0, description="Abstain when the best cosine is below this."
    )
    second_within: float = Field(
        default=0.03, ge=0.0, description="Add the runner-up sentence when this close to the best."
    )
    max_sentences: int = Field(default=2, ge=1, le=5)


class ExtractiveGenerator:
    """Answer with the passage sentences most similar to the question, cited ``[n]``."""

    def __init__(self, config: ExtractiveConfig | None = None) -> None:
        self.config = config or ExtractiveConfig()
        self._model: Any = None
        self._cache: dict[str, np.ndarray] = {}

    def describe(self) -> dict[str, Any]:
        """A description for run records."""
        return {"kind": "extractive", **self.config.model_dump()}

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            if self._model is None:
                self._model = load_sentence_model(self.config.model)
            vectors = self._model.encode(
                missing, batch_size=64, normalize_embeddings=True, convert_to_numpy=True
            )
            self._cache.update(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))
        return np.stack([self._cache[t] for t in texts])

    def prepare(self, questions: Sequence[str], passages: Sequence[Passage]) -> None:
        """Embed every question and passage sentence of a batch in one call (faster)."""
        from evalstage.generation_eval.verifier import split_sentences

        sentences = [s for p in passages for s in split_sentences(p.text) if len(s.split()) >= 4]
        self._embed([*questions, *sentences])

    def generate(self, question: str, passages: Sequence[Passage]) -> Generation:
        """Pick, cite and join the best sentences; abstain when none is close enough."""
        from evalstage.generation_eval.verifier import split_sentences

        sentences: list[tuple[int, str]] = [
            (n, sentence)
            for n, passage in enumerate(passages, 1)
            for sentence in split_sentences(passage.text)
            if len(sentence.split()) >= 4
        ]
        if not sentences:
            return Generation(answer=ABSTENTION)
        vectors = self._embed([question, *(s for _, s in sentences)])
        scores = vectors[1:] @ vectors[0]
        order = np.argsort(-scores, kind="stable")
        best = float(scores[order[0]])
        if best < self.config.abstain_below:
            return Generation(answer=ABSTENTION)
        picked = [int(order[0])]
        for index in order[1:]:
            if len(picked) >= self.config.max_sentences:
                break
            if best - float(scores[index]) > self.config.second_within:
                break
            if sentences[int(index)][0] != sentences[picked[0]][0]:
                picked.append(int(index))
        parts = []
        for index in picked:
            n, sentence = sentences[index]
            body = sentence.rstrip()
            end = body[-1] if body[-1] in ".!?" else "."
            body = body[:-1] if body[-1] in ".!?" else body
            parts.append(f"{body} [{n}]{end}")
        return Generation(answer=" ".join(parts), citations=[[sentences[i][0]] for i in picked])
