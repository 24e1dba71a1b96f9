"""What an admin reads from a run or a version record, worked out once on the server.

A run's `status` only says whether the job ran to its end: a run whose candidate lost the
gate also "succeeded". `outcome` says what it did to serving, and `stages` lays the stored
metrics out as labels -> training -> evaluation -> gate, so the dashboard shows them without
knowing the layout of `metrics`. Version records come in two layouts (a pipeline run keeps
its candidate's numbers at the top level, the initial model under "model"), so the headline
numbers are read here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.core.enums import RunOutcome, RunStage, RunStatus, StageState
from app.db.models import TrainingRun

HEADLINE_METRICS = ("ndcg_at_10", "auc", "calibration_error")
Number = float | int | bool | str | None


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def headline_metrics(metrics: Mapping[str, Any]) -> dict[str, float | None]:
    """NDCG@10, AUC and calibration error of a version, from whichever layout it has; None
    where the version was never measured on that metric (the initial model has no AUC)."""
    nested = metrics.get("model")
    source: Mapping[str, Any] = nested if isinstance(nested, Mapping) else metrics
    return {name: _number(source.get(name)) for name in HEADLINE_METRICS}


def outcome_of(status: str, promoted: bool) -> RunOutcome:
    if status == RunStatus.SUCCEEDED:
        return RunOutcome.PROMOTED if promoted else RunOutcome.REJECTED
    return RunOutcome(status)


@dataclass(frozen=True, slots=True)
class StageView:
    stage: RunStage
    state: StageState
    numbers: dict[str, Number]


def _stage_numbers(run: TrainingRun) -> dict[RunStage, dict[str, Number]]:
    """The numbers each stage produced, only for the stages the record has numbers of."""
    m: Mapping[str, Any] = run.metrics or {}
    rows: Mapping[str, Any] = m.get("rows") or {}
    out: dict[RunStage, dict[str, Number]] = {}
    if "new_samples" in m or "labelled_samples" in rows:
        out[RunStage.LABELS] = {
            "new_samples": _number(m.get("new_samples")),
            "labelled_samples": _number(rows.get("labelled_samples")),
            "seed_rows": _number(m.get("seed_rows")),
        }
    if "train_rows" in rows:
        out[RunStage.TRAINING] = {
            "train_rows": _number(rows.get("train_rows")),
            "valid_rows": _number(rows.get("valid_rows")),
            "validation_talents": _number(rows.get("validation_talents")),
            "fit_rows": _number(rows.get("fit_rows")),
        }
    candidate, champion = m.get("candidate"), m.get("champion")
    if isinstance(candidate, Mapping) and isinstance(champion, Mapping):
        out[RunStage.EVALUATION] = {
            "champion": champion.get("version"),
            **{f"candidate_{k}": _number(candidate.get(k)) for k in HEADLINE_METRICS},
            **{f"champion_{k}": _number(champion.get(k)) for k in HEADLINE_METRICS},
        }
    gate = m.get("gate")
    if isinstance(gate, Mapping) and run.status == RunStatus.SUCCEEDED:
        external = m.get("external")
        out[RunStage.GATE] = {
            "promoted": run.promoted,
            "reason": gate.get("reason"),
            "ndcg_gain": _number(gate.get("ndcg_gain")),
            "auc_change": _number(gate.get("auc_change")),
            "external_passed": external.get("passed") if isinstance(external, Mapping) else None,
        }
    return out


def _stopped_at(run: TrainingRun, numbers: Mapping[RunStage, object]) -> RunStage | None:
    """The stage a skipped or failed run ended in. A skip is decided on the counts of the
    last stage it measured (or before any, when the schedule is not due); a failure happens
    in the first stage that has no numbers."""
    stages = list(RunStage)
    if run.status == RunStatus.SKIPPED:
        measured = [s for s in stages if s in numbers]
        return measured[-1] if measured else RunStage.LABELS
    if run.status == RunStatus.FAILED:
        return next((s for s in stages if s not in numbers), RunStage.GATE)
    return None


def stages_of(run: TrainingRun) -> list[StageView]:
    """Every stage in order with its numbers: done, the one a skipped or failed run stopped
    in, and after that (or after the last finished stage of a running run) not reached."""
    numbers = _stage_numbers(run)
    stop = _stopped_at(run, numbers)
    views: list[StageView] = []
    reached = True
    for stage in RunStage:
        if stage is stop:
            views.append(StageView(stage, StageState.STOPPED, numbers.get(stage, {})))
            reached = False
        elif reached and stage in numbers:
            views.append(StageView(stage, StageState.DONE, numbers[stage]))
        else:
            views.append(StageView(stage, StageState.NOT_REACHED, {}))
            reached = False
    return views
