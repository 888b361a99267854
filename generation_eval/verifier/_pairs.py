"""Labelled NLI / fact-verification pairs for training the offline verifier.

A data folder holds one JSONL file per source, each line ``{"premise", "hypothesis", "label",
"source", "split"}`` with ``label`` one of supported / contradicted / unsupported and ``split``
train or dev (``docs/verifier.md`` lists the public sources, their licences and how the files
are made). :func:`load_pairs` reads them, drops sources kept out of training, shortens long
premises to the window the verifier itself would score, removes pairs whose premise shares a
long word sequence with a held-out evaluation set (decontamination), and caps every source so
that no single one dominates.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from evalstage.generation_eval.verifier._augment import perturb, swap_entity
from evalstage.generation_eval.verifier._protocol import LABELS, Label
from evalstage.generation_eval.verifier._windows import select_windows

__all__ = [
    "Pair",
    "anchors",
    "augment",
    "contaminated",
    "contamination_of",
    "load_pairs",
    "ngrams",
    "omissions",
    "read_pairs",
    "shorten_premise",
]

MAX_PREMISE_WORDS = 100
NGRAM = 13


@dataclass(frozen=True)
class Pair:
    """A training or development pair and where it came from."""

    premise: str
    hypothesis: str
    label: Label
    source: str
    split: str


_TOKEN = re.compile(r"\w+")


def ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    """The word ``n``-grams of ``text`` (lower-cased), for decontamination."""
    words = _TOKEN.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def contaminated(pair: Pair, contamination: set[tuple[str, ...]] | None) -> bool:
    """Whether ``pair``'s premise or hypothesis shares an ``NGRAM``-word sequence with it."""
    return bool(
        contamination
        and (ngrams(pair.premise) & contamination or ngrams(pair.hypothesis) & contamination)
    )


def contamination_of(paths: Sequence[Path]) -> set[tuple[str, ...]]:
    """The ``NGRAM``-word sequences of the contexts of held-out JSONL files (``context`` field)."""
    found: set[tuple[str, ...]] = set()
    for path in paths:
        with path.open(encoding="utf-8") as handle:  # lines end at \n only (not at U+2028)
            lines = list(handle)
        for line in lines:
            if line.strip():
                context = json.loads(line).get("context", "")
                found |= ngrams(" ".join(context) if isinstance(context, list) else context)
    return found


def shorten_premise(premise: str, hypothesis: str, max_words: int = MAX_PREMISE_WORDS) -> str:
    """``premise`` itself when short; else its window of highest overlap with ``hypothesis``.

    The same sentence windows the verifier scores at run time (one or two sentences), so a
    model trained on long documents learns from what it will be shown.
    """
    if len(premise.split()) <= max_words:
        return " ".join(premise.split())
    windows = select_windows(hypothesis, [premise], top_m=1)
    fitting = [w.text for w in windows if len(w.text.split()) <= max_words * 2]
    return fitting[0] if fitting else " ".join(premise.split()[:max_words])


def read_pairs(path: Path) -> Iterable[Pair]:
    """The valid pairs of one source file (lines with a known label and non-blank texts)."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            label = row.get("label")
            premise, hypothesis = row.get("premise") or "", row.get("hypothesis") or ""
            if label not in LABELS or not premise.strip() or not hypothesis.strip():
                continue
            yield Pair(premise, hypothesis, label, str(row.get("source") or path.stem),
                       "dev" if row.get("split") == "dev" else "train")  # fmt: skip


def load_pairs(
    data_dir: Path,
    *,
    include: Sequence[str] | None = None,
    contamination: set[tuple[str, ...]] | None = None,
    max_per_source: int = 12_000,
    max_dev_per_source: int = 500,
    seed: int = 13,
) -> tuple[list[Pair], list[Pair], dict[str, dict[str, int]]]:
    """Train and dev pairs from every ``*.jsonl`` in ``data_dir``, and counts per source.

    Only the sources named in ``include`` (by file stem) are read; a pair whose premise or
    hypothesis shares an ``NGRAM``-word sequence with ``contamination`` is dropped. A source
    without a dev split gives 5 % of its pairs (at most ``max_dev_per_source``) to dev.
    Deterministic for a seed.
    """
    rng = random.Random(seed)
    by_source: dict[str, list[Pair]] = defaultdict(list)
    dropped: Counter[str] = Counter()
    for path in sorted(data_dir.glob("*.jsonl")):
        if include is not None and path.stem not in include:
            continue
        for pair in read_pairs(path):
            if contaminated(pair, contamination):
                dropped[pair.source] += 1
                continue
            premise = shorten_premise(pair.premise, pair.hypothesis)
            by_source[pair.source].append(
                Pair(
                    premise, " ".join(pair.hypothesis.split()), pair.label, pair.source, pair.split
                )
            )
    train: list[Pair] = []
    dev: list[Pair] = []
    counts: dict[str, dict[str, int]] = {}
    for source in sorted(by_source):
        pairs = by_source[source]
        rng.shuffle(pairs)
        src_dev = [p for p in pairs if p.split == "dev"]
        src_train = [p for p in pairs if p.split != "dev"]
        if not src_dev:
            take = min(max_dev_per_source, len(src_train) // 20)
            src_dev, src_train = src_train[:take], src_train[take:]
        src_dev = src_dev[:max_dev_per_source]
        src_train = src_train[:max_per_source]
        train += src_train
        dev += src_dev
        counts[source] = {
            "train": len(src_train),
            "dev": len(src_dev),
            "decontaminated": dropped[source],
            **{f"train_{k}": v for k, v in sorted(Counter(p.label for p in src_train).items())},
        }
    return train, dev, counts


def augment(pairs: Sequence[Pair], n: int, rng: random.Random) -> list[Pair]:
    """Up to ``n`` synthetic pairs from supported training pairs, teaching meaning changes.

    The hypothesis with a negation toggled, a direction word swapped or a number changed is
    contradicted; with a name or term swapped in from another pair's premise, unsupported.
    """
    supported = [p for p in pairs if p.label == "supported" and len(p.hypothesis.split()) >= 4]
    rng.shuffle(supported)
    out: list[Pair] = []
    for index, pair in enumerate(supported):
        if len(out) >= n:
            break
        if index % 3 == 2:
            donor = supported[rng.randrange(len(supported))].premise
            swapped = swap_entity(pair.hypothesis, [donor], rng)
            if swapped is not None and swapped != pair.hypothesis:
                out.append(Pair(pair.premise, swapped, "unsupported", "synthetic-entity", "train"))
            continue
        changed = perturb(pair.hypothesis, rng)
        if changed is not None:
            out.append(
                Pair(pair.premise, changed[0], "contradicted", f"synthetic-{changed[1]}", "train")
            )
    return out


def anchors(pairs: Sequence[Pair], n: int, rng: random.Random) -> list[Pair]:
    """``n`` easy pairs that anchor both ends of the scale (FactCC-style copies and strays).

    Half: a sentence of a premise against that premise (supported: it says so word for word).
    Half: a premise against another pair's hypothesis drawn at random (unsupported: off topic).
    """
    from evalstage.generation_eval.verifier._sentences import split_sentences

    out: list[Pair] = []
    for index in range(n):
        pair = pairs[rng.randrange(len(pairs))]
        if index % 2 == 0:
            sentences = [s for s in split_sentences(pair.premise) if len(s.split()) >= 4]
            if sentences:
                out.append(Pair(pair.premise, rng.choice(sentences), "supported",
                                "synthetic-copy", "train"))  # fmt: skip
        else:
            other = pairs[rng.randrange(len(pairs))]
            if other.premise != pair.premise:
                out.append(Pair(pair.premise, other.hypothesis, "unsupported",
                                "synthetic-unrelated", "train"))  # fmt: skip
    return out


def omissions(pairs: Sequence[Pair], n: int, rng: random.Random) -> list[Pair]:
    """Up to ``n`` contrastive pairs teaching that on-topic words are not evidence.

    MiniCheck-style evidence removal: a premise of three or more sentences loses one sentence
    ``S`` whose content words the rest does not state. Three pairs per premise, one hypothesis
    shown with and without its evidence: (whole premise, ``R S``) supported, where ``R`` is a
    kept sentence; (premise without ``S``, ``R S``) unsupported, since only part of it is stated;
    (premise without ``S``, ``S``) unsupported. The words around the gap stay on topic, so only
    what the premise actually says separates the labels (the "partial" answers of RAG systems).
    """
    from evalstage.generation_eval.verifier._checks import content_words
    from evalstage.generation_eval.verifier._sentences import split_sentences

    premises = list(dict.fromkeys(p.premise for p in pairs))
    rng.shuffle(premises)
    out: list[Pair] = []
    for premise in premises:
        if len(out) + 3 > n:
            break
        sentences = split_sentences(premise)
        if len(sentences) < 3:
            continue
        order = list(range(len(sentences)))
        rng.shuffle(order)
        for gap in order:
            kept = [s for i, s in enumerate(sentences) if i != gap]
            rest = content_words(" ".join(kept))
            missing = content_words(sentences[gap]) - rest
            if len(sentences[gap].split()) >= 6 and len(missing) >= 2:
                break
        else:
            continue
        partial = " ".join([rng.choice([s for s in kept if len(s.split()) >= 4] or kept),
                            sentences[gap]])  # fmt: skip
        without = " ".join(kept)
        out += [
            Pair(premise, partial, "supported", "synthetic-whole", "train"),
            Pair(without, partial, "unsupported", "synthetic-partial", "train"),
            Pair(without, sentences[gap], "unsupported", "synthetic-missing", "train"),
        ]
    return out
