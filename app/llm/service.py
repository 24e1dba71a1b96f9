"""LLM calls with bounded retries and a record of each: prompt version, model, tokens,
latency, cost estimate (never the filled-in prompt, which may hold a résumé).

`structured` asks for JSON of a pydantic schema and validates it; a timeout, 429, 5xx or an
answer that is not JSON of the schema is tried again up to `llm_max_retries` more times
with exponential back-off; anything else fails at once. Every outcome is one `llm_calls` row
(flushed; the caller's transaction commits it). Callers treat `LLMError` as "use the
deterministic path".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.llm import repository
from app.llm.adapters import Completion, LLMClient, Message
from app.llm.errors import LLMError, LLMOutputError, LLMRetryableError
from app.llm.prompts import PromptTemplate
from app.logging import get_logger
from app.settings import Settings

log = get_logger(__name__)

BACKOFF_SECONDS = 0.5
SYSTEM = "You answer with one JSON object that matches the given JSON schema, nothing else."

Schema = TypeVar("Schema", bound=BaseModel)


def cost_estimate(completion: Completion, settings: Settings) -> float:
    return (
        completion.input_tokens * settings.llm_input_cost_per_million
        + completion.output_tokens * settings.llm_output_cost_per_million
    ) / 1e6


def _parse(text: str, schema: type[Schema]) -> Schema:
    try:
        return schema.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        raise LLMOutputError(f"LLM answer is not JSON of {schema.__name__}") from exc


def structured(
    session: Session,
    client: LLMClient,
    prompt: PromptTemplate,
    schema: type[Schema],
    *,
    settings: Settings,
    sleep: Callable[[float], None] = time.sleep,
    **values: str,
) -> Schema:
    """The LLM's answer to `prompt` filled with `values`, validated against `schema`."""
    json_schema = schema.model_json_schema()
    messages = [
        Message("system", SYSTEM + "\nSchema: " + json.dumps(json_schema)),
        Message("user", prompt.render(**values)),
    ]
    attempts = settings.llm_max_retries + 1
    started = time.perf_counter()
    tokens = [0, 0]
    cost = 0.0
    error: LLMError | None = None
    for attempt in range(1, attempts + 1):
        try:
            completion = client.complete(
                messages, json_schema=json_schema, timeout=settings.llm_timeout_seconds
            )
            tokens[0] += completion.input_tokens
            tokens[1] += completion.output_tokens
            cost += cost_estimate(completion, settings)
            answer = _parse(completion.text, schema)
        except (LLMRetryableError, LLMOutputError) as exc:
            error = exc
            log.warning("llm_call_retry", attempt=attempt, prompt=prompt.name, error=exc.message)
            if attempt < attempts:
                sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            continue
        except LLMError as exc:
            error = exc
            break
        _record(session, client, prompt, "ok", attempt, tokens, started, cost, None)
        return answer
    assert error is not None
    _record(session, client, prompt, "error", attempt, tokens, started, cost, error.message)
    raise error


def _record(
    session: Session,
    client: LLMClient,
    prompt: PromptTemplate,
    status: str,
    attempts: int,
    tokens: list[int],
    started: float,
    cost: float,
    error: str | None,
) -> None:
    latency_ms = (time.perf_counter() - started) * 1000
    repository.record_call(
        session,
        provider=client.provider,
        model=client.model[:120],
        prompt_name=prompt.name,
        prompt_version=prompt.version,
        prompt_sha256=prompt.sha256,
        status=status,
        attempts=attempts,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        latency_ms=latency_ms,
        cost_usd=cost,
        error=error[:300] if error else None,
    )
    log.info(
        "llm_call",
        prompt=prompt.name,
        version=prompt.version,
        model=client.model,
        status=status,
        attempts=attempts,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        latency_ms=round(latency_ms, 1),
        cost_usd=cost,
    )
