"""Faithfulness verifier: is a claim supported, contradicted or unsupported by its contexts.

``build_verifier(VerifierSpec())`` gives the default offline cross-encoder (bundled MiniLM with a
shipped fine-tuned head); ``Verifier.verify([(claim, contexts), ...])`` returns one
:class:`ClaimVerdict` per claim with the deciding evidence; ``verify_file`` does the same for a
JSONL file.
"""

from typing import TYPE_CHECKING, Any

from evalstage.generation_eval.verifier._build import VerifierSpec, build_verifier
from evalstage.generation_eval.verifier._cache import PairCache
from evalstage.generation_eval.verifier._discourse import checked_sentences, states_nothing
from evalstage.generation_eval.verifier._files import verify_file
from evalstage.generation_eval.verifier._protocol import LABELS, ClaimVerdict, PairScorer
from evalstage.generation_eval.verifier._sentences import split_sentences
from evalstage.generation_eval.verifier._verifier import Thresholds, Verifier

if TYPE_CHECKING:
    from evalstage.generation_eval.verifier._offline import OfflineScorer


def __getattr__(name: str) -> Any:
    # the offline scorer needs torch (about 1.5 s to import): loaded when first asked for
    if name == "OfflineScorer":
        from evalstage.generation_eval.verifier._offline import OfflineScorer

        return OfflineScorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "LABELS",
    "ClaimVerdict",
    "OfflineScorer",
    "PairCache",
    "PairScorer",
    "Thresholds",
    "Verifier",
    "VerifierSpec",
    "build_verifier",
    "checked_sentences",
    "split_sentences",
    "states_nothing",
    "verify_file",
]
