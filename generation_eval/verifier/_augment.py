"""FactCC-style synthetic pairs from abstract sentences: copies, perturbations, other sentences."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from generation_eval.verifier._protocol import Label
from generation_eval.verifier._scifact import Claim, Example

__all__ = ["augment_claims", "augment_sentences", "perturb"]

_PAIRS = [
    ("increase", "decrease"), ("increases", "decreases"), ("increased", "decreased"),
    ("increasing", "decreasing"), ("higher", "lower"), ("more", "less"), ("greater", "smaller"),
    ("upregulated", "downregulated"), ("upregulates", "downregulates"),
    ("up-regulated", "down-regulated"), ("activates", "inhibits"), ("activated", "inhibited"),
    ("promotes", "suppresses"), ("promoted", "suppressed"), ("enhances", "reduces"),
    ("enhanced", "reduced"), ("improves", "worsens"), ("improved", "worsened"),
    ("positive", "negative"), ("positively", "negatively"), ("high", "low"),
    ("elevated", "lowered"), ("induces", "prevents"), ("induced", "prevented"),
    ("stimulates", "inhibits"), ("beneficial", "harmful"), ("effective", "ineffective"),
    ("sufficient", "insufficient"), ("necessary", "unnecessary"), ("strong", "weak"),
    ("stronger", "weaker"), ("longer", "shorter"), ("faster", "slower"), ("gain", "loss"),
    ("rise", "fall"), ("benign", "malignant"), ("common", "rare"), ("before", "after"),
    ("above", "below"), ("larger", "smaller"), ("protective", "detrimental"),
    ("accelerates", "delays"), ("significant", "insignificant"),
    ("associated", "unassociated"), ("risk", "protection"), ("majority", "minority"),
]  # fmt: skip
_SWAP = {a: b for a, b in _PAIRS} | {b: a for a, b in _PAIRS}
_SWAP_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _SWAP), key=len, reverse=True)) + r")\b", re.I
)
_AUX_RE = re.compile(
    r"\b(is|are|was|were|can|could|may|might|will|would|should|does|did|do|has|have|had)\b(?! not)"
)
_NEG_RE = re.compile(r"\b(not|no|never|without|cannot)\b\s*", re.I)
_NEG_REPLACE = {"not": "", "no": "", "never": "", "without": "with ", "cannot": "can "}
_NUMBER_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]*\d)")
_ENTITY_RE = re.compile(r"\b(?:[A-Z][A-Za-z0-9-]{3,}|[a-z]+[0-9][A-Za-z0-9-]*|[a-z]{9,})\b")


def _match_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _swap_direction(text: str, rng: random.Random) -> str | None:
    matches = list(_SWAP_RE.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    new = _match_case(_SWAP[m.group(1).lower()], m.group(1))
    return text[: m.start()] + new + text[m.end() :]


def _toggle_negation(text: str, rng: random.Random) -> str | None:
    negations = list(_NEG_RE.finditer(text))
    if negations:
        m = rng.choice(negations)
        new = _NEG_REPLACE[m.group(1).lower()]
        return text[: m.start()] + new + text[m.end() :]
    auxiliaries = list(_AUX_RE.finditer(text))
    if auxiliaries:
        m = rng.choice(auxiliaries)
        return text[: m.end()] + " not" + text[m.end() :]
    return None


def _change_number(text: str, rng: random.Random) -> str | None:
    matches = list(_NUMBER_RE.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    raw = m.group(1)
    if "." in raw:
        decimals = len(raw.split(".")[1])
        new = f"{float(raw) * rng.choice([0.5, 1.5, 2.0, 3.0]) + 0.1:.{decimals}f}"
    else:
        value = int(raw)
        new = str(value * rng.choice([2, 3, 10]) + rng.randint(1, 9) if value < 1000 else value + 1)
    if new == raw:
        return None
    return text[: m.start()] + new + text[m.end() :]


def perturb(text: str, rng: random.Random) -> tuple[str, str] | None:
    """A contradicting variant of ``text`` and its kind: direction swap, negation, number."""
    moves = [
        ("direction", _swap_direction),
        ("negation", _toggle_negation),
        ("number", _change_number),
    ]
    rng.shuffle(moves)
    for kind, move in moves:
        changed = move(text, rng)
        if changed is not None and changed != text:
            return " ".join(changed.split()), kind
    return None


def _swap_entity(text: str, donors: Sequence[str], rng: random.Random) -> str | None:
    mine = list(_ENTITY_RE.finditer(text))
    donor_words: list[str] = [w for d in donors for w in _ENTITY_RE.findall(d)]
    if not mine or not donor_words:
        return None
    m = rng.choice(mine)
    candidates = [w for w in donor_words if w.lower() != m.group(0).lower()]
    if not candidates:
        return None
    return text[: m.start()] + rng.choice(candidates) + text[m.end() :]


def augment_sentences(
    abstracts: Sequence[Sequence[str]], n: int, rng: random.Random
) -> list[Example]:
    """Synthetic pairs from ``n`` sampled sentences of ``abstracts`` (train abstracts only).

    For a sentence *s* with premise = *s* or its window (previous, *s*, next): *s* itself is
    supported (parentheticals sometimes dropped); a perturbed *s* (direction/negation/number)
    contradicted; another sentence of the abstract outside the window, or *s* with an entity
    swapped in from another abstract, unsupported.
    """
    pool = [(a, i) for a, sentences in enumerate(abstracts) for i, s in enumerate(sentences)
            if 6 <= len(s.split()) <= 45]  # fmt: skip
    rng.shuffle(pool)
    examples: list[Example] = []
    for a, i in pool[:n]:
        sentences = abstracts[a]
        sentence = sentences[i]
        window = " ".join(sentences[max(0, i - 1) : i + 2])
        premise = window if rng.random() < 0.5 else sentence
        hypothesis = sentence
        if rng.random() < 0.5:
            hypothesis = " ".join(re.sub(r"\s*\([^()]*\)", "", sentence).split()) or sentence
        examples.append(Example(premise, hypothesis, "supported", 1.0, "aug-copy"))
        changed = perturb(hypothesis, rng)
        if changed is not None:
            examples.append(Example(premise, changed[0], "contradicted", 1.0, f"aug-{changed[1]}"))
        others = [j for j in range(len(sentences)) if abs(j - i) > 1]
        label: Label = "unsupported"
        if others and rng.random() < 0.6:
            other = sentences[rng.choice(others)]
            examples.append(Example(premise, other, label, 1.0, "aug-other"))
        else:
            donor = abstracts[rng.randrange(len(abstracts))]
            swapped = _swap_entity(hypothesis, donor, rng)
            if swapped is not None:
                examples.append(Example(premise, swapped, label, 1.0, "aug-entity"))
    return examples


def augment_claims(
    claims: Sequence[Claim], corpus: dict[str, list[str]], rng: random.Random
) -> list[Example]:
    """Perturbed SUPPORT claims against their rationale: contradicted (real claim wording)."""
    examples: list[Example] = []
    for claim in claims:
        for doc, sets in claim.evidence.items():
            sentences = corpus.get(doc, [])
            for label, indices in sets[:1]:
                if label != "supported" or not sentences:
                    continue
                changed = perturb(claim.text, rng)
                if changed is not None:
                    premise = " ".join(sentences[i] for i in sorted(set(indices)))
                    examples.append(Example(premise, changed[0], "contradicted", 1.0, "aug-claim"))
    return examples
