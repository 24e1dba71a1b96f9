"""The single source of every enumerated value the service stores, accepts or returns.

The database check constraints (`app/db/models.py`), the request and response schemas, the
domain code and the TypeScript of the gateway and the dashboard (written by
`scripts/generate_ts_types.py`) all read these classes, so a value is added or renamed here and
nowhere else. Member order is part of the contract where it says so: a member's position is
the integer code the feature pass and the seed use (seniority is ordered junior to senior).
"""

from __future__ import annotations

from enum import StrEnum

EMBEDDING_DIM = 384
"""Width of a text embedding (all-MiniLM-L6-v2): stored vectors, request bodies, the gateway."""


class Seniority(StrEnum):
    """Career level, ordered: a level's position is its rank in the experience features."""

    INTERN = "intern"
    JUNIOR = "junior"
    MID = "mid"
    SENIOR = "senior"
    LEAD = "lead"
    PRINCIPAL = "principal"


class RemotePreference(StrEnum):
    """Where a talent wants to work (rows of the remote-compatibility table)."""

    REMOTE = "remote"
    HYBRID = "hybrid"
    ONSITE = "onsite"
    ANY = "any"


class RemotePolicy(StrEnum):
    """Where a job is done (columns of the remote-compatibility table)."""

    REMOTE = "remote"
    HYBRID = "hybrid"
    ONSITE = "onsite"


class CompanySize(StrEnum):
    """Size of a company, smallest first."""

    STARTUP = "startup"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"
    ENTERPRISE = "enterprise"


class WorkStyle(StrEnum):
    """How a company works, and how a talent prefers to."""

    ASYNC = "async"
    COLLABORATIVE = "collaborative"
    STRUCTURED = "structured"
    AUTONOMOUS = "autonomous"


class JobStatus(StrEnum):
    """Only open jobs are matched."""

    OPEN = "open"
    CLOSED = "closed"


class MatchSource(StrEnum):
    """What scored a match: the trained model or the rule-based fallback."""

    ML = "ml"
    FALLBACK = "fallback"


class FactorCategory(StrEnum):
    """Category of an explanation factor; every category but `text` has its own sub-score."""

    SKILLS = "skills"
    EXPERIENCE = "experience"
    LOCATION = "location"
    SALARY = "salary"
    CULTURE = "culture"
    TEXT = "text"


class FactorEffect(StrEnum):
    """Which way a factor moves the score, by the sign of its contribution; its sentence's
    wording is chosen by this, so "-5" never reads as a strength."""

    RAISES = "raises"
    LOWERS = "lowers"
    NEUTRAL = "neutral"


class FeedbackType(StrEnum):
    """What one side did about a match: the talent applies or dismisses, the company contacts
    or rejects, and either takes its own decision back."""

    APPLY = "apply"
    DISMISS = "dismiss"
    CONTACT = "contact"
    REJECT = "reject"
    UNDO = "undo"
    """Takes back the sender's own side's current decision (a talent's withdraw)."""


class FeedbackSide(StrEnum):
    """Whose decision a feedback row is: each side of a (talent, job) pair has its own."""

    TALENT = "talent"
    COMPANY = "company"


class Decision(StrEnum):
    """The current state of one side of a (talent, job) pair: its latest feedback unless that
    was an undo (then there is none)."""

    APPLIED = "applied"
    DISMISSED = "dismissed"
    CONTACTED = "contacted"
    REJECTED = "rejected"


class ApplicationStage(StrEnum):
    """Where a company has an applicant for one of its jobs, in order: new -> contacted ->
    interviewing -> hired, or rejected from any stage before hired; no move goes back
    (`app/applications/stages.py`)."""

    NEW = "new"
    CONTACTED = "contacted"
    INTERVIEWING = "interviewing"
    HIRED = "hired"
    REJECTED = "rejected"


class ApplicationStatus(StrEnum):
    """An application as its talent sees it: the company's stage, with `new` shown as
    `submitted` and `rejected` as `not_selected`."""

    SUBMITTED = "submitted"
    CONTACTED = "contacted"
    INTERVIEWING = "interviewing"
    HIRED = "hired"
    NOT_SELECTED = "not_selected"


class Role(StrEnum):
    """Our application role, read from the verified token's `app_metadata`."""

    TALENT = "talent"
    COMPANY = "company"
    ADMIN = "admin"


class ModelStatus(StrEnum):
    """Lifecycle of a trained model version; at most one is active per model id."""

    ACTIVE = "active"
    CANDIDATE = "candidate"
    REJECTED = "rejected"
    RETIRED = "retired"


class RunStatus(StrEnum):
    """Outcome of one training run."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class RunOutcome(StrEnum):
    """What a training run did to serving: `status` says whether the job ran to the end,
    this says whether its candidate went live, so a rejected candidate is never a success."""

    RUNNING = "running"
    PROMOTED = "promoted"
    REJECTED = "rejected"
    SKIPPED = "skipped"
    FAILED = "failed"


class RunStage(StrEnum):
    """The steps of a training run, in order."""

    LABELS = "labels"
    TRAINING = "training"
    EVALUATION = "evaluation"
    GATE = "gate"


class StageState(StrEnum):
    """How far a run got with one stage: done, stopped there (skipped or failed), or never
    reached."""

    DONE = "done"
    STOPPED = "stopped"
    NOT_REACHED = "not_reached"


class OccupationSource(StrEnum):
    """Where a row's occupation code came from: set by its creator, or inferred from text."""

    GIVEN = "given"
    INFERRED = "inferred"


class OwnerKind(StrEnum):
    """Which table a stored embedding belongs to."""

    TALENT = "talent"
    JOB = "job"


class PairSplit(StrEnum):
    """Split of a labelled (talent, job) pair."""

    TRAIN = "train"
    VALID = "valid"


class AdviceKind(StrEnum):
    """What a what-if suggestion changes: only things a talent can change about itself."""

    ADD_SKILL = "add_skill"
    SKILL_LEVEL = "skill_level"
    SKILL_YEARS = "skill_years"
    TOTAL_YEARS = "total_years"
    REMOTE_PREFERENCE = "remote_preference"
