"""Helpers for training tests: tiny real LightGBM artifacts registered in the registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from app.db.models import Match, MatchFeedback, MLModelVersion
from app.ml import registry
from app.ml.features import FEATURE_NAMES
from app.ml.matcher import MODEL_FILE, MatchingModel, ModelMetadata, fit_booster, sha256_file
from tests.factories import make_company, make_job, make_skill, make_talent


def tiny_model(version: str, seed: int = 0) -> MatchingModel:
    rng = np.random.default_rng(seed)
    x = rng.random((200, len(FEATURE_NAMES)))
    y = 100.0 * x[:, 0]
    booster = fit_booster(x, y, params={"min_data_in_leaf": 5}, num_boost_round=5)
    return MatchingModel(booster, ModelMetadata(version=version))


def register_artifact(
    session: Session, root: Path, version: str, *, activate: bool, model_id: str = "talent_matcher"
) -> MLModelVersion:
    directory = root / version
    model = tiny_model(version)
    model.save(directory)
    return registry.register_version(
        session,
        model_id=model_id,
        version=version,
        metrics={"ndcg_at_10": 0.5},
        params={},
        feature_list=list(FEATURE_NAMES),
        artifact_path=str(directory),
        artifact_sha256=sha256_file(directory / MODEL_FILE),
        train_rows=200,
        valid_rows=0,
        data_hash=None,
        training_window_start=None,
        training_window_end=None,
        created_by="test",
        activate=activate,
    )


def corrupt(artifact_dir: str) -> None:
    path = Path(artifact_dir) / MODEL_FILE
    path.write_bytes(path.read_bytes() + b"\n# tampered\n")


INDUSTRIES = ("Software", "Finance", "Health", "Retail")


def feedback_world(
    session: Session,
    *,
    n_talents: int = 24,
    n_jobs: int = 30,
    shown: int = 10,
    start: datetime | None = None,
    seed: int = 3,
) -> dict[str, int]:
    """Talents who apply to jobs in their preferred industry and dismiss the rest.

    The rule-based fallback ignores industry, so a model trained on this feedback can beat it;
    feedback times spread over 20 days so the time split has an old and a new part.
    """
    rng = np.random.default_rng(seed)
    start = start or datetime.now(UTC) - timedelta(days=21)
    skill = make_skill(session)
    companies = {ind: make_company(session, industry=ind) for ind in INDUSTRIES}
    jobs = [
        make_job(
            session, company=companies[INDUSTRIES[i % len(INDUSTRIES)]], skills=[(skill, True, 3)]
        )
        for i in range(n_jobs)
    ]
    counts = {"impressions": 0, "feedback": 0}
    for t in range(n_talents):
        preferred = INDUSTRIES[t % len(INDUSTRIES)]
        talent = make_talent(session, skills=[(skill, 3, 2.0)], preferred_industries=[preferred])
        at = start + timedelta(days=20 * t / n_talents)
        picks = rng.choice(n_jobs, size=shown, replace=False)
        for position, j in enumerate(picks, start=1):
            job = jobs[int(j)]
            session.add(
                Match(
                    talent_id=talent.id,
                    job_id=job.id,
                    ml_score=50.0,
                    source="fallback",
                    position=position,
                    request_id=f"req-{t}",
                    created_at=at,
                )
            )
            kind = "apply" if companies[preferred].id == job.company_id else "dismiss"
            if kind == "apply" or rng.random() < 0.5:
                session.add(
                    MatchFeedback(
                        talent_id=talent.id,
                        job_id=job.id,
                        feedback_type=kind,
                        created_at=at + timedelta(minutes=position),
                    )
                )
                counts["feedback"] += 1
            counts["impressions"] += 1
    session.flush()
    return counts
