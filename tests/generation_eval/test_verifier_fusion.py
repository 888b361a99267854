"""The fusion's lexical anchor, its calibration and the cross-validated choice of its weight."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evalstage.generation_eval.verifier._fusion import (
    FEATURES,
    LENGTH_FEATURES,
    Anchor,
    Fusion,
    anchored,
    fit_anchor,
    fit_fusion,
    lexical_logit,
    window_features,
)
from evalstage.generation_eval.verifier._metrics import auroc
from evalstage.generation_eval.verifier.fusion import (
    choose,
    choose_threshold,
    cross_validate,
    fusion_items,
    support_threshold_arg,
    supported_by,
)

OVERLAP = FEATURES.index("context_overlap")
MODEL = FEATURES.index("max_support")


def _fusion(anchor: Anchor | None = None) -> Fusion:
    weights = [[0.0, 0.0, 0.0] for _ in FEATURES] + [[0.0, 0.0, 0.0]]
    weights[MODEL] = [3.0, 0.0, -1.0]
    weights[FEATURES.index("max_contradiction")] = [0.0, 2.0, 0.0]
    return Fusion(weights=weights, anchor=anchor)


def test_a_zero_anchor_changes_nothing_and_a_positive_one_follows_overlap() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(50, len(FEATURES)))
    plain = _fusion().probabilities(x)
    assert np.allclose(_fusion(Anchor(weight=0.0)).probabilities(x), plain)
    moved = _fusion(Anchor(weight=1.5, scale=0.8, bias=-0.2)).probabilities(x)
    assert np.allclose(moved.sum(axis=1), 1.0)
    # The not-supported mass keeps the regression's split between its two labels.
    assert np.allclose(moved[:, 1] / moved[:, 2], plain[:, 1] / plain[:, 2])
    # Same model scores, more overlap: more support.
    low, high = x[:1].copy(), x[:1].copy()
    low[0, OVERLAP], high[0, OVERLAP] = 0.2, 0.9
    anchored_fusion = _fusion(Anchor(weight=1.0))
    assert anchored_fusion.probabilities(high)[0, 0] > anchored_fusion.probabilities(low)[0, 0]
    assert _fusion().probabilities(high)[0, 0] == _fusion().probabilities(low)[0, 0]
    assert np.all(np.diff(lexical_logit(np.linspace(0, 1, 11))) >= 0)


def test_the_anchor_survives_the_weights_record() -> None:
    fusion = _fusion(Anchor(weight=0.5, scale=1.2, bias=0.1))
    again = Fusion.model_validate(json.loads(json.dumps(fusion.model_dump())))
    assert again == fusion
    x = np.full((1, len(FEATURES)), 0.4)
    assert np.allclose(again.probabilities(x), fusion.probabilities(x))
    # A record written before the anchor existed still loads, unanchored.
    old = {k: v for k, v in fusion.model_dump().items() if k != "anchor"}
    assert Fusion.model_validate(old).anchor is None


def test_an_anchor_against_unsupported_keeps_the_contradiction_probability() -> None:
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, size=(60, len(FEATURES)))
    plain = _fusion().probabilities(x)
    moved = _fusion(Anchor(weight=2.0, scale=0.9, bias=0.1, against="unsupported")).probabilities(x)
    assert np.allclose(moved.sum(axis=1), 1.0) and (moved >= 0).all()
    assert np.allclose(moved[:, 1], plain[:, 1])
    # A negated copy shares every word: full overlap cannot outvote a confident contradiction.
    row = x[:1].copy()
    row[0, OVERLAP] = 1.0
    row[0, FEATURES.index("max_contradiction")] = 3.0
    for against, capped in (("unsupported", True), ("rest", False)):
        p = _fusion(Anchor(weight=3.0, against=against)).probabilities(row)[0]
        assert bool(p[0] < p[1]) is capped, against
    # Without contradiction mass, more overlap still means more support.
    low, high = x[:1].copy(), x[:1].copy()
    low[0, OVERLAP], high[0, OVERLAP] = 0.2, 0.9
    anchor = Anchor(weight=1.0, against="unsupported")
    assert _fusion(anchor).probabilities(high)[0, 0] > _fusion(anchor).probabilities(low)[0, 0]


def test_fit_anchor_with_a_cap_recovers_a_known_calibration() -> None:
    rng = np.random.default_rng(5)
    score = rng.normal(0, 2, size=6000)
    cap = rng.uniform(0.3, 1.0, size=6000)
    positive = rng.uniform(size=6000) < cap / (1 + np.exp(-(0.7 * score + 0.5)))
    scale, bias = fit_anchor(score, positive, np.ones(6000), cap=cap)
    assert scale == pytest.approx(0.7, abs=0.1)
    assert bias == pytest.approx(0.5, abs=0.15)


def test_fit_anchor_recovers_a_known_calibration() -> None:
    rng = np.random.default_rng(1)
    score = rng.normal(0, 2, size=4000)
    positive = rng.uniform(size=4000) < 1 / (1 + np.exp(-(0.5 * score - 1.0)))
    scale, bias = fit_anchor(score, positive, np.ones(4000))
    assert scale == pytest.approx(0.5, abs=0.08)
    assert bias == pytest.approx(-1.0, abs=0.12)


def test_anchored_matches_the_fusion() -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, size=(20, len(FEATURES)))
    anchor = Anchor(weight=0.75, scale=0.9, bias=0.3)
    plain = _fusion().probabilities(x)
    assert np.allclose(anchored(plain, x[:, OVERLAP], anchor), _fusion(anchor).probabilities(x))


def _two_kinds_of_source(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Sources where the model feature tells supported apart and sources where only overlap
    do well (its model feature is weak): the shape of NLI sets beside RAG answers."""
    rows, labels, sources = [], [], []
    for name, model_informative in (("nli_a", True), ("nli_b", True), ("rag_a", False),
                                    ("rag_b", False)):  # fmt: skip
        for _ in range(200):
            label = int(rng.integers(0, 2)) * 2  # supported (0) or unsupported (2)
            row = np.full(len(FEATURES), 0.5)
            supported = label == 0
            if model_informative:
                row[MODEL] = rng.normal(0.7 if supported else 0.3, 0.15)
                row[OVERLAP] = rng.uniform(0.3, 0.9)
            else:
                row[MODEL] = rng.normal(0.6 if supported else 0.4, 0.15)
                row[OVERLAP] = np.clip(rng.normal(0.85 if supported else 0.55, 0.15), 0, 1)
            rows.append(row)
            labels.append(label)
            sources.append(name)
    return np.asarray(rows), np.asarray(labels), sources


def test_cross_validation_chooses_an_anchor_that_keeps_every_source_above_overlap() -> None:
    x, labels, sources = _two_kinds_of_source(np.random.default_rng(3))
    table, folds = cross_validate(x, labels, sources)
    unanchored = [v for v in table.values() if v["anchor_weight"] == 0.0]
    assert max(v["floor"] for v in unanchored) < 0.0  # the regression alone falls below overlap
    best = table[choose(table)]
    assert best["floor"] >= 0.0 and best["anchor_weight"] > 0.0
    for name, row in best["per"].items():
        assert row["auroc"] >= row["overlap_auroc"], name
    # The out-of-fold probabilities are real predictions of the left-out source.
    z = folds[best["l2"]][:, 0]
    nli = np.asarray([s.startswith("nli") for s in sources])
    assert auroc(list(z[nli]), list(labels[nli] == 0)) > 0.8


def test_a_fixed_anchor_weight_limits_the_cross_validation_to_it() -> None:
    x, labels, sources = _two_kinds_of_source(np.random.default_rng(3))
    table, _ = cross_validate(x, labels, sources, anchor_weights=(2.0,))
    assert {v["anchor_weight"] for v in table.values()} == {2.0}
    assert len(table) == 4  # one row per L2 of the grid
    full, _ = cross_validate(x, labels, sources)
    assert table["1.0/2.0"]["mean_auroc"] == pytest.approx(full["1.0/2.0"]["mean_auroc"])


def test_fusion_items_read_added_sources_and_leave_out_contaminated_pairs(
    tmp_path: Path,
) -> None:
    held = "the quick brown fox jumps over the lazy dog near the river bank at dawn today"
    rows = [
        {"premise": held, "hypothesis": "A fox jumps.", "label": "supported"},
        {"premise": "Rain fell all day.", "hypothesis": "It rained.", "label": "supported"},
        {"premise": "Rain fell all day.", "hypothesis": "It snowed.", "label": "unsupported"},
    ]
    (tmp_path / "rag.jsonl").write_text(
        "".join(json.dumps({**r, "source": "rag"}) + "\n" for r in rows), encoding="utf-8"
    )
    (tmp_path / "other.jsonl").write_text(
        json.dumps({**rows[1], "source": "other"}) + "\n", encoding="utf-8"
    )
    from evalstage.generation_eval.verifier._pairs import ngrams

    config = {"sources": ["none"], "max_per_source": 0, "max_dev_per_source": 0}
    items = fusion_items(tmp_path, config, 10, extra=["rag"], contamination=ngrams(held))
    assert sorted(p.hypothesis for p, _ in items) == ["It rained.", "It snowed."]
    assert {p.source for p, _ in items} == {"rag"}  # a source neither trained on nor added: unread
    assert dict((p.hypothesis, label) for p, label in items)["It snowed."] == 3  # two-label source


def test_length_features_follow_the_context_and_claim_length() -> None:
    claim = "Aspirin reduced strokes by a third."
    short_context = "Aspirin reduced strokes by a third in the trial."
    long_context = short_context + " Other outcomes were recorded as well." * 60
    block = np.asarray([[0.9, 0.05, 0.05]])
    short, _, _ = window_features(claim, [short_context], block, [short_context])
    long, _, _ = window_features(claim, [short_context], block, [long_context])
    length, claim_length = FEATURES.index("context_length"), FEATURES.index("claim_length")
    assert short[length] == pytest.approx(np.log10(1 + len(short_context.split())))
    assert long[length] > short[length] + 1.0
    assert short[claim_length] == long[claim_length] == pytest.approx(np.log10(7))
    for product, base in (
        ("long_logit_max_support", "logit_max_support"),
        ("long_logit_support_at_overlap", "logit_support_at_overlap"),
        ("long_max_overlap", "max_overlap"),
        ("long_context_overlap", "context_overlap"),
    ):
        index = FEATURES.index(product)
        assert long[index] == pytest.approx(long[length] * long[FEATURES.index(base)])
    # The features before them do not depend on the length of what the window came from.
    assert np.allclose(short[: LENGTH_FEATURES - 1], long[: LENGTH_FEATURES - 1])


def test_a_fusion_fitted_before_the_length_features_reads_its_own_columns_only() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, size=120)
    x = np.eye(3, len(FEATURES))[y] * 3.0 + rng.normal(0, 0.5, size=(120, len(FEATURES)))
    old = fit_fusion(x[:, :LENGTH_FEATURES], list(y), l2=1.0)
    assert old.features == list(FEATURES[:LENGTH_FEATURES])
    # Rows with the length features appended (as the verifier now builds them) give the same.
    changed = x.copy()
    changed[:, LENGTH_FEATURES:] = 99.0
    assert np.allclose(old.probabilities(changed), old.probabilities(x[:, :LENGTH_FEATURES]))
    full = fit_fusion(x, list(y), l2=1.0)
    assert full.features == list(FEATURES)
    assert not np.allclose(full.probabilities(changed), full.probabilities(x))


def test_the_support_threshold_only_withholds_supported() -> None:
    plain = _fusion()
    strict = plain.model_copy(update={"support_threshold": 0.7})
    # The likeliest label decides, except that supported needs P(supported) >= 0.7.
    cases = [
        ([0.65, 0.20, 0.15], 0, 1),  # withheld: the likelier other label, contradicted
        ([0.65, 0.10, 0.25], 0, 2),  # withheld: unsupported
        ([0.75, 0.10, 0.15], 0, 0),
        ([0.30, 0.50, 0.20], 1, 1),  # never makes a label supported
        ([0.45, 0.05, 0.50], 2, 2),
    ]
    for probs, argmax_label, strict_label in cases:
        p = np.asarray(probs)
        assert plain.label(p) == argmax_label
        assert strict.label(p) == strict_label
    many = np.random.default_rng(1).dirichlet([1, 1, 1], size=200)
    assert list(supported_by(many, 0.7)) == [strict.label(p) == 0 for p in many]
    assert list(supported_by(many, None)) == [plain.label(p) == 0 for p in many]
    # A record without the field (every fusion before it) reads as the likeliest label.
    record = json.loads(plain.model_dump_json(exclude={"support_threshold"}))
    assert Fusion.model_validate(record).support_threshold is None


def test_cross_validation_raises_the_threshold_where_every_source_is_too_lenient() -> None:
    rng = np.random.default_rng(4)
    rows, labels, sources = [], [], []
    for name in ("a", "b", "c"):
        for _ in range(300):
            label = int(rng.integers(0, 2)) * 2
            # Supported claims sit near 0.85 and the rest near 0.6: the likeliest label calls
            # most of both supported, and a threshold between them separates them.
            p0 = float(np.clip(rng.normal(0.85 if label == 0 else 0.6, 0.05), 0.01, 0.98))
            rows.append([p0, 0.0, 1.0 - p0])
            labels.append(label)
            sources.append(name)
    probs, y = np.asarray(rows), np.asarray(labels)
    threshold, table = choose_threshold(probs, y, sources)
    assert 0.65 <= threshold <= 0.8
    lenient = table["0.30"]
    chosen = table[f"{threshold:.2f}"]
    assert chosen["worst_balanced_accuracy"] > lenient["worst_balanced_accuracy"] + 0.3
    assert set(chosen["per"]) == {"a", "b", "c"}


def test_the_support_threshold_flag_takes_cv_or_a_probability() -> None:
    import argparse

    assert support_threshold_arg("cv") == "cv"
    assert support_threshold_arg("0.65") == 0.65
    for bad in ("1.5", "-0.1", "strict", "nan"):
        with pytest.raises(argparse.ArgumentTypeError, match="not cv or a number"):
            support_threshold_arg(bad)
