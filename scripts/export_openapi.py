"""Write the API contract: `docs/openapi.json` and the TypeScript types generated from it.

The dashboard and the gateway type their calls with `openapi-typescript`'s output for this one
document, so a field renamed in a pydantic schema breaks their type checks instead of drifting
silently. `tests/api/test_openapi_contract.py` fails when the committed document is stale and
`npm run api:check` (in `make test`) when the committed TypeScript is.

    .venv/bin/python scripts/export_openapi.py          # rewrite the document and both .ts files
    .venv/bin/python scripts/export_openapi.py --spec   # the document only (no Node.js needed)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file: make `app` importable
    sys.path.insert(0, str(ROOT))

from app.api.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402

SPEC = Path("docs/openapi.json")
FRONTEND = Path("frontend")


def document() -> dict[str, Any]:
    """The OpenAPI document of an app in development mode, independent of the local `.env`."""
    settings = Settings(
        _env_file=None,
        environment="development",
        database_url="sqlite://",
        expose_docs=True,
        warm_embeddings_on_start=False,
        matching_warm_on_start=False,
        training_check_minutes=0,
    )
    return create_app(settings).openapi()


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(
    spec_only: bool = typer.Option(False, "--spec", help="write docs/openapi.json only"),
) -> None:
    path = ROOT / SPEC
    path.write_text(render(document()), encoding="utf-8")
    typer.echo(str(path))
    if not spec_only:
        subprocess.run(["npm", "run", "--silent", "api:types"], cwd=ROOT / FRONTEND, check=True)


if __name__ == "__main__":
    typer.run(main)
