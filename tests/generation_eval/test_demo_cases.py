"""The demo suite's hand-written RAG cases keep their invariants (see check_rag_cases.py)."""

import check_rag_cases


def test_demo_rag_cases_are_consistent_with_the_corpus(capsys):
    status = check_rag_cases.main(["check_rag_cases"])
    assert status == 0, capsys.readouterr().out
