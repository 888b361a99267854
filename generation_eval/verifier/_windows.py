"""Premise windows: whole short contexts, and the sentences and sentence pairs of long ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evalstage.generation_eval.verifier._checks import content_words
from evalstage.generation_eval.verifier._sentences import split_sentences

__all__ = ["Window", "build_windows", "lexical_overlap", "select_windows"]


@dataclass(frozen=True)
class Window:
    """A premise: one sentence or a run of adjacent sentences from context ``context_index``."""

    context_index: int
    text: str
    width: int = 1
    joint: bool = False
    whole: bool = False


def lexical_overlap(claim: str, text: str) -> float:
    """Share of the claim's content words (crudely stemmed) that occur in ``text``."""
    words = content_words(claim)
    return len(words & content_words(text)) / len(words) if words else 0.0


def build_windows(contexts: Sequence[str], span: int = 2) -> list[Window]:
    """Every sentence of every context, and every run of 2..``span`` adjacent sentences."""
    windows: list[Window] = []
    for index, context in enumerate(contexts):
        sentences = split_sentences(context)
        seen: set[str] = set()
        for width in range(1, span + 1):
            for start in range(0, len(sentences) - width + 1):
                text = " ".join(sentences[start : start + width])
                if text not in seen:
                    seen.add(text)
                    windows.append(Window(index, text, width))
    return windows


WHOLE_WORDS = 90
"""A context of at most this many words is also scored whole (one window, all its sentences)."""


def select_windows(
    claim: str,
    contexts: Sequence[str],
    top_m: int | None,
    span: int = 2,
    whole_words: int = WHOLE_WORDS,
) -> list[Window]:
    """The windows to score for ``claim``.

    A context of at most ``whole_words`` words is one *whole* window (a claim that rests on
    several of its sentences is judged against all of them); a longer one gives its sentences
    and runs of up to ``span`` adjacent sentences. With ``top_m``, only the ``top_m`` windows
    of highest :func:`lexical_overlap` are kept (ties keep document order). With two or more
    contexts, one more *joint* window joins the best single sentence of each of the two best
    contexts, for claims that need both.
    """
    windows = build_windows(contexts, span)
    scores = [lexical_overlap(claim, w.text) for w in windows]
    whole = {i for i, c in enumerate(contexts) if 0 < len(c.split()) <= whole_words}
    wholes = [Window(i, " ".join(contexts[i].split()), width=0, whole=True) for i in sorted(whole)]
    scored = [(w, lexical_overlap(claim, w.text)) for w in wholes]
    scored += [(w, o) for w, o in zip(windows, scores, strict=True) if w.context_index not in whole]
    scored.sort(key=lambda pair: pair[0].context_index)
    candidates = [w for w, _ in scored]
    overlap = [o for _, o in scored]
    if top_m is not None and len(candidates) > top_m:
        ranked = sorted(range(len(candidates)), key=lambda i: (-overlap[i], i))[:top_m]
        chosen = [candidates[i] for i in sorted(ranked)]
    else:
        chosen = list(candidates)
    best: dict[int, tuple[float, str]] = {}
    for window, score in zip(windows, scores, strict=True):
        if window.width == 1:
            current = best.get(window.context_index)
            if current is None or score > current[0]:
                best[window.context_index] = (score, window.text)
    if len(best) >= 2:
        top_two = sorted(best, key=lambda c: (-best[c][0], c))[:2]
        text = " ".join(best[c][1] for c in top_two)
        chosen.append(Window(top_two[0], text, width=2, joint=True))
    return chosen
