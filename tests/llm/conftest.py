"""A local fake LLM server (stdlib http.server) speaking Ollama's and OpenAI's chat APIs.

Each test scripts its answers: a list of (status, body or None for a hang) served in turn.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

HANG_SECONDS = 3.0


def ollama_body(content: str, prompt_tokens: int = 40, output_tokens: int = 12) -> dict[str, Any]:
    return {
        "model": "fake",
        "message": {"role": "assistant", "content": content},
        "done": True,
        "prompt_eval_count": prompt_tokens,
        "eval_count": output_tokens,
    }


def openai_body(content: str, prompt_tokens: int = 40, output_tokens: int = 12) -> dict[str, Any]:
    return {
        "id": "x",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": output_tokens},
    }


class FakeLLM:
    def __init__(self) -> None:
        self.script: list[tuple[int, Any]] = []
        self.requests: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                fake.requests.append((self.path, body, dict(self.headers)))
                status, answer = fake.script.pop(0) if fake.script else (500, {"error": "x"})
                if answer is None:
                    time.sleep(HANG_SECONDS)
                    answer = {}
                raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    return

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM()
    yield server
    server.server.shutdown()
    server.server.server_close()
