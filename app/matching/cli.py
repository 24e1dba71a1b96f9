"""`app train`: the initial model from seeded labels, or a retraining run from feedback."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from app.settings import get_settings

console = Console()


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
    from app.db.session import get_engine, session_scope

    settings = get_settings()
    if not initial:
        from app.training.pipeline import TrainingPipeline

        run = TrainingPipeline(get_engine()).run(force=force, triggered_by="cli")
        typer.echo(f"training run {run.run_id}: {run.status} {run.message}")
        raise typer.Exit(0 if run.status in ("succeeded", "skipped") else 1)

    from app.matching.training import train_initial

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
