"""Parse a raw résumé into the structured fields the matcher reads (TalentProfile).

Why each rule:
- Years come from the union of employment date ranges (app/enrichment/dates.py), because
  summed ranges double count parallel jobs and summary sentences ("10+ years") are vaguer than
  a dated history; a sentence is only the fallback. Ranges under an education-like header, or
  on a line naming a degree or school when the résumé has no experience header, are studies,
  not work.
- The most recent dated role gives the headline; its title words give seniority, which years
  confirm or, with no title word, decide (cues.py thresholds match the matcher's training data).
- Skills come from the shared SkillExtractor; a skill named inside a dated role gets the years
  that role (or the union of the roles naming it) covers.
- Every field is `None` when nothing was found, so callers never mistake a default for evidence;
  `notes` say what could not be read, including text that does not look like English.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from app.enrichment.cues import (
    Inferred,
    education_mentions,
    education_rank,
    looks_foreign,
    title_seniority,
    years_seniority,
    years_statements,
)
from app.enrichment.dates import DateRange, find_date_ranges, merge_intervals, total_years
from app.enrichment.errors import OccupationModelError
from app.enrichment.extractor import ExtractionResult, SkillExtractor
from app.enrichment.occupation import OccupationGuess
from app.logging import get_logger
from app.ml.types import SkillLevel, TalentProfile

log = get_logger(__name__)

OccupationFn = Callable[[Sequence[tuple[str, str]]], list[list[OccupationGuess]]]
ResumeSection = str  # "experience" | "education" | "skills" | "summary" | "other" | "none"

_SECTION_HEADERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(rf"^(?:{words})$", re.I))
    for label, words in (
        (
            "education",
            r"(?:education(?:al)?|academic)(?: \w+){0,3}|(?:\w+ )?(?:degrees?|certifications?"
            r"|certificates?|courses?|coursework|trainings?|schooling|qualifications)(?: \w+){0,2}",
        ),
        (
            "experience",
            r"(?:\w+ ){0,2}(?:experience|employment|history|career)(?: \w+){0,2}"
            r"|positions held|jobs|professional background|work",
        ),
        ("skills", r"(?:\w+ ){0,2}(?:skills|competenc\w*|technologies|tools|expertise)"),
        ("summary", r"(?:\w+ ){0,2}(?:summary|profile|objective|about me|headline)"),
        (
            "other",
            r"(?:\w+ ){0,2}(?:information|contact|details|references|interests|hobbies"
            r"|languages|awards|publications|projects|volunteer\w*|achievements|honou?rs)",
        ),
    )
)
_HEADER_LINE = re.compile(r"^[\s#*•‣=_>-]*(?P<head>[A-Za-z][A-Za-z &/']{1,50}?)[\s#*=_-]*(?::|$)")
_SCHOOL_WORDS = re.compile(
    r"\b(?:university|college|school|academy|institute of|bachelor|master|ph\.?d|degree|diploma"
    r"|b\.?sc|m\.?sc|mba|gpa|graduated|major in|coursework)\b",
    re.I,
)
_TITLE_LINE = re.compile(
    r"^[ \t]*(?:current (?:title|position|role)|title|headline)[ \t]*:[ \t]*(.+)$", re.I | re.M
)
_SPLIT_COMPANY = re.compile(r"\s+(?:at|@)\s+|\s+[|–—-]\s+|,\s+|\s+\|\s*")
_JOB_NOUNS = re.compile(
    r"\b(?:engineer|developer|manager|analyst|designer|consultant|specialist|architect"
    r"|administrator|scientist|director|lead|officer|coordinator|assistant|intern|technician"
    r"|representative|associate|programmer|tester|accountant|nurse|teacher|worker|writer"
    r"|editor|head|founder|president|owner|executive|agent|clerk|supervisor|researcher"
    r"|instructor|artist|operator|planner|strategist|advisor|expert|professional)s?\b",
    re.I,
)
_TRIM = " \t\r-–—:•*‣|()[],;#>"
# "Worked as a Data Analyst from": the narrative around a title in one-line histories.
_NARRATIVE = re.compile(
    r"^(?:\d+\.\s*)?(?:(?:worked|served|acted|employed|hired|posted|started)\s+(?:as|at)"
    r"(?:\s+an?)?|active role in|role:|position:)\s+|\s+(?:from|between|since|during|in)$",
    re.I,
)
MAX_TITLE_WORDS = 16
MAX_TITLE_CHARS = 160


@dataclass(frozen=True, slots=True)
class ResumeSkill:
    name: str
    category: str
    confidence: float
    years: float | None
    """Years covered by the dated roles that name the skill; None when none does."""


@dataclass(frozen=True, slots=True)
class Experience:
    """One dated role: [start_month, end_month) as month indices (year * 12 + month - 1)."""

    title: str | None
    start_month: int
    end_month: int
    current: bool
    years: float
    text: str


@dataclass
class ParsedResume:
    skills: list[ResumeSkill]
    years_experience: Inferred[float] | None
    seniority: Inferred[str] | None
    education: Inferred[str] | None
    headline: Inferred[str] | None
    experiences: list[Experience]
    date_ranges_found: int
    confidence: float
    """Mean confidence over skills, years, seniority, education and headline (0 when absent)."""
    notes: list[str] = field(default_factory=list)
    occupations: list[OccupationGuess] = field(default_factory=list)
    """Top-3 O*NET occupations, when an occupation inference function was given."""


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int
    text: str
    section: ResumeSection
    opens_section: bool


def _header_label(line: str) -> tuple[ResumeSection, bool] | None:
    """(section label, whether the line is only a header) when the line names a section.

    "Skills: Python, SQL" labels its own line but does not open a section, so a field inside
    a role ("Technologies: ...") does not cut the experience section short.
    """
    match = _HEADER_LINE.match(line)
    if match is None or any(ch.isdigit() for ch in line[: match.end()]):
        return None
    head = match.group("head").strip()
    rest = line[match.end() :].strip()
    if len(head.split()) > 5 or (rest and not line[: match.end()].endswith(":")):
        return None
    for label, pattern in _SECTION_HEADERS:
        if pattern.match(head):
            return label, not rest
    return None


def _lines(text: str) -> list[_Line]:
    """Lines with the résumé section each sits in ("none" before any header)."""
    out: list[_Line] = []
    offset, section = 0, "none"
    for raw in text.splitlines(keepends=True):
        header = _header_label(raw)
        own = section
        if header is not None:
            own = header[0]
            if header[1]:
                section = header[0]
        opens = header is not None and header[1]
        out.append(_Line(offset, offset + len(raw), raw.rstrip("\r\n"), own, opens))
        offset += len(raw)
    return out


def _line_at(starts: Sequence[int], offset: int) -> int:
    """Index of the line holding `offset`, given the (sorted) line start offsets."""
    return max(0, bisect_right(starts, offset) - 1)


def _employment_ranges(
    lines: Sequence[_Line], starts: Sequence[int], ranges: Sequence[DateRange]
) -> tuple[list[DateRange], float]:
    """The ranges that date work, and how sure that reading is."""
    in_experience = [r for r in ranges if lines[_line_at(starts, r.start)].section == "experience"]
    if in_experience:
        return in_experience, 0.9
    school: dict[int, bool] = {}  # per line: one long line may hold many ranges
    kept = []
    for r in ranges:
        index = _line_at(starts, r.start)
        line = lines[index]
        if index not in school:
            school[index] = bool(_SCHOOL_WORDS.search(line.text))
        if line.section in ("education", "other") or school[index]:
            continue
        kept.append(r)
    return kept, 0.65


def _clean_title(raw: str) -> str | None:
    raw = _NARRATIVE.sub("", _NARRATIVE.sub("", raw.strip(_TRIM)).strip(_TRIM))
    parts = [p.strip(_TRIM) for p in _SPLIT_COMPANY.split(raw)]
    parts = [p for p in parts if re.search(r"[A-Za-z]{2}", p)]
    if not parts:
        return None
    title = next((p for p in parts if _JOB_NOUNS.search(p)), parts[0])
    title = re.sub(r"\s+", " ", title).strip(_TRIM)
    if not title or len(title.split()) > MAX_TITLE_WORDS or _SCHOOL_WORDS.search(title):
        return None
    return title


def _title_for(lines: Sequence[_Line], index: int, r: DateRange) -> tuple[str | None, float]:
    """The role title next to a date range: same line before it, after it, or the line above."""
    line = lines[index]
    before = line.text[max(0, r.start - line.start - MAX_TITLE_CHARS) : r.start - line.start]
    after = line.text[r.end - line.start : r.end - line.start + MAX_TITLE_CHARS].split(":")[0]
    for candidate in (before, after):
        if re.search(r"[A-Za-z]{2}", candidate) and len(candidate.split()) <= MAX_TITLE_WORDS:
            title = _clean_title(candidate)
            if title:
                return title, 0.75
    for j in range(index - 1, max(-1, index - 3), -1):
        above = lines[j].text.strip()
        if not above:
            continue
        if lines[j].opens_section or len(above.split()) > MAX_TITLE_WORDS:
            break
        title = _clean_title(above)
        if title:
            return title, 0.6
        break
    return None, 0.0


def _experiences(
    text: str, lines: Sequence[_Line], starts: Sequence[int], ranges: Sequence[DateRange]
) -> list[tuple[Experience, int, int, float]]:
    """(role, block start, block end, title confidence) per employment range, in text order.

    A role's block runs from its date line (or the title line just above) to the next role's
    block or the end of its section, so skill mentions in the description belong to it.
    """
    openers = [line.start for line in lines if line.opens_section]
    blocks: list[tuple[int, str | None, float]] = []
    for r in ranges:
        index = _line_at(starts, r.start)
        title, confidence = _title_for(lines, index, r)
        block_start = lines[index].start
        if confidence == 0.6 and index > 0:
            block_start = lines[index - 1].start
        blocks.append((block_start, title, confidence))
    out: list[tuple[Experience, int, int, float]] = []
    for i, (r, (block_start, title, confidence)) in enumerate(zip(ranges, blocks, strict=True)):
        later = bisect_right(openers, r.start)
        section_end = openers[later] if later < len(openers) else len(text)
        block_end = min(section_end, blocks[i + 1][0]) if i + 1 < len(blocks) else section_end
        block_end = max(block_end, r.end)
        role = Experience(
            title,
            r.start_month,
            r.end_month,
            r.current,
            round(r.months / 12, 2),
            text[block_start:block_end].strip(),
        )
        out.append((role, block_start, block_end, confidence))
    return out


def _seniority(
    headline: Inferred[str] | None, years: Inferred[float] | None
) -> Inferred[str] | None:
    by_title = title_seniority(headline.value) if headline else None
    by_years = (
        Inferred(years_seniority(years.value), 0.45 + 0.25 * years.confidence, years.source)
        if years
        else None
    )
    if by_title and by_years:
        if by_title.value == by_years.value:
            return Inferred(by_title.value, min(0.95, by_title.confidence + 0.1), "title+years")
        return by_title if by_title.confidence >= by_years.confidence else by_years
    return by_title or by_years


def _education(lines: Sequence[_Line], starts: Sequence[int], text: str) -> Inferred[str] | None:
    mentions = [(level, offset) for level, offset in education_mentions(text) if level != "none"]
    if not mentions:
        return None
    level, offset = max(mentions, key=lambda m: (education_rank(m[0]), -m[1]))
    in_section = lines[_line_at(starts, offset)].section == "education"
    return Inferred(level, 0.85 if in_section else 0.6, "degree words")


def parse_resume(
    text: str,
    extractor: SkillExtractor,
    *,
    today: date | None = None,
    occupations: OccupationFn | None = None,
    extraction: ExtractionResult | None = None,
) -> ParsedResume:
    """Structured fields of a résumé; `today` stands for "Present" (defaults to today).

    `extraction` is `extractor.extract(text)` when the caller already ran it for a batch
    (`extract_many` embeds every text's candidate phrases in one call).

    `occupations` (app.enrichment.occupation.infer_occupations in serving) is asked with the
    headline and the text; when its model is not installed the résumé is still parsed and a
    note says occupations are unavailable.
    """
    today = today or date.today()
    lines = _lines(text)
    starts = [line.start for line in lines]
    all_ranges = find_date_ranges(text, today)
    ranges, range_confidence = _employment_ranges(lines, starts, all_ranges) if lines else ([], 0.0)
    roles = _experiences(text, lines, starts, ranges)
    notes: list[str] = []

    years: Inferred[float] | None = None
    if ranges and total_years(ranges) > 0:
        years = Inferred(total_years(ranges), range_confidence, "date_ranges")
    else:
        stated = [s for s in years_statements(text) if s.mentions_experience]
        if stated:
            years = Inferred(max(s.min_years for s in stated), 0.5, "statement")
            notes.append("no employment date ranges found; years taken from a stated count")
        else:
            notes.append("no employment date ranges or stated years of experience found")

    headline: Inferred[str] | None = None
    titled = [(role, conf) for role, _, _, conf in roles if role.title]
    if titled:
        role, conf = max(titled, key=lambda rc: (rc[0].end_month, rc[0].current))
        headline = Inferred(role.title or "", conf, "most recent role")
    elif (stated_title := _TITLE_LINE.search(text)) is not None:
        title = _clean_title(stated_title.group(1))
        headline = Inferred(title, 0.8, "title line") if title else None

    extraction = extraction or extractor.extract(text)
    skills: list[ResumeSkill] = []
    for skill in extraction.skills:
        months = merge_intervals(
            (role.start_month, role.end_month)
            for role, lo, hi, _ in roles
            if any(lo <= span.start < hi for span in skill.spans)
        )
        covered = sum(hi - lo for lo, hi in months)
        skills.append(
            ResumeSkill(
                skill.name,
                skill.category,
                round(skill.confidence_score, 4),
                round(covered / 12, 2) if covered else None,
            )
        )
    if not skills:
        notes.append("no skills recognised")

    guesses: list[OccupationGuess] = []
    if occupations is not None:
        try:
            guesses = occupations([(headline.value if headline else "", text)])[0]
        except OccupationModelError as exc:
            log.warning("occupation_inference_unavailable", error=str(exc))
            notes.append("occupation inference unavailable (its model is not installed)")

    seniority = _seniority(headline, years)
    education = _education(lines, starts, text)
    signals = [
        max((s.confidence for s in skills), default=0.0),
        *(f.confidence if f else 0.0 for f in (years, seniority, education, headline)),
    ]
    confidence = sum(signals) / len(signals)
    if looks_foreign(text):
        notes.append(
            "little was recognised: the text does not look like English, the only language "
            "the parser reads"
        )
        confidence = min(confidence, 0.2)
    return ParsedResume(
        skills=skills,
        years_experience=years,
        seniority=seniority,
        education=education,
        headline=headline,
        experiences=[role for role, _, _, _ in roles],
        date_ranges_found=len(ranges),
        confidence=round(confidence, 4),
        notes=notes,
        occupations=guesses,
    )


def talent_profile(
    parsed: ParsedResume, text: str, default_seniority: str = "mid"
) -> TalentProfile:
    """The matcher's view of a parsed résumé; absent fields become neutral defaults."""
    return TalentProfile(
        skills=[SkillLevel(s.name, years=s.years or 0.0) for s in parsed.skills],
        years_experience=parsed.years_experience.value if parsed.years_experience else 0.0,
        seniority=parsed.seniority.value if parsed.seniority else default_seniority,
        text=text,
        occupation_code=parsed.occupations[0].code if parsed.occupations else None,
    )
