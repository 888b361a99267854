"""RAG cases and generator outputs: what was asked, what should happen, what was answered."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from evalstage.evalcore.cases import CaseBase
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.records import variant_key as variant_key

Expectation = Literal["answer", "abstain", "flag_conflict"]


class RagCase(CaseBase):
    """A question, its acceptable answers and the documents that answer it.

    ``answers`` lists acceptable answers (aliases; any one matches). ``gold_doc_ids`` are the
    corpus documents that hold the answer; ``gold_sentences`` optionally narrows each to the
    sentence indices holding it (``{doc_id: [i, ...]}``, indices into the document's sentences).
    ``context_doc_ids`` are extra documents shown with the gold ones in oracle mode (on-topic
    distractors, or for an ``abstain`` case the related documents that do not answer it).
    ``expect``: ``answer`` (the answer must be right and supported), ``abstain`` (the contexts do
    not answer the question) or ``flag_conflict`` (the contexts disagree; the answer must say so).
    """

    case_id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answers: list[str] = Field(default_factory=list)
    gold_doc_ids: list[str] = Field(default_factory=list)
    gold_sentences: dict[str, list[int]] = Field(default_factory=dict)
    context_doc_ids: list[str] = Field(default_factory=list)
    expect: Expectation = "answer"

    @model_validator(mode="after")
    def _consistent(self) -> RagCase:
        def bad(field: str, message: str, hint: str) -> SuiteError:
            return SuiteError(message, field=field, hint=hint)

        if self.draft:  # an imported case: the expected behaviour is written at review
            return self
        if self.expect == "answer" and not self.answers:
            raise bad("answers", "a case that expects an answer needs answers", _ANSWERS_HINT)
        if self.expect == "answer" and not self.gold_doc_ids:
            raise bad(
                "gold_doc_ids",
                "a case that expects an answer needs the documents that hold it",
                'list them, e.g. "gold_doc_ids": ["4983"]',
            )
        if self.expect == "flag_conflict" and len(self.gold_doc_ids) < 2:
            raise bad(
                "gold_doc_ids",
                "a flag_conflict case needs the two or more documents that disagree",
                "list every disagreeing document in gold_doc_ids",
            )
        if self.expect == "abstain" and not (self.context_doc_ids or self.gold_doc_ids):
            raise bad(
                "context_doc_ids",
                "an abstain case needs the documents the generator is shown",
                "list related documents that do not answer the question in context_doc_ids",
            )
        for i, answer in enumerate(self.answers):
            if not answer.strip():
                raise bad(f"answers.{i}", "an answer is empty", "remove it or write the answer")
        for doc_id in self.gold_sentences:
            if doc_id not in self.gold_doc_ids:
                raise bad(
                    f"gold_sentences.{doc_id}",
                    f"gold_sentences names doc '{doc_id}', which is not in gold_doc_ids",
                    "add the doc to gold_doc_ids or remove its sentences",
                )
        return self


_ANSWERS_HINT = 'list the acceptable answers, e.g. "answers": ["32%", "32 percent"]'


class Passage(BaseModel):
    """One context passage as the generator sees it (numbered ``[n]`` from 1 in prompts)."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    title: str = ""
    text: str


class CorpusDoc(BaseModel):
    """A corpus document as the generation stage needs it (sentences optional)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    doc_id: str = Field(min_length=1)
    title: str = ""
    text: str
    sentences: list[str] = Field(default_factory=list)

    def passage(self) -> Passage:
        """The document as a context passage."""
        return Passage(doc_id=self.doc_id, title=self.title, text=self.text)


class Generation(BaseModel):
    """What a generator answered for one case variant.

    ``citations`` are 1-based passage numbers per answer sentence when the generator reports them
    structurally; when empty, ``[n]`` markers in ``answer`` are parsed instead.
    """

    model_config = ConfigDict(frozen=True)

    answer: str = ""
    citations: list[list[int]] = Field(default_factory=list)
    latency_ms: float | None = Field(default=None, ge=0)
    prompt_tokens: int | None = Field(default=None, ge=0)
    completion_tokens: int | None = Field(default=None, ge=0)
    truncated: bool = Field(
        default=False,
        description="The answer was cut at max_tokens (finish_reason: length): it fails as "
        "formatting.",
    )
    notes: list[str] = Field(
        default_factory=list, description="What the harness noticed, e.g. implausible tokens."
    )
