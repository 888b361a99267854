"""The ``recorded`` generation target: answers produced elsewhere, replayed by case and variant.

Its file is JSONL, one ``{"case_id", "variant", "answer", ...}`` a line (``variant`` defaults to
``original``; the other fields are :class:`~generation_eval._cases.Generation`'s), keyed like
every generation result: ``case_id`` for the original, ``case_id#variant`` otherwise — the keys
``evalstage export-inputs`` writes. Before anything is scored, the file must answer exactly the
variants the run asks: a line for a case or variant the run does not have is an error naming
its file and line; a variant without a line is an error naming the file and the missing keys,
unless ``partial: true`` (then that variant is recorded as an ``error`` and the run goes on).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evalstage.evalcore.adapters import Recorded
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.loaders import iter_jsonl, validation_error
from evalstage.evalcore.targets import TargetContext, TargetKind
from evalstage.generation_eval._cases import Generation, variant_key

_SHOWN = 5


class RecordedGeneration(Generation):
    """One line of a recorded-outputs file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str = Field(min_length=1)
    variant: str = "original"
    answer: str | None = Field(  # type: ignore[assignment]
        default=None, description="Required: a missing answer is an error, not a refusal."
    )


class RecordedAnswersArgs(BaseModel):
    """Arguments of the ``recorded`` generation target."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(min_length=1, description="Answers JSONL, relative to the suite folder.")
    partial: bool = Field(
        default=False,
        description="Allow variants without a line (each is recorded as an error); by default "
        "a missing line stops the run before scoring.",
    )


def load_recorded_lines(path: Path) -> tuple[dict[str, Generation], dict[str, int]]:
    """Recorded answers by variant key, and the line each came from; errors name file and line.

    A line without ``answer`` (it would score as an over-refusal), a second line for one key
    and a file without any answer are errors.
    """
    out: dict[str, Generation] = {}
    lines: dict[str, int] = {}
    for line, obj in iter_jsonl(path):
        try:
            record = RecordedGeneration.model_validate(obj)
        except ValidationError as exc:
            raise validation_error(exc, RecordedGeneration, path, line) from exc
        if record.answer is None:
            raise SuiteError(
                "the line has no 'answer' (a missing answer would score as a refusal)",
                path=path,
                line=line,
                field="answer",
                hint='record what the generator answered: "answer": "..." ("" if it said nothing)',
            )
        key = variant_key(record.case_id, record.variant)
        if key in out:
            raise SuiteError(
                f"a second answer for case '{record.case_id}', variant '{record.variant}' "
                f"(the first is on line {lines[key]})",
                path=path,
                line=line,
                field="case_id",
                hint="keep one line per case and variant",
            )
        out[key] = Generation.model_validate(record.model_dump(exclude={"case_id", "variant"}))
        lines[key] = line
    if not out:
        raise SuiteError(
            "no recorded answers: the file is empty (or holds only blank lines)",
            path=path,
            hint='write one {"case_id": "...", "variant": "original", "answer": "..."} per line',
        )
    return out, lines


def load_recorded(path: Path) -> dict[str, Generation]:
    """Recorded answers keyed like :attr:`CaseVariant.key` (see :func:`load_recorded_lines`)."""
    return load_recorded_lines(path)[0]


def _shown(keys: list[str]) -> str:
    more = f" and {len(keys) - _SHOWN} more" if len(keys) > _SHOWN else ""
    return ", ".join(f"'{k}'" for k in keys[:_SHOWN]) + more


class RecordedAnswers(Recorded[Generation]):
    """Recorded answers that know their file and lines, to check them against the run's keys."""

    def __init__(
        self,
        outputs: dict[str, Generation],
        lines: dict[str, int],
        path: Path,
        args: dict[str, Any],
    ) -> None:
        super().__init__(outputs, str(path), args)
        self.lines = lines
        self.path = path
        self.partial = bool(args.get("partial"))

    def preflight(self, inputs: Any) -> None:
        """Before any stage runs: every line names an active case and a variant the suite makes.

        ``inputs``: the suite's :class:`~generation_eval._suite.GenerationInputs`. Which
        variants each case really gets is known only once they are made (:meth:`check`).
        """
        cases = {c.case_id for c in inputs.active_cases}
        variants = {"original", *inputs.options.variants}
        if inputs.options.contexts == "end_to_end":
            variants.add("retrieved")
        for key, line in sorted(self.lines.items(), key=lambda kv: kv[1]):
            case_id, _, variant = key.partition("#")
            variant = variant or "original"
            if case_id not in cases or variant not in variants:
                what = f"case '{case_id}'" if case_id not in cases else f"variant '{variant}'"
                raise SuiteError(
                    f"an answer for {what}, which this suite does not have (or has retired)",
                    path=self.path,
                    line=line,
                    field="case_id" if case_id not in cases else "variant",
                    hint="answer the file `evalstage export-inputs` writes for this suite as "
                    f"it is now (variants: {', '.join(sorted(variants))})",
                )

    def check(self, keys: Iterable[str]) -> None:
        """Raise :class:`SuiteError` unless the file answers exactly ``keys`` (see module doc)."""
        wanted = list(keys)
        expected = set(wanted)
        extra = sorted((line, key) for key, line in self.lines.items() if key not in expected)
        if extra:
            line, key = extra[0]
            case_id, _, variant = key.partition("#")
            count = f" ({len(extra)} such lines)" if len(extra) > 1 else ""
            raise SuiteError(
                f"an answer for case '{case_id}', variant '{variant or 'original'}', which this "
                f"run does not ask{count}",
                path=self.path,
                line=line,
                field="case_id",
                hint="answer the file `evalstage export-inputs` writes for this suite as it is "
                "now (a case renamed or retired, or other variant options, change the keys)",
            )
        missing = [k for k in wanted if k not in self.outputs]
        if missing and not self.partial:
            raise SuiteError(
                f"no answer for {len(missing)} of the {len(wanted)} variants the run asks: "
                f"{_shown(missing)}",
                path=self.path,
                field="case_id",
                hint="write one line per line of `evalstage export-inputs` (same case_id and "
                "variant), or set partial: true to record the missing ones as errors",
            )


def recorded_answers_kind(summary: str) -> TargetKind[Any]:
    """The generation stage's ``recorded`` kind (args: :class:`RecordedAnswersArgs`)."""

    def build(args: RecordedAnswersArgs, context: TargetContext) -> RecordedAnswers:
        path = context.path(args.path)
        outputs, lines = load_recorded_lines(path)
        return RecordedAnswers(outputs, lines, path, args.model_dump())

    return TargetKind(
        name="recorded",
        args=RecordedAnswersArgs,
        factory=build,
        deterministic=True,
        summary=summary,
    )
