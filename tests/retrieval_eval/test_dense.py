import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evalstage.evalcore.cases import Document
from evalstage.retrieval_eval._dense import DenseConfig, DenseRetriever, corpus_cache_key
from evalstage.retrieval_eval._types import Retriever

DOCS = [
    Document(doc_id="cats", title="Cats", text="A kitten purrs and meows on the sofa."),
    Document(doc_id="dogs", title="Dogs", text="Puppies bark loudly at the mail carrier."),
    Document(doc_id="stocks", title="Markets", text="Stock prices fell sharply on Monday."),
    Document(doc_id="moon", title="Astronomy", text="The moon orbits the earth every month."),
    Document(doc_id="bread", text="Knead the dough and bake the loaf for forty minutes."),
    Document(doc_id="rain", text="Heavy rain and thunderstorms are expected tonight."),
]


class FakeModel:
    """Deterministic bag-of-characters embedding; counts texts it encodes."""

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, texts: Sequence[str], **kwargs: Any) -> np.ndarray:
        self.encoded += len(texts)
        out = np.zeros((len(texts), 26), dtype=np.float64)
        for row, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    out[row, ord(ch) - 97] += 1
        if kwargs.get("normalize_embeddings"):
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


def _no_model(self: DenseRetriever) -> Any:
    raise AssertionError("the model must not be loaded")


def _fake_retriever(cache_dir: Path | None, model: FakeModel) -> DenseRetriever:
    retriever = DenseRetriever(DenseConfig(cache_dir=None if cache_dir is None else str(cache_dir)))
    retriever._model = model
    return retriever


def test_cache_key_depends_on_model_ids_texts_and_order() -> None:
    base = corpus_cache_key("m", DOCS)
    assert base == corpus_cache_key("m", list(DOCS))
    assert len(base) == 64 and int(base, 16) >= 0
    assert corpus_cache_key("m2", DOCS) != base
    assert corpus_cache_key("m", DOCS[::-1]) != base
    renamed = [DOCS[0].model_copy(update={"doc_id": "kittens"}), *DOCS[1:]]
    assert corpus_cache_key("m", renamed) != base
    edited = [DOCS[0].model_copy(update={"text": "A kitten purrs."}), *DOCS[1:]]
    assert corpus_cache_key("m", edited) != base
    # no ambiguity from concatenation: ("ab", "c") vs ("a", "bc")
    a = [Document(doc_id="ab", text="c")]
    b = [Document(doc_id="a", text="bc")]
    assert corpus_cache_key("m", a) != corpus_cache_key("m", b)
    assert base != hashlib.sha256(b"m").hexdigest()


def test_model_identity_tracks_normalisation() -> None:
    on = DenseRetriever(DenseConfig(normalize=True))
    off = DenseRetriever(DenseConfig(normalize=False))
    assert on.model_identity() != off.model_identity()
    assert "all-MiniLM-L6-v2" in on.model_identity()


def test_warm_cache_skips_encoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold_model = FakeModel()
    cold = _fake_retriever(tmp_path, cold_model)
    cold.index(DOCS)
    assert cold.last_cache_hit is False and cold_model.encoded == len(DOCS)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [f"{corpus_cache_key(cold.model_identity(), DOCS)}.npy"]  # no temp left

    monkeypatch.setattr(DenseRetriever, "_load_model", _no_model)
    warm = DenseRetriever(DenseConfig(cache_dir=str(tmp_path)))
    warm.index(DOCS)  # would raise if it needed the model
    assert warm.last_cache_hit is True and warm._model is None
    np.testing.assert_array_equal(warm.encode_corpus(DOCS), cold.encode_corpus(DOCS))

    warm._model = FakeModel()
    queries = {"q1": "kitten purring", "q2": "moon and earth orbit"}
    assert warm.search(queries, 3) == cold.search(queries, 3)
    assert warm._model.encoded == len(queries)  # only the queries were encoded


def test_changed_corpus_misses_the_cache(tmp_path: Path) -> None:
    model = FakeModel()
    _fake_retriever(tmp_path, model).index(DOCS)
    other = _fake_retriever(tmp_path, model)
    other.index(DOCS[:-1])
    assert other.last_cache_hit is False
    assert model.encoded == len(DOCS) + len(DOCS) - 1
    assert len(list(tmp_path.glob("*.npy"))) == 2


def test_corrupt_cache_is_recomputed(tmp_path: Path) -> None:
    model = FakeModel()
    retriever = _fake_retriever(tmp_path, model)
    path = retriever.cache_path(DOCS)
    assert path is not None
    path.write_bytes(b"not an npy file")
    vectors = retriever.encode_corpus(DOCS)
    assert retriever.last_cache_hit is False and vectors.shape == (len(DOCS), 26)
    np.testing.assert_array_equal(np.load(path), vectors)


def test_no_cache_dir_always_encodes(tmp_path: Path) -> None:
    model = FakeModel()
    retriever = _fake_retriever(None, model)
    assert retriever.cache_path(DOCS) is None
    retriever.encode_corpus(DOCS)
    retriever.encode_corpus(DOCS)
    assert model.encoded == 2 * len(DOCS)


def test_search_orders_by_inner_product_and_caps_k() -> None:
    retriever = _fake_retriever(None, FakeModel())
    assert isinstance(retriever, Retriever)
    retriever.index(DOCS)
    ranking = retriever.search({"q": DOCS[2].full_text}, k=50)["q"]
    assert len(ranking) == len(DOCS)
    scores = list(ranking.values())
    assert scores == sorted(scores, reverse=True)
    assert next(iter(ranking)) == "stocks" and ranking["stocks"] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        retriever.search({"q": "x"}, 0)
    with pytest.raises(ValueError):
        retriever.index([])


@pytest.mark.slow
def test_real_model_cold_then_warm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads = 0
    original = DenseRetriever._load_model

    def counting(self: DenseRetriever) -> Any:
        nonlocal loads
        loads += 1
        return original(self)

    monkeypatch.setattr(DenseRetriever, "_load_model", counting)
    cold = DenseRetriever(DenseConfig(cache_dir=str(tmp_path), batch_size=4))
    cold.index(DOCS)
    queries = {"pets": "a cat that meows", "sky": "lunar orbit around our planet"}
    cold_run = cold.search(queries, 3)
    cold.search(queries, 3)
    assert loads == 1  # lazily loaded once, reused
    assert next(iter(cold_run["pets"])) == "cats"
    assert next(iter(cold_run["sky"])) == "moon"
    vectors = cold.encode_corpus(DOCS)
    assert vectors.dtype == np.float32 and vectors.shape == (len(DOCS), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)

    monkeypatch.setattr(DenseRetriever, "_load_model", _no_model)
    warm = DenseRetriever(DenseConfig(cache_dir=str(tmp_path), batch_size=4))
    warm.index(DOCS)
    assert warm.last_cache_hit is True
    warm._model = cold.model  # queries still need a model; reuse the loaded one
    assert warm.search(queries, 3) == cold_run


def test_model_resolution_without_loading(tmp_path: Path) -> None:
    bundled, local = DenseRetriever(DenseConfig())._resolve()
    assert local and Path(bundled, "config.json").is_file()
    by_path = DenseRetriever(DenseConfig(model=str(tmp_path)))
    assert by_path._resolve() == (str(tmp_path.resolve()), True)
    hub = DenseRetriever(DenseConfig(model="some-org/not-downloaded"))
    assert hub._resolve() == ("some-org/not-downloaded", False)
    assert hub.model_identity() != by_path.model_identity()
