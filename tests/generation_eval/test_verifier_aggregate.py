"""Aggregation, windows, thresholds, cache and file I/O of the verifier, with a fake scorer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
from verifier_fakes import KeywordScorer

from evalstage.evalcore.errors import SuiteError
from evalstage.generation_eval.verifier import (
    LABELS,
    PairCache,
    PairScorer,
    Thresholds,
    Verifier,
    VerifierSpec,
    build_verifier,
    split_sentences,
    verify_file,
)
from evalstage.generation_eval.verifier._checks import explicit_checks
from evalstage.generation_eval.verifier._fusion import FEATURES, fit_fusion
from evalstage.generation_eval.verifier._metrics import auroc, balanced_accuracy
from evalstage.generation_eval.verifier._verifier import decide
from evalstage.generation_eval.verifier._windows import build_windows, select_windows


class PassageScorer(KeywordScorer):
    granularity: Literal["sentence", "passage"] = "passage"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Smith et al. showed it. It worked.", ["Smith et al. showed it.", "It worked."]),
        ("The dose was 3.5 mg. Then 2.0 mg.", ["The dose was 3.5 mg.", "Then 2.0 mg."]),
        ("See Fig. 2 for e.g. details. Next one.", ["See Fig. 2 for e.g. details.", "Next one."]),
        ("Is it? Yes! (Done.) 5 more.", ["Is it?", "Yes!", "(Done.)", "5 more."]),
        ("J. Smith and the U.S. Army agreed. OK.", ["J. Smith and the U.S. Army agreed.", "OK."]),
        ("lower case. continues here", ["lower case. continues here"]),
        ("on friday . locke replaced him .", ["on friday .", "locke replaced him ."]),
        ("wait . . . it rained ! and stopped .", ["wait . . . it rained !", "and stopped ."]),
        ("I think so ... maybe not.", ["I think so ... maybe not."]),
        ("Run pip install -e . to install it.", ["Run pip install -e . to install it."]),
        ("dr . jones came . he left .", ["dr . jones came .", "he left ."]),
        ('my song is " x factor . " ok .', ['my song is " x factor .', '" ok .']),
        ("it is x factor . ''", ["it is x factor . ''"]),
        ("( he left . ) she stayed .", ["( he left . )", "she stayed ."]),
        ("First.\n\nsecond paragraph", ["First.", "second paragraph"]),
        ("", []),
        ("   ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_windows_are_sentences_and_adjacent_pairs() -> None:
    windows = build_windows(["A one. B two. C three."])
    assert [w.text for w in windows] == [
        "A one.", "B two.", "C three.", "A one. B two.", "B two. C three."
    ]  # fmt: skip
    contexts = ["A one. B two. C three.", "D four. E five."]
    chosen = select_windows("B two", contexts, top_m=2, whole_words=0)
    assert next(w.text for w in chosen if not w.joint) == "B two."
    assert sum(w.joint for w in chosen) == 1


def test_short_contexts_are_scored_whole_and_long_ones_by_sentence() -> None:
    contexts = ["A one. B two. C three.", "D four. E five. " * 40]
    chosen = select_windows("B two five", contexts, top_m=3)
    assert chosen[0].whole and chosen[0].text == contexts[0] and chosen[0].context_index == 0
    assert not any(w.whole for w in chosen[1:])  # the long context is cut into sentences
    assert {w.text for w in chosen[1:] if not w.joint} <= {"E five.", "D four. E five.",
                                                           "E five. D four."}  # fmt: skip
    assert len([w for w in chosen if not w.joint]) == 3 and chosen[-1].joint


def test_decide_thresholds() -> None:
    rule = Thresholds(support=0.6, contradiction=0.4)
    assert decide(0.7, 0.1, rule) == "supported"
    assert decide(0.5, 0.1, rule) == "unsupported"
    assert decide(0.3, 0.45, rule) == "contradicted"
    assert decide(0.7, 0.45, rule) == "supported"  # contradiction must also beat support


def test_aggregation_picks_deciding_context_and_evidence() -> None:
    verifier = Verifier(KeywordScorer(), thresholds=Thresholds())
    contexts = ["Cats purr. Dogs bark.", "Aspirin is effective for pain. It is cheap."]
    supported, contradicted, missing = verifier.verify(
        [
            ("Aspirin is effective for pain.", contexts),
            ("Dogs is loud.", ["Quiet here.", "Dogs is not loud."]),
            ("Fish swim.", contexts),
        ]
    )
    assert supported.label == "supported" and supported.context_index == 1
    assert supported.evidence is not None and "Aspirin" in supported.evidence
    assert contradicted.label == "contradicted" and contradicted.context_index == 1
    assert contradicted.evidence == "Dogs is not loud."
    assert missing.label == "unsupported" and missing.support == pytest.approx(0.1)
    assert supported.checks == {"verbatim": True}  # stated word for word: no model needed
    assert "coverage" in contradicted.checks


def test_one_batched_call_and_empty_contexts() -> None:
    scorer = KeywordScorer()
    verifier = Verifier(scorer)
    verdicts = verifier.verify([("A.", ["A. B."]), ("C.", []), ("D.", [""])])
    assert scorer.calls == 1
    assert verdicts[1].label == "unsupported" and verdicts[1].support == 0.0
    assert verdicts[1].checks == {"no_evidence": True}


def test_cache_hit_skips_scorer(tmp_path: Path) -> None:
    items = [("Aspirin works well.", ["Aspirin is effective. It is cheap."])]
    first_scorer = KeywordScorer()
    first = Verifier(first_scorer, cache=PairCache(tmp_path / "c.sqlite")).verify(items)
    assert first_scorer.pairs > 0
    second_scorer = KeywordScorer()
    second = Verifier(second_scorer, cache=PairCache(tmp_path / "c.sqlite")).verify(items)
    assert second_scorer.calls == 0 and second == first


def test_passage_scorer_gets_numbered_contexts() -> None:
    scorer = PassageScorer()
    verdicts = Verifier(scorer).verify([("Sky is blue.", ["Grass.", "Sky is blue."])])
    assert scorer.pairs == 1
    assert verdicts[0].label == "supported" and verdicts[0].context_index is None


def test_verify_file_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "pairs.jsonl"
    rows = [
        {
            "id": "a",
            "context": "Aspirin is effective. It is cheap.",
            "claim": "Aspirin is effective.",
        },
        {"id": 2, "context": ["Nothing here."], "claim": "Fish swim."},
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    out = tmp_path / "scores.jsonl"
    assert verify_file(source, out, Verifier(KeywordScorer())) == 2
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    assert [s["id"] for s in scored] == ["a", 2]
    assert scored[0]["label"] == "supported" and 0.0 <= scored[0]["support"] <= 1.0
    assert scored[1]["label"] in LABELS


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('{"id": "b", "context": "x"}', "claim"),
        ('{"id": "b", "context": 5, "claim": "y"}', "context"),
        ('{"id": "b", "context": "x", "claim": "   "}', "claim"),
        ('{"id": "a", "context": "x", "claim": "y"}', "id"),
        ('{"id": "b", "context": "x", "claim": "y"', None),
    ],
)
def test_verify_file_bad_line(tmp_path: Path, line: str, field: str | None) -> None:
    source = tmp_path / "pairs.jsonl"
    source.write_text('{"id": "a", "context": "x", "claim": "y"}\n' + line + "\n", encoding="utf-8")
    out = tmp_path / "scores.jsonl"
    scorer = KeywordScorer()
    with pytest.raises(SuiteError) as info:
        verify_file(source, out, Verifier(scorer))
    assert info.value.line == 2 and info.value.path == str(source)
    if field is not None:
        assert info.value.field is not None and info.value.field.startswith(field)
    assert info.value.hint
    assert not out.exists() and scorer.calls == 0


def test_spec_round_trip_and_missing_backend() -> None:
    spec = VerifierSpec.model_validate({"name": "offline", "args": {"batch_size": 8}})
    assert VerifierSpec.model_validate_json(spec.model_dump_json()) == spec
    with pytest.raises(ValueError):
        VerifierSpec.model_validate({"name": "gpt"})


def test_protocol_runtime_check() -> None:
    assert isinstance(KeywordScorer(), PairScorer)


def test_explicit_checks() -> None:
    checks = explicit_checks("Mortality fell by 20% in 2010.", "Mortality fell by 30% in 2010.")
    assert checks["numbers_missing"] == ["20%"]
    assert explicit_checks("X is not toxic.", "X is toxic.")["negation_mismatch"] is True
    assert explicit_checks("X is toxic.", "X is toxic.")["coverage"] == 1.0


def test_metrics() -> None:
    assert balanced_accuracy(["a", "a", "b"], ["a", "b", "b"]) == pytest.approx(0.75)
    assert auroc([0.9, 0.8, 0.1], [True, False, False]) == 1.0
    assert auroc([0.5, 0.5], [True, False]) == 0.5
    assert auroc([0.1], [True]) is None


def test_build_verifier_without_cache() -> None:
    verifier = build_verifier(VerifierSpec(), cache=False)
    assert verifier.cache is None
    assert verifier.identity.startswith("offline:minilm-xenc@")


def test_a_claim_stated_verbatim_is_supported_without_the_scorer() -> None:
    scorer = KeywordScorer()
    verdict = Verifier(scorer).verify(
        [
            (
                "the   drug cut  mortality by 32%.",
                ["Results: The drug cut mortality by 32% [p<0.01]."],
            )
        ]
    )[0]
    assert verdict.label == "supported" and verdict.support == 1.0
    assert scorer.pairs == 0
    short = Verifier(scorer).verify([("It worked.", ["It worked. Then it failed."])])[0]
    assert "verbatim" not in short.checks  # two words are too few to count as a statement


class FusedScorer(KeywordScorer):
    """The keyword scorer plus a fusion that trusts word overlap heavily."""

    def describe(self) -> dict[str, Any]:
        weights = [[0.0, 0.0, 0.0] for _ in FEATURES] + [[0.0, 0.0, 0.0]]
        weights[FEATURES.index("max_overlap")] = [8.0, 0.0, -8.0]
        weights[FEATURES.index("numbers_missing")] = [-6.0, 6.0, 0.0]
        weights[-1] = [-4.0, -2.0, 4.0]
        return {"backend": "fake", "fusion": {"weights": weights}}


def test_fusion_decides_the_label_from_scores_and_checks() -> None:
    verifier = Verifier(FusedScorer())
    contexts = ["Aspirin reduced stroke risk by 32% in adults over five years of follow-up."]
    paraphrase, wrong_number, unrelated = verifier.verify(
        [
            ("Stroke risk in adults was reduced by aspirin by 32%.", contexts),
            ("Stroke risk in adults was reduced by aspirin by 45%.", contexts),
            ("Coral reefs bleach in warm water.", contexts),
        ]
    )
    assert paraphrase.label == "supported" and paraphrase.checks["fused"]
    assert wrong_number.label == "contradicted"
    assert wrong_number.checks["numbers_missing"] == ["45%"]
    assert unrelated.label == "unsupported"
    for verdict in (paraphrase, wrong_number, unrelated):
        assert 0.0 <= verdict.support <= 1.0 and 0.0 <= verdict.contradiction <= 1.0
    assert Verifier(FusedScorer()).identity != Verifier(KeywordScorer()).identity


class OverlapOnlyScorer(KeywordScorer):
    """A fusion that reads word overlap alone: blind to a changed number."""

    def describe(self) -> dict[str, Any]:
        weights = [[0.0, 0.0, 0.0] for _ in FEATURES] + [[0.0, 0.0, 0.0]]
        weights[FEATURES.index("max_overlap")] = [8.0, 0.0, -8.0]
        weights[-1] = [-4.0, -2.0, 4.0]
        return {"backend": "fake", "fusion": {"weights": weights}}


def test_a_number_no_context_states_is_never_supported() -> None:
    contexts = ["Aspirin reduced stroke risk by 32% in adults over five years of follow-up."]
    same, changed = Verifier(OverlapOnlyScorer()).verify(
        [
            ("Stroke risk in adults was reduced by aspirin by 32%.", contexts),
            ("Stroke risk in adults was reduced by aspirin by 45%.", contexts),
        ]
    )
    assert same.label == "supported" and "number_rule" not in same.checks
    # The words are all there, so the fused score leans supported; the label follows the check.
    assert changed.support > 0.5
    assert changed.label != "supported" and changed.checks["number_rule"]
    assert changed.checks["numbers_missing"] == ["45%"]


class RainContradictsScorer(OverlapOnlyScorer):
    """As above, but the model finds its highest contradiction in an unrelated sentence."""

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        rows = super().score_pairs(pairs)
        for i, (premise, _) in enumerate(pairs):
            if "rained" in premise:
                rows[i] = [0.1, 0.6, 0.3]
        return rows


def test_the_number_rule_keeps_its_evidence_and_its_check_with_several_contexts() -> None:
    contexts = [
        "Aspirin reduced stroke risk by 32% in adults over five years of follow-up.",
        "It rained heavily in the north of the country during the whole of last week.",
    ]
    (changed,) = Verifier(RainContradictsScorer()).verify(
        [("Stroke risk in adults was reduced by aspirin by 45%.", contexts)]
    )
    assert changed.label != "supported" and changed.checks["number_rule"]
    assert changed.context_index == 0 and "32%" in (changed.evidence or "")


def test_fit_fusion_separates_separable_classes() -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(3, len(FEATURES)) * 4.0
    y = rng.integers(0, 3, size=300)
    x = centres[y] + rng.normal(0, 0.5, size=(300, len(FEATURES)))
    fusion = fit_fusion(x, list(y))
    p = fusion.probabilities(x)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert (p.argmax(axis=1) == y).mean() > 0.95
    assert fit_fusion(x, list(y)) == fusion  # deterministic


@pytest.mark.parametrize(
    ("claim", "context"),
    [
        ("The tower was completed in 188.", "The tower was completed in 1889."),
        ("Aspirin reduces stroke risk.", "There is no evidence that aspirin reduces stroke risk."),
        ("Aspirin reduces stroke risk.", "We asked whether aspirin reduces stroke risk."),
    ],
)
def test_the_verbatim_rule_needs_whole_words_and_no_negation_before_the_quote(
    claim: str, context: str
) -> None:
    scorer = KeywordScorer()
    verdict = Verifier(scorer).verify([(claim, [context])])[0]
    assert "verbatim" not in verdict.checks and scorer.pairs > 0
