"""`app` command line: one typer app; each capability registers its own commands here."""

from __future__ import annotations

import typer

from app.auth.cli import token
from app.enrichment.cli import enrich_app
from app.logging import configure_logging
from app.seeding.cli import seed
from app.training.cli import models_app, train

main = typer.Typer(help="talent-match: explainable talent <-> job matching.", no_args_is_help=True)
main.add_typer(enrich_app, name="enrich")
main.add_typer(models_app, name="models")
main.command("train")(train)
main.command("seed")(seed)
main.command("token")(token)


@main.callback()
def _setup() -> None:
    configure_logging()


@main.command()
def migrate() -> None:
    """Upgrade the database to the newest schema (alembic upgrade head)."""
    from app.db.migrate import upgrade_head

    upgrade_head()
    typer.echo("database at head")


@main.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the API with uvicorn."""
    import uvicorn

    from app.api.server import HTTP_PROTOCOL

    uvicorn.run(
        "app.api.main:create_app",
        factory=True,
        http=HTTP_PROTOCOL,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
    )


if __name__ == "__main__":
    main()
