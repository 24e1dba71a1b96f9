"""The LLM protocol and its adapters.

`LLMClient.complete` sends one chat exchange and returns the text with token counts; it raises
`LLMRetryableError` for what another try may fix (timeouts, connection errors, 429, 5xx) and
`LLMError` for what it will not (other 4xx, an answer without content). Retries, JSON parsing
and schema checks are the caller's (`app/llm/service.py`), so every adapter behaves the same.

Both adapters speak HTTP through httpx (already a pinned dependency) instead of a vendor SDK:
each is one POST, and the tests run them against a local fake server (no network).

- `OllamaAdapter`: Ollama's native `/api/chat` with `format` set to the JSON schema
  (structured outputs), `stream: false`.
- `OpenAICompatibleAdapter`: `/chat/completions` of DeepSeek or any OpenAI-compatible API,
  bearer key, `response_format: {"type": "json_object"}` when JSON is asked (DeepSeek's JSON
  mode; the schema goes into the prompt). The model id is a setting: ids are retired
  (DeepSeek's `deepseek-chat`) and must not be hard-coded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx

from app.llm.errors import LLMError, LLMRetryableError
from app.settings import Settings

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    input_tokens: int
    output_tokens: int


class LLMClient(Protocol):
    provider: str
    model: str

    def complete(
        self, messages: Sequence[Message], *, json_schema: dict[str, Any] | None, timeout: float
    ) -> Completion: ...


def _post(
    client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str], timeout: float
) -> dict[str, Any]:
    try:
        response = client.post(url, json=body, headers=headers, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise LLMRetryableError(f"LLM timed out after {timeout:g} s") from exc
    except httpx.TransportError as exc:
        raise LLMRetryableError(f"LLM unreachable: {type(exc).__name__}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise LLMRetryableError(f"LLM answered HTTP {response.status_code}")
    if not response.is_success:
        raise LLMError(f"LLM refused the request: HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise LLMRetryableError("LLM answered a body that is not JSON") from exc
    if not isinstance(data, dict):
        raise LLMRetryableError("LLM answered an unexpected body")
    return data


def _messages(messages: Sequence[Message]) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in messages]


class OllamaAdapter:
    provider = "ollama"

    def __init__(self, base_url: str, model: str, client: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._client = client or httpx.Client()

    def complete(
        self, messages: Sequence[Message], *, json_schema: dict[str, Any] | None, timeout: float
    ) -> Completion:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": _messages(messages),
            "stream": False,
            "options": {"temperature": 0},
        }
        if json_schema is not None:
            body["format"] = json_schema
        data = _post(self._client, f"{self.base_url}/api/chat", body, {}, timeout)
        content = (data.get("message") or {}).get("content")
        if not isinstance(content, str):
            raise LLMRetryableError("Ollama answered without message content")
        return Completion(
            content, int(data.get("prompt_eval_count") or 0), int(data.get("eval_count") or 0)
        )


class OpenAICompatibleAdapter:
    provider = "openai_compatible"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None,
        client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.Client()

    def complete(
        self, messages: Sequence[Message], *, json_schema: dict[str, Any] | None, timeout: float
    ) -> Completion:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": _messages(messages),
            "temperature": 0,
            "stream": False,
        }
        if json_schema is not None:
            body["response_format"] = {"type": "json_object"}
        data = _post(
            self._client, f"{self.base_url}/chat/completions", body, self._headers, timeout
        )
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise LLMRetryableError("LLM answered without a choice") from exc
        if not isinstance(content, str):
            raise LLMRetryableError("LLM answered without message content")
        usage = data.get("usage") or {}
        return Completion(
            content, int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        )


def make_client(settings: Settings) -> LLMClient | None:
    """The configured LLM, or None for `LLM_PROVIDER=none` (the deterministic default)."""
    if settings.llm_provider == "none":
        return None
    if not settings.llm_model:
        raise LLMError(f"LLM_PROVIDER={settings.llm_provider} needs LLM_MODEL", field="llm_model")
    if settings.llm_provider == "ollama":
        return OllamaAdapter(settings.llm_base_url, settings.llm_model)
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return OpenAICompatibleAdapter(settings.llm_base_url, settings.llm_model, key)
