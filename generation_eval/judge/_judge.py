"""The judge: a prompt, a backend and the bias controls, applied to pairs or single answers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from evalstage.evalcore.errors import SuiteError
from evalstage.generation_eval.judge._backends import (
    JudgeBackend,
    RecordedBackend,
    RecordedVerdict,
    Reply,
)
from evalstage.generation_eval.judge._models import (
    POSITION_INCONSISTENT,
    SELF_JUDGED,
    GradeItem,
    GradeJudgement,
    JudgeCall,
    JudgeIdentity,
    Order,
    PairItem,
    PairJudgement,
    input_hash,
)
from evalstage.generation_eval.judge._parse import parse_level, parse_pairwise
from evalstage.generation_eval.judge._prompts import JudgePrompt
from evalstage.generation_eval.judge._rubric import Rubric


def _unread(call: JudgeCall) -> str:
    if call.error is not None:
        return f"{call.order}: transport error: {call.error}"
    return f"{call.order}: unparseable reply (raw text kept)"


class Judge:
    """An LLM judge. Pairwise judges see every pair in both orders unless told otherwise.

    Build one with :func:`generation_eval.judge.load_judge` (from a spec file) or directly.
    """

    def __init__(
        self,
        prompt: JudgePrompt,
        backend: JudgeBackend,
        *,
        rubric: Rubric | None = None,
        both_orders: bool = True,
    ) -> None:
        if prompt.mode == "rubric" and rubric is None:
            raise SuiteError("a rubric judge needs a rubric", field="rubric", hint="name one")
        if isinstance(backend, RecordedBackend) and backend.meta.prompt_sha256 != prompt.sha256:
            raise SuiteError(
                f"the recording was made with prompt {backend.meta.prompt_name}@"
                f"{backend.meta.prompt_sha256[:12]}, not {prompt.label}",
                path=backend.path,
                field="prompt",
                hint="name the prompt the recording was made with; a changed prompt is a new "
                "judge and needs a new recording",
            )
        self.prompt = prompt
        self.backend = backend
        self.rubric = rubric
        self.both_orders = both_orders
        self.identity = JudgeIdentity(
            mode=prompt.mode,
            prompt_name=prompt.name,
            prompt_version=prompt.version,
            prompt_sha256=prompt.sha256,
            rubric_sha256=rubric.sha256 if rubric is not None else None,
            model=backend.model,
            params={**backend.params, "both_orders": both_orders},
            backend=backend.kind,
        )

    def close(self) -> None:
        """Release the backend's connections."""
        self.backend.close()

    def __enter__(self) -> Judge:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---------------------------------------------------------------- pairwise
    def _pair_call(self, item: PairItem, order: Order) -> JudgeCall:
        first, second = item.shown(order)
        digest = input_hash(item.question, first, second)
        messages = self.prompt.render(
            {"question": item.question, "answer_a": first, "answer_b": second}
        )
        reply: Reply = self.backend.complete(item.id, order, digest, messages)
        return JudgeCall(
            order=order,
            input_sha256=digest,
            raw=reply.text,
            shown=parse_pairwise(reply.text) if reply.error is None else None,
            error=reply.error,
            latency_ms=reply.latency_ms,
            attempts=reply.attempts,
        )

    def _self_flags(self, *models: str | None) -> list[str]:
        return [SELF_JUDGED] if self.backend.model in models else []

    def judge_pair(self, item: PairItem) -> PairJudgement:
        """Judge one pair: both orders (by default); agreement counts, disagreement is a tie."""
        if self.prompt.mode != "pairwise":
            raise SuiteError("this judge grades single answers", hint="use grade()")
        orders: tuple[Order, ...] = ("AB", "BA") if self.both_orders else ("AB",)
        calls = [self._pair_call(item, order) for order in orders]
        flags = self._self_flags(item.model_a, item.model_b)
        common = {"id": item.id, "calls": calls, "len_a": len(item.answer_a)}
        common["len_b"] = len(item.answer_b)
        unread = [c for c in calls if c.verdict is None]
        if unread:
            reason = "; ".join(_unread(c) for c in unread)
            return PairJudgement(status="unmeasured", reason=reason, flags=flags, **common)
        verdicts = {c.verdict for c in calls}
        if len(verdicts) > 1:
            return PairJudgement(
                status="measured",
                verdict="tie",
                flags=[POSITION_INCONSISTENT, *flags],
                reason="the two presentation orders disagree: "
                + ", ".join(f"{c.order} -> {c.verdict}" for c in calls),
                **common,
            )
        return PairJudgement(status="measured", verdict=calls[0].verdict, flags=flags, **common)

    def judge_pairs(self, items: Iterable[PairItem]) -> list[PairJudgement]:
        """Judge every pair, in order."""
        return [self.judge_pair(item) for item in items]

    # ---------------------------------------------------------------- rubric
    def grade(self, item: GradeItem) -> GradeJudgement:
        """Grade one answer against the rubric; an unreadable level is ``unmeasured``."""
        rubric = self.rubric
        if self.prompt.mode != "rubric" or rubric is None:
            raise SuiteError("this judge compares pairs", hint="use judge_pair()")
        digest = input_hash(item.question, item.answer)
        messages = self.prompt.render(
            {"question": item.question, "answer": item.answer, "rubric": rubric.describe()}
        )
        reply = self.backend.complete(item.id, "single", digest, messages)
        level = parse_level(reply.text, rubric) if reply.error is None else None
        call = JudgeCall(
            order="single",
            input_sha256=digest,
            raw=reply.text,
            level=level,
            error=reply.error,
            latency_ms=reply.latency_ms,
            attempts=reply.attempts,
        )
        flags = self._self_flags(item.model)
        if level is None:
            return GradeJudgement(
                id=item.id, status="unmeasured", reason=_unread(call), calls=[call], flags=flags
            )
        return GradeJudgement(
            id=item.id,
            status="measured",
            level=level,
            score=rubric.normalised(level),
            calls=[call],
            flags=flags,
        )


def recorded_rows(
    judgements: Sequence[PairJudgement | GradeJudgement],
) -> list[RecordedVerdict]:
    """The calls behind ``judgements`` as recording rows (transport errors are left out)."""
    return [
        RecordedVerdict(id=j.id, order=c.order, input_sha256=c.input_sha256, raw=c.raw)
        for j in judgements
        for c in j.calls
        if c.error is None
    ]
