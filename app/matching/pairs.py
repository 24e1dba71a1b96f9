"""Scores of given stored (job, talent) pairs by the serving scorer, without any ranking.

The applicant inbox needs the score and explanation of every applicant, also of those a job's
ranking never showed (retrieval keeps a shortlist of the best few hundred), so they are
computed here for exactly the pairs asked about, with the live model (the fallback rules when
none) and the same features, contributions and sentences as a served match: an applicant's
score is the one /match/job-to-talents would give it now. A persisted match row would be
missing for most applicants and stale after a retrain or a profile edit. Nothing is written:
an inbox is not a ranked impression, and logging it would teach the learning loop that the
ranker showed these talents.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import numpy as np
from sqlalchemy.orm import Session

from app.core.errors import NotFoundError
from app.matching.advice import score_rows
from app.matching.explain import explain
from app.matching.service import MatchingState
from app.ml import fallback
from app.ml.features import one_to_many
from app.ml.repository import load_job_table, load_talent_table
from app.ml.types import MatchResult


def score_job_talents(
    session: Session, job_id: uuid.UUID, talent_ids: Sequence[uuid.UUID], *, state: MatchingState
) -> dict[uuid.UUID, MatchResult]:
    """Score and explanation of each stored talent of `talent_ids` for the job (open or
    closed), in one batch; talents that do not exist are absent from the result."""
    if not talent_ids:
        return {}
    jobs = load_job_table(session, state.vocab, [job_id])
    if len(jobs) == 0:
        raise NotFoundError(f"job {job_id} not found", field="job_id")
    talents = load_talent_table(session, state.vocab, list(talent_ids))
    if len(talents) == 0:
        return {}
    features = one_to_many(jobs, talents, np.arange(len(talents)))
    scores, source, used = score_rows(state.model, features)
    contributions = used.contributions(features) if used else fallback.contributions(features)
    scale = (used.metadata.category_scale if used else None) or fallback.CATEGORY_SCALE
    pairs = [(talents, row, jobs, 0) for row in range(len(talents))]
    explanations = explain(contributions, features, scores, scale, pairs)
    version = used.version if used else None
    results: dict[uuid.UUID, MatchResult] = {}
    for talent_id, score, explanation in zip(talents.ids, scores, explanations, strict=True):
        assert isinstance(talent_id, uuid.UUID)
        results[talent_id] = MatchResult(
            id=talent_id,
            score=round(float(score), 2),
            source=source,
            model_version=version,
            explanation=explanation,
        )
    return results
