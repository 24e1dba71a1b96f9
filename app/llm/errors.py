"""Errors of LLM calls. None reaches an API client directly: the features that use an LLM
fall back to their deterministic path (app/llm/service.py)."""

from __future__ import annotations

from app.core.errors import AppError


class LLMError(AppError):
    """The LLM could not give a usable answer (after the bounded retries)."""

    status_code = 503
    code = "llm_unavailable"


class LLMRetryableError(LLMError):
    """A timeout, a refused connection, 429 or 5xx: worth another try."""


class LLMOutputError(LLMError):
    """The answer was not JSON, or not JSON of the asked schema."""

    code = "llm_output_invalid"


class PromptNotFoundError(AppError):
    status_code = 404
    code = "prompt_not_found"
