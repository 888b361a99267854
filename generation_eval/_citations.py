"""Faithfulness and ALCE citation recall/precision, batched through one verifier.

ALCE (Gao et al. 2023, ``compute_autoais``): a sentence's citation recall is 1 when its cited
passages, given together, support it. Citation precision counts, over all citations of an answer,
those that are not irrelevant; a citation is irrelevant when it alone does not support its
sentence and removing it leaves the sentence still supported by the rest (checked only for
supported sentences with several citations; otherwise each citation of a supported sentence
counts as precise and each of an unsupported one as not). An answer's recall is the mean over
its sentences; its precision is precise citations / all citations (0 when it cites nothing).

Verification requests of every answer are deduplicated and sent to the verifier in two batches
(first: each claim against all passages and against its cited passages; second: the single and
leave-one-out checks that ALCE precision needs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evalstage.generation_eval._cases import Passage
from evalstage.generation_eval._claims import Claim
from evalstage.generation_eval.verifier import ClaimVerdict, Verifier

Item = tuple[str, tuple[str, ...], str | None]


def passage_text(passage: Passage) -> str:
    """What the verifier reads of a passage: its title (as a sentence) and its text."""
    title = passage.title.strip()
    if not title:
        return passage.text
    return f"{title}{'' if title[-1] in '.!?' else '.'} {passage.text}"


@dataclass
class Requests:
    """Deduplicated ``(claim, contexts, question)`` verification requests and their verdicts.

    The question (the case's) lets the verifier read a short answer as the claim it makes.
    """

    items: list[Item] = field(default_factory=list)
    index: dict[Item, int] = field(default_factory=dict)
    verdicts: list[ClaimVerdict] = field(default_factory=list)
    errors_seen: list[str] = field(default_factory=list)
    """Why the verifier could not judge the verdicts read since last cleared."""

    def add(self, claim: str, contexts: Sequence[str], question: str | None = None) -> int:
        """Register a request; return its position."""
        item = (claim, tuple(contexts), question)
        if item not in self.index:
            self.index[item] = len(self.items)
            self.items.append(item)
        return self.index[item]

    def run(self, verifier: Verifier) -> None:
        """Verify every request not verified yet, in one batch."""
        todo = self.items[len(self.verdicts) :]
        if todo:
            self.verdicts.extend(
                verifier.verify([(c, list(ctx)) for c, ctx, _ in todo], [q for _, _, q in todo])
            )

    def get(self, claim: str, contexts: Sequence[str], question: str | None = None) -> ClaimVerdict:
        """The verdict of a verified request."""
        verdict = self.verdicts[self.index[(claim, tuple(contexts), question)]]
        if "error" in verdict.checks:
            self.errors_seen.append(str(verdict.checks["error"]))
        return verdict


@dataclass
class AnswerCheck:
    """What one answer needs verified: its claims against the passages and their citations."""

    claims: list[Claim]
    passages: list[str]
    question: str | None = None

    def valid_citations(self, claim: Claim) -> list[int]:
        """The claim's citations that name an existing passage (1-based)."""
        return [c for c in dict.fromkeys(claim.citations) if 1 <= c <= len(self.passages)]

    def cited(self, numbers: Sequence[int]) -> list[str]:
        """The texts of the passages with these 1-based numbers."""
        return [self.passages[n - 1] for n in numbers]

    def first_pass(self, requests: Requests) -> None:
        """Each claim against all passages (faithfulness) and against its citations (recall)."""
        for claim in self.claims:
            requests.add(claim.text, self.passages, self.question)
            refs = self.valid_citations(claim)
            if refs:
                requests.add(claim.text, self.cited(refs), self.question)

    def _jointly_supported(self, claim: Claim, requests: Requests) -> bool:
        refs = self.valid_citations(claim)
        if not refs or len(refs) != len(set(claim.citations)):
            return False  # no citation, or one naming a passage that does not exist
        return requests.get(claim.text, self.cited(refs), self.question).label == "supported"

    def second_pass(self, requests: Requests) -> None:
        """Single-citation and leave-one-out checks for supported multi-citation claims."""
        for claim in self.claims:
            refs = self.valid_citations(claim)
            if len(refs) > 1 and self._jointly_supported(claim, requests):
                for ref in refs:
                    requests.add(claim.text, self.cited([ref]), self.question)
                    requests.add(
                        claim.text, self.cited([r for r in refs if r != ref]), self.question
                    )

    def score(self, requests: Requests) -> dict[str, Any]:
        """Per-claim verdicts, faithfulness and ALCE citation recall/precision."""
        rows: list[dict[str, Any]] = []
        supported = entailed = precise = total_citations = 0
        requests.errors_seen.clear()
        for claim in self.claims:
            verdict = requests.get(claim.text, self.passages, self.question)
            supported += verdict.label == "supported"
            joint = self._jointly_supported(claim, requests)
            entailed += joint
            refs = self.valid_citations(claim)
            irrelevant: list[int] = []
            if joint and len(refs) > 1:
                for ref in refs:
                    alone = (
                        requests.get(claim.text, self.cited([ref]), self.question).label
                        == "supported"
                    )
                    rest = [r for r in refs if r != ref]
                    if not alone and requests.get(
                        claim.text, self.cited(rest), self.question
                    ).label == ("supported"):
                        irrelevant.append(ref)
                precise += len(refs) - len(irrelevant)
            else:
                precise += len(claim.citations) if joint else 0
            total_citations += len(claim.citations)
            rows.append(
                {
                    "text": claim.text,
                    "citations": claim.citations,
                    "label": verdict.label,
                    "support": round(verdict.support, 4),
                    "contradiction": round(verdict.contradiction, 4),
                    "evidence": verdict.evidence,
                    "context": None if verdict.context_index is None else verdict.context_index + 1,
                    "citations_support": joint,
                    "irrelevant_citations": irrelevant,
                    "checks": verdict.checks,
                }
            )
        n = len(self.claims)
        failed = list(dict.fromkeys(requests.errors_seen))
        return {
            **({"verifier_error": "; ".join(failed[:2])} if failed else {}),
            "claims": rows,
            "faithfulness": supported / n if n else None,
            "contradicted_claims": sum(r["label"] == "contradicted" for r in rows),
            "unsupported_claims": [r["text"] for r in rows if r["label"] != "supported"],
            "citation_recall": entailed / n if n else None,
            "citation_precision": precise / total_citations if total_citations else 0.0,
            "citations": total_citations,
        }


def check_answers(checks: Sequence[AnswerCheck], verifier: Verifier) -> list[dict[str, Any]]:
    """Verify every answer's claims in two batches; one score dict per check, in order."""
    requests = Requests()
    for check in checks:
        check.first_pass(requests)
    requests.run(verifier)
    for check in checks:
        check.second_pass(requests)
    requests.run(verifier)
    return [check.score(requests) for check in checks]
