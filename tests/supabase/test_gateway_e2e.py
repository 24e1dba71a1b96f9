"""The edge gateway end to end: the real FastAPI service under uvicorn, the real Deno gateway.

A Postgres database of this module's own is migrated and seeded with a small world
(`seed_world`) and a tiny active LightGBM model, so the service answers with `source: "ml"`.
Two gateways run with `deno run` from supabase/tools: one in front of the service, one whose
ML_SERVICE_URL is a closed port (so it always falls back), both reading the same database.
Tokens are minted with PyJWT; the service's JWT_SECRET and the gateways' SUPABASE_JWT_SECRET
are the same value. The pinned Deno is installed (`supabase/test.sh --install-only`, npm ci)
when missing: this test never skips.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import numpy as np
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.db.migrate import upgrade_head
from app.db.models import Embedding
from app.db.session import make_engine
from app.ml import fallback
from app.ml.embeddings import EMBEDDING_DIM, to_bytes
from app.matching.explain import explain
from app.ml.sub_scores import sub_scores
from app.ml.features import FEATURE_INDEX, FEATURE_NAMES, one_to_many
from app.ml.profiles import SkillVocab
from app.ml.repository import load_job_table, load_talent_table
from app.seeding.service import seed_world
from app.settings import get_settings
from tests.conftest import scratch_postgres_database
from tests.jwt_tokens import b64url, claims_for, hs256
from tests.training.conftest import register_artifact

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SUPABASE = REPO / "supabase"
DENO = SUPABASE / "tools" / "node_modules" / ".bin" / "deno"
FUNCTION = SUPABASE / "functions" / "ml-matching-gateway"
SECRET = "gateway-e2e-hs256-secret-that-is-long-enough-0123456789"
MODEL_VERSION = "v1.0-gateway-e2e"
START_TIMEOUT = 45.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Process:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    handle: IO[bytes]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.handle.close()


def _start(name: str, cmd: list[str], cwd: Path, env: dict[str, str], logs: Path) -> Process:
    log = logs / f"{name}.log"
    handle = log.open("wb")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)
    return Process(name, proc, log, handle)


def _wait_ready(process: Process, method: str, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.proc.poll() is not None:
            pytest.fail(f"{process.name} exited ({process.proc.returncode}):\n{_tail(process.log)}")
        try:
            response = httpx.request(method, url, timeout=2.0)
            if response.status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{process.name} not ready after {START_TIMEOUT}s:\n{_tail(process.log)}")


def _ensure_deno() -> None:
    """Install the pinned Deno and the function's npm deps (npm ci / deno install) if missing."""
    result = subprocess.run(
        ["bash", str(SUPABASE / "test.sh"), "--install-only"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0 or not DENO.exists():
        pytest.fail(f"could not install deno:\n{result.stdout}\n{result.stderr}")


@dataclass
class Stack:
    engine: Engine
    api: str
    gateway_ml: str
    gateway_down: str
    talent_a: str
    talent_b: str
    user_a: str
    user_b: str
    company_user: str
    company_job: str
    other_job: str
    processes: list[Process]


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with scratch_postgres_database("tm_gateway") as url:
        yield url


@pytest.fixture(scope="module")
def stack(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    _ensure_deno()
    root = tmp_path_factory.mktemp("gateway")
    upgrade_head(database_url)
    engine = make_engine(database_url)
    report = seed_world(engine, talents=120, jobs=40, pairs=100, seed=7, embed=False)
    with Session(engine) as session:
        register_artifact(session, root / "models", MODEL_VERSION, activate=True)
        session.commit()
    talents = report.example_talents
    with engine.connect() as conn:
        (company_user, company_job), (_, other_job) = conn.execute(
            text(
                "SELECT DISTINCT ON (c.id) c.owner_user_id::text, j.id::text FROM companies c"
                " JOIN jobs j ON j.company_id = c.id WHERE c.owner_user_id IS NOT NULL"
                " ORDER BY c.id, j.id LIMIT 2"
            )
        ).all()

    base_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JWT_", "DATABASE_", "REDIS_", "ML_", "SUPABASE_", "PORT"))
    }
    api_port, ml_port, down_port, closed = (_free_port() for _ in range(4))
    api_env = {
        **base_env,
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "JWT_SECRET": SECRET,
        "JWT_AUDIENCE": "authenticated",
        "RATE_LIMIT": "10000/minute",
        "LOG_LEVEL": "WARNING",
        "WARM_EMBEDDINGS_ON_START": "false",
        "TRAINING_CHECK_MINUTES": "0",
        "MODEL_DIR": str(root / "models"),
    }
    # postgres.js takes a plain postgresql:// URL.
    pg_url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    gateway_env = {
        **base_env,
        "SUPABASE_JWT_SECRET": SECRET,
        "DATABASE_URL": pg_url,
        "LISTEN_HOST": "127.0.0.1",
        "ML_TIMEOUT_MS": "5000",
        "NO_COLOR": "1",
        "DENO_NO_UPDATE_CHECK": "1",
    }
    deno_run = [str(DENO), "run", "--frozen", "--allow-net=127.0.0.1", "--allow-env", "index.ts"]
    api_cmd = [sys.executable, "-m", "uvicorn", "app.api.main:create_app", "--factory"]
    api_cmd += ["--host", "127.0.0.1", "--port", str(api_port), "--log-level", "warning"]
    processes = [
        _start("api", api_cmd, REPO, api_env, root),
        _start(
            "gateway-ml",
            deno_run,
            FUNCTION,
            {**gateway_env, "PORT": str(ml_port), "ML_SERVICE_URL": f"http://127.0.0.1:{api_port}"},
            root,
        ),
        _start(
            "gateway-down",
            deno_run,
            FUNCTION,
            {**gateway_env, "PORT": str(down_port), "ML_SERVICE_URL": f"http://127.0.0.1:{closed}"},
            root,
        ),
    ]
    try:
        _wait_ready(processes[0], "GET", f"http://127.0.0.1:{api_port}/api/v1/health")
        _wait_ready(processes[1], "OPTIONS", f"http://127.0.0.1:{ml_port}/")
        _wait_ready(processes[2], "OPTIONS", f"http://127.0.0.1:{down_port}/")
        yield Stack(
            engine=engine,
            api=f"http://127.0.0.1:{api_port}",
            gateway_ml=f"http://127.0.0.1:{ml_port}",
            gateway_down=f"http://127.0.0.1:{down_port}",
            talent_a=talents[0]["talent_id"],
            talent_b=talents[1]["talent_id"],
            user_a=talents[0]["owner_user_id"],
            user_b=talents[1]["owner_user_id"],
            company_user=company_user,
            company_job=company_job,
            other_job=other_job,
            processes=processes,
        )
    finally:
        for process in processes:
            process.stop()
        engine.dispose()


def token(sub: str, role: str | None = "talent", secret: str = SECRET, **extra: Any) -> str:
    return hs256(claims_for(sub, app_role=role, **extra), secret=secret)


def ask(base: str, body: dict[str, Any], bearer: str | None, path: str = "/") -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return httpx.post(base + path, json=body, headers=headers, timeout=20.0)


def talent_to_jobs(talent_id: str, **extra: Any) -> dict[str, Any]:
    return {"type": "talent-to-jobs", "talent_id": talent_id, **extra}


def shape(value: Any) -> Any:
    """Keys at every level (first list element only), with each leaf's JSON type."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def without_nulls(value: Any) -> Any:
    """model_version and next_cursor are strings on the ML path and null on the fallback's
    (it has no model and never pages): compare the rest."""
    if isinstance(value, dict):
        return {
            k: without_nulls(v)
            for k, v in value.items()
            if k not in ("model_version", "next_cursor")
        }
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def test_own_request_goes_through_the_ml_service_and_is_cached(stack: Stack) -> None:
    bearer = token(stack.user_a)
    first = ask(stack.gateway_ml, talent_to_jobs(stack.talent_a, limit=8), bearer)
    assert first.status_code == 200, first.text
    assert first.headers["x-match-source"] == "ml"
    assert first.headers["x-cache"] == "miss"
    body = first.json()
    assert body["model_version"] == MODEL_VERSION
    assert 0 < len(body["matches"]) <= 8
    assert {m["source"] for m in body["matches"]} == {"ml"}

    again = ask(stack.gateway_ml, talent_to_jobs(stack.talent_a, limit=8), bearer)
    assert again.status_code == 200
    assert again.headers["x-cache"] == "hit"
    assert again.json() == body

    other_token = token(stack.user_a, extra_claim="another token of the same user")
    fresh = ask(stack.gateway_ml, talent_to_jobs(stack.talent_a, limit=8), other_token)
    assert fresh.headers["x-cache"] == "miss", "a cached answer is only for the same token"


def test_another_talent_is_refused_by_the_service_and_passed_through(stack: Stack) -> None:
    bearer = token(stack.user_a)
    via_gateway = ask(stack.gateway_ml, talent_to_jobs(stack.talent_b), bearer)
    direct = ask(
        stack.api, {"talent_id": stack.talent_b}, bearer, path="/api/v1/match/talent-to-jobs"
    )
    assert via_gateway.status_code == direct.status_code == 403
    assert via_gateway.headers["x-match-source"] == "ml"
    assert "x-fallback-reason" not in via_gateway.headers
    error = via_gateway.json()["error"]
    assert error["code"] == direct.json()["error"]["code"] == "forbidden"
    assert error["request_id"], "the service's own envelope, unchanged"

    expired = token(stack.user_a, exp=int(time.time()) - 3600)
    refused = ask(stack.gateway_ml, talent_to_jobs(stack.talent_a), expired)
    assert refused.status_code == 401, "the service's 401 passes through, no fallback"
    assert refused.headers["x-match-source"] == "ml"


def test_the_fallback_serves_open_jobs_in_the_same_shape(stack: Stack) -> None:
    bearer = token(stack.user_a)
    ml = ask(stack.gateway_ml, talent_to_jobs(stack.talent_a, limit=10), bearer)
    down = ask(stack.gateway_down, talent_to_jobs(stack.talent_a, limit=10), bearer)
    assert down.status_code == 200, down.text
    assert down.headers["x-match-source"] == "fallback"
    assert down.headers["x-fallback-reason"] == "network_error"
    body = down.json()
    assert body["model_version"] is None
    assert body["processing_time_ms"] >= 0
    matches = body["matches"]
    assert 0 < len(matches) <= 10
    assert all(m["source"] == "fallback" and m["model_version"] is None for m in matches)
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)
    assert shape(without_nulls(body)) == shape(without_nulls(ml.json()))
    ids = [m["id"] for m in matches]
    with stack.engine.connect() as conn:
        statuses = conn.execute(
            text("SELECT status FROM jobs WHERE id = ANY(CAST(:ids AS uuid[]))"), {"ids": ids}
        ).scalars()
        assert list(statuses) == ["open"] * len(ids)

    above = ask(stack.gateway_down, talent_to_jobs(stack.talent_a, min_score=scores[0]), bearer)
    assert above.status_code == 200
    assert all(m["score"] >= scores[0] for m in above.json()["matches"])
    assert down.headers.get("x-cache") == "miss"


def _store_text_vectors(engine: Engine, talent_id: str) -> None:
    """Unit vectors for the talent and the open jobs at cosines spread over -0.2..1 (the seed
    ran with embed=False), so the 30-point text rule is compared too. Every fifth job has
    none, one a zero vector (none, to the service) and one only under another model id."""
    rng = np.random.default_rng(11)
    model_id = get_settings().embedding_model_id
    talent = rng.normal(size=EMBEDDING_DIM)
    talent /= np.linalg.norm(talent)

    def row(kind: str, owner: str, vector: np.ndarray[Any, Any], model: str) -> Embedding:
        return Embedding(
            owner_kind=kind,
            owner_id=uuid.UUID(owner),
            content_hash=f"e2e-{owner}",
            model_id=model,
            dim=EMBEDDING_DIM,
            vector=to_bytes(vector),
        )

    rows = [row("talent", talent_id, talent, model_id)]
    with engine.connect() as conn:
        job_ids = conn.execute(text("SELECT id::text FROM jobs WHERE status = 'open' ORDER BY id"))
        for i, job_id in enumerate(job_ids.scalars()):
            if i % 5 == 0:
                continue
            other = rng.normal(size=EMBEDDING_DIM)
            other -= (other @ talent) * talent
            cosine = rng.uniform(-0.2, 1.0)
            vector = cosine * talent + np.sqrt(1 - cosine**2) * other / np.linalg.norm(other)
            vector = np.zeros(EMBEDDING_DIM) if i == 1 else vector
            rows.append(row("job", job_id, vector, "another-model" if i == 2 else model_id))
    with Session(engine) as session:
        session.add_all(rows)
        session.commit()


def test_the_fallback_scores_like_the_services_rule_based_matcher(stack: Stack) -> None:
    """The TS port against app/matching/fallback.py on the same rows: same scores, sub-scores
    and top factors (with their sentences), text vectors and occupation codes included."""
    _store_text_vectors(stack.engine, stack.talent_a)
    response = ask(
        stack.gateway_down, talent_to_jobs(stack.talent_a, limit=100), token(stack.user_a)
    )
    assert response.status_code == 200, response.text
    matches = response.json()["matches"]
    vocab = SkillVocab()
    with Session(stack.engine) as session:
        subject = load_talent_table(session, vocab, [uuid.UUID(stack.talent_a)])
        jobs = load_job_table(session, vocab, [uuid.UUID(m["id"]) for m in matches])
    features = one_to_many(subject, jobs, np.arange(len(jobs)))
    expected = fallback.scores(features)
    contribs = fallback.contributions(features)[:, : len(FEATURE_NAMES)]
    expected_subs = sub_scores(contribs, fallback.CATEGORY_SCALE)
    pairs = [(subject, 0, jobs, i) for i in range(len(jobs))]
    explained = explain(contribs, features, expected, fallback.CATEGORY_SCALE, pairs)
    assert features[:, FEATURE_INDEX["embedding_cosine"]].std() > 0.1, "texts are compared"
    assert (features[:, FEATURE_INDEX["occupation_match"]] >= 0).all(), "codes are compared"
    by_id = {str(job_id): i for i, job_id in enumerate(jobs.ids)}
    for match in matches:
        i = by_id[match["id"]]
        assert match["score"] == pytest.approx(float(expected[i]), abs=0.011), match["id"]
        for category, value in expected_subs[i].items():
            assert match["explanation"]["sub_scores"][category] == pytest.approx(value, abs=0.11)
        factors = match["explanation"]["top_factors"]
        want = explained[i].top_factors
        assert [(f["factor"], f["category"], f["description"]) for f in factors] == [
            (f.factor, f.category, f.description) for f in want
        ], match["id"]
        assert [f["impact"] for f in factors] == pytest.approx([f.impact for f in want], abs=0.011)
        assert match["explanation"]["summary"] == explained[i].summary


def test_the_fallback_verifies_tokens_and_ownership_itself(stack: Stack) -> None:
    body = talent_to_jobs(stack.talent_a)
    now = int(time.time())
    forged = token(stack.user_a, secret="not-the-secret-" + "x" * 40)
    expired = token(stack.user_a, exp=now - 3600)
    wrong_aud = token(stack.user_a, aud="anon")
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    claims = claims_for(stack.user_a, app_role="admin")
    alg_none = f"{header}.{b64url(json.dumps(claims).encode())}."
    for name, bad in {
        "forged": forged,
        "expired": expired,
        "wrong audience": wrong_aud,
        "alg none": alg_none,
    }.items():
        response = ask(stack.gateway_down, body, bad)
        assert response.status_code == 401, name
        assert response.json()["error"]["code"] == "unauthorized"
    assert ask(stack.gateway_down, body, None).status_code == 401

    mine = token(stack.user_a)
    assert ask(stack.gateway_down, talent_to_jobs(stack.talent_b), mine).status_code == 403
    self_promoted = token(stack.user_a, role=None, user_metadata={"role": "admin"})
    assert ask(stack.gateway_down, talent_to_jobs(stack.talent_b), self_promoted).status_code == 403

    company = token(stack.company_user, role="company")
    own_job = ask(
        stack.gateway_down, {"type": "job-to-talents", "job_id": stack.company_job}, company
    )
    assert own_job.status_code == 200, own_job.text
    assert {m["source"] for m in own_job.json()["matches"]} == {"fallback"}
    foreign = {"type": "job-to-talents", "job_id": stack.other_job}
    assert ask(stack.gateway_down, foreign, company).status_code == 403

    admin = token(str(uuid.uuid4()), role="admin")
    assert ask(stack.gateway_down, talent_to_jobs(stack.talent_b), admin).status_code == 200
    assert ask(stack.gateway_down, talent_to_jobs(str(uuid.uuid4())), admin).status_code == 404


def test_every_gateway_call_is_logged_as_json(stack: Stack) -> None:
    ask(stack.gateway_down, talent_to_jobs(stack.talent_a), token(stack.user_a))
    log = next(p for p in stack.processes if p.name == "gateway-down").log
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "ml_gateway_request"]
    assert requests, _tail(log)
    last = requests[-1]
    assert {"request_id", "route", "status", "ms", "source"} <= last.keys()
    assert last["source"] == "fallback"
    assert last["route"] == "talent-to-jobs"


def test_the_supabase_config_lists_the_function_with_jwt_verification() -> None:
    config = tomllib.loads((SUPABASE / "config.toml").read_text())
    function = config["functions"]["ml-matching-gateway"]
    assert function["verify_jwt"] is True
    for key in ("entrypoint", "import_map"):
        assert (SUPABASE / function[key]).resolve().is_file(), key
    deno_json = json.loads((FUNCTION / "deno.json").read_text())
    assert deno_json["nodeModulesDir"] == "auto"
    assert not (FUNCTION / "package.json").exists(), "no package.json next to the function"


def test_filters_and_pages_go_through_the_gateway_and_the_fallback_refuses_them(
    stack: Stack,
) -> None:
    bearer = token(stack.user_a)
    filters = {"remote": ["remote", "hybrid", "onsite"], "seniority": ["mid", "senior"]}
    first = ask(stack.gateway_ml, talent_to_jobs(stack.talent_a, limit=1, filters=filters), bearer)
    assert first.status_code == 200, first.text
    cursor = first.json()["next_cursor"]
    if cursor is not None:
        body = talent_to_jobs(stack.talent_a, limit=1, filters=filters, cursor=cursor)
        second = ask(stack.gateway_ml, {**body, "view": "compact"}, bearer)
        assert second.status_code == 200, second.text
        assert second.json()["matches"][0]["explanation"] is None
        assert second.json()["matches"][0]["id"] != first.json()["matches"][0]["id"]
    unknown = ask(
        stack.gateway_ml, talent_to_jobs(stack.talent_a, filters={"skills": ["Cobol"]}), bearer
    )
    assert unknown.status_code == 422, "the service's own 422 passes through"
    assert unknown.json()["error"]["field"] == "filters.skills.0"
    refused = ask(stack.gateway_down, talent_to_jobs(stack.talent_a, filters=filters), bearer)
    assert refused.status_code == 503
    assert refused.json()["error"]["field"] == "filters"
    assert refused.headers["retry-after"]
