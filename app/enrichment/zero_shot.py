"""Raw text -> the matcher's profiles, saying which fields were inferred and by which model.

Zero-shot requests (`POST /api/v1/match/score` with `resume_text` / `job_text`), the external
quality benchmarks and the promotion gate all turn text into profiles here, so a score on a
benchmark is a score of exactly what serving does with the same text. Structured fields the
caller gives always win over inferred ones (`fill_talent` / `fill_job` only fill the rest).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from app.enrichment.config import get_model_registry
from app.enrichment.occupation import OccupationGuess, infer_occupations, occupation_model_version
from app.enrichment.posting import ParsedPosting, job_profile, parse_posting, posting_text
from app.enrichment.resume import ParsedResume, parse_resume, talent_profile
from app.enrichment.service import Enricher
from app.ml.embeddings import compose_job_text, compose_talent_text
from app.ml.errors import FeatureExtractionError
from app.ml.types import JobProfile, TalentProfile

RESUME_PARSER_VERSION = "resume_parser_v1.0-rules"
POSTING_PARSER_VERSION = "posting_parser_v1.0-rules"
P = TypeVar("P", TalentProfile, JobProfile)


@dataclass(slots=True)
class Inferred:
    """What was inferred for one profile: field -> model version, candidates, and notes."""

    fields: dict[str, str] = field(default_factory=dict)
    occupations: list[OccupationGuess] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _inferred(
    parsed: ParsedResume | ParsedPosting,
    names: Sequence[str],
    parser_version: str,
    skills_version: str,
) -> Inferred:
    """Skills always come from the extractor; the other fields only when the parser found
    them (else the profile keeps its neutral default, which is not an inference)."""
    info = Inferred(notes=list(parsed.notes))
    info.fields["skills"] = skills_version
    for name in names:
        if getattr(parsed, name) is not None:
            info.fields[name] = parser_version
    return info


def _occupation(guesses: list[OccupationGuess], info: Inferred) -> str | None:
    info.occupations = guesses
    floor = float(get_model_registry().entry("occupation_inference").params["min_confidence"])
    if guesses and guesses[0].confidence >= floor:
        info.fields["occupation_code"] = occupation_model_version()
        return guesses[0].code
    info.notes.append("the occupation could not be recognised with confidence")
    return None


def talent_profiles(
    headlines: Sequence[str], texts: Sequence[str], enricher: Enricher
) -> tuple[list[TalentProfile], list[Inferred]]:
    """Talent profiles from (headline, résumé/bio) pairs: skills, years, seniority and
    occupation inferred; the embedded text is what a stored talent would be embedded as."""
    extractor = enricher.extractor
    full = [f"{h}\n{t}" if h.strip() else t for h, t in zip(headlines, texts, strict=True)]
    parsed = [
        parse_resume(text, extractor, extraction=extraction)
        for text, extraction in zip(full, extractor.extract_many(full), strict=True)
    ]
    # The latest job title a résumé names says more about the occupation than a headline
    # that often starts with the person's name.
    titles = [p.headline.value if p.headline else h for p, h in zip(parsed, headlines, strict=True)]
    guesses = infer_occupations(list(zip(titles, texts, strict=True)))
    profiles, inferred = [], []
    for headline, text, resume, occupation in zip(headlines, texts, parsed, guesses, strict=True):
        profile = talent_profile(resume, compose_talent_text(headline, None, text))
        info = _inferred(
            resume,
            ("years_experience", "seniority"),
            RESUME_PARSER_VERSION,
            enricher.skills_version,
        )
        profile.occupation_code = _occupation(occupation, info)
        profiles.append(profile)
        inferred.append(info)
    return profiles, inferred


def job_profiles(
    titles: Sequence[str], texts: Sequence[str], enricher: Enricher
) -> tuple[list[JobProfile], list[Inferred]]:
    """Job profiles from (title, description) pairs: required / nice-to-have skills, years,
    seniority, remote policy and occupation inferred."""
    extractor = enricher.extractor
    guesses = infer_occupations(list(zip(titles, texts, strict=True)))
    extractions = extractor.extract_many(
        [posting_text(t, d) for t, d in zip(titles, texts, strict=True)]
    )
    profiles, inferred = [], []
    for title, text, occupation, extraction in zip(
        titles, texts, guesses, extractions, strict=True
    ):
        parsed = parse_posting(title, text, extractor, extraction)
        profile = job_profile(parsed, compose_job_text(title, text))
        info = _inferred(
            parsed,
            ("min_years", "seniority", "remote_policy"),
            POSTING_PARSER_VERSION,
            enricher.skills_version,
        )
        profile.occupation_code = _occupation(occupation, info)
        profiles.append(profile)
        inferred.append(info)
    return profiles, inferred


def fill_talent(
    given: TalentProfile,
    given_fields: set[str],
    headline: str,
    resume_text: str,
    enricher: Enricher,
) -> tuple[TalentProfile, Inferred]:
    """`given` with every field the caller did not send taken from the résumé text."""
    parsed, (info,) = talent_profiles([headline], [resume_text], enricher)
    return _merge(given, parsed[0], given_fields, info), info


def fill_job(
    given: JobProfile, given_fields: set[str], title: str, job_text: str, enricher: Enricher
) -> tuple[JobProfile, Inferred]:
    """`given` with every field the caller did not send taken from the posting text."""
    parsed, (info,) = job_profiles([title], [job_text], enricher)
    return _merge(given, parsed[0], given_fields, info), info


def _merge(given: P, parsed: P, given_fields: set[str], info: Inferred) -> P:
    for name in list(info.fields):
        if name in given_fields:
            del info.fields[name]
        else:
            setattr(given, name, getattr(parsed, name))
    if (
        isinstance(given, JobProfile)
        and isinstance(parsed, JobProfile)
        and "min_years" in info.fields
        and "max_years" not in given_fields
    ):
        given.max_years = parsed.max_years
    if not given.text.strip():
        given.text = parsed.text
    return given


def require_given(
    talent_fields: set[str],
    job_fields: set[str],
    *,
    resume_text: str | None,
    job_text: str | None,
) -> None:
    """Without text a side must state what the matcher cannot default (the talent's years and
    seniority, the job's seniority); the error names the first field that is missing. Needs
    no model, so a pair without text is checked without a text worker."""
    if resume_text is None:
        for name in ("years_experience", "seniority"):
            if name not in talent_fields:
                raise FeatureExtractionError(
                    f"talent.{name} is required unless resume_text is given", field=f"talent.{name}"
                )
    if job_text is None and "seniority" not in job_fields:
        raise FeatureExtractionError(
            "job.seniority is required unless job_text is given", field="job.seniority"
        )


def complete_pair(
    talent: TalentProfile,
    talent_fields: set[str],
    job: JobProfile,
    job_fields: set[str],
    *,
    resume_text: str | None = None,
    talent_headline: str | None = None,
    job_text: str | None = None,
    job_title: str | None = None,
    enricher: Enricher,
) -> tuple[TalentProfile, JobProfile, dict[str, Inferred]]:
    """A zero-shot pair ready to score: each side's missing fields read from its text."""
    require_given(talent_fields, job_fields, resume_text=resume_text, job_text=job_text)
    inferred: dict[str, Inferred] = {}
    if resume_text is not None:
        talent, inferred["talent"] = fill_talent(
            talent, talent_fields, talent_headline or "", resume_text, enricher
        )
    if job_text is not None:
        job, inferred["job"] = fill_job(job, job_fields, job_title or "", job_text, enricher)
    return talent, job, inferred
