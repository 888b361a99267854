"""Versioned rubrics: named levels, worst to best, each with a score and a description."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from evalstage.evalcore.hashing import content_hash
from evalstage.evalcore.loaders import load_yaml_model
from evalstage.generation_eval.judge._files import find_file

RUBRICS_DIR = Path(__file__).resolve().parent / "rubrics"
"""The bundled rubrics, named ``<name>-v<version>.yaml``."""


class RubricLevel(BaseModel):
    """One named level of a rubric."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    score: float = Field(allow_inf_nan=False)
    description: str = Field(min_length=1)


class Rubric(BaseModel):
    """A rubric: its name, version and levels (worst to best)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    version: int = Field(ge=1)
    levels: list[RubricLevel] = Field(min_length=2)

    @model_validator(mode="after")
    def _distinct_ordered(self) -> Rubric:
        names = [level.name.lower() for level in self.levels]
        if len(set(names)) != len(names):
            raise ValueError("level names must be distinct (case-insensitively)")
        scores = [level.score for level in self.levels]
        if scores != sorted(scores) or len(set(scores)) != len(scores):
            raise ValueError("levels go from worst to best with strictly rising scores")
        return self

    @property
    def sha256(self) -> str:
        """Content hash of the rubric (part of the judge's identity)."""
        return content_hash(self.model_dump(mode="json"))

    def level(self, name: str) -> RubricLevel:
        """The level called ``name`` (case-insensitive); ``KeyError`` if there is none."""
        for level in self.levels:
            if level.name.lower() == name.lower():
                return level
        raise KeyError(name)

    def normalised(self, name: str) -> float:
        """The level's score mapped to [0, 1] (worst level 0, best 1)."""
        low, high = self.levels[0].score, self.levels[-1].score
        return (self.level(name).score - low) / (high - low)

    def describe(self) -> str:
        """The rubric as prompt text: one ``- name (score): description`` line per level."""
        return "\n".join(f"- {lv.name} ({lv.score:g}): {lv.description}" for lv in self.levels)


def load_rubric(ref: str, base: Path | None = None) -> Rubric:
    """Load a rubric by bundled name (``helpfulness-v1``) or by path (relative to ``base``)."""
    path = find_file(ref, base, RUBRICS_DIR, ".yaml", what="rubric", field="rubric")
    return load_yaml_model(path, Rubric)
