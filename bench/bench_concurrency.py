"""Concurrency of a live target: wall time against the ideal ``cases x latency / concurrency``.

A local chat-completions server on 127.0.0.1 answers every request after a fixed sleep
(``--latency-ms``, default 200); the ``openai`` generation target answers ``--cases`` variants
at concurrency 1, 4 and 8 through :func:`run_generator` (the stage's own driver: thread pool,
retries, results in order). Printed per concurrency: wall time, the ideal, their ratio (1.00 =
no overhead) and the speed-up over concurrency 1; answers are checked equal to the sequential
run's, in the same order. Writes ``bench/results/concurrency.json``.

    python bench/bench_concurrency.py [--cases 48] [--latency-ms 200]
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from _common import write_results

from evalstage.evalcore.suite import TargetSpec
from evalstage.generation_eval import Passage, run_generator
from evalstage.generation_eval._variants import CaseVariant


def serve(latency_s: float) -> tuple[ThreadingHTTPServer, str]:
    """A server answering each chat request with its own question after ``latency_s``."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            prompt = body["messages"][-1]["content"]
            question = prompt.rsplit("Question: ", 1)[1].split("\n")[0]
            time.sleep(latency_s)
            reply = {
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": f"{question} [1]."},
                        "finish_reason": "stop",
                    }
                ]
            }
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

    httpd = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/v1"


def variants(n: int) -> list[CaseVariant]:
    passage = Passage(doc_id="d1", title="Aspirin", text="Aspirin cut the risk by 32%.")
    return [
        CaseVariant(
            case_id=f"c{i}",
            variant="original",
            question=f"question {i}?",
            passages=[passage],
            expect="answer",
        )
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=48)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    args = parser.parse_args()
    latency = args.latency_ms / 1000.0
    httpd, url = serve(latency)
    items = variants(args.cases)
    rows: list[dict[str, Any]] = []
    baseline: list[str] | None = None
    try:
        for concurrency in (1, 4, 8):
            spec = TargetSpec(
                name="openai",
                args={"base_url": url, "model": "bench", "concurrency": concurrency},
            )
            began = time.perf_counter()
            run = run_generator(spec, items, suite_root=None)
            wall = time.perf_counter() - began
            answers = [run.outputs[i.key].answer for i in items]
            assert not run.errors and list(run.outputs) == [i.key for i in items]
            baseline = baseline or answers
            assert answers == baseline, "answers differ from the sequential run's"
            ideal = args.cases * latency / concurrency
            rows.append(
                {
                    "concurrency": concurrency,
                    "wall_s": round(wall, 3),
                    "ideal_s": round(ideal, 3),
                    "ratio": round(wall / ideal, 3),
                    "speedup": round(rows[0]["wall_s"] / wall, 2) if rows else 1.0,
                }
            )
            r = rows[-1]
            print(
                f"concurrency {concurrency}: {r['wall_s']:.2f} s, ideal {r['ideal_s']:.2f} s "
                f"(ratio {r['ratio']:.3f}), speed-up {r['speedup']:.2f}x over concurrency 1"
            )
    finally:
        httpd.shutdown()
        httpd.server_close()
    path = write_results(
        "concurrency", {"cases": args.cases, "latency_ms": args.latency_ms, "rows": rows}
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
