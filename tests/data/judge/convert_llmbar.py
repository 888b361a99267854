"""Convert LLMBar's MT-Bench human pairs and recorded GPT-4 verdicts into evalstage's formats.

Run once from the repository root (it reads the copy in tests/data/judge/, not /work/shared):
    .venv/bin/python tests/data/judge/convert_llmbar.py
Writes suites/demo/judge/{mt_bench_labels.jsonl.gz, gpt4_recording.jsonl, target_a.jsonl.gz,
target_b.jsonl.gz}. Data: LLMBar (Zeng et al. 2023), MIT licence (LICENSE-LLMBar).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from evalstage.generation_eval.judge import (
    JudgeIdentity,
    RecordedVerdict,
    input_hash,
    load_prompt,
    write_recording,
)

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "tests/data/judge/gpt4_judge_results.json"
OUT = ROOT / "suites/demo/judge"
LABEL = {1: "A", 2: "B"}


def write_gz(path: Path, rows: list[dict[str, object]]) -> None:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    with gzip.GzipFile(path, "wb", mtime=0) as handle:  # mtime 0: reproducible bytes
        handle.write(text.encode("utf-8"))


def main() -> None:
    items = json.loads(SOURCE.read_text("utf-8"))
    labels, rows, a, b = [], [], [], []
    for n, item in enumerate(items):
        pid = f"mtbench-{n:03d}"
        q, o1, o2 = item["input"], item["output_1"], item["output_2"]
        labels.append(
            {
                "id": pid,
                "question": q,
                "answer_a": o1,
                "answer_b": o2,
                "label": LABEL[item["label"]],
                "source": "LLMBar MT-Bench human majority",
            }
        )
        a.append({"id": pid, "question": q, "answer": o1})
        b.append({"id": pid, "question": q, "answer": o2})
        result = item["results"][0]
        rows.append(
            RecordedVerdict(
                id=pid,
                order="AB",
                input_sha256=input_hash(q, o1, o2),
                raw=result["swap = False"]["completion"][0],
            )
        )
        rows.append(
            RecordedVerdict(
                id=pid,
                order="BA",
                input_sha256=input_hash(q, o2, o1),
                raw=result["swap = True"]["completion"][0],
            )
        )
    prompt = load_prompt("llmbar-vanilla-norules-v1")
    identity = JudgeIdentity(
        mode="pairwise",
        prompt_name=prompt.name,
        prompt_version=prompt.version,
        prompt_sha256=prompt.sha256,
        model="gpt-4",
        params={
            "temperature": 0.0,
            "max_tokens": 50,
            "logit_bias": "LLMBar tokens_to_favor/avoid (Output (a)/(b); Both, Neither...)",
        },
        backend="recorded",
    )
    write_recording(
        OUT / "gpt4_recording.jsonl",
        identity,
        rows,
        source="LLMBar Dataset/Processed/MT-Bench/evaluators/GPT-4/Vanilla_NoRules "
        "(commit 900616bf), MIT",
    )
    write_gz(OUT / "mt_bench_labels.jsonl.gz", labels)
    write_gz(OUT / "target_a.jsonl.gz", a)
    write_gz(OUT / "target_b.jsonl.gz", b)


if __name__ == "__main__":
    main()
