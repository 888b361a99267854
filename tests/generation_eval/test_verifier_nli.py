"""NLIScorer against tiny randomly initialised BERT classifiers saved to disk (no download)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from evalstage.evalcore.errors import SuiteError  # noqa: E402
from evalstage.generation_eval.verifier._nli import NLIScorer, column_map  # noqa: E402
from evalstage.generation_eval.verifier._protocol import PairScorer  # noqa: E402

# fmt: off
WORDS = [
    "the", "a", "is", "are", "was", "not", "no", "aspirin", "heart", "attack", "risk",
    "reduces", "reduce", "adults", "children", "coffee", "liver", "disease", "lower",
    "statins", "cholesterol", "sleep", "obesity", "vitamin", "d", "fractures", "prevent", "do",
    "does", "in", "of", "and", "with", "to", "linked",
]
# fmt: on
NLI3 = {0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"}
PAIRS = [
    ("Aspirin reduces the risk of heart attack in adults.", "Aspirin reduces heart attack risk."),
    ("Statins lower cholesterol.", "Statins do not lower cholesterol."),
    ("Coffee is linked to lower risk of liver disease.", "Sleep prevents obesity."),
    ("Vitamin D does not prevent fractures.", "Vitamin D prevents fractures in adults."),
    ("Short sleep.", "Children sleep."),
    ("", "Aspirin."),
    ("unknownword " * 300, "The heart."),  # longer than max_length: truncated
]


def make_model(
    folder: Path, id2label: dict[int, str] | None, seed: int = 0, state: Any = None
) -> Any:
    """Save a tiny BERT NLI classifier (and its tokenizer) to ``folder``; return the network."""
    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    tokenizer = transformers.BertTokenizer(vocab_file=str(vocab), model_max_length=128)
    labels = id2label or {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}
    config = transformers.BertConfig(
        vocab_size=len(WORDS) + 5,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        id2label=labels,
        label2id={name: index for index, name in labels.items()},
    )
    torch.manual_seed(seed)
    network = transformers.BertForSequenceClassification(config)
    with torch.no_grad():  # spread the logits so columns are told apart
        network.classifier.weight.mul_(40.0)
    if state is not None:
        network.load_state_dict(state)
    network.eval()
    network.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return network


def raw_softmax(network: Any, folder: Path, pairs: list[tuple[str, str]]) -> np.ndarray:
    """The oracle: the model's own softmax, one pair at a time."""
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    rows = []
    with torch.no_grad():
        for premise, hypothesis in pairs:
            enc = tokenizer(
                premise, hypothesis, truncation=True, max_length=64, return_tensors="pt"
            )
            rows.append(torch.softmax(network(**enc).logits.double(), -1)[0].numpy())
    return np.array(rows)


@pytest.fixture(scope="module")
def nli3(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    folder = tmp_path_factory.mktemp("nli3")
    return folder, make_model(folder, NLI3, seed=0)


def test_shape_rows_and_columns_by_label_name(nli3: tuple[Path, Any]) -> None:
    folder, network = nli3
    scorer = NLIScorer(str(folder), max_length=64)
    assert isinstance(scorer, PairScorer)
    assert scorer.granularity == "sentence"
    probs = scorer.score_pairs(PAIRS)
    assert probs.shape == (len(PAIRS), 3) and probs.dtype == np.float64
    assert np.isfinite(probs).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)
    raw = raw_softmax(network, folder, PAIRS)  # ENTAILMENT, NEUTRAL, CONTRADICTION
    np.testing.assert_allclose(probs, raw[:, [0, 2, 1]], atol=1e-6)
    assert raw.max(axis=1).min() > 0.4  # the test could fail: columns are far from uniform


def test_permuted_labels_permute_columns(nli3: tuple[Path, Any], tmp_path: Path) -> None:
    folder, network = nli3
    permuted = {0: "contradiction", 1: "Entailment", 2: "neutral"}
    make_model(tmp_path / "perm", permuted, state=network.state_dict())
    first = NLIScorer(str(folder), max_length=64).score_pairs(PAIRS)
    second = NLIScorer(str(tmp_path / "perm"), max_length=64).score_pairs(PAIRS)
    # same logits; in the second model output 0 means contradiction, 1 entailment, 2 neutral
    # raw p0, p1, p2 = first[:, 0], first[:, 2], first[:, 1]
    np.testing.assert_allclose(second, first[:, [2, 0, 1]], atol=1e-9)
    assert not np.allclose(second, first, atol=1e-3)


def test_batch_size_independence(nli3: tuple[Path, Any]) -> None:
    folder, _ = nli3
    one = NLIScorer(str(folder), batch_size=1, max_length=64).score_pairs(PAIRS)
    many = NLIScorer(str(folder), batch_size=32, max_length=64).score_pairs(PAIRS)
    three = NLIScorer(str(folder), batch_size=3, max_length=64).score_pairs(PAIRS)
    np.testing.assert_allclose(one, many, atol=1e-6)
    np.testing.assert_allclose(three, many, atol=1e-6)


def test_max_length_capped_by_the_tokenizer(nli3: tuple[Path, Any]) -> None:
    scorer = NLIScorer(str(nli3[0]))  # asks for 256; the model takes 128 positions
    assert scorer.max_length == 128 and scorer.describe()["max_length"] == 128
    probs = scorer.score_pairs(PAIRS)  # the 300-word premise would not fit in 256 either
    assert probs.shape == (len(PAIRS), 3) and np.isfinite(probs).all()


def test_empty_input(nli3: tuple[Path, Any]) -> None:
    probs = NLIScorer(str(nli3[0])).score_pairs([])
    assert probs.shape == (0, 3) and probs.dtype == np.float64


def test_describe_and_identity_stable(nli3: tuple[Path, Any]) -> None:
    folder, _ = nli3
    scorer = NLIScorer(str(folder), max_length=64)
    again = NLIScorer(str(folder), max_length=64, batch_size=4)
    assert scorer.identity == again.identity
    assert scorer.identity.startswith(f"nli:{folder}@") and len(scorer.identity.split("@")[1]) == 12
    assert NLIScorer(str(folder), max_length=32).identity != scorer.identity
    info = scorer.describe()
    assert info["kind"] == "nli" and info["identity"] == scorer.identity
    assert info["labels"] == {
        "ENTAILMENT": "supported",
        "NEUTRAL": "unsupported",
        "CONTRADICTION": "contradicted",
    }


def test_identity_changes_when_weights_change(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    make_model(folder, NLI3, seed=1)
    before = NLIScorer(str(folder))
    make_model(folder, NLI3, seed=2)  # same names and sizes, other weights
    after = NLIScorer(str(folder))
    assert before.identity != after.identity
    assert before.identity.split("@")[0] == after.identity.split("@")[0]


@pytest.mark.parametrize(
    ("id2label", "supported_index"),
    [
        ({0: "entailment", 1: "not_entailment"}, 0),
        ({0: "hallucinated", 1: "consistent"}, 1),  # HHEM-style
    ],
)
def test_two_label_model_puts_the_rest_in_unsupported(
    tmp_path: Path, id2label: dict[int, str], supported_index: int
) -> None:
    network = make_model(tmp_path, id2label)
    probs = NLIScorer(str(tmp_path), max_length=64).score_pairs(PAIRS)
    raw = raw_softmax(network, tmp_path, PAIRS)
    np.testing.assert_allclose(probs[:, 0], raw[:, supported_index], atol=1e-6)
    np.testing.assert_allclose(probs[:, 1], 0.0)
    np.testing.assert_allclose(probs[:, 2], raw[:, 1 - supported_index], atol=1e-6)


def test_unknown_labels_raise_with_label_map_hint(tmp_path: Path) -> None:
    network = make_model(tmp_path, None)  # LABEL_0, LABEL_1, LABEL_2
    with pytest.raises(SuiteError) as caught:
        NLIScorer(str(tmp_path))
    assert "LABEL_0" in str(caught.value) and "label_map" in str(caught.value)
    scorer = NLIScorer(
        str(tmp_path),
        max_length=64,
        label_map={"label_0": "Contradicted", "LABEL_1": "supported", "LABEL_2": "unsupported"},
    )
    raw = raw_softmax(network, tmp_path, PAIRS[:3])
    np.testing.assert_allclose(scorer.score_pairs(PAIRS[:3]), raw[:, [1, 0, 2]], atol=1e-6)


def test_label_map_errors() -> None:
    with pytest.raises(SuiteError, match="not a verifier label"):
        column_map(NLI3, {"ENTAILMENT": "true"})
    with pytest.raises(SuiteError, match="supported"):
        column_map({0: "neutral", 1: "contradiction"})
    assert column_map({0: "Not-Entailment", 1: "ENTAILS"}) == ["unsupported", "supported"]


def test_missing_model_raises_with_offline_hint(tmp_path: Path) -> None:
    with pytest.raises(SuiteError) as caught:
        NLIScorer("evalstage-tests/no-such-nli-model")
    message = str(caught.value)
    assert "not in the local Hugging Face cache" in message
    assert "hf download evalstage-tests/no-such-nli-model" in message
    assert caught.value.field == "verifier.args.model"
    with pytest.raises(SuiteError, match="not a folder"):
        NLIScorer(str(tmp_path / "absent"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(SuiteError, match="cannot load"):
        NLIScorer(str(tmp_path / "empty"))


@pytest.mark.parametrize(
    "args",
    [{"batch_size": 0}, {"max_length": 2}, {"device": "nonsense"}, {"batch_size": True}],
)
def test_bad_args_raise(nli3: tuple[Path, Any], args: dict[str, Any]) -> None:
    with pytest.raises(SuiteError):
        NLIScorer(str(nli3[0]), **args)


def test_model_from_the_local_hub_cache(
    nli3: tuple[Path, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--evalstage-tests--tiny-nli"
    shutil.copytree(nli3[0], repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    scorer = NLIScorer("evalstage-tests/tiny-nli", max_length=64)
    assert scorer.revision == commit
    assert scorer.describe()["revision"] == commit
    assert scorer.identity.startswith("nli:evalstage-tests/tiny-nli@")
    local = NLIScorer(str(nli3[0]), max_length=64)
    np.testing.assert_allclose(scorer.score_pairs(PAIRS), local.score_pairs(PAIRS), atol=1e-12)
