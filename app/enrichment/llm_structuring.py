"""Optional LLM structuring of résumés and postings (seniority, education, skills: seed 004's
`seniority_inferred: derived from LLM`), with the deterministic extractor behind it.

`structure_resume` / `structure_posting` ask the configured LLM (app/llm) with the versioned
prompts `resume_structure` / `job_structure` and validate its JSON; with no LLM configured
(`LLM_PROVIDER=none`, the default) or when the call fails after its bounded retries, the
answer is the deterministic parser's (app/enrichment/resume.py, posting.py) mapped to the same
shape, and `source` says which one answered. Not on the request path: an LLM answer takes
seconds and costs money per call, so it serves batch enrichment and its benchmark
(`scripts/bench_llm_structuring.py`) until that benchmark shows it earns its place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from app.enrichment.posting import ParsedPosting
from app.enrichment.resume import ParsedResume
from app.llm.adapters import LLMClient
from app.llm.errors import LLMError
from app.llm.prompts import get_prompt
from app.llm.schemas import StructuredProfile
from app.llm.service import structured
from app.logging import get_logger
from app.settings import Settings

log = get_logger(__name__)

DEFAULT_SENIORITY = "mid"
SOFT = "soft_skill"


@dataclass(frozen=True, slots=True)
class Structured:
    profile: StructuredProfile
    source: Literal["llm", "deterministic"]
    reason: str


def _split(skills: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    technical = [name for name, category in skills if category != SOFT]
    soft = [name for name, category in skills if category == SOFT]
    return technical[:30], soft[:30]


def from_resume(parsed: ParsedResume) -> StructuredProfile:
    technical, soft = _split([(s.name, s.category) for s in parsed.skills])
    return StructuredProfile.model_validate(
        {
            "seniority": parsed.seniority.value if parsed.seniority else DEFAULT_SENIORITY,
            "education_level": parsed.education.value if parsed.education else "unknown",
            "technical_skills": technical,
            "soft_skills": soft,
        }
    )


def from_posting(parsed: ParsedPosting) -> StructuredProfile:
    skills = [*parsed.required_skills, *parsed.nice_to_have_skills]
    technical, soft = _split([(s.name, s.category) for s in skills])
    return StructuredProfile.model_validate(
        {
            "seniority": parsed.seniority.value if parsed.seniority else DEFAULT_SENIORITY,
            "education_level": parsed.education.value if parsed.education else "unknown",
            "technical_skills": technical,
            "soft_skills": soft,
        }
    )


def _structure(
    session: Session,
    prompt_name: str,
    text: str,
    deterministic: Callable[[], StructuredProfile],
    client: LLMClient | None,
    settings: Settings,
) -> Structured:
    if client is None:
        return Structured(deterministic(), "deterministic", "no LLM configured")
    try:
        answer = structured(
            session,
            client,
            get_prompt(prompt_name),
            StructuredProfile,
            settings=settings,
            text=text,
        )
    except LLMError as exc:
        log.warning("llm_structuring_fell_back", prompt=prompt_name, error=exc.message)
        return Structured(deterministic(), "deterministic", f"LLM failed: {exc.message}")
    return Structured(answer, "llm", f"{client.provider}:{client.model}")


def structure_resume(
    session: Session,
    text: str,
    parse: Callable[[str], ParsedResume],
    *,
    client: LLMClient | None,
    settings: Settings,
) -> Structured:
    """The LLM's structuring of a résumé, or the deterministic parser's (`parse`)."""
    return _structure(
        session, "resume_structure", text, lambda: from_resume(parse(text)), client, settings
    )


def structure_posting(
    session: Session,
    title: str,
    text: str,
    parse: Callable[[str, str], ParsedPosting],
    *,
    client: LLMClient | None,
    settings: Settings,
) -> Structured:
    """The LLM's structuring of a posting, or the deterministic parser's (`parse`)."""
    return _structure(
        session,
        "job_structure",
        f"{title}\n\n{text}",
        lambda: from_posting(parse(title, text)),
        client,
        settings,
    )
