"""Question-aware claims: turn a short answer and its question into the claim the answer makes.

"Arthur's Magazine" means nothing on its own; asked "Which magazine was started first, Arthur's
Magazine or First for Women?" it claims "Arthur's Magazine was started first". An NLI model
judges that sentence, not the fragment. :func:`answer_claim` rewrites the common English
question shapes with a few rules (no parser, deterministic) and says which rule it used:

- ``as_is``: the answer is already a sentence (five or more words with a verb-like word, or
  six or more words), or there is no question;
- ``wh_subject``: "Who/What/Which N is|was|... REST?" → "ANSWER is|was REST" (the answer
  takes the question word's place as subject; "Which magazine was started first" → "X was
  started first");
- ``wh_do``: "What N did|does|do SUBJ VERB REST?" → "SUBJ VERB REST did ANSWER"; "What do
  SUBJ do REST?" → "SUBJ ANSWER REST"; "When/Where did SUBJ VERB?" → "SUBJ did VERB in
  ANSWER" ("did" kept: grammatical without inflecting the verb);
- ``wh_be_place``: "Where/When is|was SUBJ?" → "SUBJ is|was in ANSWER";
- ``how_many``: "How many|much N do SUBJ VERB?" → "SUBJ do VERB ANSWER N";
- ``wh_prep``: "In what year did SUBJ VERB REST?" → "SUBJ VERB REST in ANSWER" (a
  preposition before the question word: "By what name is X known?" → "X is known by ANSWER");
- ``in_situ``: "... starring which actress?" → "... starring ANSWER";
- ``wh_verb``: "Who directed X?" → "ANSWER directed X";
- ``polar``: a yes/no question answered yes or no → "Yes: QUESTION" / "No: QUESTION" with
  the question's mark dropped (the NLI model sees the proposition and its polarity);
- ``appended``: anything else → "QUESTION ANSWER." (the question's mark dropped).

A trailing choice list (", A or B") is dropped once the answer is one of its options. The
verifier checks the rewritten claim with the model and the answer's own words with the lexical
checks (a rewritten claim repeats the question's words, which would flatter word overlap).
"""

from __future__ import annotations

import re

__all__ = ["AnswerClaim", "answer_claim", "is_polar_question", "is_short_answer"]

_AUX_BE = {"is", "are", "was", "were"}
_AUX_DO = {"do", "does", "did"}
_AUX_OTHER = {"has", "have", "had", "can", "could", "will", "would", "should", "may", "might"}
_AUX = _AUX_BE | _AUX_DO | _AUX_OTHER
_POLAR_OPENERS = _AUX | {"am", "must", "shall"}
_TIME_NOUNS = {"year", "date", "month", "day", "century", "decade", "time", "season"}
_WH = {"who", "whom", "whose", "what", "which", "where", "when", "how"}
_PREPOSITIONS = {"in", "on", "at", "by", "for", "from", "to", "during", "since", "until", "of",
                 "under", "after", "before", "with", "into", "through"}  # fmt: skip
_VERBISH = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|do|does|did|can|could|will|would|should|may|"
    r"might|must|\w+ed|\w+es)\b",
    re.IGNORECASE,
)
_PARTICIPLE = re.compile(
    r"[a-z]+(?:ed|en)|born|held|built|made|found|set|buried|shot|won|hit|known|shown|grown|drawn"
    r"|thrown"
)
_WORD = re.compile(r"\S+")


class AnswerClaim(str):
    """The claim text (a ``str``) with the rule that made it in ``.rule``."""

    rule: str

    def __new__(cls, text: str, rule: str) -> AnswerClaim:
        value = super().__new__(cls, text)
        value.rule = rule
        return value


def is_polar_question(question: str | None) -> bool:
    """Whether ``question`` asks yes or no (it opens with an auxiliary: "Did ...", "Is ...")."""
    words = re.findall(r"[a-z]+", (question or "").lower())
    return bool(words) and words[0] in _POLAR_OPENERS


def is_short_answer(answer: str) -> bool:
    """Whether ``answer`` is a fragment rather than a sentence of its own."""
    words = answer.split()
    if len(words) >= 6:
        return False
    return not (len(words) >= 5 and _VERBISH.search(answer))


def _clean_answer(answer: str) -> str:
    return " ".join(answer.split()).rstrip(" .;:!")


def _drop_choices(question: str, answer: str) -> str:
    """Drop a trailing ", A or B" choice list when the answer is one of the options."""
    match = re.search(r",\s*([^,?]+?)\s+or\s+([^,?]+?)\s*\?\s*$", question)
    if match is None:
        return question
    options = [match.group(1).strip().lower(), match.group(2).strip().lower()]
    if any(answer.lower() in o or o in answer.lower() for o in options):
        return question[: match.start()].rstrip() + "?"
    return question


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip(" ,")
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!")) else ".")


def _place(answer: str, wh: str) -> str:
    if wh == "where":
        return f"in {answer}"
    if wh == "when" and re.match(r"(?:\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))",
                                 answer.lower()):  # fmt: skip
        return f"in {answer}"
    return answer


def _subject_verb(after: list[str], aux: str) -> str:
    """``SUBJ ... VERB`` with the auxiliary put back before the last word (the verb)."""
    return f"{' '.join(after[:-1])} {aux} {after[-1]}"


def _rewrite_clause(words: list[str], answer: str) -> tuple[str, str] | None:
    """Rewrite a clause that starts with a question word; None when no rule fits."""
    wh = words[0].lower()
    rest = words[1:]
    if not rest:
        return None
    if wh == "how" and rest[0].lower() in {"many", "much"} and len(rest) >= 2:
        aux_at = next((i for i, w in enumerate(rest) if w.lower() in _AUX), None)
        if aux_at is None or aux_at < 2:
            return None
        noun = " ".join(rest[1:aux_at])
        after = rest[aux_at + 1 :]
        if rest[aux_at].lower() in _AUX_DO and len(after) >= 2:
            return f"{_subject_verb(after, rest[aux_at])} {answer} {noun}", "how_many"
        return f"{answer} {noun} {rest[aux_at]} {' '.join(after)}", "how_many"
    if wh in {"where", "when"}:
        aux = rest[0].lower()
        after = rest[1:]
        if not after:
            return None
        if aux in _AUX_DO and len(after) >= 2:
            return f"{_subject_verb(after, rest[0])} {_place(answer, wh)}", "wh_do"
        if aux in _AUX:
            if len(after) >= 2 and _PARTICIPLE.fullmatch(after[-1]):
                return f"{_subject_verb(after, rest[0])} {_place(answer, wh)}", "wh_be_place"
            return f"{' '.join(after)} {rest[0]} {_place(answer, wh)}", "wh_be_place"
        return None
    if wh not in {"who", "whom", "whose", "what", "which"}:
        return None
    if rest[0].lower() in _TIME_NOUNS and len(rest) >= 4 and rest[1].lower() in _AUX:
        # "What year was the treaty signed?" -> "the treaty was signed in 1648"
        return f"{_subject_verb(rest[2:], rest[1])} {_place(answer, 'when')}", "wh_do"
    aux_at = next((i for i, w in enumerate(rest) if w.lower() in _AUX), None)
    if aux_at is not None and aux_at <= 4:
        aux = rest[aux_at]
        after = rest[aux_at + 1 :]
        if aux.lower() in _AUX_DO:
            if len(after) < 2:
                return None
            verbs = [i for i, w in enumerate(after) if w.lower() in {"do", "does", "did"}]
            if verbs and aux_at == 0:  # "What do reefs do when ..." -> "reefs ANSWER when ..."
                at = verbs[0]
                return " ".join([*after[:at], answer, *after[at + 1 :]]), "wh_do"
            return f"{' '.join(after)} {aux} {answer}", "wh_do"
        return f"{answer} {aux} {' '.join(after)}", "wh_subject"
    if wh in {"who", "what"}:
        return f"{answer} {' '.join(rest)}", "wh_verb"
    # "Which N VERB REST": the noun is the word after "which".
    return f"{answer} {' '.join(rest[1:])}", "wh_verb"


def _rewrite_fronted(words: list[str], lowered: list[str], answer: str) -> str | None:
    """Rewrite "In what year did SUBJ VERB REST?" as "SUBJ VERB REST in ANSWER"; None if no fit.

    The auxiliary "did" is dropped (where the subject ends is unknown, so it cannot be put back
    before the verb); a "be" auxiliary goes before a final participle ("X is known by A").
    """
    if len(lowered) < 4 or lowered[0] not in _PREPOSITIONS or lowered[1] not in {"what", "which"}:
        return None
    aux_at = next((i for i, w in enumerate(lowered[2:6], start=2) if w in _AUX), None)
    if aux_at is None or aux_at + 1 >= len(words):
        return None
    aux, after, place = words[aux_at], words[aux_at + 1 :], f"{lowered[0]} {answer}"
    if aux.lower() in _AUX_DO and len(after) >= 2:
        return f"{' '.join(after)} {place}"
    if len(after) >= 2 and _PARTICIPLE.fullmatch(after[-1].lower()):
        return f"{_subject_verb(after, aux)} {place}"
    return f"{' '.join(after)} {aux} {place}"


def answer_claim(question: str | None, answer: str) -> AnswerClaim:
    """The claim ``answer`` makes as a reply to ``question`` (see the module docstring)."""
    if not question or not question.strip() or not is_short_answer(answer):
        return AnswerClaim(answer, "as_is")
    short = _clean_answer(answer)
    if not short:
        return AnswerClaim(answer, "as_is")
    asked = _drop_choices(" ".join(question.split()), short)
    body = asked.rstrip(" ?.!")
    words = _WORD.findall(body)
    lowered = [w.lower().strip(",") for w in words]
    if lowered and lowered[0] in _AUX and short.lower().split()[0] in {"yes", "no"}:
        polarity = "Yes" if short.lower().startswith("yes") else "No"
        return AnswerClaim(f"{polarity}: {body}.", "polar")
    # The question word opens the question, or a clause after a comma ("Between A and B, who").
    starts = [0] + [i + 1 for i, w in enumerate(words[:-1]) if w.endswith(",")]
    for start in starts:
        if start < len(lowered) and lowered[start] in _WH:
            rewritten = _rewrite_clause(words[start:], short)
            if rewritten is not None:
                lead = " ".join(words[:start])
                text, rule = rewritten
                return AnswerClaim(_sentence(f"{lead} {text}"), rule)
    fronted = _rewrite_fronted(words, lowered, short)
    if fronted is not None:
        return AnswerClaim(_sentence(fronted), "wh_prep")
    for i, w in enumerate(lowered):
        if i > 0 and w in {"which", "what", "whom", "who"}:
            # In situ: the question phrase runs from its word to the end of the question.
            return AnswerClaim(_sentence(" ".join([*words[:i], short])), "in_situ")
    return AnswerClaim(f"{body}? {short}.", "appended")
