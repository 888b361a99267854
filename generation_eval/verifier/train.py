"""Train the offline verifier on public NLI and fact-verification pairs.

``python -m evalstage.generation_eval.verifier.train --data DIR`` (``docs/verifier.md`` says
where the data comes from). The embeddings and the bottom ``6 - trained_layers`` MiniLM layers
stay frozen; the top layers and a 3-way head are trained with class-balanced cross-entropy on a
mix of sources (each capped, plus synthetic negation/number/direction/entity perturbations). Every
``eval_every`` steps the model is measured on every source's DEV split; the checkpoint with the
best *macro* balanced accuracy over sources (each source counts the same, so no domain decides
alone) is kept. Deterministic for a seed (single process, fixed thread count). No evaluation
set of the validity report is read here; their contexts are only used to drop overlapping
training pairs (``--decontaminate``).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from evalstage.generation_eval.verifier._metrics import balanced_accuracy
from evalstage.generation_eval.verifier._offline import (
    DEFAULT_WEIGHTS,
    MAX_LENGTH,
    TRAINED_LAYERS,
    TopStack,
    bottom_states,
    file_sha256,
    load_base,
    predict,
    tokenize,
)
from evalstage.generation_eval.verifier._pairs import (
    Pair,
    anchors,
    augment,
    contamination_of,
    load_pairs,
    omissions,
)
from evalstage.generation_eval.verifier._protocol import LABELS

__all__ = ["SOURCES", "TrainConfig", "TrainResult", "init_state", "main", "train"]

SOURCES: dict[str, str] = {
    "dnc_recast": "CC BY-SA 4.0",
    "conjnli": "MIT",
    "taxinli_mnli": "C-UDA 1.0 (computational use)",
    "breaking_nli": "CC BY-SA 4.0",
    "help_monotonicity": "CC BY-SA 4.0",
    "med_monotonicity": "CC BY-SA 4.0",
    "summedits": "Apache-2.0",
    "fever_symmetric": "CC BY-SA 3.0",
    "folio": "CC BY-SA 4.0",
    "wice": "CC BY-SA 4.0 (Wikipedia text), ODC-BY 1.0 (annotations)",
    "wanli_sample": "CC BY 4.0",
    "expertqa": "MIT",
    "factcheck_gpt": "Apache-2.0",
    "squad2": "CC BY-SA 4.0",
}
"""The sources a training run reads, with their licences (``docs/verifier.md`` has the details).

Left out on purpose: non-commercial sets (ANLI, SICK, IMPPRES, ConTRoL), sets without a licence
file (MPE, Climate-FEVER, SufficientFacts, RTE as found), and dialogue sets whose dialogues
overlap the BEGIN set of the validity report (BEGIN, FaithDial).
"""


@dataclass(frozen=True)
class TrainConfig:
    """Training settings; ``max_steps`` and the caps shrink a run (for tests)."""

    seed: int = 13
    trained_layers: int = TRAINED_LAYERS
    batch_size: int = 32
    lr_layers: float = 1e-4
    lr_head: float = 2e-3
    epochs: int = 1
    max_per_source: int = 2000
    max_dev_per_source: int = 60
    synthetic: int = 3000
    anchors: int = 0
    """Copy (supported) and off-topic (unsupported) pairs added, half each (``_pairs.anchors``)."""
    omissions: int = 0
    """Evidence-removal pairs added, a third supported (``_pairs.omissions``)."""
    eval_every: int = 150
    max_steps: int | None = None
    max_minutes: float | None = None
    threads: int = 2
    init: str | None = None
    """Weights file to start from (a previous run's), instead of the bundled MiniLM layers."""
    sources: tuple[str, ...] = tuple(SOURCES)


@dataclass
class TrainResult:
    """Trained state (float16-rounded), DEV measurements and the data counts behind them."""

    state: dict[str, torch.Tensor]
    dev: dict[str, Any]
    history: list[dict[str, Any]]
    counts: dict[str, Any]
    sources: dict[str, dict[str, int]] = field(default_factory=dict)


def _predict(tokenizer: Any, bottom: nn.Module, top: TopStack, pairs: Sequence[Pair]) -> np.ndarray:
    top.eval()
    return predict(tokenizer, bottom, top, [(p.premise, p.hypothesis) for p in pairs], 64)


def dev_scores(probs: np.ndarray, pairs: Sequence[Pair]) -> dict[str, Any]:
    """Per-source balanced accuracy (3 labels, and supported vs not) and their macro means."""
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, pair in enumerate(pairs):
        by_source[pair.source].append(i)
    per: dict[str, dict[str, float]] = {}
    for source, rows in sorted(by_source.items()):
        gold = [pairs[i].label for i in rows]
        predicted = [LABELS[int(np.argmax(probs[i]))] for i in rows]
        per[source] = {
            "n": len(rows),
            "balanced_accuracy_3way": round(balanced_accuracy(gold, predicted), 4),
            "balanced_accuracy_binary": round(
                balanced_accuracy(
                    [str(g == "supported") for g in gold],
                    [str(p == "supported") for p in predicted],
                ),
                4,
            ),
        }
    return {
        "macro_binary": round(
            float(np.mean([v["balanced_accuracy_binary"] for v in per.values()])), 4
        ),
        "macro_3way": round(float(np.mean([v["balanced_accuracy_3way"] for v in per.values()])), 4),
        "per_source": per,
    }


def _batches(pairs: Sequence[Pair], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length: permute, sort within chunks of 50 batches, split."""
    perm = list(range(len(pairs)))
    rng.shuffle(perm)
    batches: list[list[int]] = []
    chunk = size * 50
    for start in range(0, len(perm), chunk):
        part = sorted(
            perm[start : start + chunk],
            key=lambda i: len(pairs[i].premise) + len(pairs[i].hypothesis),
        )
        batches += [part[i : i + size] for i in range(0, len(part), size)]
    rng.shuffle(batches)
    return batches


def prepare(
    cfg: TrainConfig, data_dir: Path, decontaminate: Sequence[Path] = ()
) -> tuple[list[Pair], list[Pair], dict[str, Any], dict[str, dict[str, int]]]:
    """Training pairs (capped sources + synthetic) and DEV pairs, with counts."""
    contamination = contamination_of(decontaminate)
    train, dev, sources = load_pairs(
        data_dir,
        include=cfg.sources,
        contamination=contamination or None,
        max_per_source=cfg.max_per_source,
        max_dev_per_source=cfg.max_dev_per_source,
        seed=cfg.seed,
    )
    rng = random.Random(cfg.seed)
    train += (
        augment(train, cfg.synthetic, rng)
        + anchors(train, cfg.anchors, rng)
        + omissions(train, cfg.omissions, rng)
    )
    rng.shuffle(train)
    counts = {
        "train": len(train),
        "dev": len(dev),
        "train_labels": dict(sorted(Counter(p.label for p in train).items())),
        "train_sources": dict(sorted(Counter(p.source for p in train).items())),
        "decontaminated_against": [p.name for p in decontaminate],
    }
    return train, dev, counts, sources


def init_state(
    path: Path, trained_layers: int, base: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """A starting state from a weights file that may train fewer top layers than this run.

    Its layers become the top ones of the new stack (``layer.i`` → ``layer.i + shift``); the
    layers below them keep MiniLM's own weights (``base``). A file with more layers is an error.
    """
    from safetensors.torch import load_file

    loaded = {k: v.float() for k, v in load_file(str(path)).items()}
    have = len({k.split(".")[1] for k in loaded if k.startswith("layer.")})
    if have > trained_layers:
        raise ValueError(f"{path} trains {have} layers; this run trains only {trained_layers}")
    shift = trained_layers - have
    state = dict(base)
    for key, value in loaded.items():
        if key.startswith("layer."):
            _, index, rest = key.split(".", 2)
            key = f"layer.{int(index) + shift}.{rest}"
        state[key] = value
    return state


def train(
    cfg: TrainConfig, data_dir: Path, decontaminate: Sequence[Path] = (), log: bool = True
) -> TrainResult:
    """Train the top layers and head; keep the checkpoint with the best macro DEV score."""
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    started = time.perf_counter()
    examples, dev, counts, sources = prepare(cfg, data_dir, decontaminate)
    if log:
        print(f"{len(examples)} train / {len(dev)} dev pairs; {counts['train_labels']}", flush=True)
    tokenizer, bottom, top = load_base(cfg.trained_layers)
    if cfg.init is not None:
        top.load_state_dict(init_state(Path(cfg.init), cfg.trained_layers, top.state_dict()))
    labels = torch.tensor([LABELS.index(p.label) for p in examples])
    per_class = torch.bincount(labels, minlength=len(LABELS)).float()
    class_weight = per_class.sum() / (len(LABELS) * per_class.clamp(min=1.0))
    head_params = list(top.head.parameters())
    layer_params = [p for n, p in top.named_parameters() if not n.startswith("head.")]
    optimizer = torch.optim.AdamW(
        [{"params": layer_params, "lr": cfg.lr_layers}, {"params": head_params, "lr": cfg.lr_head}],
        weight_decay=0.01,
    )
    rng = random.Random(cfg.seed)
    plan = [b for _ in range(cfg.epochs) for b in _batches(examples, cfg.batch_size, rng)]
    if cfg.max_steps is not None:
        plan = plan[: cfg.max_steps]
    total = max(1, len(plan))
    warmup = max(1, total // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, max(0.02, (total - step) / (total - warmup + 1))),
    )
    history: list[dict[str, Any]] = []
    best: tuple[float, dict[str, torch.Tensor], dict[str, Any]] | None = None
    running, seen = 0.0, 0

    def checkpoint(step: int) -> None:
        nonlocal best, running, seen
        scores = dev_scores(_predict(tokenizer, bottom, top, dev), dev)
        record = {"step": step, "seconds": round(time.perf_counter() - started),
                  "train_loss": round(running / max(seen, 1), 4), **scores}  # fmt: skip
        history.append(record)
        if log:
            print(json.dumps({k: v for k, v in record.items() if k != "per_source"}), flush=True)
        if best is None or scores["macro_binary"] + scores["macro_3way"] > best[0]:
            state = {k: v.detach().clone() for k, v in top.state_dict().items()}
            best = (scores["macro_binary"] + scores["macro_3way"], state, scores)
        running, seen = 0.0, 0
        top.train()

    if cfg.init is not None:
        checkpoint(0)  # the starting weights compete too: a run that only gets worse keeps them
    top.train()
    for step, batch in enumerate(plan, start=1):
        encoded = tokenize(
            tokenizer, [(examples[i].premise, examples[i].hypothesis) for i in batch]
        )
        hidden = bottom_states(bottom, encoded).clone()
        logits = top(hidden, encoded["attention_mask"])
        loss = nn.functional.cross_entropy(logits, labels[batch], weight=class_weight)
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        running += float(loss.detach()) * len(batch)
        seen += len(batch)
        out_of_time = (
            cfg.max_minutes is not None and time.perf_counter() - started > cfg.max_minutes * 60
        )
        if step % cfg.eval_every == 0 or step == total or out_of_time:
            checkpoint(step)
        if out_of_time:
            break
    if not history:
        checkpoint(0)
    assert best is not None
    _, state, _ = best
    shipped = {k: v.half().float() for k, v in state.items()}
    top.load_state_dict(shipped)
    scores = dev_scores(_predict(tokenizer, bottom, top, dev), dev)
    scores["train_seconds"] = round(time.perf_counter() - started, 1)
    return TrainResult(state=shipped, dev=scores, history=history, counts=counts, sources=sources)


def save(result: TrainResult, cfg: TrainConfig, path: Path = DEFAULT_WEIGHTS) -> None:
    """Write the float16 safetensors weights and the JSON training record next to them."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.half().contiguous() for k, v in result.state.items()}
    save_file(
        tensors, str(path), metadata={"base": "all-MiniLM-L6-v2", "layers": str(cfg.trained_layers)}
    )
    record = {
        "weights_sha256": file_sha256(path),
        "trained_layers": cfg.trained_layers,
        "max_length": MAX_LENGTH,
        "dev": result.dev,
        "history": [{k: v for k, v in h.items() if k != "per_source"} for h in result.history],
        "counts": result.counts,
        "sources": result.sources,
        "config": asdict(cfg),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "note": "checkpoint chosen on the sources' DEV splits; no validity-report set is read",
    }
    path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: train and write ``weights/offline_minilm.safetensors`` (+ ``.json``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="folder of pair JSONL files")
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--decontaminate", type=Path, nargs="*", default=[])
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--max-per-source", type=int, default=TrainConfig.max_per_source)
    parser.add_argument("--synthetic", type=int, default=TrainConfig.synthetic)
    parser.add_argument("--anchors", type=int, default=TrainConfig.anchors)
    parser.add_argument("--omissions", type=int, default=TrainConfig.omissions)
    parser.add_argument("--max-minutes", type=float, default=None)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--eval-every", type=int, default=TrainConfig.eval_every)
    parser.add_argument("--seed", type=int, default=TrainConfig.seed)
    parser.add_argument("--layers", type=int, default=TrainConfig.trained_layers,
                        help="top MiniLM layers to train (of 6)")  # fmt: skip
    parser.add_argument("--init", type=Path, default=None, help="weights to start from")
    args = parser.parse_args(argv)
    cfg = TrainConfig(
        seed=args.seed,
        trained_layers=args.layers,
        epochs=args.epochs,
        max_per_source=args.max_per_source,
        synthetic=args.synthetic,
        anchors=args.anchors,
        omissions=args.omissions,
        max_minutes=args.max_minutes,
        max_steps=args.max_steps,
        eval_every=args.eval_every,
        init=str(args.init) if args.init is not None else None,
    )
    result = train(cfg, args.data, args.decontaminate)
    save(result, cfg, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB); dev: "
          f"{ {k: v for k, v in result.dev.items() if k != 'per_source'} }")  # fmt: skip


if __name__ == "__main__":
    main()
