"""Selection: near-duplicates folded, one representative per cluster, failures favoured."""

from __future__ import annotations

import numpy as np

from evalstage.evalcore.traffic import (
    Context,
    Exchange,
    failure_signals,
    negative_feedback,
    select_exchanges,
)

TOPICS = {
    "password": ["How do I reset my password?", "I forgot my password, how can I reset it?",
                 "reset password not working", "Where do I change my password?"],
    "refund": ["How long do refunds take?", "When will I get my refund?",
               "Refund still not arrived after two weeks", "Can I get my money back?"],
    "shipping": ["Do you ship to Canada?", "What are the shipping costs to Europe?",
                 "How long does delivery take?", "Is express shipping available?"],
    "invoice": ["Where can I download my invoice?", "I need a VAT invoice for my order",
                "The invoice shows the wrong address", "Can you resend the invoice?"],
}  # fmt: skip


def _log() -> list[Exchange]:
    out = []
    for topic, questions in TOPICS.items():
        for repeat in range(5):  # the same questions asked again and again
            for q in questions:
                out.append(
                    Exchange(record_id=f"{topic}-{repeat}-{len(out)}", origin="t", question=q,
                             contexts=[Context(doc_id="d", text="x", score=0.8)], latency_ms=100)
                )  # fmt: skip
    out[5] = out[5].model_copy(update={"feedback": "thumbs_down"})  # "I forgot my password..."
    out[25] = out[25].model_copy(update={"error": "timeout"})  # "When will I get my refund?"
    return out


def test_signals_from_feedback_errors_latency_and_scores() -> None:
    log = _log()
    log[7] = log[7].model_copy(update={"latency_ms": 9000.0})
    log[9] = log[9].model_copy(update={"contexts": [Context(doc_id="d", score=0.01)]})
    signals = failure_signals(log)
    assert signals[5] == ["negative_feedback"] and signals[25] == ["error"]
    assert signals[7] == ["slow"] and signals[9] == ["low_retrieval_score"]
    assert sum(bool(s) for s in signals) == 4
    assert [negative_feedback(v) for v in (0.2, 4, 2, False, "up", {"score": 0})] == [
        True, False, True, True, False, True,
    ]  # fmt: skip


def test_the_bundled_model_folds_repeats_and_keeps_the_failing_one() -> None:
    log = _log()
    selection = select_exchanges(log, max_cases=8)
    assert selection.total == 80
    assert selection.after_dedup <= 16  # 80 requests, 16 distinct questions (paraphrases fold)
    assert len(selection.picked) == 8
    picked = [log[p.index] for p in selection.picked]
    assert sum(p.cluster_size for p in selection.picked) == 80
    assert picked[0].feedback == "thumbs_down" or picked[0].error == "timeout"
    assert {e.record_id for e in picked} >= {log[5].record_id, log[25].record_id}
    topics = {e.record_id.split("-")[0] for e in picked}
    assert topics == set(TOPICS)  # diverse: every topic is represented


def test_given_vectors_fold_by_cosine_in_priority_order() -> None:
    log = [Exchange(record_id=str(i), origin="t", question=f"q{i}") for i in range(4)]
    log[3] = log[3].model_copy(update={"error": "boom"})
    vectors = np.array([[1, 0], [0.99, 0.141], [0, 1], [0.995, 0.0998]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    selection = select_exchanges(log, 10, embed=lambda _: vectors, duplicate_cosine=0.95)
    assert selection.after_dedup == 2
    by_index = {p.index: p for p in selection.picked}
    assert set(by_index) == {3, 2}  # the erroring one leads its near-duplicates 0 and 1
    assert by_index[3].near_duplicates == 2 and by_index[3].signals == ["error"]


def test_the_feedback_scale_is_the_logs_so_a_one_of_five_rating_is_negative() -> None:
    ratings = [5, 1, 4, 2, 3, {"rating": 1}, None]
    log = [Exchange(record_id=str(i), origin="t", question=f"q{i}", feedback=r)
           for i, r in enumerate(ratings)]  # fmt: skip
    flagged = [bool(s) for s in failure_signals(log)]
    assert flagged == [False, True, False, True, False, True, False]
    scores = [Exchange(record_id=str(i), origin="t", question=f"q{i}", feedback=v)
              for i, v in enumerate([1, 0.2, 0.9, 0])]  # fmt: skip
    assert [bool(s) for s in failure_signals(scores)] == [False, True, False, True]
    assert [bool(s) for s in failure_signals(scores, "five")] == [True, True, True, True]
    assert negative_feedback(1, "five") and not negative_feedback(1, "unit")
