"""`app models ...`: list the registry, move the active pointer, roll back, retrain."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.db.session import get_engine, session_scope
from app.settings import get_settings
from app.training import registry
from app.training.service import activate_verified

models_app = typer.Typer(help="Model registry: list versions, activate, roll back, retrain.")
console = Console()


def _model_id(model_id: str | None) -> str:
    return model_id or get_settings().matcher_model_id


def _fail(exc: registry.RegistryError) -> None:
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
                metrics = row.metrics.get("candidate", row.metrics)
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
    except registry.RegistryError as exc:
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
    except registry.RegistryError as exc:
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
    except registry.RegistryError as exc:
        _fail(exc)
