"""Parse a raw job posting into the structured fields the matcher reads (JobProfile).

Why each rule:
- Skills come from the shared SkillExtractor, whose section classifier (sections.py, or the
  trained hybrid in section_model.py) already says which part of the posting states needs. A
  skill named only in parts that are not about needs (benefits, the company pitch, the EEO
  statement) is dropped; one named only under a "Preferred"/"Nice to have" header or on a
  line that calls it "a plus" is nice-to-have; any other mention makes it required.
- Years: the highest minimum among the required statements ("5+ years of Java, 3+ years of
  AWS" asks for 5), with the range's top as max_years ("3-5 years" -> 3..5). Counts about the
  company ("in business for 30 years") or in non-needs sections are ignored.
- Seniority: title words first, then level words in the text, then the minimum years mapped with
  the levels the matcher was trained on (cues.py).
- Education: the lowest degree the posting requires (a "Master's preferred" does not raise the
  bar); "no degree required" reads as "none".
- Remote policy only when stated next to words about where the work happens ("fully remote",
  "(Onsite)", "hybrid role", "no remote"): a bare "hybrid" is as often an app, an "onsite" an
  interview or a cafeteria. `None` otherwise, so callers keep their own default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.enrichment.cues import (
    Inferred,
    education_mentions,
    education_rank,
    looks_foreign,
    posting_years_seniority,
    title_seniority,
    years_statements,
)
from app.enrichment.extractor import ClassifiedSection, ExtractionResult, SkillExtractor
from app.enrichment.sections import RELEVANT_THRESHOLD
from app.ml.types import JobProfile, SkillLevel

_NICE_HEADER = re.compile(
    r"\b(?:preferred|nice[- ]to[- ]haves?|desired|desirable|bonus|plus|optional|advantage"
    r"|good[- ]to[- ]haves?|would be great|extra credit)\b",
    re.I,
)
_NICE_LINE = re.compile(
    r"\b(?:a plus|is a plus|are a plus|plus\b(?=\s*[.!)]|\s*$)|preferred|nice[- ]to[- ]have"
    r"|bonus|ideally|desirable|advantageous|an advantage|not required|optional|good[- ]to[- ]have"
    r"|would be (?:great|helpful|beneficial))",
    re.I,
)
# A line, bullet or sentence ends; flattened postings glue sentences ("experience.Minimum").
_SEGMENT_BREAK = re.compile(
    r"\n|•|·|▪|;|\.\s|\.(?=[A-Z][a-z])|(?<=\s)-\s|\*\s|(?<![\d(])\d{1,2}\)(?=\s?[A-Z])"
)
# Postings asking for more than this are company facts the cues missed ("50 years of ...").
MAX_POSTING_YEARS = 20.0
SEGMENT_REACH = 200
NICE_CUE_BEFORE, NICE_CUE_AFTER = 60, 100
_LEVEL_WORDS = re.compile(
    r"\b(?P<level>entry|junior|mid|senior|principal)[- ]level\b"
    r"|\b(?P<role>junior|senior|principal)\s+(?:role|position|candidate|engineer|developer)\b",
    re.I,
)
_LEVEL_OF = {
    "entry": "junior",
    "junior": "junior",
    "mid": "mid",
    "senior": "senior",
    "principal": "principal",
}
_EQUIVALENT = re.compile(r"\bor (?:equivalent|related|comparable)\b", re.I)

# A work-arrangement word counts only next to words about where the work happens: "hybrid"
# alone is as often a kind of app or cloud, "onsite" an interview, parking or a presentation.
_ROLE_WORDS = (
    r"role|position|job|work|working|workplace|schedule|model|arrangement|setup|opportunity"
    r"|basis|only|ok"
    r"|option|eligible|friendly|first|contract|employee|candidates?"
)
_PLACE_LEAD = r"(?:\b(?:location|workplace|work type|setting)\s*:\s*|[(\[]\s*|\s[-–|]\s)"
_HYBRID = re.compile(
    rf"\bhybrid[- ](?:{_ROLE_WORDS}|remote|office)\b"
    rf"|{_PLACE_LEAD}hybrid\b(?!\s+(?:and|or|cloud|apps?|applications?)\b)"
    r"|\b(?:partial|occasional)(?:ly)?\s+(?:telecommut\w*|remote|work(?:ing)? from home)"
    r"|\b(?:is|a|this)\s+hybrid\s+(?:role|position|job)\b"
    r"|^\s*hybrid\s*:|\b(?:\d|one|two|three|four)\s+days?\s+(?:a week\s+|per week\s+)?"
    r"(?:in|at)\s+(?:the|our)?\s*(?:\w+\s+)?office\b",
    re.I | re.M,
)
_REMOTE = re.compile(
    rf"\b(?:fully|100%|completely|100 percent)\s+remote\b|\bremote[- ](?:{_ROLE_WORDS})\b"
    rf"|{_PLACE_LEAD}remote\b|\bwork(?:ing)?\s+(?:remotely|from home)\b|\bwfh\b"
    r"|\btelecommut\w*+(?!\s+position:\s*no)|\b(?:is|a|this)\s+(?:a\s+)?remote\s+(?:role|position|job)\b"
    r"|\bremote\s*/\s*home",
    re.I,
)
_INTERVIEW = re.compile(r"\binterview", re.I)
_NO_REMOTE = re.compile(r"\b(?:no|not|non)[- ](?:a )?remote\b|\bremote work is not\b", re.I)
_ONSITE = re.compile(
    rf"\bon[- ]?site[- ](?:{_ROLE_WORDS}|daily|\d days)\b|{_PLACE_LEAD}on[- ]?site\b"
    r"|\b(?:work|working|be|is|based|located|report)\s+(?:\w+\s+)?(?:on[- ]?site|in[- ]office"
    r"|in[- ]person)\b(?![- ](?:interview|parking|cafeteria|gym|presentation|meeting))",
    re.I,
)


@dataclass(frozen=True, slots=True)
class PostingSkill:
    name: str
    category: str
    confidence: float
    required: bool
    years: float | None
    """A count stated next to the skill ("5+ years of Java"); None when none is."""


@dataclass
class ParsedPosting:
    title: str
    required_skills: list[PostingSkill]
    nice_to_have_skills: list[PostingSkill]
    min_years: Inferred[float] | None
    max_years: float | None
    seniority: Inferred[str] | None
    education: Inferred[str] | None
    remote_policy: Inferred[str] | None
    confidence: float
    """Mean confidence over skills, years, seniority, education and remote policy."""
    notes: list[str] = field(default_factory=list)


def _segment(text: str, offset: int) -> tuple[int, int]:
    """The bullet, line or sentence around `offset` (at most SEGMENT_REACH chars each way)."""
    lo = max(0, offset - SEGMENT_REACH)
    start = lo
    for match in _SEGMENT_BREAK.finditer(text, lo, offset):
        start = match.end()
    after = _SEGMENT_BREAK.search(text, offset, offset + SEGMENT_REACH)
    return start, after.start() if after else min(len(text), offset + SEGMENT_REACH)


def _section_at(sections: list[ClassifiedSection], offset: int) -> ClassifiedSection | None:
    return next((c for c in reversed(sections) if c.section.start <= offset), None)


def _relevant(section: ClassifiedSection | None, sections: list[ClassifiedSection]) -> bool:
    """Whether a mention sits in a part stating needs. With no such part at all (one untitled
    block the classifier called "application"), the classifier did not separate anything, so
    every part counts."""
    if section is None or section.label.relevance >= RELEVANT_THRESHOLD:
        return True
    return not any(c.label.relevance >= RELEVANT_THRESHOLD for c in sections)


def _nice(text: str, sections: list[ClassifiedSection], offset: int) -> bool:
    section = _section_at(sections, offset)
    if (
        section is not None
        and section.section.header
        and _NICE_HEADER.search(section.section.header)
    ):
        return True
    lo, hi = _segment(text, offset)
    if section is not None and section.section.start <= offset < section.section.end:
        lo, hi = max(lo, section.section.start), min(hi, section.section.end)
    # Flattened postings glue bullets together, so a cue must also sit near the mention.
    lo, hi = max(lo, offset - NICE_CUE_BEFORE), min(hi, offset + NICE_CUE_AFTER)
    return bool(_NICE_LINE.search(text, lo, hi))


def _count(pattern: re.Pattern[str], text: str) -> int:
    """Matches not about an interview ("the final interview will be onsite")."""
    return sum(
        1
        for m in pattern.finditer(text)
        if not _INTERVIEW.search(text, max(0, m.start() - 30), m.end() + 15)
    )


def _remote_policy(text: str) -> Inferred[str] | None:
    if _count(_HYBRID, text):
        return Inferred("hybrid", 0.8, "text")
    remote = _count(_REMOTE, text) if not _NO_REMOTE.search(text) else 0
    onsite = _count(_ONSITE, text) + (2 if _NO_REMOTE.search(text) else 0)
    if remote and onsite:
        return Inferred("remote" if remote > onsite else "onsite", 0.5, "text")
    if remote:
        return Inferred("remote", 0.8, "text")
    if onsite:
        return Inferred("onsite", 0.7, "text")
    return None


def posting_text(title: str, text: str) -> str:
    """What a posting is read as: the title first, as its first line."""
    return f"{title}.\n{text}" if title.strip() else text


def parse_posting(
    title: str,
    text: str,
    extractor: SkillExtractor,
    extraction: ExtractionResult | None = None,
) -> ParsedPosting:
    """Structured fields of a posting; `extraction` is `extractor.extract(posting_text(...))`
    when the caller already ran it for a batch."""
    full = posting_text(title, text)
    extraction = extraction or extractor.extract(full)
    sections = extraction.sections
    statements = [
        s
        for s in years_statements(full)
        if _relevant(_section_at(sections, s.start), sections)
        and s.min_years <= MAX_POSTING_YEARS
        and (s.mentions_experience or _section_at(sections, s.start) is not None)
    ]
    statement_segments = [(st, _segment(full, st.start)) for st in statements]
    notes: list[str] = []

    required: list[PostingSkill] = []
    nice: list[PostingSkill] = []
    for skill in extraction.skills:
        spans = [s for s in skill.spans if _relevant(_section_at(sections, s.start), sections)]
        if not spans:
            continue
        is_nice = all(_nice(full, sections, s.start) for s in spans)
        segments = {_segment(full, s.start) for s in spans}
        years = [st.min_years for st, seg in statement_segments if seg in segments]
        parsed = PostingSkill(
            skill.name,
            skill.category,
            round(skill.confidence_score, 4),
            not is_nice,
            max(years) if years else None,
        )
        (nice if is_nice else required).append(parsed)
    if not required and not nice:
        notes.append("no skills recognised")

    min_years: Inferred[float] | None = None
    max_years: float | None = None
    needed = [s for s in statements if not _nice(full, sections, s.start)]
    pool = needed or statements
    if pool:
        top = max(pool, key=lambda s: (s.min_years, s.mentions_experience))
        confidence = (0.9 if top.mentions_experience else 0.7) * (1.0 if needed else 0.6)
        min_years = Inferred(top.min_years, confidence, "statement")
        max_years = top.max_years
    else:
        notes.append("no years of experience stated")

    seniority = title_seniority(title) if title.strip() else None
    if seniority is None and (level := _LEVEL_WORDS.search(text)) is not None:
        word = (level.group("level") or level.group("role")).lower()
        seniority = Inferred(_LEVEL_OF[word], 0.6, "text")
    if min_years is not None:
        by_years = posting_years_seniority(min_years.value)
        if seniority is None:
            seniority = Inferred(by_years, 0.55, "min_years")
        elif seniority.value == by_years:
            seniority = Inferred(by_years, min(0.95, seniority.confidence + 0.1), "title+years")

    education: Inferred[str] | None = None
    degrees = [
        (level, offset)
        for level, offset in education_mentions(full)
        if _relevant(_section_at(sections, offset), sections)
    ]
    demanded = [d for d in degrees if not _nice(full, sections, d[1])]
    bar = demanded or degrees
    if bar:
        degree, offset = min(bar, key=lambda d: (education_rank(d[0]), d[1]))
        lo, hi = _segment(full, offset)
        firm = bool(demanded) and not _EQUIVALENT.search(full, lo, hi)
        education = Inferred(degree, 0.8 if firm else 0.6, "degree words")

    remote = _remote_policy(full)
    signals = [
        max((s.confidence for s in (*required, *nice)), default=0.0),
        *(f.confidence if f else 0.0 for f in (min_years, seniority, education, remote)),
    ]
    confidence = sum(signals) / len(signals)
    if looks_foreign(full):
        notes.append(
            "little was recognised: the text does not look like English, the only language "
            "the parser reads"
        )
        confidence = min(confidence, 0.2)
    return ParsedPosting(
        title=title.strip(),
        required_skills=required,
        nice_to_have_skills=nice,
        min_years=min_years,
        max_years=max_years,
        seniority=seniority,
        education=education,
        remote_policy=remote,
        confidence=round(confidence, 4),
        notes=notes,
    )


def job_profile(parsed: ParsedPosting, text: str, default_seniority: str = "mid") -> JobProfile:
    """The matcher's view of a parsed posting; absent fields become neutral defaults."""
    skills = [
        SkillLevel(s.name, years=s.years or 0.0, required=s.required)
        for s in (*parsed.required_skills, *parsed.nice_to_have_skills)
    ]
    return JobProfile(
        skills=skills,
        seniority=parsed.seniority.value if parsed.seniority else default_seniority,
        min_years=parsed.min_years.value if parsed.min_years else 0.0,
        max_years=parsed.max_years,
        remote_policy=parsed.remote_policy.value if parsed.remote_policy else "onsite",
        text=text,
    )
