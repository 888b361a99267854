"""LLM-as-a-judge with bias controls and calibration against human labels.

Two modes: *pairwise* (A vs B for the same question: A, B or tie) and *rubric* (one answer
graded against a versioned rubric). Two backends: a live OpenAI-compatible endpoint with an
explicit model, and recorded replies replayed offline. Prompts are versioned files with a content
hash; every judgement records the prompt hash, the model and its parameters.

Pairwise judges see each pair in both orders; a verdict counts only if both orders agree, else
it is a tie flagged ``position_inconsistent``. An unreadable reply is ``unmeasured`` (raw text
kept). :func:`calibrate` measures a judge against human labels (accuracy, Cohen's kappa,
position consistency, longer-answer preference, each with a bootstrap CI).
"""

from evalstage.generation_eval.judge._backends import (
    ChatBackend,
    JudgeBackend,
    RecordedBackend,
    RecordedVerdict,
    Reply,
    write_recording,
)
from evalstage.generation_eval.judge._calibration import (
    calibrate,
    pairwise_counts,
    pairwise_figures,
)
from evalstage.generation_eval.judge._compare import Comparison, compare_pairs
from evalstage.generation_eval.judge._data import (
    GradeLabel,
    PairLabel,
    TargetAnswer,
    load_grade_labels,
    load_pair_labels,
    pair_targets,
)
from evalstage.generation_eval.judge._judge import Judge, recorded_rows
from evalstage.generation_eval.judge._length import LengthBucket, lc_win_rate, length_controlled
from evalstage.generation_eval.judge._metrics import cohen_kappa
from evalstage.generation_eval.judge._mix import CaseDecision, CheckResult, JudgeScore, decide
from evalstage.generation_eval.judge._models import (
    MIRROR,
    POSITION_INCONSISTENT,
    SELF_JUDGED,
    GradeItem,
    GradeJudgement,
    JudgeCall,
    JudgeIdentity,
    PairItem,
    PairJudgement,
    Verdict,
    input_hash,
)
from evalstage.generation_eval.judge._parse import parse_level, parse_pairwise
from evalstage.generation_eval.judge._prompts import JudgePrompt, load_prompt
from evalstage.generation_eval.judge._rubric import Rubric, RubricLevel, load_rubric
from evalstage.generation_eval.judge._spec import JudgeSpec, load_judge

__all__ = [
    "MIRROR",
    "POSITION_INCONSISTENT",
    "SELF_JUDGED",
    "CaseDecision",
    "ChatBackend",
    "CheckResult",
    "Comparison",
    "GradeItem",
    "GradeJudgement",
    "GradeLabel",
    "Judge",
    "JudgeBackend",
    "JudgeCall",
    "JudgeIdentity",
    "JudgePrompt",
    "JudgeScore",
    "JudgeSpec",
    "LengthBucket",
    "PairItem",
    "PairJudgement",
    "PairLabel",
    "RecordedBackend",
    "RecordedVerdict",
    "Reply",
    "Rubric",
    "RubricLevel",
    "TargetAnswer",
    "Verdict",
    "calibrate",
    "cohen_kappa",
    "compare_pairs",
    "decide",
    "input_hash",
    "lc_win_rate",
    "length_controlled",
    "load_grade_labels",
    "load_judge",
    "load_pair_labels",
    "load_prompt",
    "load_rubric",
    "pair_targets",
    "pairwise_counts",
    "pairwise_figures",
    "parse_level",
    "parse_pairwise",
    "recorded_rows",
    "write_recording",
]
