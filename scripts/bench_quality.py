"""External ranking quality: model vs fallback vs MiniLM cosine vs TF-IDF vs random, one run.

    .venv/bin/python scripts/bench_quality.py [--model-dir models/v1.0] [--occupations 200]

Reads `../shared/data` (O*NET for the zero-shot ranking, rjdb for pairwise accuracy), prints a
table and writes `bench_results/quality_<timestamp>.json`.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from app.matching.model import MatchingModel
from app.training.quality import evaluate, prepare

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def main(
    model_dir: Path | None = typer.Option(None, help="model folder (model.txt + metadata.json)"),
    data_dir: Path = typer.Option(DATA_DIR, help="the shared data folder"),
    occupations: int = typer.Option(200, help="occupations in the O*NET ranking set"),
    rjdb_rows: int | None = typer.Option(None, help="rjdb rows (default: all)"),
    out_dir: Path = typer.Option(Path("bench_results"), help="where the JSON goes"),
) -> None:
    model = MatchingModel.load(model_dir) if model_dir else None
    started = time.perf_counter()
    result = evaluate(prepare(data_dir, occupations=occupations, rjdb_rows=rjdb_rows), model)
    elapsed = time.perf_counter() - started
    console = Console()
    for bench, scorers in result.items():
        metrics = sorted({m for v in scorers.values() for m in v})
        table = Table(title=f"{bench} ({model.version if model else 'no model'})")
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
        "model": model.version if model else None,
        "model_dir": str(model_dir) if model_dir else None,
        "occupations": occupations,
        "seconds": round(elapsed, 1),
        "results": result,
    }
    path.write_text(json.dumps(payload, indent=2))
    console.print(f"{elapsed:.1f} s; wrote {path}")


if __name__ == "__main__":
    typer.run(main)
