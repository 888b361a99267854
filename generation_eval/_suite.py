"""A suite's generation stage: options, cases and corpus, loaded with errors that say where."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evalstage.evalcore.discipline import check_cases
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.loaders import load_jsonl, load_jsonl_numbered
from evalstage.evalcore.suite import StageSpec, Suite, TargetSpec, require_active_cases
from evalstage.generation_eval._cases import CorpusDoc, RagCase
from evalstage.generation_eval._variants import ADVERSARIAL, ADVERSARIAL_VARIANTS, VariantSettings
from evalstage.generation_eval.verifier import VerifierSpec

STAGE = "generation"


class GenerationOptions(BaseModel):
    """The ``options`` of a suite's generation stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    corpus: str = Field(default="corpus.jsonl", description="JSONL corpus (or .jsonl.gz).")
    contexts: Literal["oracle", "end_to_end"] = Field(
        default="oracle",
        description="oracle: the gold documents only; end_to_end: also the retrieval target's "
        "top_k (the 'retrieved' variant), with failures attributed to retrieval when the oracle "
        "contexts pass.",
    )
    top_k: int = Field(default=5, ge=1, le=50, description="Retrieved passages per question.")
    variants: list[str] = Field(
        default_factory=lambda: list(ADVERSARIAL),
        description="Adversarial variants made from every answerable case (default: the four "
        "context variants). The robustness and safety probes are named one by one or by family: "
        "prompt, position, length, injection, private_data (see docs/robustness.md).",
    )
    distractors: int = Field(default=3, ge=0, le=20, description="Extra passages, noisy_context.")
    seed: int = Field(default=13, description="Seed of passage order and counterfactuals.")
    position_distractors: int = Field(
        default=4, ge=2, le=20, description="Hard distractors around the gold, position_* variants."
    )
    context_budget_words: int = Field(
        default=2000,
        ge=100,
        le=200_000,
        description="The target's context budget in words (length_* fill 25/50/100 %).",
    )
    probe_cases: int | None = Field(
        default=None,
        ge=1,
        description="Make the probe variants from this many answerable cases (a seeded subset; "
        "default all) to bound a run's cost.",
    )
    verifier: VerifierSpec = Field(default_factory=VerifierSpec)
    faithfulness_threshold: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="Share of an answer's claims the contexts must support for it to pass.",
    )
    judge: str | None = Field(
        default=None,
        description="A rubric LLM-judge spec (YAML, relative to the suite folder). Its score is "
        "recorded beside the deterministic checks of every answered variant, with the judge's "
        "calibration; it never decides the outcome.",
    )
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)

    @field_validator("variants")
    @classmethod
    def _known_variants(cls, value: list[str]) -> list[str]:
        return ADVERSARIAL_VARIANTS.validate(value)

    def variant_settings(self) -> VariantSettings:
        """The settings the variants are made with."""
        return VariantSettings(
            seed=self.seed,
            distractors=self.distractors,
            top_k=self.top_k,
            position_distractors=self.position_distractors,
            context_budget_words=self.context_budget_words,
            probe_cases=self.probe_cases,
        )


class GenerationInputs(BaseModel):
    """A suite's generation stage, loaded and validated."""

    suite_root: Path
    target: TargetSpec
    options: GenerationOptions
    cases: list[RagCase]
    documents: dict[str, CorpusDoc]
    retrieval_target: TargetSpec | None = Field(
        default=None, description="The suite's retrieval target (end_to_end contexts, ranking)."
    )

    @property
    def active_cases(self) -> list[RagCase]:
        """Cases new runs score (retired and draft ones are skipped)."""
        return [c for c in self.cases if c.active]


def _check_references(
    cases: list[tuple[int, RagCase]], path: Path, documents: dict[str, CorpusDoc]
) -> None:
    for line, case in cases:
        for name in ("gold_doc_ids", "context_doc_ids"):
            for i, doc_id in enumerate(getattr(case, name)):
                if doc_id not in documents:
                    raise SuiteError(
                        f"case '{case.case_id}' names doc '{doc_id}', which is not in the corpus",
                        path=path,
                        line=line,
                        field=f"{name}.{i}",
                        hint="fix the doc id or add the document to the corpus",
                    )
        for doc_id, indices in case.gold_sentences.items():
            count = len(documents[doc_id].sentences)
            for i, index in enumerate(indices):
                if count and not 0 <= index < count:
                    raise SuiteError(
                        f"doc '{doc_id}' has {count} sentences; index {index} does not exist",
                        path=path,
                        line=line,
                        field=f"gold_sentences.{doc_id}.{i}",
                        hint=f"use a 0-based index below {count}",
                    )


def load_generation_inputs(suite: Suite, spec: StageSpec | None = None) -> GenerationInputs:
    """Load the generation stage of ``suite``: options, cases and corpus; errors say where."""
    spec, options = suite.stage(STAGE, GenerationOptions, spec)
    corpus = suite.corpus_path(options.corpus)
    documents = {d.doc_id: d for d in load_jsonl(corpus, CorpusDoc, id_field="doc_id")}
    path = suite.path(spec.cases)
    numbered = load_jsonl_numbered(path, RagCase, id_field="case_id")
    _check_references(numbered, path, documents)
    check_cases(numbered, path, suite.manifest.version)
    cases = [case for _, case in numbered]
    require_active_cases(STAGE, sum(c.active for c in cases), len(cases), path)
    retrieval = suite.manifest.stages.get("retrieval")
    return GenerationInputs(
        suite_root=suite.root,
        target=spec.target,
        options=options,
        cases=cases,
        documents=documents,
        retrieval_target=retrieval.target if retrieval is not None else None,
    )
