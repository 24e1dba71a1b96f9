"""The built dashboard in a real browser against a real server (issue 14, deliverable 9).

One `app serve` process for the whole e2e session, on a Postgres database of its own, migrated
and seeded with a small world (`seed_world`, no embeddings) and a tiny active LightGBM model
(so matches are `source: "ml"` and the admin sees a version with metrics). It serves the BUILT
dashboard (`frontend/dist`, `npm run build`; `make test` builds it first). The browser is
Debian's Chromium (`scripts/ensure_chromium.sh`), driven by the driver of the `playwright`
wheel; Playwright's own browser downloads are never used.

Neither a missing build nor a missing Chromium skips: each fails with what to run.

Every page records its console errors, uncaught exceptions, failed requests and CSP violations
(a `securitypolicyviolation` listener added before any script runs); a journey ends by
asserting there were none.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.db.migrate import upgrade_head
from app.db.session import make_engine
from app.seeding.service import seed_world
from tests.api.servers import Server, serving
from tests.conftest import scratch_postgres_database
from tests.jwt_tokens import claims_for, hs256
from tests.training.conftest import register_artifact

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "frontend" / "dist"
ACTIVE_VERSION = "v1.0-e2e"
CANDIDATE_VERSION = "v1.1-e2e-candidate"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Run before any page script: CSP violations are reported to the console, where they are caught.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const what = `${e.violatedDirective} blocked ${e.blockedURI}`;
  console.error(`Content Security Policy violation: ${what}`);
});
"""


def chromium_path() -> str:
    configured = os.environ.get("CHROMIUM")
    path = shutil.which(configured or "chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "Chromium is not installed: run `bash scripts/ensure_chromium.sh` (make test does) "
            "or set CHROMIUM to a Chromium binary",
            pytrace=False,
        )
    return path


def require_dist() -> Path:
    index = DIST / "index.html"
    if not index.is_file() or not any((DIST / "assets").glob("*.js")):
        pytest.fail(
            f"the dashboard is not built ({index} missing): run `make frontend-build` "
            "(or `cd frontend && npm ci && npm run build`); make test builds it before pytest",
            pytrace=False,
        )
    return DIST


@dataclass(frozen=True)
class Stack:
    server: Server
    engine: Engine
    talent_id: str
    talent_user: str
    admin_user: str
    other_talent_user: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def dashboard(self) -> str:
        return f"{self.server.url}/dashboard/"

    def api(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{self.url}/api/v1{path}"
        return httpx.request(method, url, headers=headers, timeout=30, **kwargs)

    def company_of_job(self, job_id: str) -> str:
        """The owner user id of the company that posted `job_id` (given one if it has none)."""
        with self.engine.begin() as conn:
            company, owner = conn.execute(
                text(
                    "SELECT c.id, c.owner_user_id FROM jobs j JOIN companies c"
                    " ON c.id = j.company_id WHERE j.id = :job"
                ),
                {"job": job_id},
            ).one()
            if owner is None:
                owner = uuid.uuid4()
                conn.execute(
                    text("UPDATE companies SET owner_user_id = :owner WHERE id = :id"),
                    {"owner": owner, "id": company},
                )
        return str(owner)

    def owner_of_talent(self, talent_id: str) -> str:
        """The owner user id of `talent_id` (given one if it has none), to sign in as it."""
        with self.engine.begin() as conn:
            owner = conn.execute(
                text("SELECT owner_user_id FROM talents WHERE id = :talent"), {"talent": talent_id}
            ).scalar_one()
            if owner is None:
                owner = uuid.uuid4()
                conn.execute(
                    text("UPDATE talents SET owner_user_id = :owner WHERE id = :id"),
                    {"owner": owner, "id": talent_id},
                )
        return str(owner)


def token(sub: str, role: str) -> str:
    claims = claims_for(sub, app_role=role)
    claims["exp"] = claims["iat"] + 3600
    return hs256(claims)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    dist = require_dist()
    root = tmp_path_factory.mktemp("e2e")
    with scratch_postgres_database("tm_e2e") as url:
        upgrade_head(url)
        engine = make_engine(url)
        report = seed_world(engine, talents=80, jobs=30, pairs=100, seed=11, embed=False)
        with Session(engine) as session:
            register_artifact(session, root / "models", ACTIVE_VERSION, activate=True)
            register_artifact(session, root / "models", CANDIDATE_VERSION, activate=False)
            session.commit()
        example, other = report.example_talents[0], report.example_talents[1]
        env = {
            "DATABASE_URL": url,
            "MODEL_DIR": str(root / "models"),
            "DASHBOARD_DIR": str(dist),
        }
        try:
            with serving(root / "server", env) as server:
                yield Stack(
                    server=server,
                    engine=engine,
                    talent_id=example["talent_id"],
                    talent_user=example["owner_user_id"],
                    admin_user=str(uuid.uuid4()),
                    other_talent_user=other["owner_user_id"],
                )
                problems = [
                    line
                    for line in server.log_tail(200_000).splitlines()
                    if re.search(r"Traceback|\"level\": ?\"(error|critical)\"", line)
                ]
                assert not problems, "the server logged errors:\n" + "\n".join(problems[:20])
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageLog:
    """What went wrong in the page: console errors (CSP violations among them), uncaught
    exceptions and failed requests."""

    errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        csp = [e for e in self.errors if "Content Security Policy" in e]
        assert not csp, f"the CSP blocked something: {csp}"
        assert not self.errors, f"the page reported errors: {self.errors}"


def _open(browser: Any) -> tuple[Any, Any, PageLog]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    log = PageLog()
    page.on(
        "console",
        lambda message: (
            log.errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: log.errors.append(f"page error: {error}"))
    page.on(
        "requestfailed",
        # a reload cancels the requests still in flight (net::ERR_ABORTED): not a failure
        lambda request: (
            log.errors.append(f"request failed: {request.method} {request.url} ({request.failure})")
            if "ERR_ABORTED" not in (request.failure or "")
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            log.errors.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400
            else None
        ),
    )
    return context, page, log


@pytest.fixture
def page_and_log(browser: Any) -> Iterator[tuple[Any, PageLog]]:
    """A fresh browser context (its own sessionStorage) and page, at desktop width."""
    context, page, log = _open(browser)
    try:
        yield page, log
    finally:
        context.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Opens more pages, each in a context of its own (another person signed in)."""
    contexts: list[Any] = []

    def open_page() -> tuple[Any, PageLog]:
        context, page, log = _open(browser)
        contexts.append(context)
        return page, log

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page: Any, stack: Stack, bearer: str) -> None:
    """Open the dashboard and paste the token into the sign-in form, as a person would."""
    page.goto(stack.dashboard)
    page.get_by_label("Token (JWT)").fill(f"Bearer {bearer}")
    page.get_by_role("button", name="Sign in").click()
