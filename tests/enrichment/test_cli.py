"""`app enrich` through its typer entry point, on a real SQLite database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import main
from app.db.migrate import upgrade_head
from app.db.session import get_engine, make_engine
from app.enrichment.config import DEFAULT_CONFIG_PATH, get_model_registry
from app.enrichment.service import get_enricher
from app.settings import get_settings
from tests.factories import make_job


def _clear_caches() -> None:
    for cached in (get_settings, get_model_registry, get_enricher, get_engine):
        cached.cache_clear()


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A migrated SQLite file with three jobs and a lexicon+alias config (no model load)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade_head(url)
    engine = make_engine(url)
    with Session(engine) as session:
        for i in range(3):
            make_job(session, description=f"Requirements: Python and K8s, job {i}.")
        session.commit()
    engine.dispose()
    config = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    config["models"]["skills_extraction"]["params"]["strategies"] = ["lexicon", "alias"]
    path = tmp_path / "model_versions.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ENRICHMENT_CONFIG_PATH", str(path))
    monkeypatch.setenv("MODEL_DIR", str(tmp_path / "models"))
    _clear_caches()
    yield path
    _clear_caches()


def run(*args: str) -> tuple[int, str, str]:
    _clear_caches()
    result = CliRunner().invoke(main, ["enrich", *args])
    return result.exit_code, result.stdout, result.stderr


def test_stale_enrichment_is_idempotent_until_the_version_moves(config_path: Path) -> None:
    code, out, err = run("--list-stale")
    assert code == 0, err
    assert len(out.split()) == 3
    config = yaml.safe_load(config_path.read_text())
    code, out, err = run("--stale")
    assert code == 0, err
    assert f"enriched 3 job(s) at {config['enrichment_version']}" in out
    code, out, _ = run("--stale")
    assert code == 0
    assert "nothing to do" in out

    config["enrichment_version"] = "enrichment_v9.0"
    config_path.write_text(yaml.safe_dump(config))
    code, out, _ = run("--stale")
    assert "enriched 3 job(s) at enrichment_v9.0" in out


def test_bad_registry_fails_at_start_with_the_field_named(config_path: Path) -> None:
    config = yaml.safe_load(config_path.read_text())
    config["models"]["clustering"]["model_id"] = "Job-Clusterer"
    config_path.write_text(yaml.safe_dump(config))
    code, _, err = run("--stale")
    assert code == 2
    assert "models.clustering.model_id" in err


def test_train_sections_writes_a_model_that_loads(config_path: Path, tmp_path: Path) -> None:
    from app.enrichment.section_model import load_section_model

    export = tmp_path / "export.jsonl"
    lines = (Path(__file__).parent / "data" / "dice_sections.jsonl").read_text().splitlines()
    export.write_text("\n".join(lines[:40]) + "\n")
    out = tmp_path / "sections.json"
    code, stdout, err = run("train-sections", "--annotations", str(export), "--out", str(out))
    assert code == 0, err
    report = json.loads(stdout)
    assert report["version"] == "section_classification_v1.2-logreg-position"
    assert report["cv_grouped_by"] == "posting"
    model = load_section_model(out)
    assert model.features == ("embedding", "position")
    code, _, err = run("train-sections", "--annotations", str(export), "--version", "bad_v1")
    assert code != 0


def test_stale_infers_missing_occupations_once(config_path: Path) -> None:
    code, _, err = run("--list-stale")
    assert code == 0, err
    assert "3 job(s) and 0 talent(s) need occupation inference" in err
    code, out, err = run("--stale")
    assert code == 0, err
    assert "inferred the occupation of 3 job(s)" in out
    assert "inferred the occupation of 0 talent(s)" in out
    code, out, err = run("--stale")
    assert code == 0, err
    assert "inferred the occupation of 0 job(s)" in out
