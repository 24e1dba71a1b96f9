"""The LLM adapters against a local fake server: answers, timeouts, 429/5xx, malformed JSON,
bounded retries, and the call record (SQLite and Postgres)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.monitoring_models import LLMCall
from app.llm.adapters import OllamaAdapter, OpenAICompatibleAdapter, make_client
from app.llm.errors import LLMError, LLMOutputError, LLMRetryableError
from app.llm.prompts import get_prompt
from app.llm.schemas import StructuredProfile
from app.llm.service import structured
from app.settings import Settings
from tests.llm.conftest import FakeLLM, ollama_body, openai_body

ANSWER = {
    "seniority": "senior",
    "education_level": "bachelor",
    "field_of_study": "computer science",
    "technical_skills": ["python", "pytorch"],
    "soft_skills": ["mentoring"],
    "tools": ["jira"],
}


def llm_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "llm_timeout_seconds": 1.0,
        "llm_max_retries": 2,
        "llm_input_cost_per_million": 0.5,
        "llm_output_cost_per_million": 2.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def adapters(fake: FakeLLM) -> dict[str, Any]:
    return {
        "ollama": (OllamaAdapter(fake.url, "llama3.2"), ollama_body),
        "openai": (
            OpenAICompatibleAdapter(fake.url + "/v1", "deepseek-v4", "sk-test"),
            openai_body,
        ),
    }


@pytest.fixture(params=["ollama", "openai"])
def adapter(request: pytest.FixtureRequest, fake_llm: FakeLLM) -> tuple[Any, Any]:
    return adapters(fake_llm)[request.param]  # type: ignore[no-any-return]


def ask(session: Session, client: Any, settings: Settings | None = None) -> StructuredProfile:
    return structured(
        session,
        client,
        get_prompt("resume_structure"),
        StructuredProfile,
        settings=settings or llm_settings(),
        sleep=lambda _s: None,
        text="Senior Python developer, BSc Computer Science, mentors juniors.",
    )


def calls(session: Session) -> list[LLMCall]:
    return list(session.scalars(select(LLMCall)))


def test_a_structured_answer_is_parsed_and_recorded(
    session: Session, fake_llm: FakeLLM, adapter: tuple[Any, Any]
) -> None:
    client, body = adapter
    fake_llm.script = [(200, body(json.dumps(ANSWER), 1000, 500))]
    profile = ask(session, client)
    assert profile.seniority == "senior"
    assert profile.technical_skills == ["python", "pytorch"]
    [call] = calls(session)
    prompt = get_prompt("resume_structure")
    assert (call.status, call.attempts, call.provider, call.model) == (
        "ok",
        1,
        client.provider,
        client.model,
    )
    assert (call.prompt_name, call.prompt_version, call.prompt_sha256) == (
        "resume_structure",
        prompt.version,
        prompt.sha256,
    )
    assert (call.input_tokens, call.output_tokens) == (1000, 500)
    assert call.cost_usd == pytest.approx(1000 * 0.5e-6 + 500 * 2e-6)
    assert call.latency_ms > 0


def test_each_adapter_speaks_its_api(session: Session, fake_llm: FakeLLM) -> None:
    for name, (client, body) in adapters(fake_llm).items():
        fake_llm.script = [(200, body(json.dumps(ANSWER)))]
        ask(session, client)
        path, sent, headers = fake_llm.requests[-1]
        if name == "ollama":
            assert path == "/api/chat"
            assert sent["format"]["title"] == "StructuredProfile"
            assert sent["stream"] is False
        else:
            assert path == "/v1/chat/completions"
            assert sent["response_format"] == {"type": "json_object"}
            assert sent["model"] == "deepseek-v4"
            assert headers["Authorization"] == "Bearer sk-test"
        assert "Senior Python developer" in sent["messages"][-1]["content"]


@pytest.mark.parametrize(
    "first",
    [(429, {"error": "slow down"}), (500, {"error": "boom"}), (503, b"<html>busy</html>")],
)
def test_429_and_5xx_are_retried(
    session: Session, fake_llm: FakeLLM, adapter: tuple[Any, Any], first: tuple[int, Any]
) -> None:
    client, body = adapter
    fake_llm.script = [first, (200, body(json.dumps(ANSWER)))]
    assert ask(session, client).seniority == "senior"
    [call] = calls(session)
    assert (call.status, call.attempts) == ("ok", 2)


def test_malformed_json_is_retried_then_given_up_on(
    session: Session, fake_llm: FakeLLM, adapter: tuple[Any, Any]
) -> None:
    client, body = adapter
    fake_llm.script = [
        (200, body("Sure! Here is the JSON: {seniority: senior")),
        (200, body(json.dumps({**ANSWER, "seniority": "wizard"}))),
        (200, body(json.dumps({**ANSWER, "extra": 1}))),
        (200, body(json.dumps(ANSWER))),
    ]
    with pytest.raises(LLMOutputError):
        ask(session, client)
    [call] = calls(session)
    assert (call.status, call.attempts) == ("error", 3)
    assert call.error is not None
    assert len(fake_llm.requests) == 3  # max_retries=2: three tries, never a fourth


def test_a_hanging_server_times_out_within_the_bounded_tries(
    session: Session, fake_llm: FakeLLM, adapter: tuple[Any, Any]
) -> None:
    client, body = adapter
    fake_llm.script = [(200, None), (200, body(json.dumps(ANSWER)))]
    profile = ask(session, client, llm_settings(llm_timeout_seconds=0.3, llm_max_retries=1))
    assert profile.seniority == "senior"
    [call] = calls(session)
    assert call.attempts == 2


def test_4xx_is_not_retried(session: Session, fake_llm: FakeLLM, adapter: tuple[Any, Any]) -> None:
    client, _body = adapter
    fake_llm.script = [(401, {"error": "bad key"})]
    with pytest.raises(LLMError) as raised:
        ask(session, client)
    assert not isinstance(raised.value, LLMRetryableError)
    assert len(fake_llm.requests) == 1
    [call] = calls(session)
    assert (call.status, call.attempts) == ("error", 1)


def test_an_unreachable_server_is_an_llm_error(session: Session) -> None:
    client = OllamaAdapter("http://127.0.0.1:9", "llama3.2")
    with pytest.raises(LLMRetryableError):
        ask(session, client, llm_settings(llm_max_retries=1))
    assert calls(session)[0].attempts == 2


def test_settings_choose_the_adapter_and_none_is_the_default() -> None:
    assert make_client(llm_settings()) is None
    ollama = make_client(llm_settings(llm_provider="ollama", llm_model="llama3.2"))
    assert isinstance(ollama, OllamaAdapter)
    cloud = make_client(
        llm_settings(
            llm_provider="openai_compatible",
            llm_model="deepseek-v4",
            llm_base_url="https://api.example.test",
            llm_api_key="sk-x",
        )
    )
    assert isinstance(cloud, OpenAICompatibleAdapter)
    assert cloud.model == "deepseek-v4"
    with pytest.raises(LLMError, match="LLM_MODEL"):
        make_client(llm_settings(llm_provider="ollama"))


def test_prompt_files_are_versioned_and_hashed(tmp_path: Path) -> None:
    from app.llm.errors import PromptNotFoundError
    from app.llm.prompts import all_prompts

    for version, text in (
        ("v1", "# first\nSay $x"),
        ("v2", "# second\nSay $x {json}"),
        ("v10", "# tenth\n$x"),
    ):
        (tmp_path / "greet").mkdir(exist_ok=True)
        (tmp_path / "greet" / f"{version}.txt").write_text(text)
    (tmp_path / "greet" / "draft.txt").write_text("# not a version\n")
    found = all_prompts(tmp_path)
    assert [p.version for p in found] == ["v1", "v2", "v10"]
    assert get_prompt("greet", directory=tmp_path).version == "v10"
    v2 = get_prompt("greet", "v2", directory=tmp_path)
    assert v2.render(x="hi") == "Say hi {json}\n"
    assert v2.description == "second"
    assert len({p.sha256 for p in found}) == 3
    with pytest.raises(KeyError):
        v2.render()
    with pytest.raises(PromptNotFoundError):
        get_prompt("greet", "v3", directory=tmp_path)
