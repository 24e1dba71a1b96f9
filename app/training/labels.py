"""Training labels from what users did: the grades, the label record and its digest.

Grades (integers, so they can feed LambdaRank as they are, and order like the business value):

    contact 4  >  apply 3  >  no action 2  >  dismiss 1  >  reject 0

- apply and contact are positive (`relevant`), dismiss and reject negative; "no action" is an
  impression that drew no feedback, the unlabelled negative of the ranking.
- Each side of a pair (talent: apply/dismiss, company: contact/reject) has one standing
  decision, its latest feedback row (`app.decisions`); an `undo` leaves that side with none.
  Of the two sides' standing decisions the most recent wins, ties going to the stronger grade.
  A pair whose decisions were all undone is back to "no decision": an undone apply is never a
  positive, only a "no action" impression if it was shown (its feedback still counts as an
  interaction for the depth rule below).
- Position bias: an impression counts as "no action" only if it was shown at or above the
  deepest position anyone interacted with in the same request (Metarank's rule: items below
  the last interaction were probably never seen). Requests with no interaction at all give
  no negatives; impressions without a request id are kept.
- `event_at` is when the label became known (feedback time, or the last showing), which is
  what the time-based split and "new samples since the last training" use.

Everything heavy (latest-per-pair, the anti-join, the depth rule, counting) runs in the
database, in `app.training.repository.fetch_labels` / `count_labels`; Python only receives
the finished label rows.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

GRADES: dict[str, int] = {"contact": 4, "apply": 3, "no_action": 2, "dismiss": 1, "reject": 0}
POSITIVE_MIN_GRADE = 3
MAX_GRADE = max(GRADES.values())


@dataclass(frozen=True, slots=True)
class LabelledInteraction:
    talent_id: uuid.UUID
    job_id: uuid.UUID
    grade: int
    action: str
    event_at: datetime
    position: int | None

    @property
    def relevant(self) -> bool:
        return self.grade >= POSITIVE_MIN_GRADE

    @property
    def score(self) -> float:
        """The grade on the 0-100 scale the product shows (seed 003, 9.1)."""
        return 100.0 * self.grade / MAX_GRADE


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def data_hash(labels: list[LabelledInteraction]) -> str:
    """Digest of the exact training data, stored with the version that was trained on it."""
    digest = hashlib.sha256()
    for row in labels:
        digest.update(
            f"{row.talent_id}|{row.job_id}|{row.grade}|{row.event_at.isoformat()}\n".encode()
        )
    return digest.hexdigest()
