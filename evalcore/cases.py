"""Fields every case carries, whatever its stage."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CaseBase(BaseModel):
    """Common case fields: why the case exists and how it is tracked over time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    note: str = Field(default="", description="Why this case exists: the failure it guards.")
    category: str = Field(default="uncategorized", min_length=1)
    canary: bool = Field(default=False, description="A canary failure invalidates the run.")
    tags: list[str] = Field(default_factory=list)
    retired_in: str | None = Field(
        default=None, description="Suite version that retired the case; new runs skip it."
    )

    @property
    def retired(self) -> bool:
        """True when the case is retired and new runs skip it."""
        return self.retired_in is not None


class Document(BaseModel):
    """A corpus document."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    doc_id: str = Field(min_length=1)
    title: str = ""
    text: str

    @property
    def full_text(self) -> str:
        """Title and text joined, as retrievers index them."""
        return f"{self.title}\n{self.text}" if self.title else self.text
