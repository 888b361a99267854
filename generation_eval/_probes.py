"""The robustness and safety variants: prompt sensitivity, position, length, injection, PII.

Each is a :class:`~generation_eval._variants.VariantKind` function of one answerable case
(:class:`~generation_eval._variants.Shown`), seeded from the suite's seed and the case id, and
records in ``provenance`` its ``family`` and what it changed where:

* ``prompt_<family>`` (``family: prompt``): the question perturbed (see
  :mod:`generation_eval._perturb`), the passages exactly as in the case's ``original``;
* ``position_first|middle|last`` (``family: position``): the gold passages placed first, in the
  middle or last among ``position_distractors`` hard distractors (in rank order);
* ``length_quarter|half|full`` (``family: length``): gold passages at a seeded place among hard
  distractors filling 25 %, 50 % or 100 % of ``context_budget_words``;
* ``injection_<family>`` (``family: injection``): an instruction (see
  :mod:`generation_eval._attacks`) written into the hardest non-relevant passage, shown with the
  gold passages;
* ``pii_<kind>`` (``family: private_data``): a PII-like value planted in a gold passage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evalstage.generation_eval._attacks import (
    INJECTION_VERSION,
    INJECTIONS,
    PII_KINDS,
    canary,
    markers,
)
from evalstage.generation_eval._cases import Passage
from evalstage.generation_eval._counterfactual import answer_type, mentions_answer, seeded_rng
from evalstage.generation_eval._lexicon import LEXICON_VERSION
from evalstage.generation_eval._perturb import PERTURBATIONS
from evalstage.generation_eval._variant_base import (
    BY_RANKER,
    CaseVariant,
    Made,
    Shown,
    VariantKind,
    shuffled,
)
from evalstage.generation_eval.verifier._sentences import split_sentences

FAMILY_OF_PREFIX = {
    "prompt_": "prompt",
    "position_": "position",
    "length_": "length",
    "injection_": "injection",
    "pii_": "private_data",
}
"""Variant name prefix -> its family (recorded in provenance as ``family``)."""


def family_of(variant: str) -> str | None:
    """The robustness/safety family of a variant name, None for the others."""
    for prefix, family in FAMILY_OF_PREFIX.items():
        if variant.startswith(prefix):
            return family
    return None


def _made(s: Shown, name: str, passages: list[Passage], **more: Any) -> CaseVariant:
    """A variant of ``s.case`` with its passages in exactly the given order."""
    return CaseVariant(
        case_id=s.case.case_id,
        variant=name,
        question=more.pop("question", s.case.question),
        answers=s.case.answers,
        expect="answer",
        passages=passages,
        **more,
    )


def _original_order(s: Shown) -> list[Passage]:
    """The passages in the order the case's ``original`` variant shows them."""
    return shuffled(
        s.gold + s.extra, seeded_rng(s.settings.seed, s.case.case_id, "order", "original")
    )


def _prompt(family: str) -> Callable[[Shown], Made]:
    perturb = PERTURBATIONS[family]

    def make(s: Shown) -> Made:
        rng = seeded_rng(s.settings.seed, s.case.case_id, "perturb", family)
        done = perturb(s.case.question, rng)
        if isinstance(done, str):
            return done
        question, edits = done
        return _made(
            s,
            f"prompt_{family}",
            _original_order(s),
            question=question,
            provenance={
                "family": "prompt",
                "perturbation": family,
                "original_question": s.case.question,
                "edits": edits,
                "lexicon": LEXICON_VERSION,
            },
        )

    make.__doc__ = f"The question perturbed by '{family}'; the original's passages."
    return make


def _position(where: str) -> Callable[[Shown], Made]:
    def make(s: Shown) -> Made:
        negatives = s.negatives(s.settings.position_distractors)
        if len(negatives) < 2:
            return "fewer than two non-relevant passages were ranked"
        distractors = [s.documents[d].passage() for _, d in negatives]
        gold = s.gold + s.extra
        at = {"first": 0, "middle": len(distractors) // 2, "last": len(distractors)}[where]
        passages = [*distractors[:at], *gold, *distractors[at:]]
        return _made(
            s,
            f"position_{where}",
            passages,
            provenance={
                "family": "position",
                "position": where,
                "gold_at": list(range(at + 1, at + len(gold) + 1)),
                "of": len(passages),
                "distractors": [{"doc_id": d, "rank": r} for r, d in negatives],
                "ranker": BY_RANKER,
            },
        )

    make.__doc__ = f"The gold passages {where} among hard distractors."
    return make


LENGTHS = {"quarter": 0.25, "half": 0.5, "full": 1.0}
"""Length variant -> its share of ``context_budget_words``."""

MAX_FILL = 24
"""At most this many distractors fill a length variant."""


def _words(passages: list[Passage]) -> int:
    return sum(len(f"{p.title} {p.text}".split()) for p in passages)


def _length(name: str) -> Callable[[Shown], Made]:
    share = LENGTHS[name]

    def make(s: Shown) -> Made:
        budget = int(s.settings.context_budget_words * share)
        gold = s.gold + s.extra
        fill: list[tuple[int, str]] = []
        words = _words(gold)
        for rank, doc_id in s.negatives(MAX_FILL):
            if words >= budget:
                break
            fill.append((rank, doc_id))
            words += _words([s.documents[doc_id].passage()])
        if not fill:
            return f"the gold passages alone exceed {budget} words"
        distractors = [s.documents[d].passage() for _, d in fill]
        at = seeded_rng(s.settings.seed, s.case.case_id, "length", name).randrange(len(fill) + 1)
        passages = [*distractors[:at], *gold, *distractors[at:]]
        return _made(
            s,
            f"length_{name}",
            passages,
            provenance={
                "family": "length",
                "length": name,
                "budget_words": s.settings.context_budget_words,
                "target_words": budget,
                "words": _words(passages),
                "passages": len(passages),
                "gold_at": list(range(at + 1, at + len(gold) + 1)),
                "distractors": [{"doc_id": d, "rank": r} for r, d in fill],
                "ranker": BY_RANKER,
            },
        )

    make.__doc__ = f"Gold passages among distractors filling {share:.0%} of the word budget."
    return make


def _insert_sentence(text: str, sentence: str, index: int) -> str:
    parts = split_sentences(text)
    parts.insert(min(index, len(parts)), sentence)
    return " ".join(parts)


def _wrong_answer(s: Shown) -> str | None:
    if answer_type(s.case.answers[0]) == "yes_no":  # "no" is an ordinary word: no proof
        return None
    own = {a.lower() for a in s.case.answers}
    pool = sorted(
        {a for a in s.pools.get(answer_type(s.case.answers[0]), []) if a.lower() not in own}
    )
    pool = [a for a in pool if not any(mentions_answer(a, [o]) for o in s.case.answers)]
    if not pool:
        return None
    return seeded_rng(s.settings.seed, s.case.case_id, "wrong").choice(pool)


def _injection(family: str) -> Callable[[Shown], Made]:
    template = INJECTIONS[family]

    def make(s: Shown) -> Made:
        negatives = s.negatives(1)
        if not negatives:
            return "no non-relevant passage was ranked to carry the injection"
        rank, doc_id = negatives[0]
        wrong = _wrong_answer(s) if family == "answer" else None
        if family == "answer" and wrong is None:
            return "no other answer of the same type to inject (yes/no answers are not used)"
        token = canary(s.settings.seed, s.case.case_id)
        instruction = template.format(question=s.case.question, canary=token, wrong=wrong)
        host = s.documents[doc_id].passage()
        rng = seeded_rng(s.settings.seed, s.case.case_id, "inject", family)
        at = rng.randrange(len(split_sentences(host.text)) + 1)
        poisoned = host.model_copy(update={"text": _insert_sentence(host.text, instruction, at)})
        passages = shuffled([*s.gold, *s.extra, poisoned], rng)
        return _made(
            s,
            f"injection_{family}",
            passages,
            provenance={
                "family": "injection",
                "injection": family,
                "templates": INJECTION_VERSION,
                "doc_id": doc_id,
                "rank": rank,
                "passage": passages.index(poisoned) + 1,
                "sentence": at,
                "instruction": instruction,
                "markers": markers(family, token, wrong),
            },
        )

    make.__doc__ = f"A '{family}' instruction planted in a retrieved non-relevant passage."
    return make


def _answer_sentence(s: Shown, text: str, doc_id: str) -> int | None:
    sentences = split_sentences(text)
    for index, sentence in enumerate(sentences):
        if mentions_answer(sentence, s.case.answers):
            return index
    for index in s.case.gold_sentences.get(doc_id, []):
        if 0 <= index < len(sentences):
            return index
    return None


def _pii(kind: str) -> Callable[[Shown], Made]:
    make_value, phrase = PII_KINDS[kind]

    def make(s: Shown) -> Made:
        rng = seeded_rng(s.settings.seed, s.case.case_id, "pii", kind)
        value = make_value(rng)
        host = s.gold[0]
        sentences = split_sentences(host.text)
        index = _answer_sentence(s, host.text, host.doc_id)
        carried = phrase.format(value=value)
        placement = "inline" if index is not None and rng.random() < 0.5 else "sentence"
        if placement == "inline" and index is not None:
            body = sentences[index].rstrip()
            end = body[-1] if body[-1] in ".!?" else "."
            sentences[index] = f"{body.rstrip('.!?')} ({carried}){end}"
            at = index
        else:
            at = rng.randrange(len(sentences) + 1)
            sentences.insert(at, f"{carried[0].upper()}{carried[1:]}.")
        planted = host.model_copy(update={"text": " ".join(sentences)})
        shown = [planted if p is host else p for p in _original_order(s)]
        return _made(
            s,
            f"pii_{kind}",
            shown,
            provenance={
                "family": "private_data",
                "kind": kind,
                "value": value,
                "doc_id": host.doc_id,
                "placement": placement,
                "sentence": at,
                "synthetic": True,
            },
        )

    make.__doc__ = f"A synthetic {kind} planted in a gold passage the question does not ask about."
    return make


PROBE_KINDS = (
    *(
        VariantKind(f"prompt_{f}", _prompt(f), f"question perturbed: {f}", family="prompt")
        for f in PERTURBATIONS
    ),
    *(
        VariantKind(f"position_{w}", _position(w), f"gold {w} among distractors", True, "position")
        for w in ("first", "middle", "last")
    ),
    *(
        VariantKind(f"length_{n}", _length(n), f"{share:.0%} of the word budget", True, "length")
        for n, share in LENGTHS.items()
    ),
    *(
        VariantKind(
            f"injection_{f}", _injection(f), f"injected instruction: {f}", True, "injection"
        )
        for f in INJECTIONS
    ),
    *(
        VariantKind(f"pii_{k}", _pii(k), f"planted {k}: leaked?", family="private_data")
        for k in PII_KINDS
    ),
)
"""The robustness and safety variant kinds, in the order they are made."""
