"""The suite manifest (``suite.yaml``) and the suite folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evalstage.evalcore.cost import Price
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import is_file, read_text
from evalstage.evalcore.hashing import files_hash
from evalstage.evalcore.loaders import load_yaml_model, validate_yaml_section, yaml_line

M = TypeVar("M", bound=BaseModel)

STAGES = ("retrieval", "generation", "agent")


class TargetSpec(BaseModel):
    """A system under test as ``{name, args}``: round-trips through YAML and JSON."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    args: dict[str, Any] = Field(default_factory=dict)


class StageSpec(BaseModel):
    """One stage of a suite: its cases file, its target and stage-specific options."""

    model_config = ConfigDict(extra="forbid")

    cases: str = Field(min_length=1, description="Cases file, relative to the suite folder.")
    target: TargetSpec
    options: dict[str, Any] = Field(default_factory=dict)
    max_error_rate: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="More than this share of error outcomes: the target is unreachable "
        "(evalstage run exits 1, evalstage gate fails).",
    )


class Bound(BaseModel):
    """A threshold on one metric: ``0.6`` means at least 0.6; ``{max: 0.2}`` at most 0.2."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = Field(default=None, allow_inf_nan=False)
    max: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _number_is_minimum(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"min": data}
        return data

    @model_validator(mode="after")
    def _one_side_at_least(self) -> Bound:
        if self.min is None and self.max is None:
            raise ValueError("write a minimum such as 0.6, or {min: x} and/or {max: y}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is larger than max {self.max}")
        return self

    def holds(self, value: float) -> bool:
        """Whether ``value`` lies within the bound (both ends included)."""
        low = self.min if self.min is not None else float("-inf")
        high = self.max if self.max is not None else float("inf")
        return low <= value <= high

    def describe(self) -> str:
        """``>= 0.6``, ``<= 0.2`` or ``in [0.5, 0.9]``."""
        if self.min is not None and self.max is not None:
            return f"in [{self.min:g}, {self.max:g}]"
        return f">= {self.min:g}" if self.min is not None else f"<= {self.max:g}"


class RegressionSpec(BaseModel):
    """The regression gate: paired permutation tests of the run against a baseline run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alpha: float = Field(default=0.05, gt=0.0, lt=1.0, description="Significance level.")
    min_delta: float = Field(
        default=0.0, ge=0.0, description="Significant changes this small or smaller are ignored."
    )
    metrics: Literal["all"] | dict[str, list[str]] = Field(
        default="all", description="'all', or stage -> the metrics to test."
    )
    categories: bool = Field(
        default=True, description="Also test each failure category's per-case rate."
    )

    @field_validator("metrics", mode="before")
    @classmethod
    def _all_or_mapping(cls, value: Any) -> Any:
        if isinstance(value, str) and value != "all":
            raise ValueError(f"'{value}' is neither 'all' nor a mapping stage -> [metric, ...]")
        return value


class JudgeRef(BaseModel):
    """The ``judge:`` section of ``suite.yaml``: the suite's LLM judge and its calibration set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spec: str = Field(min_length=1, description="Judge spec YAML, relative to the suite folder.")
    labels: str | None = Field(
        default=None, description="Human-labelled validation set (JSONL) used to calibrate it."
    )


class GatesSpec(BaseModel):
    """The ``gates:`` section of ``suite.yaml``: what ``evalstage gate`` checks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    thresholds: dict[str, dict[str, Bound]] = Field(
        default_factory=dict, description="Stage -> metric -> bound."
    )
    regression: RegressionSpec | None = Field(
        default_factory=RegressionSpec, description="false turns the regression gate off."
    )
    canaries: bool = Field(default=True, description="Any failing canary fails the gate.")
    judge: dict[str, Bound] = Field(
        default_factory=dict,
        description="Calibration figure -> bound, e.g. {kappa: 0.6}; needs a judge: section.",
    )
    scenarios: dict[str, dict[str, Bound]] = Field(
        default_factory=dict,
        description="'<stage>/<category>' -> scenario-report column -> bound "
        "(see evalcore/scenario_gates.py).",
    )

    @field_validator("scenarios")
    @classmethod
    def _scenario_names(cls, value: dict[str, dict[str, Bound]]) -> dict[str, dict[str, Bound]]:
        from evalstage.evalcore.scenario_gates import check_scenario_names

        check_scenario_names(value)
        return value

    @field_validator("regression", mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        if value is True:
            return {}
        return None if value is False else value

    def stages(self) -> dict[str, tuple[str, ...]]:
        """Every stage the section names, with the YAML keys leading to it."""
        named: dict[str, tuple[str, ...]] = {
            stage: ("gates", "thresholds", stage) for stage in self.thresholds
        }
        if self.regression is not None and isinstance(self.regression.metrics, dict):
            for stage in self.regression.metrics:
                named.setdefault(stage, ("gates", "regression", "metrics", stage))
        return named


class SuiteManifest(BaseModel):
    """``suite.yaml``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    version: str = Field(min_length=1)
    description: str = ""
    stages: dict[str, StageSpec] = Field(min_length=1)
    gates: GatesSpec = Field(default_factory=GatesSpec)
    judge: JudgeRef | None = None
    system: TargetSpec | None = Field(
        default=None,
        description="Your end-to-end system (callable, http or recorded): stages select it "
        "with target: {name: system}; see docs/own-system.md.",
    )
    prices: dict[str, Price] = Field(
        default_factory=dict,
        description="Model -> price per million tokens; a stage's results are priced by its "
        "target's args.model, else by the entry 'default' (evalcore/cost.py).",
    )


class Suite(BaseModel):
    """A loaded suite folder: its manifest, location and content hash."""

    root: Path
    manifest: SuiteManifest
    content_hash: str

    def path(self, relative: str) -> Path:
        """Resolve a path named in the manifest against the suite folder."""
        return (self.root / relative).resolve()

    @property
    def manifest_path(self) -> Path:
        """The ``suite.yaml`` file."""
        return self.root / "suite.yaml"

    def corpus_path(self, relative: str) -> Path:
        """A corpus file named in the manifest; ``x.jsonl`` also finds a gzipped ``x.jsonl.gz``."""
        path = self.path(relative)
        if not is_file(path) and is_file(path.with_suffix(".jsonl.gz")):
            return path.with_suffix(".jsonl.gz")
        return path

    def stage(
        self, name: str, options: type[M], spec: StageSpec | None = None
    ) -> tuple[StageSpec, M]:
        """Stage ``name`` of the manifest (or ``spec``) and its ``options`` validated as a model.

        A suite without that stage, or with bad options, raises :class:`SuiteError` naming the
        line and field of ``suite.yaml``.
        """
        spec = spec or self.manifest.stages.get(name)
        if spec is None:
            raise SuiteError(
                f"the suite has no {name} stage",
                path=self.manifest_path,
                field=f"stages.{name}",
                hint=f"add a '{name}' entry under 'stages'",
            )
        checked = validate_yaml_section(
            options, spec.options, self.manifest_path, ("stages", name, "options")
        )
        return spec, checked


def require_active_cases(stage: str, active: int, total: int, path: Path) -> None:
    """A stage with no active case measures nothing: :class:`SuiteError` at load time."""
    if active == 0:
        raise SuiteError(
            f"the {stage} stage has no active cases"
            + (f" (all {total} are retired or drafts)" if total else ""),
            path=path,
            hint="review the drafts (write the expected behaviour and a note, then remove "
            f'"draft": true), add cases, un-retire some, or remove the {stage} stage from '
            "suite.yaml",
        )


def max_error_rates(manifest: SuiteManifest) -> dict[str, float]:
    """Stage -> its ``max_error_rate`` (see :mod:`evalcore.target_health`)."""
    return {name: spec.max_error_rate for name, spec in manifest.stages.items()}


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):  # a name too long, a NUL byte in it, ...
        return False


def load_suite(root: str | Path) -> Suite:
    """Load ``root/suite.yaml`` and hash every file of the suite folder."""
    folder = Path(root)
    if not _is_dir(folder):
        raise SuiteError(
            "suite folder not found", path=folder, hint="pass a folder holding suite.yaml"
        )
    manifest_path = folder / "suite.yaml"
    manifest = load_yaml_model(manifest_path, SuiteManifest)
    for stage in manifest.stages:
        if stage not in STAGES:
            raise SuiteError(
                f"unknown stage '{stage}'",
                path=manifest_path,
                line=yaml_line(manifest_path, read_text(manifest_path), ("stages", stage)),
                field=f"stages.{stage}",
                hint=f"use one of: {', '.join(STAGES)}",
            )
    for stage, keys in manifest.gates.stages().items():
        if stage not in manifest.stages:
            raise SuiteError(
                f"the gates name stage '{stage}', which the suite does not declare",
                path=manifest_path,
                line=yaml_line(manifest_path, read_text(manifest_path), keys),
                field=".".join(keys),
                hint=f"declared stages: {', '.join(manifest.stages)}",
            )
    for stage, spec in manifest.stages.items():
        if spec.target.name == "system" and manifest.system is None:
            raise SuiteError(
                f"the {stage} stage's target is 'system', but the suite declares no system",
                path=manifest_path,
                line=yaml_line(
                    manifest_path, read_text(manifest_path), ("stages", stage, "target")
                ),
                field=f"stages.{stage}.target",
                hint="add a top-level 'system: {name: callable|http|recorded, args: {...}}' "
                "block describing your end-to-end system (docs/own-system.md)",
            )
    if manifest.gates.judge and manifest.judge is None:
        raise SuiteError(
            "the gates set bounds on the judge, but the suite declares no judge",
            path=manifest_path,
            line=yaml_line(manifest_path, read_text(manifest_path), ("gates", "judge")),
            field="gates.judge",
            hint="add a top-level 'judge: {spec: judge/judge.yaml}' section, or remove gates.judge",
        )
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
    return Suite(root=folder.resolve(), manifest=manifest, content_hash=files_hash(files, folder))
