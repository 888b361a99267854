import pytest
from pydantic import ValidationError

from evalstage.retrieval_eval._analyzer import (
    ENGLISH_STOP_WORDS,
    LUCENE_STOP_WORDS,
    Analyzer,
    AnalyzerConfig,
)


def test_default_lowercases_and_keeps_single_characters() -> None:
    assert Analyzer().tokenize("Hello, World! A b-c 3.5") == [
        "hello",
        "world",
        "a",
        "b",
        "c",
        "3",
        "5",
    ]


def test_lowercase_off_keeps_case() -> None:
    assert Analyzer(AnalyzerConfig(lowercase=False)).tokenize("Hello World") == ["Hello", "World"]


def test_lucene_preset_matches_english_analyzer_behaviour() -> None:
    analyzer = Analyzer(AnalyzerConfig.lucene())
    text = "The 1,000 Genomes project's data, e.g. IL-6 in mice: 3.5% don't RUNNING studies."
    assert analyzer.tokenize(text) == [
        "1,000",  # digits joined by a comma stay one token
        "genom",  # porter
        "project",  # possessive stripped, then stemmed
        "data",
        "e.g",  # letters joined by a period; the trailing period is dropped
        "il",  # hyphen splits
        "6",
        "mice",  # "in" is a Lucene stopword
        "3.5",
        "don't",
        "run",
        "studi",
    ]


def test_possessive_only_stripped_when_asked() -> None:
    base = AnalyzerConfig.lucene()
    keep = base.model_copy(update={"strip_possessive": False, "stemmer": "none"})
    assert Analyzer(keep).tokenize("John's dog") == ["john's", "dog"]
    strip = base.model_copy(update={"stemmer": "none"})
    assert Analyzer(strip).tokenize("John’s dog") == ["john", "dog"]


def test_stop_lists() -> None:
    assert len(LUCENE_STOP_WORDS) == 33
    assert len(ENGLISH_STOP_WORDS) == 318
    assert LUCENE_STOP_WORDS < ENGLISH_STOP_WORDS
    text = "the cat is above them"
    assert Analyzer(AnalyzerConfig(stopwords="none")).tokenize(text) == text.split()
    assert Analyzer(AnalyzerConfig(stopwords="lucene")).tokenize(text) == ["cat", "above", "them"]
    assert Analyzer(AnalyzerConfig(stopwords="english")).tokenize(text) == ["cat"]


def test_custom_stopwords_follow_lowercasing() -> None:
    analyzer = Analyzer(AnalyzerConfig(stopwords=["CAT"]))
    assert analyzer.tokenize("Cat and dog") == ["and", "dog"]


def test_porter_and_porter2_differ() -> None:
    porter = Analyzer(AnalyzerConfig(stemmer="porter"))
    english = Analyzer(AnalyzerConfig(stemmer="english"))
    assert porter.tokenize("generously fairly") == ["gener", "fairli"]
    assert english.tokenize("generously fairly") == ["generous", "fair"]


def test_stopwords_are_removed_before_stemming() -> None:
    # "thes" is no stopword even though nothing stems to "the"; "this" must go before stemming
    analyzer = Analyzer(AnalyzerConfig(stopwords="lucene", stemmer="porter"))
    assert analyzer.tokenize("this thes") == ["the"]


def test_tokenize_many_equals_tokenize_and_cache_is_stable() -> None:
    analyzer = Analyzer(AnalyzerConfig.lucene())
    texts = ["Running dogs' owners", "", "The dog ran; dogs run.", "Running dogs' owners"]
    fresh = [Analyzer(AnalyzerConfig.lucene()).tokenize(t) for t in texts]
    assert analyzer.tokenize_many(texts) == fresh
    assert analyzer.tokenize_many(texts) == fresh  # second pass served from the cache
    assert analyzer.tokenize_many([]) == []
    assert fresh[1] == []


def test_config_is_frozen_and_strict() -> None:
    config = AnalyzerConfig()
    with pytest.raises(ValidationError):
        config.lowercase = False  # type: ignore[misc]
    with pytest.raises(ValidationError):
        AnalyzerConfig.model_validate({"stemmer": "lancaster"})
    with pytest.raises(ValidationError):
        AnalyzerConfig.model_validate({"unknown": 1})
    assert AnalyzerConfig.model_validate(AnalyzerConfig.lucene().model_dump()) == (
        AnalyzerConfig.lucene()
    )
