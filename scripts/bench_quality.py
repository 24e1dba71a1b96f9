"""External ranking quality: model vs fallback vs MiniLM cosine vs TF-IDF vs random, one run.

    .venv/bin/python scripts/bench_quality.py [--model-dir models/v1.0 ...] [--occupations 200]

Reads `../shared/data` (O*NET for the zero-shot ranking, rjdb for pairwise accuracy), prints a
table and writes `bench_results/quality_<timestamp>.json`.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from app.ml.matcher import MatchingModel
from app.training.quality import evaluate, prepare

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def main(
    model_dir: list[Path] | None = typer.Option(
        None, help="model folder (model.txt + metadata.json); repeat to compare models"
    ),
    data_dir: Path = typer.Option(DATA_DIR, help="the shared data folder"),
    occupations: int = typer.Option(200, help="occupations in the O*NET ranking set"),
    rjdb_rows: int | None = typer.Option(None, help="rjdb rows (default: all)"),
    out_dir: Path = typer.Option(Path("bench_results"), help="where the JSON goes"),
) -> None:
    models: dict[str, MatchingModel | None] = {
        str(d): MatchingModel.load(d) for d in model_dir or []
    }
    started = time.perf_counter()
    data = prepare(data_dir, occupations=occupations, rjdb_rows=rjdb_rows)
    prepared_s = time.perf_counter() - started
    result: dict[str, Any] = {}
    for name, model in (models or {"no model": None}).items():
        for bench, scorers in evaluate(data, model).items():
            if "model" in scorers:
                result.setdefault(bench, {})[f"model {name}"] = scorers.pop("model")
            result.setdefault(bench, {}).update(scorers)
    console = Console()
    for bench, scorers in result.items():
        metrics = sorted({m for v in scorers.values() for m in v})
        table = Table(title=f"{bench}: every scorer on the same {bench} rows")
        table.add_column("scorer")
        for m in metrics:
            table.add_column(m, justify="right")
        for name, values in scorers.items():
            table.add_row(name, *(f"{values.get(m, float('nan')):.4f}" for m in metrics))
        console.print(table)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = out_dir / f"quality_{stamp}.json"
    payload = {
        "models": {name: m.version for name, m in models.items() if m is not None},
        "occupations": occupations,
        "rjdb_rows": rjdb_rows,
        "prepare_seconds": round(prepared_s, 1),
        "results": result,
    }
    path.write_text(json.dumps(payload, indent=2))
    console.print(f"prepared in {prepared_s:.1f} s; wrote {path}")


if __name__ == "__main__":
    typer.run(main)
