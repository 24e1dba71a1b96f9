"""Log lines are JSON and carry the request id bound in the current context."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from app.logging import configure_logging, get_logger


def _lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_structlog_lines_are_json_with_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    with structlog.contextvars.bound_contextvars(request_id="req-123"):
        get_logger("test").info("matched", results=3)
    (line,) = _lines(capsys.readouterr().err)
    assert line["event"] == "matched"
    assert line["request_id"] == "req-123"
    assert line["results"] == 3
    assert line["level"] == "info"


def test_stdlib_and_uvicorn_loggers_go_through_the_same_renderer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO")
    with structlog.contextvars.bound_contextvars(request_id="req-456"):
        logging.getLogger("uvicorn.error").warning("server said %s", "hello")
    (line,) = _lines(capsys.readouterr().err)
    assert line["event"] == "server said hello"
    assert line["request_id"] == "req-456"


def test_exceptions_are_rendered_into_the_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    try:
        raise ValueError("boom")
    except ValueError:
        get_logger("test").exception("failed")
    (line,) = _lines(capsys.readouterr().err)
    assert "ValueError: boom" in str(line["exception"])
