"""scripts/load_api.py refuses any target that is not this machine's loopback."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "load_api.py"


def load_script():
    spec = importlib.util.spec_from_file_location("load_api", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_api"] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5:8000", "http://192.168.1.2", "https://example.com", "http://0.0.0.0:1"]
)
def test_non_loopback_targets_are_refused(url: str) -> None:
    app = typer.Typer()
    app.command()(load_script().main)
    result = CliRunner().invoke(app, ["--base-url", url])
    assert result.exit_code == 2
    assert "loopback" in result.output
