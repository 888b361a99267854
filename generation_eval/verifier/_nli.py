"""A sentence-level verifier backend over any Hugging Face NLI cross-encoder.

:class:`NLIScorer` loads a sequence-classification model (a hub name already in the local cache,
or a local folder) strictly offline and maps its labels onto our columns by *name*, never by
position, so two models that order their labels differently score the same way.

Label mapping (case-insensitive; ``-`` and spaces count as ``_``):

* ``entailment``, ``entail``, ``supported``, ``support``, ``consistent`` → ``supported``
* ``contradiction``, ``contradict``, ``refutes``, ``refuted`` → ``contradicted``
* ``neutral``, ``not_enough_info``, ``nei``, ``unsupported`` → ``unsupported``
* ``not_entailment``, ``non_entailment``, ``hallucinated``, ``inconsistent`` → ``unsupported``:
  a two-label model (entailment vs. not, or HHEM-style consistent vs. hallucinated) cannot tell
  a contradiction from missing evidence, so all of its non-entailment mass goes to
  ``unsupported`` and ``P(contradicted)`` is 0.

Several model labels may map to one column (their probabilities add up). ``label_map`` overrides
or extends the table, e.g. ``{"LABEL_0": "supported", "LABEL_1": "unsupported"}``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from evalstage.evalcore.errors import SuiteError
from evalstage.generation_eval.verifier._protocol import LABELS, Label, Probabilities

__all__ = ["LABEL_SYNONYMS", "NLIScorer"]

LABEL_SYNONYMS: Mapping[str, Label] = {
    **dict.fromkeys(
        ("entailment", "entail", "entails", "entailed", "supported", "support", "supports"),
        "supported",
    ),
    "consistent": "supported",
    **dict.fromkeys(
        ("contradiction", "contradict", "contradicts", "contradicted", "refutes", "refuted"),
        "contradicted",
    ),
    **dict.fromkeys(
        ("neutral", "not_enough_info", "not_enough_information", "nei", "unsupported"),
        "unsupported",
    ),
    **dict.fromkeys(
        (
            "not_entailment",
            "non_entailment",
            "not_entailed",
            "hallucinated",
            "hallucination",
            "inconsistent",
        ),
        "unsupported",
    ),
}
"""Model label names (normalised) → our column; see the module docstring."""

_LABEL_BY_NAME: dict[str, Label] = {label: label for label in LABELS}
_FIELD = "verifier.args"
_PATH_PREFIXES = ("/", "./", "../", "~", ".\\", "..\\")
_OFFLINE_HINT = (
    "the model must already be on this machine (nothing is downloaded): on a machine with "
    "network run `hf download {name}` (older: `huggingface-cli download {name}`) and copy its "
    "Hugging Face cache (~/.cache/huggingface/hub, or $HF_HOME/hub) here, or pass the path of a "
    "folder holding config.json, the weights and the tokenizer files as model"
)


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def column_map(
    id2label: Mapping[int, str], label_map: Mapping[str, str] | None = None
) -> list[Label]:
    """Map each model output index to one of :data:`LABELS`; raise :class:`SuiteError` if not."""
    overrides: dict[str, Label] = {}
    for key, value in (label_map or {}).items():
        target = _normalise(value)
        if target not in _LABEL_BY_NAME:
            raise SuiteError(
                f"label_map maps '{key}' to '{value}', which is not a verifier label",
                field=f"{_FIELD}.label_map",
                hint=f"map each model label to one of: {', '.join(LABELS)}",
            )
        overrides[_normalise(key)] = _LABEL_BY_NAME[target]
    columns: list[Label] = []
    unknown: list[str] = []
    for index in sorted(id2label):
        name = _normalise(str(id2label[index]))
        column = overrides.get(name) or overrides.get(str(index)) or LABEL_SYNONYMS.get(name)
        if column is None:
            unknown.append(str(id2label[index]))
        else:
            columns.append(column)
    if unknown:
        shown = ", ".join(f"{i}: {id2label[i]!r}" for i in sorted(id2label))
        raise SuiteError(
            f"cannot tell what the model's labels {unknown} mean (its labels are {{{shown}}})",
            field=f"{_FIELD}.label_map",
            hint="pass label_map, e.g. {'"
            + str(unknown[0])
            + "': 'supported'}, mapping every model label to one of "
            + ", ".join(LABELS),
        )
    if "supported" not in columns:
        raise SuiteError(
            f"no label of the model means 'supported' (its labels are {dict(id2label)})",
            field=f"{_FIELD}.label_map",
            hint="use an NLI model with an entailment label, or name it in label_map",
        )
    return columns


def _resolve(model: str) -> tuple[Path, str | None]:
    """Find the model's folder offline: ``(folder, commit or None for a local folder)``."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve(), None
    if model.startswith(_PATH_PREFIXES) or path.exists():
        raise SuiteError(
            f"'{model}' is not a folder",
            field=f"{_FIELD}.model",
            hint="pass a folder holding config.json, the weights and the tokenizer files, or "
            "the name of a Hugging Face model already in the local cache",
        )
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        folder = snapshot_download(model, local_files_only=True)
    except HFValidationError as exc:
        raise SuiteError(
            f"'{model}' is neither a folder nor a valid Hugging Face model name ({exc})",
            field=f"{_FIELD}.model",
            hint="write a hub name like org/name, or the path of a local folder",
        ) from None
    except LocalEntryNotFoundError:
        raise SuiteError(
            f"the model '{model}' is not in the local Hugging Face cache",
            field=f"{_FIELD}.model",
            hint=_OFFLINE_HINT.format(name=model),
        ) from None
    if not isinstance(folder, str):  # a dry run's file list: never asked for
        raise TypeError("snapshot_download returned no folder")
    resolved = Path(folder)
    return resolved, resolved.name


def _folder_digest(folder: Path) -> str:
    """sha256 over the names and contents of the folder's files (config, weights, tokenizer)."""
    digest = hashlib.sha256()
    for item in sorted(folder.iterdir()):
        if item.name.startswith(".") or not item.is_file():
            continue
        digest.update(item.name.encode() + b"\0")
        with item.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


class NLIScorer:
    """Score (premise, hypothesis) pairs with a local NLI cross-encoder.

    ``model`` is a Hugging Face model name already in the local cache, or a local folder; nothing
    is ever downloaded. Pairs are scored in batches of ``batch_size`` (shortest first, to limit
    padding) under ``torch.inference_mode()``, truncated to ``max_length`` tokens (longest part
    first; lowered to the tokenizer's ``model_max_length`` when that is smaller), and the
    softmax is taken in float64. ``identity`` is ``nli:<model>@<hash>`` where the hash covers
    the cache commit (or, for a folder, every file's name and contents), the ``max_length`` and
    the label mapping; ``batch_size`` and ``device`` are left out because they
    do not change the scores beyond float noise.
    """

    granularity: Literal["sentence", "passage"] = "sentence"

    def __init__(
        self,
        model: str,
        batch_size: int = 32,
        max_length: int = 256,
        device: str = "cpu",
        label_map: dict[str, str] | None = None,
    ) -> None:
        if not isinstance(model, str) or not model.strip():
            raise SuiteError(
                "model is empty", field=f"{_FIELD}.model", hint="name an NLI model or a folder"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise SuiteError(
                f"batch_size must be a positive integer (got {batch_size!r})",
                field=f"{_FIELD}.batch_size",
                hint="e.g. batch_size: 32",
            )
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 8:
            raise SuiteError(
                f"max_length must be an integer of at least 8 tokens (got {max_length!r})",
                field=f"{_FIELD}.max_length",
                hint="e.g. max_length: 256 (most NLI models accept up to 512)",
            )
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            self._device = torch.device(device)
        except (RuntimeError, TypeError) as exc:
            raise SuiteError(
                f"device '{device}' is not a torch device ({exc})",
                field=f"{_FIELD}.device",
                hint="use cpu, cuda, cuda:0 or mps",
            ) from None
        self.model = model
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        folder, self.revision = _resolve(model)
        try:
            self._tokenizer: Any = AutoTokenizer.from_pretrained(folder, local_files_only=True)
            network: Any = AutoModelForSequenceClassification.from_pretrained(
                folder, local_files_only=True
            )
        except (OSError, ValueError) as exc:
            raise SuiteError(
                f"cannot load '{model}' as a sequence-classification model with a tokenizer "
                f"from {folder}: {exc}",
                field=f"{_FIELD}.model",
                hint=_OFFLINE_HINT.format(name=model),
            ) from None
        limit = getattr(self._tokenizer, "model_max_length", None)
        if isinstance(limit, int) and 8 <= limit < max_length:  # the model takes no more
            self.max_length = max_length = limit
        self.columns = column_map(network.config.id2label, label_map)
        self._network: Any = network.to(self._device).eval()
        weights = np.zeros((len(self.columns), len(LABELS)), dtype=np.float64)
        for index, column in enumerate(self.columns):
            weights[index, LABELS.index(column)] = 1.0
        self._to_columns = weights
        source = f"commit:{self.revision}" if self.revision else _folder_digest(folder)
        payload = {"source": source, "max_length": max_length, "columns": self.columns}
        self._hash = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    @property
    def identity(self) -> str:
        """``nli:<model>@<sha256[:12]>`` of the weights, tokenizer, max_length and labels."""
        return f"nli:{self.model}@{self._hash[:12]}"

    def describe(self) -> dict[str, Any]:
        """A description for run records."""
        labels = self._network.config.id2label
        return {
            "kind": "nli",
            "granularity": self.granularity,
            "model": self.model,
            "revision": self.revision,
            "labels": {
                str(labels[i]): c for i, c in zip(sorted(labels), self.columns, strict=True)
            },
            "batch_size": self.batch_size,
            "max_length": self.max_length,
            "device": self.device,
            "identity": self.identity,
        }

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> Probabilities:
        """Return ``(len(pairs), 3)`` probabilities in ``LABELS`` order; rows sum to 1."""
        import torch

        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float64)
        if not pairs:
            return out
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                encoded = self._tokenizer(
                    [pairs[i][0] for i in chunk],
                    [pairs[i][1] for i in chunk],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self._device)
                logits = self._network(**encoded).logits
                probs = torch.softmax(logits.to(torch.float64), dim=-1).cpu().numpy()
                out[chunk] = probs @ self._to_columns
        if not np.isfinite(out).all():
            raise RuntimeError(f"the NLI model '{self.model}' produced non-finite scores")
        out /= out.sum(axis=1, keepdims=True)
        return out
