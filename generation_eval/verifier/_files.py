"""Batch verification of a JSONL file of ``{id, context, claim}`` records."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evalcore.errors import SuiteError
from evalcore.files import write_text_atomic
from evalcore.loaders import load_jsonl
from generation_eval.verifier._verifier import Verifier

__all__ = ["PairRecord", "verify_file"]


class PairRecord(BaseModel):
    """One input line: an id, the context (a passage or a list of passages) and the claim."""

    model_config = ConfigDict(extra="ignore")

    id: str | int
    context: str | list[str]
    claim: str = Field(min_length=1)

    @field_validator("claim")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise SuiteError(
                "the claim is blank", field="claim", hint="write the sentence to verify in 'claim'"
            )
        return value


def _load(path: Path) -> list[PairRecord]:
    return load_jsonl(path, PairRecord, id_field="id")


def verify_file(input_path: str | Path, output_path: str | Path, verifier: Verifier) -> int:
    """Verify every line of ``input_path``; write one score line per input line.

    Input lines are ``{"id", "context": str | [str], "claim": str}``; output lines are
    ``{"id", "support", "contradiction", "label", "context_index", "evidence"}``. Every line is
    validated before anything is scored; a bad line raises :class:`SuiteError` naming the file,
    line and field, and no output is written. The output is written atomically. Returns the
    number of records.
    """
    source = Path(input_path)
    records = _load(source)
    items = [(r.claim, [r.context] if isinstance(r.context, str) else r.context) for r in records]
    verdicts = verifier.verify(items)
    lines = []
    for record, verdict in zip(records, verdicts, strict=True):
        row = {"id": record.id, **verdict.model_dump(include={"support", "contradiction", "label"})}
        row |= {"context_index": verdict.context_index, "evidence": verdict.evidence}
        lines.append(json.dumps(row, ensure_ascii=False))
    write_text_atomic(output_path, "".join(f"{line}\n" for line in lines))
    return len(records)
