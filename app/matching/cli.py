"""`app matches prune`: bound the impression log (`matches`) by age and per subject;
`app index build|show`: the candidate index snapshots workers open (`app.matching.indexes`).

Every match request also trims its own subject's rows on the write path; this command covers
the rest: rows of subjects nobody asks about any more, and rows logged before the bounds
existed. Each batch is its own transaction, so the command can be stopped and re-run.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import typer

from app.db.base import utcnow
from app.db.session import session_scope
from app.matching import snapshot
from app.matching.indexes import IndexHolder
from app.matching.repository import (
    Side,
    count_expired,
    match_log_rows,
    prune_expired,
    subjects_over_cap,
    trim_subject_log,
)
from app.ml.profiles import SkillVocab
from app.settings import get_settings

matches_app = typer.Typer(help="The impression log (`matches`): keep it bounded.")
SIDES: tuple[Side, ...] = ("talent", "job")


@matches_app.command("prune")
def prune(
    retention_days: int | None = typer.Option(
        None,
        min=1,
        help="Delete unlabelled impressions older than this (MATCH_LOG_RETENTION_DAYS).",
    ),
    requests_per_subject: int | None = typer.Option(
        None,
        min=1,
        help="Keep this many newest requests per talent or job (MATCH_LOG_REQUESTS_PER_SUBJECT).",
    ),
    batch_size: int = typer.Option(5000, min=1, help="Rows deleted per transaction."),
) -> None:
    """Delete the impressions no label needs: older than the retention window, or beyond the
    newest N requests of their subject. Rows with feedback, rows of a showing that drew
    feedback, and rows without a request id are kept (app/matching/repository.py)."""
    settings = get_settings()
    days = retention_days or settings.match_log_retention_days
    keep = requests_per_subject or settings.match_log_requests_per_subject
    older_than = utcnow() - timedelta(days=days)
    with session_scope() as session:
        before = match_log_rows(session)
        expired = count_expired(session, older_than)
    deleted_by_age = 0
    with typer.progressbar(length=expired, label=f"older than {days} days") as bar:
        while True:
            with session_scope() as session:
                deleted = prune_expired(session, older_than, batch_size)
            if deleted == 0:
                break
            deleted_by_age += deleted
            bar.update(deleted)
    deleted_by_cap = 0
    for side in SIDES:
        with session_scope() as session:
            subjects = subjects_over_cap(session, side, keep)
        with typer.progressbar(subjects, label=f"{side}s over {keep} requests") as items:
            for subject_id in items:
                with session_scope() as session:
                    deleted_by_cap += trim_subject_log(
                        session, side, subject_id, keep_requests=keep, older_than=older_than
                    )
    with session_scope() as session:
        after = match_log_rows(session)
    typer.echo(
        f"matches: {before} rows -> {after} "
        f"({deleted_by_age} older than {days} days, {deleted_by_cap} beyond {keep} requests "
        "per subject)"
    )


index_app = typer.Typer(help="Candidate index snapshots (MATCHING_INDEX_DIR): build, show.")


def _snapshot_dir(directory: Path | None) -> Path:
    found = directory or get_settings().matching_index_dir
    if found is None:
        typer.echo("no snapshot directory: set MATCHING_INDEX_DIR or pass --dir", err=True)
        raise typer.Exit(2)
    return found


@index_app.command("build")
def build(
    directory: Path | None = typer.Option(None, "--dir", help="Default: MATCHING_INDEX_DIR."),
) -> None:
    """Build both sides from the database and write them as the current snapshots (before
    workers start, e.g. a deploy job, so that none of them waits for a build)."""
    root = _snapshot_dir(directory)
    vocab = SkillVocab()
    for side in SIDES:
        started = time.perf_counter()
        with session_scope() as session:
            holder = IndexHolder(side, vocab, 0, snapshot_dir=root)
            index = holder.refresh(session, force=True)
        typer.echo(
            f"{side}: {len(index)} candidates, snapshot {index.snapshot} "
            f"({time.perf_counter() - started:.1f} s)"
        )


@index_app.command("show")
def show(
    directory: Path | None = typer.Option(None, "--dir", help="Default: MATCHING_INDEX_DIR."),
) -> None:
    """The current snapshot of each side: version, candidates, free room, size, when."""
    root = _snapshot_dir(directory)
    for side in SIDES:
        summary = snapshot.describe(root, side)
        if summary is None:
            typer.echo(f"{side}: no snapshot")
            continue
        typer.echo(
            f"{side}: {summary['version']} rows={summary['rows']} "
            f"free={summary['capacity'] - summary['used']} "
            f"size={summary['bytes'] / 2**20:.1f} MB created={summary['created_at']}"
        )
