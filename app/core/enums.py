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


class FeedbackType(StrEnum):
    """What one side did about a match: the talent applies or dismisses, the company contacts
    or rejects."""

    APPLY = "apply"
    DISMISS = "dismiss"
    CONTACT = "contact"
    REJECT = "reject"


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
