"""The stage machine of an application: which moves are allowed, what a stage means for the
company's decision, and how the talent sees it.

Stages only move forward, one step at a time: new -> contacted -> interviewing -> hired, and
rejected from any stage before hired. Nothing goes back (hired and rejected are final), so a
stage history never repeats a stage and its last row is the current stage. A company that
decided through `/feedback` instead (the match list's Contact / Reject buttons) is not
contradicted: a standing reject shows the application as rejected, and a standing contact on a
new application shows it as contacted (`current_stage`). An `undo` through `/feedback` takes
back the decision only, never a stage recorded here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.core.enums import ApplicationStage, ApplicationStatus, Decision, FeedbackType

ALLOWED_MOVES: Mapping[ApplicationStage, frozenset[ApplicationStage]] = {
    ApplicationStage.NEW: frozenset({ApplicationStage.CONTACTED, ApplicationStage.REJECTED}),
    ApplicationStage.CONTACTED: frozenset(
        {ApplicationStage.INTERVIEWING, ApplicationStage.REJECTED}
    ),
    ApplicationStage.INTERVIEWING: frozenset({ApplicationStage.HIRED, ApplicationStage.REJECTED}),
    ApplicationStage.HIRED: frozenset(),
    ApplicationStage.REJECTED: frozenset(),
}
"""Where each stage may move next; staying where it is is always accepted (and writes nothing)."""

DECISION_OF_STAGE: Mapping[ApplicationStage, FeedbackType] = {
    ApplicationStage.CONTACTED: FeedbackType.CONTACT,
    ApplicationStage.REJECTED: FeedbackType.REJECT,
}
"""The company decision a move records for the learning loop; interviewing and hired keep the
`contact` of the step before them."""

STATUS_FOR_TALENT: Mapping[ApplicationStage, ApplicationStatus] = {
    ApplicationStage.NEW: ApplicationStatus.SUBMITTED,
    ApplicationStage.CONTACTED: ApplicationStatus.CONTACTED,
    ApplicationStage.INTERVIEWING: ApplicationStatus.INTERVIEWING,
    ApplicationStage.HIRED: ApplicationStatus.HIRED,
    ApplicationStage.REJECTED: ApplicationStatus.NOT_SELECTED,
}


def is_allowed(current: ApplicationStage, target: ApplicationStage) -> bool:
    return target == current or target in ALLOWED_MOVES[current]


def current_stage(
    history: Sequence[ApplicationStage], company_decision: Decision | None
) -> ApplicationStage:
    """The stage of an application whose stage history is `history` (oldest first) and whose
    company side currently stands at `company_decision`."""
    recorded = history[-1] if history else ApplicationStage.NEW
    if company_decision == Decision.REJECTED and recorded != ApplicationStage.HIRED:
        return ApplicationStage.REJECTED
    if company_decision == Decision.CONTACTED and recorded == ApplicationStage.NEW:
        return ApplicationStage.CONTACTED
    return recorded
