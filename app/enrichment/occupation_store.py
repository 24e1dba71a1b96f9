"""Backfill inferred occupations onto jobs and talents, versioned, never over a given code.

A row's occupation is *given* when its creator set it (occupation_source 'given', or a code
with no source: rows written before or outside the inferrer). Given codes are never touched.
A row is *stale* when it has no code and no inference yet, or its code was inferred under
another occupation model version; re-running the pass after it finished does nothing.

The inferred top-1 becomes occupation_code only when its confidence reaches `min_confidence`
(from model_versions.yaml): a wrong code would mislead the matcher's occupation_match feature
more than an unknown one. The three candidates are stored either way, with the model version.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Literal

from sqlalchemy.orm import Session

from app.db.models import Job, Talent
from app.enrichment import repository
from app.enrichment.config import get_model_registry
from app.enrichment.occupation import OccupationGuess, infer_occupations, occupation_model_version
from app.logging import get_logger

OwnerKind = Literal["job", "talent"]
KINDS: tuple[OwnerKind, ...] = ("job", "talent")
Infer = Callable[[Sequence[tuple[str, str]]], list[list[OccupationGuess]]]
DEFAULT_MIN_CONFIDENCE = 0.2

log = get_logger(__name__)


def _model(kind: OwnerKind) -> type[Job] | type[Talent]:
    if kind == "job":
        return Job
    if kind == "talent":
        return Talent
    raise ValueError(f"kind must be 'job' or 'talent', not {kind!r}")


def min_confidence() -> float:
    params = get_model_registry().entry("occupation_inference").params
    return float(params.get("min_confidence", DEFAULT_MIN_CONFIDENCE))


def stale_occupation_ids(
    session: Session, kind: OwnerKind, version: str | None = None, limit: int | None = None
) -> list[uuid.UUID]:
    """Rows whose occupation should be (re)inferred under `version` (default: configured)."""
    return repository.stale_occupation_ids(
        session, _model(kind), version or occupation_model_version(), limit
    )


def _query(row: Job | Talent) -> tuple[str, str]:
    if isinstance(row, Job):
        return row.title or "", row.description or ""
    return row.headline or "", "\n".join(p for p in (row.bio, row.resume_text) if p)


def apply_guesses(
    row: Job | Talent, guesses: Sequence[OccupationGuess], version: str, threshold: float
) -> None:
    """Store an inference on a row (the caller has checked the row is not given)."""
    best = guesses[0] if guesses else None
    row.occupation_code = best.code if best and best.confidence >= threshold else None
    row.occupation_source = "inferred"
    row.occupation_model_version = version
    row.occupation_candidates = [
        {"code": g.code, "title": g.title, "confidence": g.confidence} for g in guesses
    ]


def infer_stale_occupations(
    session: Session,
    kind: OwnerKind,
    ids: Sequence[uuid.UUID],
    *,
    infer: Infer = infer_occupations,
    version: str | None = None,
    threshold: float | None = None,
    batch_size: int = 64,
) -> int:
    """Infer and store occupations for the stale rows among `ids`, one inference batch and
    one flush per `batch_size` rows; returns how many rows were written. The stale test is
    repeated per batch, so a code given meanwhile is not overwritten. The caller commits
    (the CLI gives each batch its own `session_scope`)."""
    model = _model(kind)
    version = version or occupation_model_version()
    threshold = min_confidence() if threshold is None else threshold
    written = 0
    for start in range(0, len(ids), batch_size):
        chunk = list(ids[start : start + batch_size])
        rows = repository.stale_occupation_rows(session, model, chunk, version)
        if rows:
            guesses = infer([_query(r) for r in rows])
            for row, row_guesses in zip(rows, guesses, strict=True):
                apply_guesses(row, row_guesses, version, threshold)
            session.flush()
            written += len(rows)
    log.info(
        "occupations_inferred", kind=kind, requested=len(ids), written=written, version=version
    )
    return written
