"""`app models ...` (list the registry, move the active pointer, roll back) and `app train`
(the initial model from seeded labels, or a retraining run from feedback)."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.db.session import get_engine, session_scope
from app.ml import registry
from app.ml.errors import RegistryError
from app.settings import get_settings
from app.training.initial import train_initial
from app.training.pipeline import TrainingPipeline
from app.training.run_view import headline_metrics
from app.training.service import activate_verified

models_app = typer.Typer(help="Model registry: list versions, activate, roll back, retrain.")
console = Console()


def _model_id(model_id: str | None) -> str:
    return model_id or get_settings().matcher_model_id


def _fail(exc: RegistryError) -> None:
    console.print(f"[red]error ({exc.field}):[/red] {escape(str(exc))}")
    raise typer.Exit(code=2)


@models_app.command("list")
def list_command(
    model_id: str | None = typer.Option(None, help="Only this model id (default: all)."),
) -> None:
    """Every registered version, newest first, with its status and headline metrics."""
    table = Table("model_id", "version", "status", "ndcg@10", "auc", "rows", "trained_at", "by")
    try:
        with session_scope(get_engine()) as session:
            for row in registry.list_versions(session, model_id):
                metrics = headline_metrics(row.metrics)
                table.add_row(
                    row.model_id,
                    row.version,
                    ("* " if row.is_active else "") + row.status,
                    _fmt(metrics.get("ndcg_at_10")),
                    _fmt(metrics.get("auc")),
                    f"{row.train_rows}/{row.valid_rows}",
                    row.trained_at.strftime("%Y-%m-%d %H:%M"),
                    row.created_by or "",
                )
    except RegistryError as exc:
        _fail(exc)
    console.print(table)


def _fmt(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "-"


@models_app.command("activate")
def activate_command(
    version: str = typer.Argument(..., help="Version to make live, e.g. v1.3."),
    actor: str = typer.Option("cli", help="Recorded in model_events."),
) -> None:
    """Make VERSION the active one for its model id (roll forward or back); its artifact must
    load and verify first."""
    try:
        with session_scope(get_engine()) as session:
            row = activate_verified(session, version, actor=actor)
            console.print(f"{row.model_id}: {row.version} is active")
    except RegistryError as exc:
        _fail(exc)


@models_app.command("rollback")
def rollback_command(
    model_id: str | None = typer.Option(None, help="Model id (default: the matcher)."),
    actor: str = typer.Option("cli", help="Recorded in model_events."),
) -> None:
    """Re-activate the version that was live before the current one."""
    try:
        with session_scope(get_engine()) as session:
            row = registry.rollback(session, _model_id(model_id), actor=actor)
            console.print(f"{row.model_id}: rolled back to {row.version}")
    except RegistryError as exc:
        _fail(exc)


def _report_table(report: dict[str, Any]) -> Table:
    table = Table(title=f"matcher {report['version']} on {report['rows']['valid']} held-out pairs")
    for column in ("scorer", "RMSE", "MAE", "NDCG@10", "Spearman"):
        table.add_column(column, justify="right" if column != "scorer" else "left")
    for name in ("model", "fallback", "embedding_cosine", "random"):
        m = report[name]
        table.add_row(
            name,
            f"{m['rmse']:.2f}",
            f"{m['mae']:.2f}",
            f"{m['ndcg_at_10']:.4f}",
            f"{m['spearman']:.3f}",
        )
    return table


def train(
    initial: bool = typer.Option(False, "--initial", help="Train on the seeded labelled pairs."),
    if_missing: bool = typer.Option(
        False, "--if-missing", help="With --initial: skip when the active model verifies."
    ),
    force: bool = typer.Option(False, "--force", help="Retraining: ignore the schedule gate."),
) -> None:
    """Train the matcher and register it (initial: activate it; retraining: gate it)."""
    settings = get_settings()
    if not initial:
        run = TrainingPipeline(get_engine()).run(force=force, triggered_by="cli")
        typer.echo(f"training run {run.run_id}: {run.status} {run.message}")
        raise typer.Exit(0 if run.status in ("succeeded", "skipped") else 1)

    with session_scope() as session:
        try:
            outcome = train_initial(
                session,
                model_dir=settings.model_dir,
                model_id=settings.matcher_model_id,
                if_missing=if_missing,
            )
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
    typer.echo(outcome.message)
    if outcome.report is None:
        return
    report = outcome.report
    console.print(_report_table(report))
    for name in ("random", "fallback"):
        gain = report[f"improvement_over_{name}"]
        typer.echo(
            f"vs {name}: RMSE {gain['rmse_reduction']:+.1%} lower, "
            f"NDCG@10 loss (1 - NDCG) {gain['ndcg_loss_reduction']:+.1%} lower"
        )
    typer.echo(
        f"beats random by >30% (both): {report['beats_random_by_30pct']}; "
        f"beats fallback (both): {report['beats_fallback']}; "
        f"NDCG over {report['queries_valid_ndcg']} talents with >= 2 held-out pairs"
    )
    typer.echo(f"report: {settings.model_dir / report['version'] / 'report.json'}")
