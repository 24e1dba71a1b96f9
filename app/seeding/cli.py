"""`app seed`: fill the database with a synthetic world and report its speed."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from app.seeding.errors import SeedConflictError
from app.seeding.service import SeedReport, seed_world
from app.seeding.vocab import load_vocab


def _print_report(report: SeedReport, wall_seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"seeded world (seed {report.seed})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in report.counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    console.print(
        f"write: {report.rows_written:,} rows in {report.seconds.get('write', 0):.1f} s "
        f"({report.rows_per_second:,.0f} rows/s); generate {report.seconds.get('generate', 0):.1f}"
        f" s; labels mean {report.label_mean:.1f}, train share {report.train_share:.0%}"
    )
    console.print(
        "texts: bounded by design - every title/description/bio is one of occupation x variant "
        f"templates, so {report.distinct_texts.get('job', 0)} distinct job texts and "
        f"{report.distinct_texts.get('talent', 0)} distinct talent texts; structured fields "
        "vary per row."
    )
    if report.texts_embedded:
        console.print(
            f"embed: {sum(report.texts_embedded.values())} texts sent to the model "
            f"({report.texts_embedded}), the rest reused by content hash, "
            f"in {report.seconds.get('embed', 0):.1f} s"
        )
    console.print(f"total {wall_seconds:.1f} s, peak RSS {report.peak_rss_mb:.0f} MB")
    for row in report.example_talents:
        console.print(f"talent  {row['talent_id']}  owner_user_id {row['owner_user_id']}")
    for row in report.example_companies:
        console.print(f"company {row['company_id']}  owner_user_id {row['owner_user_id']}")
    console.print(f"[dim]{load_vocab().attribution}[/dim]")


def seed(
    talents: Annotated[int, typer.Option(min=0, help="Talents to create.")] = 1500,
    jobs: Annotated[int, typer.Option(min=0, help="Jobs to create.")] = 300,
    companies: Annotated[
        int | None, typer.Option(min=1, help="Companies (default: jobs // 5).")
    ] = None,
    pairs: Annotated[int, typer.Option(min=0, help="Labelled talent-job pairs.")] = 6000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same world.")] = 42,
    text_variants: Annotated[
        int, typer.Option(min=1, max=6, help="Text templates per occupation.")
    ] = 3,
    embed: Annotated[bool, typer.Option("--embed/--no-embed", help="Embed texts.")] = True,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing if any talent exists.")
    ] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="Delete talents, jobs, companies first.")
    ] = False,
    database_url: Annotated[
        str | None, typer.Option(help="Database URL (default: settings).")
    ] = None,
) -> None:
    """Seed synthetic talents, jobs, companies and labelled pairs (O*NET-derived)."""
    from app.db.session import get_engine

    started = time.perf_counter()
    try:
        report = seed_world(
            get_engine(database_url),
            talents=talents,
            jobs=jobs,
            companies=companies,
            pairs=pairs,
            seed=seed,
            text_variants=text_variants,
            embed=embed,
            reset=reset,
            if_empty=if_empty,
            progress=True,
        )
    except SeedConflictError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    if report.skipped:
        typer.echo("talents already exist; --if-empty: nothing seeded")
        return
    _print_report(report, time.perf_counter() - started)
