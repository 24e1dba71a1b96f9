"""Security headers on every response of the real app, and a dashboard that still loads
under its Content-Security-Policy (every script and stylesheet a same-origin file)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from app.settings import PROJECT_ROOT
from tests.api.conftest import bearer

DASHBOARD = PROJECT_ROOT / "frontend" / "dist"


def directives(csp: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/health", 200),
        ("GET", "/api/v1/me", 401),
        ("GET", "/api/v1/nowhere", 404),
        ("POST", "/api/v1/match/talent-to-jobs", 422),
    ],
)
def test_api_responses_are_not_stored_or_sniffed(
    client: TestClient, method: str, path: str, status: int
) -> None:
    headers = bearer(uuid.uuid4(), "admin") if method == "POST" else {}
    response = client.request(method, path, json={}, headers=headers)
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # not outside production


def test_errors_written_by_the_middleware_get_the_headers_too(client: TestClient) -> None:
    response = client.post(
        "/api/v1/match/score", content=b"x" * 70_000, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_production_adds_hsts(make_client: Callable[..., TestClient]) -> None:
    client = make_client(environment="production")
    hsts = client.get("/api/v1/health").headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))  # type: ignore[union-attr]
    assert max_age >= 180 * 86_400


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.urls.append(str(values["src"]))
        elif tag == "link" and values.get("rel") in ("stylesheet", "modulepreload", "icon"):
            self.urls.append(str(values["href"]))
        elif tag in ("script", "style"):
            self._in = tag
        if any(name.startswith("on") for name, _ in attrs) or "style" in values:
            self.inline.append(f"{tag} attribute")

    def handle_data(self, data: str) -> None:
        if self._in and data.strip():
            self.inline.append(self._in)

    def handle_endtag(self, tag: str) -> None:
        self._in = None


@pytest.mark.skipif(
    not (DASHBOARD / "index.html").is_file(), reason="no dashboard build (npm run build)"
)
def test_the_dashboard_has_a_csp_it_can_load_under(client: TestClient) -> None:
    page = client.get("/dashboard/")
    assert page.status_code == 200
    csp = directives(page.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"

    assets = _Assets()
    assets.feed(page.text)
    assert assets.inline == []  # 'self' would block inline scripts, styles and handlers
    assert assets.urls, "the build references no script or stylesheet"
    for url in assets.urls:
        assert re.match(r"^/[^/]", url), url  # a path of this origin
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert "Content-Security-Policy" in asset.headers
        if url.endswith(".js"):
            assert "javascript" in asset.headers["content-type"]
            assert "eval(" not in asset.text  # 'unsafe-eval' is not granted
            assert "new Function(" not in asset.text
        if url.endswith(".css"):
            assert "text/css" in asset.headers["content-type"]
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", asset.text)  # no remote url()
            assert "@import" not in asset.text
