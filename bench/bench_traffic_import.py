"""Import + scrub + selection of a 10,000-request synthetic log (``evalstage suite import``).

A log of 10,000 JSONL request/response lines is written from templates (questions over 40
support topics with paraphrases, user names, emails, phone numbers, card numbers and IBANs
planted, retrieved passages with scores, feedback, errors and latencies). Then, in this process:

* ``import``: :func:`evalstage.cli.suite_import.import_traffic` end to end (read, failure
  signals, embedding, near-duplicate folding, k-means, scrubbing what is written, building and
  writing the suite folder), 100 cases;
* the peer: bare ``SentenceTransformer.encode`` of the log's distinct questions (the floor);
* scrubbing all 10,000 requests (not only the ones written), for scale.

Run: ``python bench/bench_traffic_import.py`` (writes bench/results/traffic_import.json).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from _common import write_results

from evalstage.cli.suite_import import import_traffic
from evalstage.evalcore.sentence_models import load_sentence_model
from evalstage.evalcore.traffic import FieldMap, Scrubber, read_jsonl_log

TOPICS = [
    "reset my password", "change the email on my account", "cancel my subscription",
    "get a refund", "update my billing IBAN", "download an invoice", "track my parcel",
    "change my delivery address", "return a damaged item", "use a discount code",
    "enable two-factor login", "delete my account", "export my data", "add a team member",
    "upgrade my plan", "downgrade my plan", "fix a failed payment", "change the card on file",
    "contact support by phone", "find the API documentation", "rotate an API token",
    "set up a webhook", "increase my rate limit", "read the SLA", "report a security issue",
    "change my username", "merge two accounts", "recover a deleted project", "pause billing",
    "get a VAT invoice", "change the invoice address", "ship to another country",
    "pay by bank transfer", "split a payment", "unlock my account", "verify my identity",
    "change the language", "turn off notifications", "connect Slack", "schedule a report",
]  # fmt: skip
FORMS = [
    "How do I {t}?", "how can i {t}", "I want to {t}, how?", "Can you help me {t}?",
    "What is the way to {t}", "Is it possible to {t}?", "Please help: I need to {t}",
    "{t} not working", "Why can't I {t}?", "Steps to {t}",
]  # fmt: skip
TAILS = [
    "", " My email is {email}.", " Call me at {phone}.", " Card {card}.", " IBAN {iban}.",
    " I'm on {ip}.", "", "",
]  # fmt: skip
CARDS = ["4111 1111 1111 1111", "5555 5555 5555 4444", "3782 822463 10005"]
IBANS = ["DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32", "NL91ABNA0417164300"]


def synthetic_log(path: Path, n: int = 10_000, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            topic = rng.choice(TOPICS)
            tail = rng.choice(TAILS).format(
                email=f"user{rng.randrange(5000)}@example.com",
                phone=f"+1 415 555 {rng.randrange(1000, 9999)}",
                card=rng.choice(CARDS),
                iban=rng.choice(IBANS),
                ip=f"203.0.113.{rng.randrange(1, 255)}",
            )
            question = rng.choice(FORMS).format(t=topic) + tail
            hits = [
                {"id": f"kb-{TOPICS.index(topic) * 3 + k}", "text": f"To {topic}: step {k}.",
                 "score": round(rng.uniform(0.1, 0.9), 3)}
                for k in range(3)
            ]  # fmt: skip
            record = {
                "request": {"id": f"r-{i}", "query": question},
                "response": {"answer": f"Here is how to {topic}.",
                             "latency_ms": round(rng.lognormvariate(6.5, 0.6), 1)},
                "retrieval": {"hits": hits},
                "feedback": rng.choice(["up"] * 8 + ["down", None]),
            }  # fmt: skip
            if rng.random() < 0.02:
                record["response"]["error"] = "upstream timeout"
            handle.write(json.dumps(record) + "\n")


MAPPING = FieldMap(
    id="request.id", question="request.query", answer="response.answer",
    contexts="retrieval.hits", feedback="feedback", error="response.error",
    latency_ms="response.latency_ms",
)  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log.jsonl"
        synthetic_log(log)
        load_sentence_model()  # model load counted apart (once per process)
        start = time.perf_counter()
        report = import_traffic(log, Path(tmp) / "suite", mapping=MAPPING, max_cases=100)
        imported = time.perf_counter() - start
        exchanges, _ = read_jsonl_log(log, MAPPING)
        start = time.perf_counter()
        unique = list(dict.fromkeys(e.question for e in exchanges))
        load_sentence_model().encode(unique, batch_size=128, normalize_embeddings=True)
        encode = time.perf_counter() - start
        start = time.perf_counter()
        scrubber = Scrubber()
        for e in exchanges:
            scrubber.value(e.model_dump(mode="json"))
        scrub_all = time.perf_counter() - start
        written = (Path(tmp) / "suite" / "rag.jsonl").read_text()
        leaked = [c for c in CARDS + IBANS if c in written]
    payload = {
        "requests": 10_000,
        "import_s": round(imported, 2),
        "distinct_questions": len(unique),
        "encode_only_s": round(encode, 2),
        "import_vs_encode": round(imported / encode, 2),
        "scrub_all_10000_s": round(scrub_all, 2),
        "selection": report["selection"],
        "scrubbed_in_written_cases": report["scrubbed"],
        "planted_values_left": leaked,
    }
    path = write_results("traffic_import", payload)
    json.dump(payload, sys.stdout, indent=2)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
