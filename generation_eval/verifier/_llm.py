"""A passage-level verifier backend: an LLM judge behind an OpenAI-compatible endpoint.

:class:`LLMScorer` sends one chat request per (premise, claim) pair with a versioned prompt
(:data:`PROMPT_VERSION`; the template's sha256 is part of the identity) and reads back
``{"label": ..., "confidence": ...}``.

Reading a reply, in order:

1. the first JSON object anywhere in the reply (code fences and prose around it are fine) that
   has a ``label`` key;
2. otherwise a bare label as the reply's first word(s), e.g. ``Supported.``, ``**contradicted**
   because...``, ``Label: not supported``.

Labels are read case-insensitively with synonyms (``entailment`` → supported, ``contradiction``
/ ``refuted`` → contradicted, ``neutral`` / ``not supported`` / ``not enough info`` →
unsupported). ``confidence`` is a number in [0, 1]; a number in (1, 100] is read as a percentage;
a missing, non-numeric or otherwise out-of-range confidence counts as 1.0. The label's column
gets ``confidence`` and the other two share the rest equally (so a confidence under 1/3 means
the judge leans away from its own label).

3. a reply cut short (``finish_reason: "length"`` or a JSON object never closed) is read
   leniently: a complete ``"label": "<label>"`` field (and a complete ``"confidence"`` number,
   else 1.0) is the verdict.

**An unreadable reply** (no JSON with a known label and no leading label word, or no text at all)
does not crash and never yields NaN: its row is :data:`UNPARSED_ROW` = ``[0, 0, 1]``, i.e.
``unsupported`` under any aggregation (argmax, thresholds or best support), because a verdict we
cannot read is no evidence of support or of contradiction. Each one is logged, counted in
:attr:`LLMScorer.parse_failures`, kept (truncated) in :attr:`LLMScorer.last_unparsed` and
listed in :attr:`LLMScorer.last_failures`, so that the verifier does not cache it (a rerun asks
again).

**A transport failure** of one pair (after the client's retries, or at once when the endpoint's
circuit is open) does not stop the batch: the pair's row is NaN and its reason is in
:attr:`LLMScorer.last_failures`; the verifier turns it into a verdict with ``checks["error"]``
(the generation stage marks that case unmeasured) and does not cache it.

Cache key: :attr:`LLMScorer.cache_identity` is the identity plus a hash of the endpoint (URL
without credentials), model, temperature, max_tokens, extra request fields and the prompt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from string import Template
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.llm_client import ChatClient, ChatConfig, TargetError
from evalstage.generation_eval.verifier._protocol import LABELS, Label, Probabilities

__all__ = [
    "PROMPT_SHA256",
    "PROMPT_VERSION",
    "UNPARSED_ROW",
    "LLMScorer",
    "parse_verdict",
    "verdict_row",
]

_log = logging.getLogger(__name__)
_FIELD = "verifier.args"
_KEEP_CHARS = 500

PROMPT_VERSION = "1"
"""Bump whenever the prompt text changes (the identity also carries the text's hash)."""

SYSTEM_PROMPT = (
    "You are a careful fact-checker. You judge whether a claim is supported by numbered "
    "passages, using only what the passages say and no outside knowledge."
)
USER_TEMPLATE = Template(
    "Passages:\n"
    "$passages\n"
    "\n"
    "Claim: $claim\n"
    "\n"
    "Decide whether the passages support the claim:\n"
    '- "supported": the passages state or directly imply everything the claim says.\n'
    '- "contradicted": the passages state something incompatible with the claim.\n'
    '- "unsupported": neither; the passages do not say enough to decide.\n'
    "\n"
    "Answer with only a JSON object, no other text:\n"
    '{"label": "supported" | "contradicted" | "unsupported", '
    '"confidence": <a number from 0 to 1>}'
)
PROMPT_SHA256 = hashlib.sha256(
    json.dumps({"system": SYSTEM_PROMPT, "user": USER_TEMPLATE.template}).encode()
).hexdigest()

UNPARSED_ROW: tuple[float, float, float] = (0.0, 0.0, 1.0)
"""The row of an unreadable reply: no support, no contradiction (see the module docstring)."""

_SYNONYMS: dict[str, Label] = {
    **dict.fromkeys(("supported", "support", "supports", "entailment", "entailed"), "supported"),
    **dict.fromkeys(
        ("contradicted", "contradiction", "contradicts", "refuted", "refutes"), "contradicted"
    ),
    **dict.fromkeys(
        (
            "unsupported",
            "not_supported",
            "neutral",
            "not_enough_info",
            "not_enough_information",
            "nei",
            "insufficient",
            "unverifiable",
        ),
        "unsupported",
    ),
}
_BARE_WORDS = frozenset(
    (
        "supported",
        "contradicted",
        "unsupported",
        "not_supported",
        "entailment",
        "contradiction",
        "neutral",
        "refuted",
        "not_enough_info",
        "not_enough_information",
    )
)
_LEADING_LABEL = re.compile(
    r"^[\s*_`'\"#>]*(?:(?:label|verdict|answer)[\s*_`'\"]*[:=-][\s*_`'\"]*)?"
    r"(not[\s_-]+supported|not[\s_-]+enough[\s_-]+info(?:rmation)?|[a-z_]+)\b",
    re.IGNORECASE,
)


def _label(value: Any) -> Label | None:
    if not isinstance(value, str):
        return None
    return _SYNONYMS.get(re.sub(r"[\s-]+", "_", value.strip().lower()))


def _confidence(value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip().rstrip("%"))
        except ValueError:
            return 1.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 1.0
    if 0.0 <= value <= 1.0:
        return float(value)
    if 1.0 < value <= 100.0:
        return float(value) / 100.0
    return 1.0


def _json_verdict(text: str) -> tuple[Label, float] | None:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if not isinstance(value, dict):
            continue
        fields = {str(k).strip().lower(): v for k, v in value.items()}
        label = _label(fields.get("label"))
        if label is not None:
            return label, _confidence(fields.get("confidence", 1.0))
    return None


_LABEL_FIELD = re.compile(r'"label"\s*:\s*"([^"]{1,40})"\s*(?:,|\}|$)', re.IGNORECASE)
_CONFIDENCE_FIELD = re.compile(r'"confidence"\s*:\s*"?(\d+(?:\.\d+)?)(?=\s*[",}\n])', re.I)


def _cut_json_verdict(text: str) -> tuple[Label, float] | None:
    """A verdict from a JSON object the reply never closed (cut at max_tokens)."""
    found = _LABEL_FIELD.search(text)
    label = _label(found.group(1)) if found else None
    if label is None:
        return None
    confidence = _CONFIDENCE_FIELD.search(text)
    return label, _confidence(confidence.group(1)) if confidence else 1.0


def parse_verdict(text: str | None) -> tuple[Label, float] | None:
    """Read ``(label, confidence)`` from a judge's reply; ``None`` when it cannot be read."""
    if not text or not text.strip():
        return None
    found = _json_verdict(text) or _cut_json_verdict(text)
    if found is not None:
        return found
    leading = _LEADING_LABEL.match(text.strip())
    if leading is not None:
        word = re.sub(r"[\s-]+", "_", leading.group(1).lower())
        if word in _BARE_WORDS:
            return _SYNONYMS[word], 1.0
    return None


def verdict_row(label: Label, confidence: float) -> Probabilities:
    """The probability row of a verdict: ``confidence`` on its label, the rest split evenly."""
    row = np.full(len(LABELS), (1.0 - confidence) / 2.0, dtype=np.float64)
    row[LABELS.index(label)] = confidence
    return row


class LLMScorer:
    """Score (numbered passages, claim) pairs with an LLM judge; one request per pair.

    Takes the :class:`~evalcore.llm_client.ChatConfig` fields (``base_url``, ``model``,
    ``api_key_env``, ``timeout_s``, ``max_retries``, ``temperature`` — 0 unless set — ...).
    ``prompt_version`` may pin the prompt: a suite written for another version fails at once.
    ``identity`` is ``llm:<model>@prompt-<version>-<sha256[:8]>``.
    """

    granularity: Literal["sentence", "passage"] = "passage"
    cache_every = 1
    """Pairs the verifier sends per call and caches at once: a killed run keeps what it got."""

    def __init__(self, *, prompt_version: str | None = None, **config: Any) -> None:
        if prompt_version is not None and str(prompt_version) != PROMPT_VERSION:
            raise SuiteError(
                f"this evalstage has verifier prompt version {PROMPT_VERSION}, "
                f"not {prompt_version!r}",
                field=f"{_FIELD}.prompt_version",
                hint=f"set prompt_version: '{PROMPT_VERSION}' (scores from another prompt "
                "version are not comparable), or remove it",
            )
        try:
            self.config = ChatConfig.model_validate(config)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise SuiteError(
                str(first["msg"]),
                field=f"{_FIELD}.{loc}" if loc else _FIELD,
                hint="the llm verifier takes: prompt_version, "
                + ", ".join(ChatConfig.model_fields),
            ) from None
        try:
            self.client = ChatClient(self.config)
        except SuiteError as exc:
            field = exc.field.replace("target.args", _FIELD) if exc.field else exc.field
            raise SuiteError(exc.message, field=field, hint=exc.hint) from None
        self.parse_failures = 0
        self.transport_failures = 0
        self.last_unparsed: list[str] = []
        self.last_failures: dict[int, str] = {}

    @property
    def identity(self) -> str:
        """``llm:<model>@prompt-<version>-<sha256[:8]>``."""
        return f"llm:{self.config.model}@prompt-{PROMPT_VERSION}-{PROMPT_SHA256[:8]}"

    @property
    def cache_identity(self) -> str:
        """The identity plus a hash of everything else that shapes a verdict (cache key)."""
        c, client = self.config, self.client.describe()
        shaping = [client["base_url"], c.model, c.temperature, c.max_tokens, c.extra_body]
        digest = hashlib.sha256(json.dumps([*shaping, PROMPT_SHA256], default=str).encode())
        return f"{self.identity}#{digest.hexdigest()[:16]}"

    def describe(self) -> dict[str, Any]:
        """A description for run records: no key, no header values, no URL credentials."""
        return {
            "kind": "llm",
            "granularity": self.granularity,
            "prompt_version": PROMPT_VERSION,
            "prompt_sha256": PROMPT_SHA256,
            "client": self.client.describe(),
            "identity": self.identity,
            "parse_failures": self.parse_failures,
            "transport_failures": self.transport_failures,
        }

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def __enter__(self) -> LLMScorer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @staticmethod
    def messages(premise: str, claim: str) -> list[Mapping[str, str]]:
        """The chat messages for one pair (``premise`` already numbered ``[1] ...``)."""
        user = USER_TEMPLATE.substitute(passages=premise.strip(), claim=claim.strip())
        return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> Probabilities:
        """Return ``(len(pairs), 3)`` probabilities in ``LABELS`` order; rows sum to 1.

        A pair whose request fails for good gets a NaN row; :attr:`last_failures` says why for
        it and for each unreadable reply (rows the caller must not cache).
        """
        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float64)
        self.last_unparsed = []
        self.last_failures = {}
        for index, (premise, claim) in enumerate(pairs):
            try:
                result = self.client.chat(self.messages(premise, claim))
            except TargetError as exc:
                self.transport_failures += 1
                self.last_failures[index] = f"verifier request failed: {exc}"
                out[index] = np.nan
                continue
            reply = result.content
            verdict = parse_verdict(reply)
            if verdict is None:
                self.parse_failures += 1
                kept = (reply or "")[:_KEEP_CHARS]
                self.last_unparsed.append(kept)
                cut = " (cut at max_tokens)" if result.truncated else ""
                self.last_failures[index] = f"unreadable verdict{cut}: {kept[:200]!r}"
                _log.warning(
                    "unreadable verdict from %s%s (counted as unsupported): %r",
                    self.config.model,
                    cut,
                    kept[:200],
                )
                out[index] = UNPARSED_ROW
            else:
                out[index] = verdict_row(*verdict)
        return out
