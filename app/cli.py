"""`app` command line: one typer app; each capability registers its own commands here."""

from __future__ import annotations

import typer

from app.auth.cli import token
from app.drift.cli import drift_app
from app.enrichment.cli import enrich_app
from app.llm.cli import llm_app
from app.logging import configure_logging
from app.matching.cli import index_app, matches_app
from app.seeding.cli import seed
from app.settings import SettingsError, get_settings
from app.training.cli import models_app, train


def _exit_on_bad_settings() -> None:
    """A bad configuration is reported as one line per problem and exit status 2, never as a
    traceback or a server that half works."""
    try:
        get_settings()
    except SettingsError as exc:
        for problem in exc.problems:
            typer.echo(f"configuration error: {problem}", err=True)
        raise SystemExit(2) from None


main = typer.Typer(help="talent-match: explainable talent <-> job matching.", no_args_is_help=True)
main.add_typer(enrich_app, name="enrich")
main.add_typer(models_app, name="models")
main.add_typer(matches_app, name="matches")
main.add_typer(index_app, name="index")
main.add_typer(drift_app, name="drift")
main.add_typer(llm_app, name="llm")
main.command("train")(train)
main.command("seed")(seed)
main.command("token")(token)


@main.callback()
def _setup() -> None:
    _exit_on_bad_settings()
    configure_logging()


@main.command()
def migrate() -> None:
    """Upgrade the database to the newest schema (alembic upgrade head)."""
    from app.db.migrate import upgrade_head

    applied = upgrade_head()
    typer.echo("database migrated to head" if applied else "database already at head")


@main.command("init")
def init(
    seed_demo: bool = typer.Option(
        False, "--seed-demo", help="Seed the demo world when the database has no talents."
    ),
    train_model: bool = typer.Option(
        True, "--train/--no-train", help="Train the initial model when none verifies."
    ),
) -> None:
    """One-shot start of a deployment (compose `init`, Kubernetes Job) before any API replica:
    migrate, seed the demo world if asked, and train the initial model into MODEL_DIR when the
    registry has no active model that verifies, so every replica serves it on first start.

    It holds a Postgres advisory lock throughout, so a retried or duplicated init waits and
    then finds the work done. Without labelled pairs there is nothing to train on: it says so
    and succeeds, and the fallback serves until `app train` has feedback to learn from."""
    from app.db.migrate import INIT_LOCK_KEY, advisory_lock, upgrade_head
    from app.db.session import session_scope
    from app.training.repository import has_labelled_pairs

    url = get_settings().database_url
    with advisory_lock(url, INIT_LOCK_KEY):
        applied = upgrade_head(url)
        typer.echo("database migrated to head" if applied else "database already at head")
        if seed_demo:
            seed(if_empty=True)
        if not train_model:
            return
        with session_scope() as session:
            labelled = has_labelled_pairs(session)
        if not labelled:
            typer.echo("no labelled pairs: the fallback serves until `app train` runs")
            return
        train(initial=True, if_missing=True, force=False)


def _exit_after_graceful_stop(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


@main.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    proxy_headers: bool = typer.Option(
        False,
        "--proxy-headers/--no-proxy-headers",
        help="uvicorn's X-Forwarded-For handling; off: client addresses come from "
        "TRUSTED_PROXIES only.",
    ),
) -> None:
    """Run the API with uvicorn (with PROMETHEUS_MULTIPROC_DIR set, /metrics sums the workers).

    SIGTERM (docker stop, a pod's termination) drains and shuts the app down, then exits 0:
    a stop that was asked for and completed is not a crash."""
    import signal

    import uvicorn

    from app.api.server import HTTP_PROTOCOL
    from app.monitoring.metrics import prepare_multiprocess_dir
    from app.settings import get_settings

    metrics_dir = get_settings().prometheus_multiproc_dir
    if metrics_dir is not None:
        # Before the workers start, so that they inherit it.
        prepare_multiprocess_dir(metrics_dir, serves_here=workers == 1)

    # A single uvicorn server re-raises the stop signal once it has shut down gracefully; this
    # handler (restored by uvicorn before it re-raises) turns that into exit status 0.
    signal.signal(signal.SIGTERM, _exit_after_graceful_stop)
    uvicorn.run(
        "app.api.main:create_app",
        factory=True,
        http=HTTP_PROTOCOL,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        proxy_headers=proxy_headers,
        # uvicorn's supervisor kills a worker that does not answer its ping within this many
        # seconds; its 5 s default killed workers still importing torch on a busy 2-core
        # machine, over and over (seen in tests/deploy/test_process.py).
        timeout_worker_healthcheck=30,
    )


def run() -> None:
    """The `app` entry point: `main`, with a database that is not migrated or not reachable
    reported as one line and exit status 2 instead of a traceback."""
    from sqlalchemy.exc import DBAPIError

    from app.db.diagnose import explain

    try:
        main()
    except DBAPIError as exc:
        reason = explain(exc, get_settings().database_url)
        if reason is None:
            raise
        typer.echo(f"error: {reason}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    run()
