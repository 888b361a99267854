"""Rule-based detectors: does an answer abstain; does it flag that its sources disagree.

Both work on a normalised copy of the answer (lower case, straight apostrophes, contractions
expanded: ``can't``/``can not`` → ``cannot``, ``doesn't`` → ``does not``, ``I'm`` → ``I am``).

Abstention
----------
The answer is cut into segments: its sentences (:func:`~generation_eval._claims.split_claims`),
each cut again at ``;`` and at contrastive words (``but``, ``however``, ``although``, ``though``,
``yet``, ``that said``, ``nevertheless``). Each segment is one of:

* *abstaining* — it says the information is missing. **Strong** cues name the material or the
  speaker ("the context does not mention", "none of the passages say", "I cannot answer",
  "it is not possible to determine", "there is no information about", "no answer"). **Weak**
  cues could also be a finding of a source ("insufficient evidence", "unable to determine",
  "cannot be determined", "it is unclear", "the data are missing"): they count only when the
  sentence cites no passage, or when the segment also points at the material ("... from the
  given context");
* *filler* — apology, advice or a description of what the material covers instead ("I'm sorry",
  "please consult ...", "the passages only discuss its history", "the question asks about ...");
* *content* — anything else.

``detected`` is true when at least one segment abstains and none is content. An empty answer
abstains; an answer of citation markers only (``[1][3]``) does not (it is a formatting failure).
**Partial abstention** ("The context does not say X, but Y is 5 [2].") has content, so
it counts as answered: ``detected=False`` with a mid ``score`` (0.35) and the cue kept. A negative
finding ("The drug did not reduce mortality [1].") carries no cue at all.

Conflict
--------
Detected when the answer says the sources disagree, by any of:

* a conflict cue about sources or evidence: "the passages conflict", "sources disagree",
  "conflicting/contradictory/inconsistent/mixed evidence (information, reports, figures ...)",
  "a discrepancy between", "passage 2 contradicts passage 1", "reports vary", "some sources say
  ... while others", "one study ... while another", "it is unclear which figure is correct";
* two attributions to different passages ("according to [1]", "passage 2 states", "[3] gives")
  with a contrastive word (whereas, while, but, however, in contrast, on the other hand ...) in
  the stretch of text that holds them.

Bare contrasts between differently cited facts ("Aspirin helped [1], whereas clopidogrel did
not [2].") are not enough: they get ``score`` 0.4 and ``detected=False``. Words like "conflict"
or "inconsistent" about the subject matter ("the Korean conflict", "inconsistent dosing") are not
cues.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from evalstage.generation_eval._claims import CITATION_MARKER, parse_citations, split_claims

__all__ = ["Detection", "detect_abstention", "detect_conflict", "normalize_for_detection"]


class Detection(BaseModel):
    """A detector's verdict: whether it fired, a 0..1 score and the phrase that decided it."""

    model_config = ConfigDict(frozen=True)

    detected: bool
    score: float = Field(ge=0.0, le=1.0)
    cue: str | None = None


_NOTHING = Detection(detected=False, score=0.0, cue=None)

_CONTRACTIONS = [
    (r"\bcan\s*not\b|\bcan't\b", "cannot"),
    (r"\bwon't\b", "will not"),
    (r"\bshan't\b", "shall not"),
    (r"\bain't\b", "is not"),
    (r"n't\b", " not"),
    (r"\bi'm\b", "i am"),
    (r"'re\b", " are"),
    (r"'ve\b", " have"),
    (r"'ll\b", " will"),
    (r"\bi'd\b", "i would"),
    (r"\b(it|that|there|this|what)'s\b", r"\1 is"),
]


def normalize_for_detection(text: str) -> str:
    """Lower-case, straighten quotes, expand contractions and collapse white space."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = text.lower()
    for pattern, replacement in _CONTRACTIONS:
        text = re.sub(pattern, replacement, text)
    return re.sub(r"\s+", " ", text).strip()


# --- abstention -------------------------------------------------------------------------------

_META = (r"(?:contexts?|passages?|documents?|docs|sources?|texts?|excerpts?|snippets?|articles?|"
         r"materials?|references?|search results|paragraphs?|information (?:provided|given|"
         r"available|supplied)|provided information|given information)")
_META_MODS = r"(?:(?:the|these|this|those|provided|given|retrieved|supplied|available|above|" \
             r"two|three|both|any|listed|relevant|following|current|cited)\s+){0,4}"
_META_AFTER = r"(?:\s+(?:provided|given|retrieved|supplied|above|available|here|shown|" \
              r"you (?:provided|gave|shared)|i (?:have|was given)))?"
_SAY = (r"(?:contain|mention|specify|say|state|provide|include|address|discuss|give|indicate|"
        r"answer|cover|offer|describe|report|list|reveal|explain|identify|establish|tell|clarify|"
        r"detail|refer|touch|reference|allow|support|have|name|show|note|present|disclose)")
_SAYS = r"(?:" + _SAY[3:-1] + r")(?:s|es)?"
_KNOW = (r"(?:know|answer|determine|find|say|tell|provide|confirm|identify|locate|see|give|"
         r"ascertain|verify|be sure|infer|establish|conclude|specify|offer|access)")
_NEG = (r"(?:does not|do not|did not|(?:does|do) not (?:appear|seem) to|fails? to|failed to|"
        r"cannot|could not|is not able to|are not able to)")

_STRONG_ABSTAIN = [
    rf"\b{_META_MODS}{_META}{_META_AFTER}\s+{_NEG}\s+(?:explicitly\s+|directly\s+|clearly\s+)?"
    rf"{_SAY}\b",
    rf"\b{_META_MODS}{_META}{_META_AFTER}\s+(?:is|are|remains?) silent\b",
    rf"\b{_META_MODS}{_META}{_META_AFTER}\s+(?:is|are) (?:insufficient|inadequate|not sufficient)",
    rf"\b{_META_MODS}{_META}{_META_AFTER}\s+(?:lacks?|lacked|(?:is|are) lacking)\s+(?:the |any |"
    r"relevant |specific |sufficient |enough |necessary |required ){0,4}"
    r"(?:information|details?|data|answer|specifics|facts)",
    rf"\b(?:none|neither) of the {_META_MODS}{_META}\s+{_SAYS}\b",
    rf"\bneither (?:passage|document|source|text|excerpt|article)\s+{_SAYS}\b",
    rf"\bno (?:passage|document|source|text|excerpt|article)\s+{_SAYS}\b",
    rf"\b(?:is|are|was|were) not (?:explicitly |directly |clearly )?(?:mentioned|specified|stated|"
    r"provided|addressed|covered|discussed|given|described|indicated|reported|included|found|"
    rf"available|contained|answered|present) (?:in|by|within|anywhere in) (?:any of )?"
    rf"{_META_MODS}{_META}",
    rf"\bi (?:do not|cannot|could not|did not|am unable to|am not able to|was unable to|"
    rf"was not able to|would not be able to|will not be able to) {_KNOW}\b",
    r"\bi am not (?:sure|certain|aware)\b",
    r"\bi (?:do not|did not) have (?:enough|sufficient|the|any|access|adequate|that|this|"
    r"specific|relevant)\b",
    r"\bi have no (?:information|data|knowledge|way|details|access|idea)\b",
    r"\bi (?:do not|did not) have (?:any |enough |sufficient |the |specific |relevant |that |"
    r"this ){0,4}"
    r"(?:information|data|details|knowledge|answer)\b",
    rf"\b{_META_MODS}{_META}{_META_AFTER}\s+(?:\w+\s+)?(?:offers?|provides?|gives?|contains?|"
    r"includes?|makes?|has|have|holds?|shows?) no (?:\w+ )?(?:information|details?|mention|data|"
    r"answer|indication|reference|specifics)\b",
    rf"\bnothing in {_META_MODS}{_META}\b",
    r"\b(?:the )?answer (?:is not known|is unknown|remains unknown|is not (?:stated|given|"
    r"available|provided|specified))\b",
    r"\bno idea\b",
    rf"\b(?:it is|it was|it would be) (?:not possible|impossible|not feasible) to {_KNOW}\b",
    r"\bthere (?:is|was) no (?:specific |relevant |explicit |direct )?(?:information|mention|"
    r"answer)\b",
    r"\bno (?:relevant |specific |such )?information (?:is |was |has been )?(?:available|provided|"
    r"given|found|included)\b",
    r"\bcannot answer (?:this|that|the|your)\b",
    r"\b(?:question|this|that) cannot be answered\b",
    r"\b(?:the )?answer (?:is not|cannot be) (?:found|given|provided|determined|located)\b",
    r"\bdo not have (?:enough|sufficient|adequate|the necessary) (?:information|data|context|"
    r"details)\b",
]
_WEAK_ABSTAIN = [
    r"\b(?:not enough|not sufficient|insufficient|inadequate|lack of|lacking|no sufficient)\s+"
    r"(?:information|evidence|data|context|details?|info)\b",
    rf"\bunable to {_KNOW}\b",
    r"\b(?:cannot|could not) be (?:determined|answered|found|inferred|established|ascertained|"
    r"concluded|confirmed|identified|deduced|derived|known|said|extracted|verified)\b",
    r"\b(?:it is|it remains) (?:unclear|not clear|unknown|uncertain)\b",
    r"\b(?:information|answer|details?|data|specifics)\b[^.;]{0,60}? (?:is|are|was|were) (?:not "
    r"(?:available|provided|given|present|included|found|specified|stated|mentioned|contained)|"
    r"missing|absent|lacking|unavailable)\b",
    r"\bthere (?:is|are|was|were) no (?:data|details?|indication|record|records|"
    r"specific details)\b",
]
_WHOLE_ABSTAIN = re.compile(
    r"^(?:(?:final )?answer ?: ?)?(?:no answer|unanswerable|unknown|n/?a|none given|"
    r"not (?:known|available|applicable|"
    r"specified|stated|mentioned|provided)|cannot (?:say|tell|answer|determine)|idk|no idea|"
    r"unclear|not sure|uncertain|insufficient (?:information|evidence|data|context)|"
    r"not enough (?:information|evidence|data|context)|no information|no data)[.!]?$"
)
_POINTS_AT_MATERIAL = re.compile(
    rf"\b(?:from|in|based on|with|using|given|within|according to)\s+{_META_MODS}{_META}"
)
_FILLER = [
    r"^(?:i am |i'm |we are )?(?:sorry|unfortunately|apologies|regrettably)\b\W*$",
    r"^(?:i am |we are )?sorry\b",
    r"\bplease (?:consult|refer|check|provide|see|try|ask|note)\b",
    r"\byou (?:may|might|could|should|can|will) (?:want to |need to |wish to |have to )?"
    r"(?:consult|refer|check|look|search|try|ask|provide|find|contact)\b",
    r"\b(?:if|should) you (?:have|provide|can|could|need|want)\b",
    r"\b(?:more|additional|further|other) (?:information|context|details|data|sources) "
    r"(?:is|are|would be|will be|may be|might be) (?:needed|required|necessary)\b",
    rf"^(?:but |and |instead )?(?:{_META_MODS}{_META}|it|they|this|these)\s+(?:only |mainly |"
    r"primarily |mostly |instead |rather )?(?:discuss|discusses|describe|describes|focus|focuses|"
    r"talk|talks|deal|deals|relate|relates|is about|are about|concern|concerns|cover|covers)\b",
    rf"^(?:but |and )?(?:{_META_MODS}{_META}|it|they|this|these)\s+(?:only|mainly|primarily|"
    r"merely|just)\s+\w+",
    r"^(?:the |your )?question (?:asks|is asking|is about|concerns|requires)\b",
    r"^(?:therefore|thus|so|hence|as a result|accordingly)\W*$",
]
_STRONG_RE = [re.compile(p) for p in _STRONG_ABSTAIN]
_WEAK_RE = [re.compile(p) for p in _WEAK_ABSTAIN]
_FILLER_RE = [re.compile(p) for p in _FILLER]
_SEGMENT_SPLIT = re.compile(
    r";|,?\s*\b(?:but|however|although|though|yet|nevertheless|nonetheless|that said|"
    r"even so)\b,?"
)


def _abstain_cue(segment: str, cited: bool) -> tuple[str | None, bool]:
    """The abstention cue in a normalised segment and whether it is strong."""
    text = segment.strip(" .,!?:\"'")
    whole = _WHOLE_ABSTAIN.match(text)
    if whole:
        return whole.group(0), True
    for pattern in _STRONG_RE:
        match = pattern.search(text)
        if match:
            return match.group(0).strip(), True
    for pattern in _WEAK_RE:
        match = pattern.search(text)
        if match and (not cited or _POINTS_AT_MATERIAL.search(text)):
            return match.group(0).strip(), bool(_POINTS_AT_MATERIAL.search(text))
    return None, False


def _is_filler(segment: str) -> bool:
    text = segment.strip(" .,!?:\"'")
    return not re.search(r"\w", text) or any(p.search(text) for p in _FILLER_RE)


def detect_abstention(answer: str) -> Detection:
    """Whether ``answer`` declines to answer because the information is missing.

    Rules in the module docstring. Scores: 1.0 empty answer, 0.95 abstention on a strong cue,
    0.75 on weak cues only, 0.35 partial abstention (cue plus content: answered), 0.0 no cue.
    """
    if not answer.strip():
        return Detection(detected=True, score=1.0, cue="empty answer")
    cues: list[tuple[str, bool]] = []
    content = 0
    claims = split_claims(answer)
    if not claims and CITATION_MARKER.search(answer):
        return _NOTHING  # only citation markers ("[1][3]"): a malformed answer, not a refusal
    if not claims:
        return Detection(detected=True, score=1.0, cue="empty answer")
    for claim in claims:
        cited = bool(claim.citations)
        for segment in _SEGMENT_SPLIT.split(normalize_for_detection(claim.text)):
            if not segment or not segment.strip():
                continue
            cue, strong = _abstain_cue(segment, cited)
            if cue is not None:
                cues.append((cue, strong))
            elif not _is_filler(segment):
                content += 1
    if not cues:
        return _NOTHING
    cue_text = next((cue for cue, strong in cues if strong), cues[0][0])
    if content:
        return Detection(detected=False, score=0.35, cue=cue_text)
    score = 0.95 if any(strong for _, strong in cues) else 0.75
    return Detection(detected=True, score=score, cue=cue_text)


# --- conflict ---------------------------------------------------------------------------------

_SRC_NOUN = (r"(?:sources?|passages?|documents?|docs|contexts?|studies|reports|articles|texts|"
             r"references|accounts|excerpts|snippets|records|papers|trials)")
_SRC = (r"(?:sources?|passages?|documents?|docs|contexts?|studies|reports|articles|texts|"
        r"references|accounts|excerpts|snippets|records|papers|trials|they|both|the two)")
_EVIDENCE = (r"(?:information|evidence|reports?|accounts?|data|findings|results|claims|"
             r"statements|values|figures|numbers|answers|sources|passages|documents|dates|"
             r"descriptions|estimates|versions|views|conclusions|details|opinions|assertions|"
             r"narratives|records|studies|stories|measurements|counts|totals|numbers)")
_CONFLICT_CUES = [
    rf"\b(?:conflicting|contradictory|inconsistent|mixed|divergent|discrepant|differing|"
    rf"contrasting|competing|varying|disputed|opposing|incompatible|contradicting) {_EVIDENCE}\b",
    rf"\b{_SRC} (?:\w+ )?(?:conflict|disagree|contradict|are inconsistent|are contradictory|"
    r"are conflicting|do not agree|are not consistent|are not in agreement|are at odds|"
    r"are divided|are split|diverge|are in conflict|are in disagreement|disagree with)\b",
    r"\b(?:sources?|passages?|documents?|docs|contexts?|studies|reports|articles|texts|accounts|"
    r"estimates|figures|values|numbers|dates|records|they|both|the two) (?:\w+ )?(?:differ|vary)\b"
    r"(?! in (?:focus|scope|topic|length))",
    rf"\b(?:{_SRC}|{_EVIDENCE})\b[^.;]{{0,40}}? (?:do|does|did) not (?:match|agree|align|"
    r"coincide|line up)\b",
    r"\bdepends on (?:the |which )(?:source|passage|document|study|report)",
    rf"\b{_SRC} (?:\w+ )?(?:give|provide|report|offer|present|contain|list|state|cite|show|"
    rf"suggest|indicate|reach|reached|draw|drew|come to|came to|arrive at|arrived at) (?:two )?"
    r"(?:different|differing|conflicting|contradictory|inconsistent|divergent|opposing|opposite|"
    r"incompatible) (?:answers|values|figures|dates|numbers|estimates|"
    r"accounts|versions|information|results|findings|claims|conclusions|data|years|amounts|"
    r"totals|counts|measurements|descriptions|statements|reports)\b",
    r"\b(?:conflict|contradiction|discrepancy|disagreement|inconsistency|inconsistencies|"
    r"discrepancies|contradictions|conflicts|tension) (?:between|among|across|in|within) "
    r"(?:the |these |two |both ){0,3}(?:provided |retrieved |given )?"
    rf"(?:{_SRC_NOUN}|{_EVIDENCE}|context|"
    r"passage \d+|source \d+)\b",
    r"\bthere (?:is|are|appears to be|appear to be|seems to be|seem to be|may be|might be) "
    r"(?:a |some |an |two )?(?:apparent |clear |notable |significant )?(?:conflict|contradiction|"
    r"discrepancy|disagreement|inconsistency|inconsistencies|discrepancies|contradictions|"
    r"conflicting|contradictory)\b",
    r"\b(?:passage|source|document|doc|study|report|article|text|\[\d+\])\s*\d*\s+"
    r"(?:contradicts|conflicts with|disagrees with|is inconsistent with|is at odds with|"
    r"disputes|contests|refutes)\b",
    r"\bcontradict(?:s|ed)? (?:each other|one another)\b|\bconflict(?:s|ed)? with each other\b|"
    r"\bdisagree(?:s|d)? with (?:each other|one another)\b",
    rf"\b(?:{_EVIDENCE}|{_SRC})(?: (?!(?:is|are|was|were)\b)\S+){{0,6}}? "
    r"(?:is|are|was|were|appear to be|appears to be|seem to be|seems to "
    r"be|remain|remains) (?:mixed|inconsistent|conflicting|contradictory|divided|equivocal)\b"
    r"(?! with)",
    rf"\bnot all (?:of the )?{_SRC} agree\b|\b{_SRC} (?:do not|did not) agree\b",
    r"\bsome (?:sources|passages|documents|studies|reports|accounts|articles|texts|authors|"
    r"researchers|trials|estimates) [^.;]{0,120}?(?:while|whereas|but|and|,|;) ?(?:others|"
    r"other (?:sources|passages|documents|studies|reports|accounts|articles|texts|authors|"
    r"researchers|trials|estimates))\b",
    r"\bone (?:source|passage|document|study|report|account|article|text|trial|paper|excerpt) "
    r"(?:[^.]{0,120}?)(?:while|whereas|but|however|in contrast|yet|,) ?(?:another|the other|"
    r"a second|a different|other)\b",
    r"\b(?:unclear|uncertain|not clear|difficult to say|hard to say) which (?:one |figure |date |"
    r"value |number |answer |account |source |passage |version |estimate )?(?:is )?"
    r"(?:correct|right|accurate|true)\b",
    r"\bcannot be reconciled\b|\bnot reconcilable\b|\bat odds with each other\b",
]
_CONFLICT_RE = [re.compile(p) for p in _CONFLICT_CUES]
_REPORT_VERB = (r"(?:says?|states?|stated|reports?|reported|claims?|claimed|gives?|gave|puts?|"
                r"lists?|listed|suggests?|suggested|indicates?|indicated|shows?|showed|finds?|"
                r"found|mentions?|mentioned|notes?|noted|argues?|argued|estimates?|estimated|"
                r"dates?|dated|records?|recorded|places?|placed|asserts?|asserted|cites?|"
                r"maintains?|describes? it as|has|have|had|gives? it as|says? that|writes?|wrote)")
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_ATTRIBUTION = re.compile(
    r"\baccording to (?:passage |source |document |doc |study |the )?\[?(?P<a>\d+(?:,\d+)*|first|"
    r"second|third|fourth|fifth)\]?"
    r"|\b(?:passage|source|document|doc|study|report|article|text|excerpt|reference)\s*"
    rf"\[?(?P<b>\d+)\]?(?:\s*\[\d+\])?(?:,[^,.]{{1,20}},)?\s+(?:\w+ )?{_REPORT_VERB}\b"
    rf"|\[(?P<c>\d+(?:,\d+)*)\]\s+(?:\w+ )?{_REPORT_VERB}\b"
    r"|\bthe (?P<d>first|second|third|fourth|fifth) (?:passage|source|document|one|study|report|"
    rf"article|text)\s+(?:\w+ )?{_REPORT_VERB}\b"
    r"|\b(?:in|from) (?:passage|source|document|doc) \[?(?P<e>\d+)\]?"
)
_CONTRAST = re.compile(
    r"\b(?:whereas|while|but|however|in contrast|by contrast|on the other hand|conversely|yet|"
    r"although|though|instead|versus|vs|contrary to|unlike|meanwhile|differs?)\b"
)


def _compact_markers(text: str) -> str:
    """Rewrite each citation marker as ``[1,2]`` so patterns can read it."""
    return CITATION_MARKER.sub(
        lambda m: "[" + ",".join(str(n) for n in parse_citations(m.group(0))) + "]", text
    )


def _attributions(text: str) -> list[tuple[int, int, frozenset[str]]]:
    found: list[tuple[int, int, frozenset[str]]] = []
    for match in _ATTRIBUTION.finditer(text):
        raw = next(g for g in match.groups() if g is not None)
        numbers = frozenset(str(_ORDINAL.get(part, part)) for part in raw.split(","))
        found.append((match.start(), match.end(), numbers))
    return found


def _attributed_contrast(text: str) -> str | None:
    """Two attributions to different passages with a contrastive word in their stretch."""
    found = _attributions(text)
    for i, (start_a, _, nums_a) in enumerate(found):
        for _, end_b, nums_b in found[i + 1:]:
            if nums_a == nums_b:
                continue
            sentence_start = text.rfind(". ", 0, start_a) + 1
            stretch = text[sentence_start:end_b]
            if stretch.count(". ") > 1:
                continue
            if _CONTRAST.search(stretch):
                return text[start_a:end_b]
    return None


def _bare_contrast(answer: str) -> bool:
    """A contrastive word between parts of one sentence that cite different passages."""
    for claim in split_claims(answer):
        sentence = normalize_for_detection(answer[claim.start:claim.end])
        contrast = _CONTRAST.search(sentence)
        if not contrast:
            continue
        before = set(parse_citations(sentence[: contrast.start()]))
        after = set(parse_citations(sentence[contrast.end():]))
        if before and after and before != after:
            return True
    return False


def detect_conflict(answer: str) -> Detection:
    """Whether ``answer`` says that its sources disagree (rules in the module docstring).

    Scores: 0.9 on a conflict cue, 0.8 on an attributed contrast, 0.4 on a bare contrast
    between differently cited parts (not detected), 0.0 otherwise.
    """
    text = _compact_markers(normalize_for_detection(answer))
    if not text:
        return _NOTHING
    for pattern in _CONFLICT_RE:
        match = pattern.search(text)
        if match:
            return Detection(detected=True, score=0.9, cue=match.group(0).strip())
    contrast = _attributed_contrast(text)
    if contrast is not None:
        return Detection(detected=True, score=0.8, cue=contrast)
    if _bare_contrast(answer):
        return Detection(detected=False, score=0.4, cue=None)
    return _NOTHING
