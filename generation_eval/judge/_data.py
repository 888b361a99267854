"""Input files: human-labelled validation sets and recorded target answers (JSONL, .gz ok)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.hashing import files_hash
from evalstage.evalcore.loaders import load_jsonl
from evalstage.generation_eval.judge._models import GradeItem, PairItem, Verdict


class PairLabel(BaseModel):
    """A pair with the human verdict: ``A``, ``B`` or ``tie``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str
    answer_a: str
    answer_b: str
    label: Verdict
    model_a: str | None = None
    model_b: str | None = None
    source: str | None = None

    def item(self) -> PairItem:
        """The pair without its label, as the judge sees it."""
        return PairItem.model_validate(self.model_dump(exclude={"label", "source"}))


class GradeLabel(BaseModel):
    """An answer with the human's rubric level."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str
    answer: str
    label: str = Field(min_length=1)
    model: str | None = None
    source: str | None = None

    def item(self) -> GradeItem:
        """The answer without its label."""
        return GradeItem.model_validate(self.model_dump(exclude={"label", "source"}))


class TargetAnswer(BaseModel):
    """One recorded answer of a system under test."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str
    answer: str
    model: str | None = None


def load_pair_labels(path: Path) -> list[PairLabel]:
    """A pairwise validation set."""
    return load_jsonl(path, PairLabel, id_field="id")


def load_grade_labels(path: Path) -> list[GradeLabel]:
    """A rubric validation set."""
    return load_jsonl(path, GradeLabel, id_field="id")


def labels_sha256(path: Path) -> str:
    """Content hash of a labels file (recorded with a calibration)."""
    return files_hash([path], path.parent)


def pair_targets(
    a: list[TargetAnswer],
    b: list[TargetAnswer],
    *,
    model_a: str | None = None,
    model_b: str | None = None,
) -> tuple[list[PairItem], list[str]]:
    """Join two targets' answers on id; returns the pairs and the ids only one side answered.

    The questions of a shared id must match: a mismatch is bad input.
    """
    by_id = {row.id: row for row in b}
    pairs: list[PairItem] = []
    for row in a:
        other = by_id.get(row.id)
        if other is None:
            continue
        if other.question != row.question:
            raise SuiteError(
                f"the two targets answer different questions under id '{row.id}'",
                field="id",
                hint="pair answers to the same question under the same id",
            )
        pairs.append(
            PairItem(
                id=row.id,
                question=row.question,
                answer_a=row.answer,
                answer_b=other.answer,
                model_a=model_a or row.model,
                model_b=model_b or other.model,
            )
        )
    ids_a = {row.id for row in a}
    unpaired = sorted(ids_a ^ set(by_id))
    return pairs, unpaired
