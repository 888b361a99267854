"""Train the offline verifier head on SciFact (train split) plus synthetic pairs.

Run ``python -m generation_eval.verifier.train``. Deterministic for a seed (single process,
fixed thread count). The bottom MiniLM layers are frozen, so their outputs are computed once;
only the top layers and the head are trained. Model selection (epoch) and the label thresholds
use the DEV split at the realistic level (claim against its whole cited abstract); the TEST
split is never read here.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from generation_eval.verifier._augment import augment_claims, augment_sentences
from generation_eval.verifier._metrics import auroc, balanced_accuracy, tune_thresholds
from generation_eval.verifier._offline import (
    DEFAULT_WEIGHTS,
    MAX_LENGTH,
    TRAINED_LAYERS,
    TopStack,
    bottom_states,
    file_sha256,
    load_base,
    tokenize,
)
from generation_eval.verifier._protocol import LABELS
from generation_eval.verifier._scifact import (
    ClaimItem,
    Example,
    claim_items,
    load_claims,
    load_corpus,
    real_pairs,
    split_claims,
)
from generation_eval.verifier._verifier import Thresholds, decide
from generation_eval.verifier._windows import select_windows

__all__ = ["TrainConfig", "TrainResult", "build_examples", "main", "train"]

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "suites" / "demo" / "corpus.jsonl.gz"
TOP_M = 40


@dataclass(frozen=True)
class TrainConfig:
    """Training settings; ``max_train``/``max_dev_items`` shrink the run (for tests)."""

    seed: int = 13
    epochs: int = 4
    batch_size: int = 32
    lr_layers: float = 1e-4
    lr_head: float = 2e-3
    aug_sentences: int = 2500
    real_weight: float = 3.0
    max_train: int | None = None
    max_dev_items: int | None = None
    threads: int = 2


@dataclass
class TrainResult:
    """Trained state (float32), tuned thresholds and the DEV measurements behind them."""

    state: dict[str, torch.Tensor]
    thresholds: Thresholds
    dev: dict[str, Any]
    history: list[dict[str, Any]]
    counts: dict[str, Any]


def build_examples(
    cfg: TrainConfig, corpus: dict[str, list[str]]
) -> tuple[list[Example], list[ClaimItem], dict[str, Any]]:
    """Training pairs (train split + synthetic) and DEV claim items, with counts."""
    rng = random.Random(cfg.seed)
    splits = split_claims(load_claims(), seed=cfg.seed)
    held_out = {d for split in ("dev", "test") for c in splits[split] for d in c.cited}
    train_docs = sorted(d for d in corpus if d not in held_out and corpus[d])
    real = [
        Example(e.premise, e.hypothesis, e.label, e.weight * cfg.real_weight, e.source)
        for e in real_pairs(splits["train"], corpus)
    ]
    synthetic = augment_claims(splits["train"], corpus, rng)
    synthetic += augment_sentences([corpus[d] for d in train_docs], cfg.aug_sentences, rng)
    examples = real + synthetic
    rng.shuffle(examples)
    if cfg.max_train is not None:
        examples = examples[: cfg.max_train]
    dev_items = claim_items(splits["dev"], corpus)
    if cfg.max_dev_items is not None:
        dev_items = dev_items[: cfg.max_dev_items]
    counts = {
        "claims": {name: len(claims) for name, claims in splits.items()},
        "train_docs_for_augmentation": len(train_docs),
        "examples": len(examples),
        "labels": dict(sorted(Counter(e.label for e in examples).items())),
        "sources": dict(sorted(Counter(e.source for e in examples).items())),
        "dev_items": dict(sorted(Counter(i.label for i in dev_items).items())),
    }
    return examples, dev_items, counts


def _encode(
    tokenizer: Any, bottom: nn.Module, pairs: Sequence[tuple[str, str]]
) -> list[torch.Tensor]:
    """Frozen bottom-layer states per pair (unpadded), computed in length-sorted batches."""
    states: list[torch.Tensor] = [torch.empty(0)] * len(pairs)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    for start in range(0, len(order), 64):
        index = order[start : start + 64]
        batch = tokenize(tokenizer, [pairs[i] for i in index])
        hidden = bottom_states(bottom, batch)
        lengths = batch["attention_mask"].sum(dim=1).tolist()
        for row, i in enumerate(index):
            states[i] = hidden[row, : int(lengths[row])].clone()
    return states


def _pad(states: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(s.shape[0] for s in states)
    hidden = torch.zeros(len(states), length, states[0].shape[1])
    mask = torch.zeros(len(states), length, dtype=torch.long)
    for row, s in enumerate(states):
        hidden[row, : s.shape[0]] = s
        mask[row, : s.shape[0]] = 1
    return hidden, mask


def _predict(top: TopStack, states: Sequence[torch.Tensor]) -> np.ndarray:
    top.eval()
    out = np.zeros((len(states), len(LABELS)))
    order = sorted(range(len(states)), key=lambda i: states[i].shape[0])
    with torch.inference_mode():
        for start in range(0, len(order), 64):
            index = order[start : start + 64]
            hidden, mask = _pad([states[i] for i in index])
            out[index] = torch.softmax(top(hidden, mask), dim=-1).double().numpy()
    return out


def _batches(lengths: Sequence[int], size: int, gen: torch.Generator) -> list[list[int]]:
    """Shuffled batches of similar length: permute, sort within chunks of 50 batches, split."""
    perm = torch.randperm(len(lengths), generator=gen).tolist()
    batches: list[list[int]] = []
    chunk = size * 50
    for start in range(0, len(perm), chunk):
        part = sorted(perm[start : start + chunk], key=lambda i: lengths[i])
        batches += [part[i : i + size] for i in range(0, len(part), size)]
    order = torch.randperm(len(batches), generator=gen).tolist()
    return [batches[i] for i in order]


def evaluate_items(
    probs: np.ndarray, spans: Sequence[tuple[int, int]], items: Sequence[ClaimItem]
) -> tuple[Thresholds, dict[str, Any]]:
    """Aggregate window probabilities per item (max), tune thresholds, measure."""
    support = [float(probs[a:b, 0].max()) if b > a else 0.0 for a, b in spans]
    contra = [float(probs[a:b, 1].max()) if b > a else 0.0 for a, b in spans]
    gold = [i.label for i in items]
    rule, ba3 = tune_thresholds(support, contra, gold)
    predicted = [decide(s, c, rule) for s, c in zip(support, contra, strict=True)]
    return rule, {
        "balanced_accuracy_3way": ba3,
        "balanced_accuracy_binary": balanced_accuracy(
            [str(g == "supported") for g in gold],
            [str(p == "supported") for p in predicted],
        ),
        "auroc_supported": auroc(support, [g == "supported" for g in gold]),
        "auroc_contradicted": auroc(contra, [g == "contradicted" for g in gold]),
        "n": len(items),
    }


def train(cfg: TrainConfig, corpus_path: Path = DEFAULT_CORPUS, log: bool = True) -> TrainResult:
    """Train the top layers and head; pick the epoch and thresholds on DEV."""
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    started = time.perf_counter()
    corpus = load_corpus(corpus_path)
    examples, dev_items, counts = build_examples(cfg, corpus)
    tokenizer, bottom, top = load_base()
    train_states = _encode(tokenizer, bottom, [(e.premise, e.hypothesis) for e in examples])
    dev_windows = [select_windows(i.claim, [i.abstract], TOP_M) for i in dev_items]
    dev_pairs = [
        (w.text, i.claim) for i, ws in zip(dev_items, dev_windows, strict=True) for w in ws
    ]
    spans, at = [], 0
    for ws in dev_windows:
        spans.append((at, at + len(ws)))
        at += len(ws)
    dev_states = _encode(tokenizer, bottom, dev_pairs)
    if log:
        print(f"encoded {len(train_states)} train / {len(dev_states)} dev pairs "
              f"in {time.perf_counter() - started:.0f}s; {counts}")  # fmt: skip

    labels = torch.tensor([LABELS.index(e.label) for e in examples])
    weights = torch.tensor([e.weight for e in examples], dtype=torch.float32)
    per_class = torch.zeros(len(LABELS)).index_add_(0, labels, weights)
    class_weight = per_class.sum() / (len(LABELS) * per_class.clamp(min=1e-6))
    weights = weights * class_weight[labels]
    head_params = list(top.head.parameters())
    layer_params = [p for n, p in top.named_parameters() if not n.startswith("head.")]
    optimizer = torch.optim.AdamW(
        [{"params": layer_params, "lr": cfg.lr_layers}, {"params": head_params, "lr": cfg.lr_head}],
        weight_decay=0.01,
    )
    gen = torch.Generator().manual_seed(cfg.seed)
    lengths = [s.shape[0] for s in train_states]
    steps_per_epoch = -(-len(examples) // cfg.batch_size)
    total = max(1, steps_per_epoch * cfg.epochs)
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup + 1))),
    )
    history: list[dict[str, Any]] = []
    best: tuple[float, dict[str, torch.Tensor], Thresholds, dict[str, Any]] | None = None
    for epoch in range(cfg.epochs):
        top.train()
        running = 0.0
        for batch in _batches(lengths, cfg.batch_size, gen):
            hidden, mask = _pad([train_states[i] for i in batch])
            logits = top(hidden, mask)
            loss_each = nn.functional.cross_entropy(logits, labels[batch], reduction="none")
            loss = (loss_each * weights[batch]).sum() / weights[batch].sum()
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            running += float(loss.detach()) * len(batch)
        rule, dev = evaluate_items(_predict(top, dev_states), spans, dev_items)
        record = {"epoch": epoch + 1, "train_loss": running / len(examples), **dev}
        history.append(record)
        if log:
            print(json.dumps(record), f"{time.perf_counter() - started:.0f}s", flush=True)
        score = dev["balanced_accuracy_3way"]
        if best is None or score > best[0]:
            state = {k: v.detach().clone() for k, v in top.state_dict().items()}
            best = (score, state, rule, dev)
    assert best is not None
    _, state, _, _ = best
    # Thresholds are re-tuned on the float16-rounded weights that will actually ship.
    shipped = {k: v.half().float() for k, v in state.items()}
    final = copy.deepcopy(top)
    final.load_state_dict(shipped)
    rule, dev = evaluate_items(_predict(final, dev_states), spans, dev_items)
    dev["train_seconds"] = round(time.perf_counter() - started, 1)
    return TrainResult(state=shipped, thresholds=rule, dev=dev, history=history, counts=counts)


def save(result: TrainResult, cfg: TrainConfig, path: Path = DEFAULT_WEIGHTS) -> None:
    """Write the float16 safetensors weights and the JSON training record next to them."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.half().contiguous() for k, v in result.state.items()}
    save_file(
        tensors, str(path), metadata={"base": "all-MiniLM-L6-v2", "layers": str(TRAINED_LAYERS)}
    )
    record = {
        "weights_sha256": file_sha256(path),
        "thresholds": result.thresholds.model_dump(),
        "dev": result.dev,
        "history": result.history,
        "counts": result.counts,
        "config": asdict(cfg),
        "max_length": MAX_LENGTH,
        "trained_layers": TRAINED_LAYERS,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "note": "epoch and thresholds chosen on the DEV split; TEST is untouched by training",
    }
    path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: train and write ``weights/offline_minilm.safetensors`` (+ ``.json``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--aug", type=int, default=TrainConfig.aug_sentences)
    parser.add_argument("--seed", type=int, default=TrainConfig.seed)
    args = parser.parse_args(argv)
    cfg = TrainConfig(seed=args.seed, epochs=args.epochs, aug_sentences=args.aug)
    result = train(cfg, args.corpus)
    save(result, cfg, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB); dev: {result.dev}")


if __name__ == "__main__":
    main()
