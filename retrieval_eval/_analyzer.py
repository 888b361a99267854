"""Text analysis for lexical retrieval: tokenise, drop stopwords, stem.

The pipeline per token is the one of Lucene's ``EnglishAnalyzer``: split the (lower-cased) text
with a regular expression, strip a trailing possessive ``'s``, drop stopwords, then stem. Every
step after the split depends on the token alone, so the result of a raw token is computed once
and cached; analysing a large corpus costs one regex pass plus one dict look-up per token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

import Stemmer
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DEFAULT_TOKEN_PATTERN",
    "ENGLISH_STOP_WORDS",
    "LUCENE_STOP_WORDS",
    "LUCENE_TOKEN_PATTERN",
    "Analyzer",
    "AnalyzerConfig",
]

DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w*\b"
"""Runs of word characters (letters, digits, underscore), single characters kept."""

LUCENE_TOKEN_PATTERN = r"\w+(?:(?:(?<=[^\W\d_])[.:'’·](?=[^\W\d_])|(?<=\d)[.,;'’](?=\d))\w+)*"
"""An approximation of Lucene's ``StandardTokenizer`` (Unicode UAX #29 word breaks).

Punctuation splits tokens except between two letters joined by ``.``, ``:``, ``'``, ``’`` or
``·`` (``e.g``, ``o'neil``, ``don't``) and between two digits joined by ``.``, ``,``, ``;``,
``'`` or ``’`` (``1,000``, ``3.5``); letters and digits that touch stay together (``il6``).
A trailing period is not part of a token, hyphens and slashes always split.
"""


def _words(text: str) -> list[str]:
    """Split a whitespace-separated word list."""
    return text.split()


LUCENE_STOP_WORDS: frozenset[str] = frozenset(
    _words(
        "a an and are as at be but by for if in into is it no not of on or such that the their "
        "then there these they this to was will with"
    )
)
"""Lucene's ``EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`` (33 words)."""

ENGLISH_STOP_WORDS: frozenset[str] = frozenset(
    _words(
        """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst amoungst amount an and another any anyhow anyone anything
    anyway anywhere are around as at back be became because become becomes becoming been before
    beforehand behind being below beside besides between beyond bill both bottom but by call can
    cannot cant co con could couldnt cry de describe detail do done down due during each eg
    eight either eleven else elsewhere empty enough etc even ever every everyone everything
    everywhere except few fifteen fifty fill find fire first five for former formerly forty
    found four from front full further get give go had has hasnt have he hence her here
    hereafter hereby herein hereupon hers herself him himself his how however hundred i ie if in
    inc indeed interest into is it its itself keep last latter latterly least less ltd made many
    may me meanwhile might mill mine more moreover most mostly move much must my myself name
    namely neither never nevertheless next nine no nobody none noone nor not nothing now nowhere
    of off often on once one only onto or other others otherwise our ours ourselves out over own
    part per perhaps please put rather re same see seem seemed seeming seems serious several she
    should show side since sincere six sixty so some somehow someone something sometime
    sometimes somewhere still such system take ten than that the their them themselves then
    thence there thereafter thereby therefore therein thereupon these they thick thin third this
    those though three through throughout thru thus to together too top toward towards twelve
    twenty two un under until up upon us very via was we well were what whatever when whence
    whenever where whereafter whereas whereby wherein whereupon wherever whether which while
    whither who whoever whole whom whose why will with within without would yet you your yours
    yourself yourselves
    """
    )
)
"""The 318-word English list of scikit-learn's ``CountVectorizer`` (Glasgow IR group list)."""

_POSSESSIVE_APOSTROPHES = frozenset("'\u2019\uff07")


class AnalyzerConfig(BaseModel):
    """How text becomes index terms."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lowercase: bool = Field(default=True, description="Lower-case the text before splitting.")
    token_pattern: str = Field(
        default=DEFAULT_TOKEN_PATTERN,
        min_length=1,
        description="Regular expression whose matches are the tokens.",
    )
    stopwords: Literal["none", "lucene", "english"] | list[str] = Field(
        default="none",
        description="'none', 'lucene' (33 words), 'english' (318 words) or an explicit list.",
    )
    stemmer: Literal["none", "porter", "english"] = Field(
        default="none",
        description="'porter' is Porter's original algorithm (as Lucene's PorterStemFilter), "
        "'english' is Snowball's Porter2.",
    )
    strip_possessive: bool = Field(
        default=False,
        description="Drop a trailing 's (Lucene's EnglishPossessiveFilter); needs a token "
        "pattern that keeps apostrophes inside tokens.",
    )

    @classmethod
    def lucene(cls) -> AnalyzerConfig:
        """Approximate Lucene's ``EnglishAnalyzer`` as Pyserini indexes BEIR corpora with."""
        return cls(
            lowercase=True,
            token_pattern=LUCENE_TOKEN_PATTERN,
            stopwords="lucene",
            stemmer="porter",
            strip_possessive=True,
        )

    def stopword_set(self) -> frozenset[str]:
        """Return the stopwords this configuration removes."""
        if self.stopwords == "none":
            return frozenset()
        if self.stopwords == "lucene":
            return LUCENE_STOP_WORDS
        if self.stopwords == "english":
            return ENGLISH_STOP_WORDS
        words = (w.lower() for w in self.stopwords) if self.lowercase else iter(self.stopwords)
        return frozenset(words)


class Analyzer:
    """Turns text into index terms according to an :class:`AnalyzerConfig`.

    Not thread-safe: it keeps a per-instance cache from raw token to term (the stemmer object
    of PyStemmer must not be shared between threads either).
    """

    def __init__(self, config: AnalyzerConfig | None = None) -> None:
        self.config = config if config is not None else AnalyzerConfig()
        self._findall = re.compile(self.config.token_pattern).findall
        self._stopwords = self.config.stopword_set()
        self._stemmer = (
            Stemmer.Stemmer(self.config.stemmer) if self.config.stemmer != "none" else None
        )
        # raw token -> term; "" means the token is dropped (a stopword or empty).
        self._cache: dict[str, str] = {}

    def _split(self, text: str) -> list[str]:
        tokens: list[str] = self._findall(text.lower() if self.config.lowercase else text)
        return tokens

    def _fill(self, raw_tokens: Iterable[str]) -> None:
        """Compute and cache the term of every raw token given."""
        strip = self.config.strip_possessive
        kept: list[str] = []
        normalised: list[str] = []
        for raw in raw_tokens:
            token = raw
            if (
                strip
                and len(token) >= 2
                and token[-1] in "sS"
                and token[-2] in _POSSESSIVE_APOSTROPHES
            ):
                token = token[:-2]
            if not token or token in self._stopwords:
                self._cache[raw] = ""
            else:
                kept.append(raw)
                normalised.append(token)
        if self._stemmer is not None and normalised:
            normalised = self._stemmer.stemWords(normalised)
        for raw, term in zip(kept, normalised, strict=True):
            self._cache[raw] = term

    def tokenize(self, text: str) -> list[str]:
        """Return the index terms of one text, in order, duplicates kept."""
        return self.tokenize_many([text])[0]

    def tokenize_many(self, texts: Sequence[str]) -> list[list[str]]:
        """Return the index terms of every text; faster than calling :meth:`tokenize` in a loop."""
        raw = [self._split(text) for text in texts]
        cache = self._cache
        missing = set().union(*raw).difference(cache) if raw else set()
        if missing:
            self._fill(sorted(missing))
        get = cache.__getitem__
        return [[term for term in map(get, tokens) if term] for tokens in raw]
