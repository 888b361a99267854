"""The verifier: score a claim against its contexts with a pair scorer and aggregate."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.hashing import content_hash
from evalstage.generation_eval.verifier._cache import PairCache, pair_key
from evalstage.generation_eval.verifier._checks import explicit_checks
from evalstage.generation_eval.verifier._fusion import Fusion, window_features
from evalstage.generation_eval.verifier._protocol import LABELS, ClaimVerdict, Label, PairScorer
from evalstage.generation_eval.verifier._question import answer_claim
from evalstage.generation_eval.verifier._windows import Window, select_windows

__all__ = ["Thresholds", "Verifier", "decide", "passage_premise"]


class Thresholds(BaseModel):
    """The label rule's two thresholds.

    Contradicted if P(c) >= ``contradiction`` and P(c) >= P(s); else supported if
    P(s) >= ``support``; else unsupported.
    """

    model_config = ConfigDict(frozen=True)

    support: float = Field(default=0.5, ge=0.0, le=1.0)
    contradiction: float = Field(default=0.5, ge=0.0, le=1.0)


def decide(support: float, contradiction: float, thresholds: Thresholds) -> Label:
    """Apply the :class:`Thresholds` rule to one claim's aggregated scores."""
    if contradiction >= thresholds.contradiction and contradiction >= support:
        return "contradicted"
    if support >= thresholds.support:
        return "supported"
    return "unsupported"


def passage_premise(contexts: Sequence[str]) -> str:
    """All contexts in one premise, numbered ``[1] ...`` one per line (for passage scorers)."""
    return "\n".join(f"[{n}] {text}" for n, text in enumerate(contexts, start=1))


def _clip(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


class Verifier:
    """Judges claims against context passages with a :class:`PairScorer`.

    For ``"sentence"`` scorers each short context is a window of its own and each long one is
    split into sentences and adjacent pairs (at most ``top_m`` windows per claim, the most
    lexically similar; plus one joint window across the two best contexts), all scored in one
    batched call; support is the best window's
    P(supported), contradiction the best P(contradicted), and the deciding window is the
    evidence. When the scorer ships a fitted :class:`Fusion` (the offline scorer does), the
    label and scores come from it instead: the window probabilities combined with word overlap,
    number and negation checks. A claim that a context states verbatim is supported without
    asking the scorer. For ``"passage"`` scorers the numbered contexts go in as one premise and
    the label is the argmax. Pair scores are cached by content hash when a ``cache`` is given.
    """

    def __init__(
        self,
        scorer: PairScorer,
        *,
        thresholds: Thresholds | None = None,
        cache: PairCache | None = None,
        top_m: int | None = 4,
    ) -> None:
        self.scorer = scorer
        self.thresholds = thresholds if thresholds is not None else _default_thresholds(scorer)
        self.explicit_thresholds = thresholds is not None
        """Thresholds given in the spec decide a fused verifier's label too (a team's own)."""
        self.cache = cache
        self.top_m = top_m
        self.failures: dict[tuple[str, str], str] = {}
        """Pairs whose scoring failed (a transport error), with why; their verdicts say so."""
        fusion = scorer.describe().get("fusion")
        self.fusion = Fusion.model_validate(fusion) if isinstance(fusion, dict) else None
        self.scored_pairs = 0
        """Pairs sent to the scorer so far (cache misses), for tests and benchmarks."""

    @property
    def identity(self) -> str:
        """The scorer identity plus a hash of the aggregation settings."""
        fusion = self.fusion.model_dump() if self.fusion is not None else None
        if fusion is not None and fusion["support_threshold"] is None:
            del fusion["support_threshold"]  # the identities of fusions from before it stay
        settings: dict[str, Any] = {
            "thresholds": self.thresholds.model_dump(),
            "top_m": self.top_m,
            "fusion": fusion,
        }
        if self.fused_by_thresholds:
            settings["label_rule"] = "thresholds"
        return f"{self.scorer.identity}|agg@{content_hash(settings)[:8]}"

    @property
    def fused_by_thresholds(self) -> bool:
        """Whether a fused label comes from the spec's thresholds, not the fusion's own rule."""
        return self.fusion is not None and self.explicit_thresholds

    def describe(self) -> dict[str, Any]:
        """Scorer description plus thresholds and window settings, for run records."""
        if self.fusion is None or self.fused_by_thresholds:
            rule = "thresholds"
        elif self.fusion.support_threshold is None:
            rule = "fusion: likeliest label"
        else:
            rule = f"fusion: likeliest label, supported at P >= {self.fusion.support_threshold}"
        return {
            "identity": self.identity,
            "scorer": self.scorer.describe(),
            "thresholds": self.thresholds.model_dump(),
            "label_rule": rule,
            "top_m": self.top_m,
            "fusion": self.fusion is not None,
        }

    def score(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probabilities for ``(premise, hypothesis)`` pairs: cache first, the scorer for the rest.

        The rest goes in one call, or in calls of the scorer's ``cache_every`` pairs, each
        cached as soon as it returns. Rows the scorer lists in ``last_failures`` are not cached;
        a NaN row (a failed request) is returned as NaN with its reason in :attr:`failures`.
        """
        identity = getattr(self.scorer, "cache_identity", self.scorer.identity)
        keys = [pair_key(identity, p, h) for p, h in pairs]
        known = self.cache.get_many(keys) if self.cache is not None else {}
        missing: dict[str, tuple[str, str]] = {}
        for key, pair in zip(keys, pairs, strict=True):
            if key not in known and key not in missing:
                missing[key] = pair
        todo = list(missing.items())
        step = int(getattr(self.scorer, "cache_every", 0) or len(todo) or 1)
        for start in range(0, len(todo), step):
            known.update(self._score_chunk(todo[start : start + step], identity))
        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float64)
        for row, key in enumerate(keys):
            out[row] = known[key]
        return out

    def _score_chunk(
        self, chunk: list[tuple[str, tuple[str, str]]], identity: str
    ) -> dict[str, tuple[float, float, float]]:
        probs = np.asarray(self.scorer.score_pairs([p for _, p in chunk]), dtype=np.float64)
        failed: dict[int, str] = dict(getattr(self.scorer, "last_failures", None) or {})
        finite = [bool(np.isfinite(row).all()) for row in probs] if probs.ndim == 2 else [False]
        if probs.shape != (len(chunk), len(LABELS)) or any(
            not ok and i not in failed for i, ok in enumerate(finite)
        ):
            raise ValueError(f"{identity} returned bad probabilities, shape {probs.shape}")
        self.scored_pairs += len(chunk)
        rows = {
            key: (float(r[0]), float(r[1]), float(r[2]))
            for (key, _), r in zip(chunk, probs, strict=True)
        }
        for i, (_, pair) in enumerate(chunk):
            if not finite[i]:
                self.failures[pair] = failed[i]
        if self.cache is not None:
            self.cache.put_many({k: v for i, (k, v) in enumerate(rows.items()) if i not in failed})
        return rows

    def verify(
        self,
        items: Sequence[tuple[str, Sequence[str]]],
        questions: Sequence[str | None] | None = None,
    ) -> list[ClaimVerdict]:
        """One verdict per ``(claim, contexts)`` item, in order.

        With ``questions`` (one per item, ``None`` where there is none), a short answer is
        first rewritten into the claim it makes (:func:`answer_claim`); the model judges that
        claim and the lexical checks read the answer's own words. The verdict's ``checks``
        record the rewritten claim and the rule that made it.
        """
        focus = [claim for claim, _ in items]
        rewrites: list[str | None] = [None] * len(items)
        if questions is not None:
            claims = []
            for i, ((claim, ctx), question) in enumerate(zip(items, questions, strict=True)):
                made = answer_claim(question, claim)
                if made.rule != "as_is":
                    rewrites[i] = f"{made} ({made.rule})"
                claims.append((str(made), ctx))
            items = claims
        if self.scorer.granularity == "passage":
            verdicts = self._verify_passages(items)
        else:
            verdicts = self._verify_windows(items, focus)
        return [
            v if note is None
            else v.model_copy(update={"checks": {**v.checks, "claim_from_question": note}})
            for v, note in zip(verdicts, rewrites, strict=True)
        ]  # fmt: skip

    def _verify_windows(
        self, items: Sequence[tuple[str, Sequence[str]]], focus: Sequence[str]
    ) -> list[ClaimVerdict]:
        verbatim = [_verbatim(claim, ctx) for claim, ctx in items]
        windows = [
            [] if found is not None else select_windows(claim, list(ctx), self.top_m)
            for (claim, ctx), found in zip(items, verbatim, strict=True)
        ]
        pairs = [(w.text, claim) for (claim, _), ws in zip(items, windows, strict=True) for w in ws]
        probs = self.score(pairs)
        verdicts: list[ClaimVerdict] = []
        row = 0
        for index, ((claim, ctx), claim_windows) in enumerate(zip(items, windows, strict=True)):
            found = verbatim[index]
            if found is None:
                block = probs[row : row + len(claim_windows)]
                row += len(claim_windows)
                if np.isnan(block).any():
                    why = [self.failures.get((w.text, claim)) for w in claim_windows]
                    found = _failed(next((w for w in why if w), "the verifier failed"))
                else:
                    found = self._aggregate(claim, claim_windows, block, list(ctx), focus[index])
            verdicts.append(found)
        return verdicts

    def _aggregate(
        self,
        claim: str,
        windows: list[Window],
        block: np.ndarray,
        contexts: Sequence[str] = (),
        focus: str | None = None,
    ) -> ClaimVerdict:
        if not windows:
            return ClaimVerdict(
                support=0.0, contradiction=0.0, label="unsupported", checks={"no_evidence": True}
            )
        if self.fusion is not None:
            return self._fused(claim, windows, block, self.fusion, contexts, focus)
        best_support = int(np.argmax(block[:, 0]))
        best_contra = int(np.argmax(block[:, 1]))
        support = _clip(block[best_support, 0])
        contradiction = _clip(block[best_contra, 1])
        label = decide(support, contradiction, self.thresholds)
        deciding = windows[best_contra if label == "contradicted" else best_support]
        checks: dict[str, Any] = explicit_checks(claim, deciding.text)
        if deciding.joint:
            checks["joint_window"] = True
        return ClaimVerdict(
            support=support,
            contradiction=contradiction,
            label=label,
            context_index=deciding.context_index,
            evidence=deciding.text,
            checks=checks,
        )

    def _fused(
        self,
        claim: str,
        windows: list[Window],
        block: np.ndarray,
        fusion: Fusion,
        contexts: Sequence[str] = (),
        focus: str | None = None,
    ) -> ClaimVerdict:
        texts = [w.text for w in windows]
        row, best_overlap, checks = window_features(claim, texts, block, contexts, focus)
        probs = fusion.probabilities(row)[0]
        if self.fused_by_thresholds:
            label = decide(float(probs[0]), float(probs[1]), self.thresholds)
        else:
            label = LABELS[fusion.label(probs)]
        ruled = label == "supported" and bool(checks["numbers_missing"])
        if ruled:
            # A number of the claim that no context states: never supported, whatever the words.
            # The evidence stays the window the claim's words come from (its number differs).
            label = "contradicted" if probs[1] >= probs[2] else "unsupported"
        contradicting = label == "contradicted" and not ruled
        index = int(np.argmax(block[:, 1])) if contradicting else best_overlap
        deciding = windows[index]
        if index != best_overlap:
            checks = {
                **explicit_checks(focus or claim, deciding.text),
                "numbers_missing": checks["numbers_missing"],
                "names_missing": checks["names_missing"],
            }
        if ruled:
            checks["number_rule"] = True
        checks["fused"] = True
        if deciding.joint:
            checks["joint_window"] = True
        return ClaimVerdict(
            support=_clip(probs[0]),
            contradiction=_clip(probs[1]),
            label=label,
            context_index=deciding.context_index,
            evidence=deciding.text,
            checks=checks,
        )

    def _verify_passages(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[ClaimVerdict]:
        present = [i for i, (_, ctx) in enumerate(items) if any(c.strip() for c in ctx)]
        pairs = [(passage_premise(list(items[i][1])), items[i][0]) for i in present]
        probs = self.score(pairs)
        verdicts = [
            ClaimVerdict(
                support=0.0, contradiction=0.0, label="unsupported", checks={"no_evidence": True}
            )
            for _ in items
        ]
        for row, i in enumerate(present):
            p = probs[row]
            if np.isnan(p).any():
                verdicts[i] = _failed(self.failures.get(pairs[row], "the verifier failed"))
                continue
            verdicts[i] = ClaimVerdict(
                support=_clip(p[0]), contradiction=_clip(p[1]), label=LABELS[int(np.argmax(p))]
            )
        return verdicts


def _failed(reason: str) -> ClaimVerdict:
    """The verdict of a claim the scorer could not judge: no label to trust, ``checks.error``."""
    return ClaimVerdict(
        support=0.0, contradiction=0.0, label="unsupported", checks={"error": reason}
    )


_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def _normal(text: str) -> str:
    return _SPACES.sub(" ", text.translate(_QUOTES)).strip().lower()


_HEDGES = re.compile(
    r"\b(?:no|not|never|nor|neither|without|whether|if|unclear|unknown|unlikely|uncertain|"
    r"doubt\w*|fails?\s+to|did\s+not|does\s+not|is\s+not|was\s+not|n't)\b"
)


def _verbatim(claim: str, contexts: Sequence[str]) -> ClaimVerdict | None:
    """A supported verdict when a context states the claim word for word.

    The claim (ends trimmed) must occur as whole words, and the part of its sentence before it
    must hold no negation or hedge ("no evidence that ...", "whether ..."), which would turn a
    quote into its opposite.
    """
    needle = _normal(claim).rstrip(" .;:!?")
    if len(needle.split()) < 3:
        return None  # too short to mean anything on its own
    pattern = re.compile(rf"(?<![\w.]){re.escape(needle)}(?!\w|[.,]\d)")
    for index, context in enumerate(contexts):
        text = _normal(context)
        for found in pattern.finditer(text):
            start = max(text.rfind(". ", 0, found.start()), text.rfind("; ", 0, found.start()))
            lead = text[start + 1 if start >= 0 else 0 : found.start()]
            if _HEDGES.search(lead):
                continue
            return ClaimVerdict(
                support=1.0,
                contradiction=0.0,
                label="supported",
                context_index=index,
                evidence=claim.strip(),
                checks={"verbatim": True},
            )
    return None


def _default_thresholds(scorer: PairScorer) -> Thresholds:
    """The thresholds tuned with the scorer's weights (its ``describe()['thresholds']``)."""
    tuned = scorer.describe().get("thresholds")
    return Thresholds.model_validate(tuned) if isinstance(tuned, dict) else Thresholds()
