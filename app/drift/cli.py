"""`app drift report --since 7d` (weekly, from a CronJob or systemd timer) and `app drift prune`.

Exit status: 0 when the run finished (with or without an alert: the alert went to its
channels), 1 when another run holds the lock or the run failed, so a scheduler sees failures.
"""

from __future__ import annotations

from datetime import timedelta

import typer

from app.db.base import utcnow
from app.db.session import get_engine, session_scope
from app.drift.errors import DriftInProgressError
from app.drift.service import list_runs, parse_window, run_drift
from app.monitoring import repository as inference_repository
from app.settings import get_settings

drift_app = typer.Typer(help="Drift monitoring of the live model.", no_args_is_help=True)


@drift_app.command("report")
def report(
    since: str = typer.Option("7d", help="The current window: the last 7d, 36h, 90m, ..."),
) -> None:
    """Compare the inference log of the window with the active model's training sample,
    write the HTML report, record a drift run, and alert above DRIFT_THRESHOLD."""
    try:
        window = parse_window(since)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from None
    try:
        outcome = run_drift(
            get_engine(), window=window, triggered_by="app drift report", settings=get_settings()
        )
    except DriftInProgressError:
        typer.echo("another drift run is in progress", err=True)
        raise SystemExit(1) from None
    typer.echo(f"drift run {outcome.run_id}: {outcome.status}: {outcome.message}")
    if outcome.report_path:
        typer.echo(f"report: {outcome.report_path}")


@drift_app.command("runs")
def runs(limit: int = typer.Option(10, min=1, max=100)) -> None:
    """The newest drift runs with their score."""
    with session_scope() as session:
        for run in list_runs(session, limit):
            score = "-" if run.overall_score is None else f"{run.overall_score:.3f}"
            flag = "ALERT" if run.alerted else ""
            typer.echo(
                f"{run.started_at:%Y-%m-%d %H:%M} {run.status:9} {score:>6} {flag:5} {run.id}"
            )


@drift_app.command("prune")
def prune() -> None:
    """Apply the inference log's retention (INFERENCE_LOG_RETENTION_DAYS) and row cap."""
    settings = get_settings()
    with session_scope() as session:
        deleted = inference_repository.prune(
            session,
            utcnow() - timedelta(days=settings.inference_log_retention_days),
            settings.inference_log_max_rows,
        )
    typer.echo(f"inference log: {deleted} rows deleted")
