"""Fields every case carries, whatever its stage."""

from __future__ import annotations

import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CaseBase(BaseModel):
    """Common case fields: why the case exists and how it is tracked over time.

    A case read from a suite file must carry a ``note`` and a ``category`` unless it is a
    ``draft`` (imported from traffic, waiting for a person to write what should happen); a
    retired case names the suite version that retired it, why and when
    (:mod:`evalcore.discipline` checks this when a suite loads).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    note: str = Field(default="", description="Why this case exists: the failure it guards.")
    category: str = Field(default="uncategorized", min_length=1)
    canary: bool = Field(default=False, description="A canary failure invalidates the run.")
    tags: list[str] = Field(default_factory=list)
    draft: bool = Field(
        default=False,
        description="Imported, not yet reviewed: kept in the file, skipped by runs until a "
        "person writes the expected behaviour and the note and removes the flag.",
    )
    retired_in: str | None = Field(
        default=None, description="Suite version that retired the case; new runs skip it."
    )
    retired_reason: str = Field(default="", description="Why the case was retired.")
    retired_on: datetime.date | None = Field(
        default=None, description="The date the case was retired (YYYY-MM-DD)."
    )
    source: dict[str, Any] = Field(
        default_factory=dict,
        description="Where the case came from: a BFCL id, or the trace or log line it was "
        "imported from with what the system retrieved, answered and called.",
    )

    @property
    def retired(self) -> bool:
        """True when the case is retired and new runs skip it."""
        return self.retired_in is not None

    @property
    def active(self) -> bool:
        """True when new runs score the case: neither retired nor a draft."""
        return not self.retired and not self.draft


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
