"""Sentences that state nothing to check: back-channel words and pleasantries.

A reply often opens or closes with a sentence that makes no claim: "Yes it can.", "It sure
did.", "I agree!", "Haha.", "Great question!", "I hope this helps." An NLI model asked whether
the context supports "It sure did." says no, and since the weakest sentence of an answer
decides its verdict, one such sentence would make a faithful reply unsupported. Claim
extractors of LLM-based tools (RAGAS, FActScore) are built to skip such sentences; here
:func:`states_nothing` finds them by rule, so that they are left out of verification (and
reported as left out) whenever the text has another sentence to check.

A sentence states nothing when, lower-cased and without punctuation, it is one of the
:data:`PLEASANTRIES`, or it has at most :data:`MAX_WORDS` words and no digit, every word in
:data:`DISCOURSE` (interjections, acknowledgements, pronouns and auxiliaries: "oh cool", "me
too", "yes you are right", "no not even"). One exception: asked a yes/no question ("Did the
drug reduce mortality?"), a sentence with a yes/no word (:data:`POLAR`: "It sure did.", "No.")
is the answer, so it is kept (the question-aware rewrite turns it into a claim).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from evalstage.generation_eval.verifier._question import is_polar_question

__all__ = [
    "DISCOURSE",
    "MAX_WORDS",
    "PLEASANTRIES",
    "POLAR",
    "checked_sentences",
    "states_nothing",
]

MAX_WORDS = 6
POLAR = frozenset(
    {"yes", "yeah", "yep", "yup", "no", "nope", "nah", "not", "never", "sure", "certainly",
     "definitely", "absolutely", "indeed", "correct", "true", "right", "exactly", "course"}
)  # fmt: skip
"""Words that answer a yes/no question."""
DISCOURSE = POLAR | frozenset(
    {"oh", "ah", "aw", "wow", "hmm", "um", "uh", "haha", "hah", "lol", "hey", "hi", "hello",
     "well", "okay", "ok", "great", "cool", "nice", "awesome", "interesting", "thanks", "thank",
     "agree", "agreed", "same", "too", "either", "neither", "so", "really", "totally", "even",
     "of", "i", "me", "you", "it", "that", "this", "we", "is", "was", "am", "are", "be", "do",
     "does", "did", "can", "could", "will", "would", "has", "have", "had",
     "m", "s", "re", "ve", "ll", "d"}
)  # fmt: skip
"""Words a sentence that states nothing is made of (interjections, pronouns, auxiliaries, and
the pieces of contractions: "I'm", "that's", "you're")."""
PLEASANTRIES = tuple(
    re.compile(p)
    for p in (
        r"(?:i )?hope (?:this|that|it) (?:helps|helped)",
        r"(?:i am |i'm )?(?:glad|happy) (?:to|i could) help",
        r"(?:that is |that's |what )?(?:a )?(?:great|good|excellent|interesting) question",
        r"thanks? (?:you )?for (?:asking|the question|your question)",
        r"(?:please )?(?:let me know|feel free to ask) if you have (?:any )?"
        r"(?:other |more |further )?questions",
    )
)
"""Whole sentences (lower case, no punctuation) that are courtesy, not content."""
_TOKEN = re.compile(r"[a-z]+")


def states_nothing(sentence: str, question: str | None = None) -> bool:
    """Whether ``sentence`` makes no claim to check (rules in the module docstring)."""
    flat = sentence.lower().replace("’", "'")
    words = _TOKEN.findall(flat.replace("'", " "))
    if not words or re.search(r"\d", flat):
        return False  # a number says something ("It was not 1945."); a symbol alone is left too
    joined = " ".join(re.findall(r"[a-z']+", flat))
    if any(p.fullmatch(joined) for p in PLEASANTRIES):
        return True
    if len(words) > MAX_WORDS or not all(w in DISCOURSE for w in words):
        return False
    return not (is_polar_question(question) and any(w in POLAR for w in words))


def checked_sentences(sentences: Sequence[str], question: str | None = None) -> list[bool]:
    """Which of a text's sentences to verify: all but those that state nothing.

    Every sentence when none or all of them state nothing (a text is never left without a
    sentence to judge: "Yes." alone is verified, and found unsupported).
    """
    keep = [not states_nothing(s, question) for s in sentences]
    return keep if any(keep) else [True] * len(sentences)
