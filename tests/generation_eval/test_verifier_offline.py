"""The offline cross-encoder scorer: clear cases, identity and reproducible training."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from evalstage.generation_eval.verifier import OfflineScorer, Thresholds, Verifier
from evalstage.generation_eval.verifier._offline import DEFAULT_WEIGHTS

EVIDENCE = (
    "In a randomised trial of 1,200 adults, daily aspirin reduced the risk of stroke by 30% "
    "compared with placebo."
)


@pytest.fixture(scope="module")
def scorer() -> OfflineScorer:
    return OfflineScorer()


@pytest.mark.slow
def test_clear_cases(scorer: OfflineScorer) -> None:
    pairs = [
        (EVIDENCE, EVIDENCE),
        (EVIDENCE, "Daily aspirin reduced the risk of stroke by 30% compared with placebo."),
        (EVIDENCE, "Daily aspirin increased the risk of stroke compared with placebo."),
        (EVIDENCE, "Daily aspirin did not reduce the risk of stroke compared with placebo."),
        (EVIDENCE, "Daily aspirin reduced the risk of stroke by 80% compared with placebo."),
        (EVIDENCE, "The Eiffel Tower was completed in 1889 in Paris."),
    ]
    probs = scorer.score_pairs(pairs)
    assert probs.shape == (len(pairs), 3)
    assert np.allclose(probs.sum(axis=1), 1.0)
    verbatim, paraphrase, direction, negated, _number, unrelated = probs
    # Measured behaviour of the shipped weights: restated evidence leans supported, negation is
    # caught by the model, unrelated text is unsupported.
    assert verbatim[0] > verbatim[2] and paraphrase[0] > paraphrase[2]
    assert negated[1] > 0.8 and negated[0] < paraphrase[0] - 0.3
    assert unrelated[2] > 0.6 and unrelated[0] < 0.25
    # Through the verifier (fusion with the explicit checks): the changed number is caught by
    # the number check, the negation by the model; a direction swap the model alone does not
    # separate (the README's validity report measures such changes).
    verdicts = Verifier(scorer).verify([(h, [p]) for p, h in pairs[1:]])
    labels = [v.label for v in verdicts]
    assert labels[0] == "supported" and labels[2] == "contradicted"
    assert labels[3] != "supported" and verdicts[3].checks["numbers_missing"] == ["80%"]
    assert labels[4] == "unsupported" and "eiffel" in verdicts[4].checks["names_missing"]
    del direction


@pytest.mark.slow
def test_scores_do_not_depend_on_batching(scorer: OfflineScorer) -> None:
    pairs = [(EVIDENCE, "Aspirin cut strokes."), ("Short.", "A much longer hypothesis " * 5)]
    together = scorer.score_pairs(pairs)
    alone = np.vstack([scorer.score_pairs([p]) for p in pairs])
    assert np.allclose(together, alone, atol=1e-5)


@pytest.mark.slow
def test_verifier_finds_evidence_in_abstract(scorer: OfflineScorer) -> None:
    abstract = (
        "Stroke is a leading cause of death. " + EVIDENCE + " Bleeding events were rare (0.5%)."
    )
    verdict = Verifier(scorer).verify([("Aspirin lowers stroke risk.", [abstract])])[0]
    assert verdict.evidence is not None and "aspirin" in verdict.evidence
    assert verdict.context_index == 0


@pytest.mark.slow
def test_thresholds_in_the_spec_decide_the_fused_label(scorer: OfflineScorer) -> None:
    claims = [
        ("Daily aspirin reduced the risk of stroke by 30% compared with placebo.", [EVIDENCE]),
        ("The trial enrolled adults.", [EVIDENCE]),
    ]
    shipped = Verifier(scorer)
    strict = Verifier(scorer, thresholds=Thresholds(support=0.99))
    assert shipped.describe()["label_rule"] == "fusion: likeliest label"
    assert strict.describe()["label_rule"] == "thresholds"
    assert strict.identity != shipped.identity
    # Explicit default thresholds still change the rule, so the identity says so.
    assert Verifier(scorer, thresholds=Thresholds()).identity != shipped.identity
    plain, strict_verdicts = shipped.verify(claims), strict.verify(claims)
    # The support score is the fusion's either way; only the label follows the threshold.
    assert [v.support for v in plain] == [v.support for v in strict_verdicts]
    assert plain[1].label == "supported" and plain[1].support < 0.99
    assert strict_verdicts[1].label == "unsupported"
    # A claim the context states word for word stays supported (it never reaches the model).
    assert strict_verdicts[0].label == "supported" and strict_verdicts[0].support == 1.0


def test_identity_follows_weights(tmp_path: Path) -> None:
    copy = tmp_path / "w.safetensors"
    shutil.copy(DEFAULT_WEIGHTS, copy)
    same = OfflineScorer(copy)
    assert same.identity == OfflineScorer().identity
    data = bytearray(copy.read_bytes())
    data[-1] ^= 0x01
    copy.write_bytes(bytes(data))
    assert OfflineScorer(copy).identity != same.identity


def test_missing_weights_say_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"generation_eval\.verifier\.train"):
        OfflineScorer(tmp_path / "none.safetensors")


def _tiny_data(folder: Path) -> Path:
    folder.mkdir()
    rows = [
        ("The cat sat on the mat.", "A cat sat on a mat.", "supported"),
        ("The cat sat on the mat.", "The cat did not sit on the mat.", "contradicted"),
        ("The cat sat on the mat.", "The dog barked at noon.", "unsupported"),
        ("Prices rose by 5% in 2020.", "Prices rose in 2020.", "supported"),
        ("Prices rose by 5% in 2020.", "Prices fell by 5% in 2020.", "contradicted"),
        ("Prices rose by 5% in 2020.", "Wages doubled last year.", "unsupported"),
    ]
    lines = [
        json.dumps(
            {
                "premise": p,
                "hypothesis": h,
                "label": label,
                "source": "toy_nli",
                "split": "dev" if i % 3 == 0 else "train",
            }
        )
        for i, (p, h, label) in enumerate(rows * 3)
    ]
    (folder / "toy_nli.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "not_listed.jsonl").write_text(lines[0] + "\n", encoding="utf-8")
    return folder


@pytest.mark.slow
def test_training_is_reproducible(tmp_path: Path) -> None:
    from evalstage.generation_eval.verifier.train import TrainConfig, train

    data = _tiny_data(tmp_path / "data")
    cfg = TrainConfig(max_steps=3, batch_size=4, synthetic=2, eval_every=2, sources=("toy_nli",))
    first = train(cfg, data, log=False)
    second = train(cfg, data, log=False)
    assert first.state.keys() == second.state.keys()
    for key, value in first.state.items():
        assert torch.equal(value, second.state[key]), key
    assert first.dev == {**second.dev, "train_seconds": first.dev["train_seconds"]}
    assert first.sources.keys() == {"toy_nli"}  # a source not listed is never read
    assert first.dev["per_source"]["toy_nli"]["n"] == 6


def test_decontamination_drops_pairs_sharing_long_passages(tmp_path: Path) -> None:
    from evalstage.generation_eval.verifier._pairs import load_pairs, ngrams

    data = tmp_path / "data"
    data.mkdir()
    held = "the quick brown fox jumps over the lazy dog near the river bank at dawn today"
    rows = [
        {"premise": held, "hypothesis": "A fox jumps.", "label": "supported"},
        {"premise": "Other text entirely.", "hypothesis": "Text.", "label": "supported"},
    ]
    (data / "s.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    train, dev, counts = load_pairs(data, contamination=ngrams(held.upper()))
    assert [p.premise for p in train + dev] == ["Other text entirely."]
    assert counts["s"]["decontaminated"] == 1


def test_omissions_show_one_hypothesis_with_and_without_its_evidence() -> None:
    import random

    from evalstage.generation_eval.verifier._checks import content_words
    from evalstage.generation_eval.verifier._pairs import Pair, omissions

    premise = (
        "The bridge opened in 1932 after six years of work. Engineers from Ohio designed its "
        "steel arches and granite towers. Tolls paid for the construction within a decade. "
        "Ferries stopped running soon after."
    )
    short = Pair("Two sentences only. Nothing to remove here.", "Two.", "supported", "s", "train")
    pairs = [Pair(premise, "The bridge opened.", "supported", "s", "train"), short]
    out = omissions(pairs, 30, random.Random(3))
    assert len(out) == 3  # the two-sentence premise gives none; the cap is never passed
    whole, partial, missing = out
    labels = (whole.label, partial.label, missing.label)
    assert labels == ("supported", "unsupported", "unsupported")
    assert whole.premise == premise and whole.hypothesis == partial.hypothesis
    assert partial.premise == missing.premise and missing.hypothesis in whole.hypothesis
    # The removed sentence is gone from the premise, and words of it are stated nowhere else.
    assert missing.hypothesis in premise and missing.hypothesis not in missing.premise
    assert len(content_words(missing.hypothesis) - content_words(missing.premise)) >= 2
    assert omissions(pairs, 2, random.Random(3)) == []


def test_a_run_training_more_layers_starts_from_fewer_trained_ones(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    from evalstage.generation_eval.verifier.train import init_state

    trained = {"layer.0.w": torch.full((2,), 1.0), "layer.1.w": torch.full((2,), 2.0),
               "head.weight": torch.full((3, 2), 5.0)}  # fmt: skip
    path = tmp_path / "two.safetensors"
    save_file(trained, str(path))
    base = {f"layer.{i}.w": torch.full((2,), -1.0) for i in range(4)}
    base["head.weight"] = torch.zeros((3, 2))
    state = init_state(path, 4, base)
    # The two trained layers become the top two; the lower two keep the base weights.
    assert [float(state[f"layer.{i}.w"][0]) for i in range(4)] == [-1.0, -1.0, 1.0, 2.0]
    assert torch.equal(state["head.weight"], trained["head.weight"])
    assert float(init_state(path, 2, base)["layer.0.w"][0]) == 1.0
    with pytest.raises(ValueError, match="trains 2 layers"):
        init_state(path, 1, base)
