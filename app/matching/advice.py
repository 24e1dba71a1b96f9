"""What-if advice: the single changes to a talent's own profile that raise its score for one
job the most, measured by re-scoring with the scorer that serves matches.

Only what a person can change about themselves is ever edited: their skills (add one the job
asks for, reach the job's level, more years of use), their total years of experience and their
remote preference. Location, salary, seniority, occupation and anything protected are never
touched, so advice cannot say "move" or "be older".

Every candidate edit becomes one row of a talent table, the unedited talent being row 0; the
rows are featurised and scored in one vectorised call, so a gain is the model's own difference
between two scores of the same batch, and applying a suggestion with `apply_change` and scoring
the result reproduces the shown score. The profile text (and its embedding) stays as stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Literal

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from app.core.enums import AdviceKind, MatchSource
from app.core.errors import NotFoundError
from app.logging import get_logger
from app.ml import fallback
from app.ml.embeddings import load_embedding_matrix
from app.ml.features import SKILL_YEARS_CAP, pair_features
from app.ml.matcher import MatchingModel
from app.ml.profiles import SkillVocab, job_table, talent_table
from app.ml.repository import load_job_profiles, load_talent_profiles
from app.ml.types import JobProfile, SkillLevel, TalentProfile

FloatArray = npt.NDArray[np.float64]

log = get_logger(__name__)

SKILL_YEAR_STEPS = (1.0, 2.0)
"""More years of a shared skill: small steps a person can picture (beyond 5 the feature caps)."""
TOTAL_YEAR_STEPS = (1.0, 2.0)
MAX_YEARS_TO_MINIMUM = 5.0
"""Reaching the job's minimum years is offered when it is at most this far away."""
NEW_SKILL_YEARS = 1.0
"""Years of use assumed for a newly added skill."""
MIN_GAIN = 0.05
"""Smaller gains round to +0.0 and are noise, not advice."""
MAX_SUGGESTIONS = 10


@dataclass(frozen=True, slots=True)
class Change:
    """One edit of a talent's profile, stated as the new values (not deltas), so applying it
    twice gives the same profile."""

    kind: AdviceKind
    skill: str | None = None
    proficiency: int | None = None
    skill_years: float | None = None
    years_experience: float | None = None
    remote_preference: str | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    change: Change
    description: str
    gain: float
    score: float
    """The talent's score for the job once the change is made."""


@dataclass(frozen=True, slots=True)
class Advice:
    score: float
    """The talent's current score for the job."""
    suggestions: list[Suggestion]
    source: MatchSource
    model_version: str | None


def _key(name: str) -> str:
    return name.strip().casefold()


def _strongest(skills: list[SkillLevel]) -> dict[str, SkillLevel]:
    """A talent's skills by name; a name listed twice counts with its strongest entry, as the
    feature tables read it."""
    best: dict[str, SkillLevel] = {}
    for skill in skills:
        held = best.get(_key(skill.name))
        if held is None or (skill.proficiency, skill.years) > (held.proficiency, held.years):
            best[_key(skill.name)] = skill
    return best


def apply_change(talent: TalentProfile, change: Change) -> TalentProfile:
    """A copy of `talent` with `change` made; the input is not modified."""
    if change.kind is AdviceKind.TOTAL_YEARS and change.years_experience is not None:
        return replace(talent, skills=list(talent.skills), years_experience=change.years_experience)
    if change.kind is AdviceKind.REMOTE_PREFERENCE and change.remote_preference is not None:
        return replace(
            talent, skills=list(talent.skills), remote_preference=change.remote_preference
        )
    if change.skill is None or change.proficiency is None or change.skill_years is None:
        raise ValueError(f"a {change.kind} change needs a skill, proficiency and years")
    name = _key(change.skill)
    kept = [s for s in talent.skills if _key(s.name) != name]
    edited = SkillLevel(change.skill, change.proficiency, change.skill_years, False)
    return replace(talent, skills=[*kept, edited])


def _plural(years: float, unit: str = "year") -> str:
    shown = f"{years:g}"
    return f"{shown} more {unit}" if years == 1 else f"{shown} more {unit}s"


def candidate_changes(talent: TalentProfile, job: JobProfile) -> list[tuple[Change, str]]:
    """Every single edit worth scoring, with its sentence; within one kind and skill the
    smaller change comes first (it wins a tie)."""
    held = _strongest(talent.skills)
    out: list[tuple[Change, str]] = []
    seen: set[str] = set()
    for want in sorted(job.skills, key=lambda s: not s.required):
        name = _key(want.name)
        if not name or name in seen:
            continue
        seen.add(name)
        level = max(1, min(5, int(want.proficiency)))
        have = held.get(name)
        if have is None:
            role = "required" if want.required else "nice to have"
            out.append(
                (
                    Change(AdviceKind.ADD_SKILL, want.name, level, NEW_SKILL_YEARS),
                    f"Add {want.name} at level {level} ({role} for this job)",
                )
            )
            continue
        if have.proficiency < level:
            out.append(
                (
                    Change(AdviceKind.SKILL_LEVEL, have.name, level, have.years),
                    f"Raise {have.name} from level {have.proficiency} to {level}",
                )
            )
        for step in SKILL_YEAR_STEPS:
            if have.years < SKILL_YEARS_CAP:
                years = have.years + step
                out.append(
                    (
                        Change(AdviceKind.SKILL_YEARS, have.name, have.proficiency, years),
                        f"{_plural(step)} of {have.name}",
                    )
                )
    steps = set(TOTAL_YEAR_STEPS)
    short = job.min_years - talent.years_experience
    if 0 < short <= MAX_YEARS_TO_MINIMUM:
        steps.add(float(np.ceil(short)))
    for step in sorted(steps):
        out.append(
            (
                Change(AdviceKind.TOTAL_YEARS, years_experience=talent.years_experience + step),
                f"{_plural(step)} of experience overall",
            )
        )
    if talent.remote_preference != job.remote_policy:
        out.append(
            (
                Change(AdviceKind.REMOTE_PREFERENCE, remote_preference=job.remote_policy),
                f"Accept {job.remote_policy} work (now: {talent.remote_preference})",
            )
        )
    return out


def score_rows(
    model: MatchingModel | None, features: FloatArray
) -> tuple[FloatArray, MatchSource, MatchingModel | None]:
    """Scores of a feature batch by the model, or by the fallback rules when there is none or
    it fails, exactly as matches are served."""
    if model is not None:
        try:
            return model.predict(features), MatchSource.ML, model
        except lgb.basic.LightGBMError as exc:
            log.error("advice_model_predict_failed", version=model.version, error=str(exc))
    return fallback.scores(features), MatchSource.FALLBACK, None


def _target(change: Change) -> tuple[AdviceKind, str]:
    return change.kind, _key(change.skill or "")


def advise(
    talent: TalentProfile,
    job: JobProfile,
    model: MatchingModel | None,
    *,
    limit: int = 3,
) -> Advice:
    """The `limit` changes that raise `talent`'s score for `job` the most (gain > 0), best
    first; one suggestion per kind and skill (the smallest change of the best gain)."""
    candidates = candidate_changes(talent, job)
    profiles = [talent, *(apply_change(talent, c) for c, _ in candidates)]
    vocab = SkillVocab.of([s.name for s in talent.skills] + [s.name for s in job.skills])
    talents = talent_table(profiles, vocab)
    jobs = job_table([job], vocab)
    features = pair_features(
        talents, np.arange(len(profiles)), jobs, np.zeros(len(profiles), dtype=np.int64)
    )
    scores, source, used = score_rows(model, features)
    base = float(scores[0])
    best: dict[tuple[AdviceKind, str], Suggestion] = {}
    for (change, sentence), new in zip(candidates, scores[1:].tolist(), strict=True):
        gain = round(new - base, 2)
        held = best.get(_target(change))
        if gain >= MIN_GAIN and (held is None or gain > held.gain):
            best[_target(change)] = Suggestion(change, sentence, gain, round(new, 2))
    # Stable sort: equal gains keep the order of `candidate_changes` (required skills first).
    ranked = sorted(best.values(), key=lambda s: -s.gain)[:limit]
    return Advice(
        score=round(base, 2),
        suggestions=[replace(s, description=f"{s.description}: +{s.gain:.1f}") for s in ranked],
        source=source,
        model_version=used.version if used else None,
    )


def _with_stored_embedding(
    session: Session, kind: Literal["talent", "job"], profile: TalentProfile | JobProfile
) -> None:
    if profile.id is None:
        return
    ids, vectors = load_embedding_matrix(session, kind, [profile.id])
    if ids:
        profile.embedding = vectors[0]


def advice_for(
    session: Session,
    talent_id: uuid.UUID,
    job_id: uuid.UUID,
    model: MatchingModel | None,
    *,
    limit: int = 3,
) -> Advice:
    """Advice for a stored talent and a stored job (open or closed), each with its stored
    embedding; a missing row is a `NotFoundError` naming its field."""
    talents = load_talent_profiles(session, [talent_id])
    if not talents:
        raise NotFoundError(f"talent {talent_id} not found", field="talent_id")
    jobs = load_job_profiles(session, [job_id])
    if not jobs:
        raise NotFoundError(f"job {job_id} not found", field="job_id")
    talent, job = talents[0], jobs[0]
    _with_stored_embedding(session, "talent", talent)
    _with_stored_embedding(session, "job", job)
    return advise(talent, job, model, limit=limit)
