"""The optional LLM structuring: the LLM's answer when it gives one, the deterministic
parser's otherwise (no LLM configured, or a failed call), and the benchmark's skip."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.monitoring_models import LLMCall
from app.enrichment.cues import Inferred
from app.enrichment.llm_structuring import structure_posting, structure_resume
from app.enrichment.posting import ParsedPosting, PostingSkill
from app.enrichment.resume import ParsedResume, ResumeSkill
from app.llm.adapters import Completion, Message
from app.llm.errors import LLMRetryableError
from app.settings import Settings

SETTINGS = Settings(_env_file=None, llm_max_retries=1)  # type: ignore[call-arg]


class ScriptedLLM:
    provider = "fake"
    model = "scripted-1"

    def __init__(self, answers: list[str | Exception]) -> None:
        self.answers = answers
        self.prompts: list[str] = []

    def complete(
        self, messages: Sequence[Message], *, json_schema: dict[str, Any] | None, timeout: float
    ) -> Completion:
        self.prompts.append(messages[-1].content)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Completion(answer, 10, 5)


def parsed_resume(_text: str) -> ParsedResume:
    return ParsedResume(
        skills=[
            ResumeSkill("Python", "programming", 0.9, 5.0),
            ResumeSkill("Mentoring", "soft_skill", 0.7, None),
        ],
        years_experience=Inferred(6.0, 0.8, "dates"),
        seniority=Inferred("senior", 0.7, "title"),
        education=Inferred("master", 0.85, "degree words"),
        headline=None,
        experiences=[],
        date_ranges_found=2,
        confidence=0.8,
    )


def parsed_posting(_title: str, _text: str) -> ParsedPosting:
    return ParsedPosting(
        title="Data engineer",
        required_skills=[PostingSkill("SQL", "database", 0.9, True, None)],
        nice_to_have_skills=[PostingSkill("Communication", "soft_skill", 0.6, False, None)],
        min_years=None,
        max_years=None,
        seniority=None,
        education=None,
        remote_policy=None,
        confidence=0.5,
    )


LLM_ANSWER = {
    "seniority": "lead",
    "education_level": "bachelor",
    "field_of_study": "computer science",
    "technical_skills": ["python", "kubernetes"],
    "soft_skills": [],
    "tools": ["jira"],
}


def test_without_an_llm_the_deterministic_parser_answers(session: Session) -> None:
    out = structure_resume(session, "cv", parsed_resume, client=None, settings=SETTINGS)
    assert (out.source, out.reason) == ("deterministic", "no LLM configured")
    assert out.profile.seniority == "senior"
    assert out.profile.education_level == "master"
    assert out.profile.technical_skills == ["Python"]
    assert out.profile.soft_skills == ["Mentoring"]
    posting = structure_posting(session, "t", "x", parsed_posting, client=None, settings=SETTINGS)
    assert posting.profile.seniority == "mid"
    assert posting.profile.education_level == "unknown"
    assert session.scalars(select(LLMCall)).first() is None


def test_the_llm_answers_when_configured_and_its_call_is_recorded(session: Session) -> None:
    llm = ScriptedLLM([json.dumps(LLM_ANSWER)])
    out = structure_resume(
        session, "Lead engineer ...", parsed_resume, client=llm, settings=SETTINGS
    )
    assert (out.source, out.reason) == ("llm", "fake:scripted-1")
    assert out.profile.seniority == "lead"
    assert "Lead engineer ..." in llm.prompts[0]
    [call] = session.scalars(select(LLMCall))
    assert (call.prompt_name, call.status, call.model) == ("resume_structure", "ok", "scripted-1")


@pytest.mark.parametrize(
    "answers",
    [
        [LLMRetryableError("timeout"), LLMRetryableError("timeout")],
        ["not json", json.dumps({**LLM_ANSWER, "seniority": "guru"})],
    ],
)
def test_a_failed_llm_falls_back_to_the_deterministic_parser(
    session: Session, answers: list[str | Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.llm.service.time.sleep", lambda _s: None)
    out = structure_posting(
        session,
        "Data engineer",
        "SQL ...",
        parsed_posting,
        client=ScriptedLLM(list(answers)),
        settings=SETTINGS,
    )
    assert out.source == "deterministic"
    assert out.reason.startswith("LLM failed")
    assert out.profile.technical_skills == ["SQL"]
    [call] = session.scalars(select(LLMCall))
    assert (call.prompt_name, call.status, call.attempts) == ("job_structure", "error", 2)


def test_the_benchmark_says_skipped_without_an_llm(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "bench_llm_structuring.py"
    spec = importlib.util.spec_from_file_location("bench_llm_structuring", path)
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main([]) == 0
    assert capsys.readouterr().out.startswith("skipped: no LLM configured")
