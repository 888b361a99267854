"""Shared types of evalstage: suite format, outcomes, records, the store, statistics, hashing."""

from evalstage.evalcore.cases import CaseBase, Document
from evalstage.evalcore.env import apply_offline_defaults, data_dir, default_store_url
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.hashing import content_hash, files_hash
from evalstage.evalcore.loaders import load_jsonl, load_yaml_model
from evalstage.evalcore.metrics import Direction, MetricCatalog, MetricDef
from evalstage.evalcore.outcomes import FailureCategory, Outcome
from evalstage.evalcore.records import CaseResult, MetricSummary, RunRecord, StageSummary
from evalstage.evalcore.report import CaseHead, StageReport, stage_summary
from evalstage.evalcore.stats import Interval, bootstrap_ci
from evalstage.evalcore.store import ResultStore, sqlite_url
from evalstage.evalcore.suite import StageSpec, Suite, SuiteManifest, TargetSpec, load_suite

__all__ = [
    "CaseBase",
    "CaseHead",
    "CaseResult",
    "Direction",
    "Document",
    "FailureCategory",
    "Interval",
    "MetricCatalog",
    "MetricDef",
    "MetricSummary",
    "Outcome",
    "ResultStore",
    "RunRecord",
    "StageReport",
    "StageSpec",
    "StageSummary",
    "Suite",
    "SuiteError",
    "SuiteManifest",
    "TargetSpec",
    "apply_offline_defaults",
    "bootstrap_ci",
    "content_hash",
    "data_dir",
    "default_store_url",
    "files_hash",
    "load_jsonl",
    "load_suite",
    "load_yaml_model",
    "sqlite_url",
    "stage_summary",
]
