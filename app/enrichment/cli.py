"""`app enrich ...`: re-enrich stale jobs, train the section model, cluster, evaluate."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

enrich_app = typer.Typer(help="Job enrichment: skills, sections, clusters, evaluation.")


def _batches(ids: Sequence[uuid.UUID], size: int) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _progress() -> Progress:

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )


@enrich_app.callback(invoke_without_command=True)
def enrich(
    ctx: typer.Context,
    stale: Annotated[
        bool,
        typer.Option(
            "--stale",
            help="Re-enrich jobs not enriched at the configured version, and infer the "
            "occupation of jobs and talents without a given one.",
        ),
    ] = False,
    list_stale: Annotated[
        bool, typer.Option("--list-stale", help="Only list the jobs that need re-enrichment.")
    ] = False,
    job_id: Annotated[str | None, typer.Option(help="Enrich one job by id.")] = None,
    limit: Annotated[int | None, typer.Option(min=1)] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=512)] = 32,
) -> None:
    """Enrich jobs; with a sub-command, run that instead."""
    from app.enrichment.config import get_model_registry
    from app.enrichment.errors import ModelConfigError

    try:
        get_model_registry()
    except ModelConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if ctx.invoked_subcommand is not None:
        return
    if not (stale or list_stale or job_id):
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    from app.db.session import session_scope
    from app.enrichment.occupation import occupation_model_version
    from app.enrichment.occupation_store import (
        KINDS,
        infer_stale_occupations,
        stale_occupation_ids,
    )
    from app.enrichment.repository import stale_job_ids
    from app.enrichment.service import enrich_job, enrich_jobs, get_enricher

    version = get_model_registry().enrichment_version
    with session_scope() as session:
        if job_id:
            row = enrich_job(session, uuid.UUID(job_id))
            typer.echo(
                json.dumps(
                    {
                        "job_id": job_id,
                        "enrichment_version": row.enrichment_version,
                        "skills": [s["name"] for s in row.skills],
                    }
                )
            )
            return
        ids = stale_job_ids(session, version, limit)
        if list_stale:
            for stale_id in ids:
                typer.echo(str(stale_id))
            typer.echo(f"{len(ids)} job(s) need enrichment at {version}", err=True)
            jobs, talents = (len(stale_occupation_ids(session, k, None, limit)) for k in KINDS)
            typer.echo(
                f"{jobs} job(s) and {talents} talent(s) need occupation inference at "
                f"{occupation_model_version()}",
                err=True,
            )
            return
    # A backfill commits batch by batch (one `session_scope` each): an interrupted run keeps
    # what it finished, and the next run starts from the rows still stale.
    if not ids:
        typer.echo(f"nothing to do: every job is enriched at {version}")
    else:
        enricher = get_enricher()
        written = 0
        with _progress() as bar:
            task = bar.add_task(f"enriching at {version}", total=len(ids))
            for batch in _batches(ids, batch_size):
                with session_scope() as session:
                    written += len(enrich_jobs(session, batch, enricher, batch_size=batch_size))
                bar.advance(task, len(batch))
        typer.echo(f"enriched {written} job(s) at {version}")
    for kind in KINDS:
        with session_scope() as session:
            stale_ids = stale_occupation_ids(session, kind, None, limit)
        count = 0
        with _progress() as bar:
            task = bar.add_task(f"inferring {kind} occupations", total=len(stale_ids))
            for batch in _batches(stale_ids, batch_size):
                with session_scope() as session:
                    count += infer_stale_occupations(session, kind, batch, batch_size=batch_size)
                bar.advance(task, len(batch))
        typer.echo(f"inferred the occupation of {count} {kind}(s) at {occupation_model_version()}")


@enrich_app.command("extract")
def extract(text: str, sections: bool = False) -> None:
    """Extract skills from a text and print them as JSON (nothing is stored)."""
    from app.enrichment.service import get_enricher

    result = get_enricher().extractor.extract(text)
    out: dict[str, object] = {
        "skills": [s.as_dict() for s in result.skills],
        "alias_stats": result.alias_stats,
    }
    if sections:
        out["sections"] = [c.as_dict() for c in result.sections]
    typer.echo(json.dumps(out, indent=2))


@enrich_app.command("train-sections")
def train_sections(
    annotations: Annotated[Path, typer.Option(exists=True, dir_okay=False)],
    out: Annotated[Path | None, typer.Option(help="Default: settings.section_model_path.")] = None,
    version: str = "section_classification_v1.2-logreg-position",
) -> None:
    """Train the section classifier (logistic regression on embeddings and position, hybrid
    with the rules) from a JSONL export; its CV accuracy is grouped by posting."""
    from app.enrichment.config import VERSION_RE
    from app.enrichment.section_model import (
        load_annotations,
        save_section_model,
        section_model_path,
        train_section_model,
    )

    match = VERSION_RE.match(version)
    if match is None or match["type"] != "section_classification":
        raise typer.BadParameter(
            "must look like section_classification_v1.2[-suffix]", param_hint="--version"
        )
    examples = load_annotations(annotations)
    model, metrics = train_section_model(examples, version=version)
    target = out or section_model_path()
    save_section_model(model, target, metrics)
    typer.echo(json.dumps({"model": str(target), "version": version, **metrics}, indent=2))


@enrich_app.command("cluster")
def cluster(
    k_min: Annotated[int | None, typer.Option(min=2)] = None,
    k_max: Annotated[int | None, typer.Option(min=2)] = None,
    all_jobs: bool = typer.Option(False, help="Cluster closed jobs too."),
) -> None:
    """Cluster jobs, store the run as the active assignment, print stability vs the last run."""
    from app.db.session import session_scope
    from app.enrichment.clustering import run_clustering

    with session_scope() as session:
        run = run_clustering(
            session, status=None if all_jobs else "open", k_min=k_min, k_max=k_max, progress=True
        )
        typer.echo(f"cluster run {run.id} (version {run.cluster_version}, {run.cluster_model_id})")
        typer.echo(f"{run.n_jobs} jobs in {run.n_clusters} clusters")
        for info in run.clusters:
            words = ", ".join(k["term"] for k in info["keywords"][:6])
            typer.echo(f"  [{info['cluster_id']}] {info['name']} ({info['size']} jobs): {words}")
        if run.adjusted_rand_index is None:
            typer.echo("stability: first run, nothing to compare with")
        else:
            typer.echo(
                f"stability vs previous run: adjusted Rand index {run.adjusted_rand_index:.3f}, "
                f"jobs that changed cluster {run.changed_share:.1%}"
            )


@enrich_app.command("evaluate")
def evaluate_cmd(
    dataset: Annotated[Path, typer.Option(exists=True, dir_okay=False)],
    skillspan: bool = typer.Option(False, help="The dataset is SkillSpan BIO JSON lines."),
    strategies: str = "lexicon,alias,embedding",
    limit: Annotated[int | None, typer.Option(min=1)] = None,
    store: bool = typer.Option(True, help="Record the result in evaluation_results."),
) -> None:
    """Evaluate the extractor on a labelled dataset and (by default) store the result."""
    from app.db.session import session_scope
    from app.enrichment.config import get_model_registry
    from app.enrichment.evaluation import evaluate, load_records, skillspan_records, store_result
    from app.enrichment.extractor import SkillExtractor
    from app.enrichment.mentions import STRATEGIES, Strategy

    chosen: list[Strategy] = [s for s in STRATEGIES if s in strategies.split(",")]
    if not chosen:
        raise typer.BadParameter(f"choose from {STRATEGIES}", param_hint="--strategies")
    records = skillspan_records(dataset, limit) if skillspan else load_records(dataset)[:limit]
    entry = get_model_registry().entry("skills_extraction")
    extractor = SkillExtractor(
        strategies=chosen,
        min_confidence=float(entry.params.get("min_confidence", 0.35)),
        embedding_threshold=float(entry.params.get("embedding_threshold", 0.8)),
    )
    report = evaluate(extractor, records)
    typer.echo(json.dumps(report.as_dict(), indent=2))
    if store:
        with session_scope() as session:
            row = store_result(
                session,
                report,
                model_id=entry.model_id,
                model_version=entry.version,
                strategies=chosen,
                dataset_path=dataset,
            )
            typer.echo(f"stored evaluation {row.id}", err=True)


@enrich_app.command("build-vocabulary")
def build_vocabulary(
    onet: Annotated[Path, typer.Option(exists=True, dir_okay=False)] = Path(
        "../shared/data/onet/technology_skills.tsv"
    ),
) -> None:
    """Rebuild the shipped O*NET-derived vocabulary (onet_vocabulary.tsv)."""
    from app.enrichment.vocabulary import ONET_VOCAB_PATH, build_onet_vocabulary

    rows = build_onet_vocabulary(onet)
    typer.echo(f"wrote {rows} rows to {ONET_VOCAB_PATH}")
