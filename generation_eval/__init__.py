"""The generation stage: RAG cases, adversarial variants, generators, verifier and scoring."""

from evalstage.generation_eval._cases import CorpusDoc, Generation, Passage, RagCase, variant_key
from evalstage.generation_eval._counterfactual import answer_type, make_counterfactual
from evalstage.generation_eval._metrics import ANSWER_METRICS, BEHAVIOUR_METRICS, GENERATION_METRICS
from evalstage.generation_eval._pipeline import (
    NEGATIVES_RANKER,
    contexts_retriever,
    judge_variants,
    make_variants,
)
from evalstage.generation_eval._stage import (
    GenerationContext,
    GenerationReport,
    score_generation,
)
from evalstage.generation_eval._suite import (
    GenerationInputs,
    GenerationOptions,
    load_generation_inputs,
)
from evalstage.generation_eval._targets import (
    GENERATION_TARGETS,
    PROMPT_HASH,
    PROMPT_TEMPLATE,
    PROMPT_VERSION,
    GenerationRun,
    Generator,
    build_generator,
    load_recorded,
    run_generator,
)
from evalstage.generation_eval._variants import (
    ADVERSARIAL,
    ADVERSARIAL_VARIANTS,
    VARIANTS,
    CaseVariant,
    Made,
    Shown,
    VariantKind,
    VariantRegistry,
    VariantSettings,
    build_variants,
)
from evalstage.generation_eval.verifier import ClaimVerdict, Verifier, VerifierSpec, build_verifier

__all__ = [
    "ADVERSARIAL",
    "ADVERSARIAL_VARIANTS",
    "ANSWER_METRICS",
    "BEHAVIOUR_METRICS",
    "GENERATION_METRICS",
    "GENERATION_TARGETS",
    "NEGATIVES_RANKER",
    "PROMPT_HASH",
    "PROMPT_TEMPLATE",
    "PROMPT_VERSION",
    "VARIANTS",
    "CaseVariant",
    "ClaimVerdict",
    "CorpusDoc",
    "Generation",
    "GenerationContext",
    "GenerationInputs",
    "GenerationOptions",
    "GenerationReport",
    "GenerationRun",
    "Generator",
    "Made",
    "Passage",
    "RagCase",
    "Shown",
    "VariantKind",
    "VariantRegistry",
    "VariantSettings",
    "Verifier",
    "VerifierSpec",
    "answer_type",
    "build_generator",
    "build_variants",
    "build_verifier",
    "contexts_retriever",
    "judge_variants",
    "load_generation_inputs",
    "load_recorded",
    "make_counterfactual",
    "make_variants",
    "run_generator",
    "score_generation",
    "variant_key",
]
