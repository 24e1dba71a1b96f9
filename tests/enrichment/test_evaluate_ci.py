"""The CI gate passes on the committed sample and fails when the extractor is broken."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from app.enrichment.vocabulary import ALIASES_PATH, CURATED_PATH

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "evaluate_ci.py"


def run_gate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_gate_passes_on_committed_sample_with_committed_threshold() -> None:
    done = run_gate()
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    gate = json.loads((ROOT / "tests/enrichment/data/eval_gate.json").read_text())
    assert summary["min_f1"] == gate["min_f1"]
    assert summary["macro_f1"] >= gate["min_f1"]
    assert summary["strategies"] == ["lexicon", "alias", "embedding"]


def test_gate_fails_on_a_broken_extractor(tmp_path: Path) -> None:
    """A vocabulary that lost most curated skills and the O*NET file: F1 drops, exit 1."""
    curated = yaml.safe_load(CURATED_PATH.read_text())
    broken = {category: names[:2] for category, names in curated.items()}
    (tmp_path / "curated_skills.yaml").write_text(yaml.safe_dump(broken))
    aliases = yaml.safe_load(ALIASES_PATH.read_text())
    kept = {k: v for k, v in aliases["aliases"].items() if any(k in n for n in broken.values())}
    ambiguous = {
        k: v for k, v in aliases["ambiguous"].items() if any(k in n for n in broken.values())
    }
    (tmp_path / "skill_aliases.yaml").write_text(
        yaml.safe_dump({"aliases": kept, "ambiguous": ambiguous})
    )
    done = run_gate("--vocab-dir", str(tmp_path), "--strategies", "lexicon,alias")
    assert done.returncode == 1, done.stdout[-2000:]
    assert "FAIL" in done.stderr


def test_lexicon_alone_does_not_pass_the_gate() -> None:
    """The threshold sits above the baseline, so losing alias + embedding fails CI too."""
    done = run_gate("--strategies", "lexicon")
    assert done.returncode == 1


def test_bad_threshold_is_a_usage_error() -> None:
    assert run_gate("--min-f1", "1.5").returncode == 2


def test_copy_of_sample_evaluates_identically(tmp_path: Path) -> None:
    sample = ROOT / "tests/enrichment/data/eval_sample.jsonl"
    copy = tmp_path / "sample.jsonl"
    shutil.copy(sample, copy)
    done = run_gate("--dataset", str(copy), "--strategies", "lexicon,alias", "--min-f1", "0")
    assert done.returncode == 0
    assert json.loads(done.stdout)["sample_count"] == 90
