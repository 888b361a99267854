"""The bundled word lists of the prompt-sensitivity variants (small, hand-checked, versioned).

Synonyms are chosen to keep a question's meaning in the questions such suites ask (reports of
studies, measurements, outcomes); words whose synonyms shift meaning (``risk``, ``rate``,
``significant``) are deliberately absent. Changing a list changes the variants: bump
:data:`LEXICON_VERSION`, which every variant's provenance records.
"""

from __future__ import annotations

LEXICON_VERSION = "lexicon-v1"

SYNONYMS: dict[str, str] = {
    "share": "proportion",
    "proportion": "share",
    "percentage": "proportion",
    "children": "kids",
    "people": "individuals",
    "individuals": "people",
    "participants": "subjects",
    "subjects": "participants",
    "volunteers": "participants",
    "trial": "study",
    "took": "received",
    "given": "administered",
    "administered": "given",
    "received": "got",
    "reduced": "lowered",
    "lowered": "reduced",
    "increased": "raised",
    "raised": "increased",
    "decrease": "reduction",
    "reduction": "decrease",
    "increase": "rise",
    "rise": "increase",
    "compared": "contrasted",
    "overall": "total",
    "shown": "demonstrated",
    "showed": "demonstrated",
    "found": "observed",
    "observed": "found",
    "measured": "assessed",
    "assessed": "measured",
    "used": "employed",
    "among": "amongst",
    "about": "approximately",
    "approximately": "about",
    "roughly": "about",
    "largest": "biggest",
    "biggest": "largest",
    "smallest": "tiniest",
    "main": "principal",
    "primary": "main",
    "amount": "quantity",
    "number": "count",
    "before": "prior to",
    "after": "following",
    "during": "throughout",
    "named": "called",
    "called": "named",
    "identified": "pinpointed",
    "caused": "led to",
    "causes": "leads to",
    "helps": "aids",
    "type": "kind",
    "kind": "type",
    "years": "yrs",
}
"""Word -> a synonym that keeps the meaning (matched case-insensitively, whole words)."""

CONTRACTIONS: dict[str, str] = {
    "what is": "what's",
    "who is": "who's",
    "where is": "where's",
    "how is": "how's",
    "it is": "it's",
    "that is": "that's",
    "there is": "there's",
    "did not": "didn't",
    "does not": "doesn't",
    "do not": "don't",
    "is not": "isn't",
    "are not": "aren't",
    "was not": "wasn't",
    "were not": "weren't",
    "has not": "hasn't",
    "have not": "haven't",
    "had not": "hadn't",
    "cannot": "can't",
    "could not": "couldn't",
    "would not": "wouldn't",
    "should not": "shouldn't",
    "will not": "won't",
    "they are": "they're",
    "we are": "we're",
}
"""Expansion -> contraction (applied in either direction)."""

FILLERS: tuple[str, ...] = (
    "Quick question:",
    "I was wondering,",
    "Could you tell me:",
    "So, basically,",
    "Please answer this:",
    "Hi there!",
)
"""Filler openings that add nothing to a question."""
