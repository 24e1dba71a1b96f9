"""Word cues shared by the résumé and posting parsers: seniority, education, years, language.

Each function reads one kind of evidence and says how sure it is, so the parsers can combine
them (a title word beats a years count; a count found in a dated history beats a sentence).
Seniority uses the levels the database allows (app/core/enums.py Seniority); years map to
a level with the thresholds the synthetic world was drawn with (app/seeding/generate.py
SENIORITY_THRESHOLDS), so a parsed profile sits where the matcher's training data put people
with the same history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.core.enums import Seniority

# Years at which a talent reaches junior, mid, senior, lead, principal (intern below the first).
SENIORITY_THRESHOLDS: tuple[float, ...] = (1.0, 3.0, 6.0, 10.0, 15.0)
_LEVELS = tuple(level.value for level in Seniority)
# Lowest years a posting asks for at each level (seeding's SENIORITY_YEARS_MIN).
POSTING_YEARS_MIN: tuple[float, ...] = (0.0, 0.5, 2.0, 5.0, 8.0, 11.0)

EDUCATION_LEVELS = ("none", "high_school", "associate", "bachelor", "master", "doctorate")

# Most specific first: "Senior Lead" is lead, "Director" outranks "Senior Director"'s senior.
_TITLE_WORDS: tuple[tuple[str, str], ...] = (
    (
        "principal",
        r"principal|head of|head|director|vp|svp|evp|vice president|chief|cto|cio|cfo|ceo|coo"
        r"|distinguished|fellow",
    ),
    ("lead", r"lead|staff|team lead|tech lead|manager|supervisor|architect"),
    ("senior", r"senior|sr|snr|experienced"),
    ("mid", r"mid|mid-level|intermediate"),
    ("junior", r"junior|jr|entry[- ]level|graduate|trainee|apprentice|assistant"),
    ("intern", r"intern|internship|co-op|working student"),
)
_TITLE_RES = [
    (level, re.compile(rf"(?<![\w-])(?:{words})\b\.?", re.I)) for level, words in _TITLE_WORDS
]
# Title words are strong for seniority but "manager"/"architect"/"assistant" less so.
_WEAK_TITLE_WORDS = re.compile(r"manager|supervisor|architect|assistant|graduate|staff", re.I)

_DEGREES: tuple[tuple[str, str], ...] = (
    (
        "doctorate",
        r"ph\.? ?d\.?|doctorate|doctoral|doctor of|d\.?phil|ed\.?d\.?",
    ),
    (
        "master",
        r"master'?s?|masters|m\.?sc\.?|m\.s\.|ms in|m\.?eng\.?|mba|m\.a\.|ma in|m\.tech"
        r"|postgraduate degree|graduate degree",
    ),
    (
        "bachelor",
        r"bachelor'?s?|b\.?sc\.?|b\.s\.|bs in|bs/ms|b\.?eng\.?|b\.a\.|ba in|b\.tech|btech"
        r"|undergraduate degree|4[- ]year degree|four[- ]year degree|college degree"
        r"|university degree|degree in",
    ),
    ("associate", r"associate'?s? degree|associate of|a\.a\.s?\.?|a\.s\. degree|2[- ]year degree"),
    ("high_school", r"high school|ged|secondary school|hs diploma|a[- ]levels?"),
)
_DEGREE_RES = [
    (level, re.compile(rf"(?<![\w.])(?:{words})(?!\w)", re.I)) for level, words in _DEGREES
]
_NO_DEGREE = re.compile(r"\bno (?:college )?degree (?:is )?(?:required|needed|necessary)\b", re.I)

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
}
_NUM = r"(?:\d{1,2}(?:\.\d)?|" + "|".join(_NUMBER_WORDS) + r")"
# Possessive whitespace (*+, ++) keeps a number followed by a long blank run linear.
_YEARS = re.compile(
    rf"(?:\b(?P<pre>at least|minimum(?: of)?|min\.?|over|more than|in excess of|up to)\s++)?"
    rf"(?<!\w)(?<!\d\.)(?P<lo>{_NUM})(?:\s*+\(\d{{1,2}}\))?(?:\s*+\+)?"
    rf"(?:\s*+(?:-|–|—|to)\s*+(?P<hi>{_NUM})(?:\s*+\+)?)?"
    rf"(?:\s++(?:or more|or longer|plus|full|preceding|relevant|professional|progressive))?"
    rf"[\s-]*+(?:years?|yrs?)\b"
    rf"(?=(?P<after>[^.;\n]{{0,60}}))",
    re.I,
)
_EXPERIENCE_WORD = re.compile(r"\b(?:experience|exp\b|expertise|background|working|track)", re.I)
# Counts about something other than a person's work: the company's history, an age, a term.
_NOT_WORK = re.compile(
    r"\b(?:old|ago|age|warranty|contract term|in business|history|anniversary|tradition"
    r"|legacy|company|firm|partnership|lease)\b",
    re.I,
)
_COMPANY_BEFORE = re.compile(
    r"\b(?:in business|founded|established|been (?:serving|providing|helping|delivering))\b"
    r"[^.;\n]{0,30}$",
    re.I,
)

# Function words (and a few résumé words) that most English text of any kind contains.
_ENGLISH_WORDS = (
    "the and of to in for with a an on at as is are was were be by from this that our we"
    " you your have has will or experience years work team skills"
)
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
# Function words of the other languages résumés commonly arrive in (de, fr, es, it, pt, nl, sv).
_FOREIGN_WORDS = (
    "und der die das ist mit für ich wir sie nicht eine einer auf den dem von zu im bei als"
    " le la les des est et pour avec une dans du sur au aux je nous vous"
    " el los las del y con para por una que muy su al como"
    " il di che per sono nel della gli"
    " não uma com os são"
    " het een van voor niet ik wij zijn"
    " och att jag som på är"
)
_FOREIGN = frozenset(_FOREIGN_WORDS.split())
_LATIN_END = 0x24F  # last code point of Latin Extended-B


T = TypeVar("T", str, float)


@dataclass(frozen=True, slots=True)
class Inferred(Generic[T]):
    """One inferred value with the confidence the evidence earns and where it came from."""

    value: T
    confidence: float
    source: str


@dataclass(frozen=True, slots=True)
class YearsStatement:
    """'5+ years', 'at least 3 years', '3-5 years of experience' at text[start:end]."""

    min_years: float
    max_years: float | None
    start: int
    end: int
    mentions_experience: bool


def title_seniority(title: str) -> Inferred[str] | None:
    """The level a title's words name ("Senior", "Head of", "Intern"); None without one.

    Words that also name roles at other levels ("Manager", "Staff Accountant", "Assistant")
    earn less confidence than unambiguous ones ("Senior", "Principal", "Intern").
    """
    for level, pattern in _TITLE_RES:
        match = pattern.search(title)
        if match:
            weak = _WEAK_TITLE_WORDS.fullmatch(match.group(0).rstrip("."))
            return Inferred(level, 0.6 if weak else 0.85, "title")
    return None


def years_seniority(years: float) -> str:
    """The level a talent with this much experience holds in the matcher's training world."""
    level = sum(1 for threshold in SENIORITY_THRESHOLDS if years >= threshold)
    return _LEVELS[level]


def posting_years_seniority(min_years: float) -> str:
    """The level a posting asking for `min_years` is at (never intern: titles say that)."""
    level = max(i for i, low in enumerate(POSTING_YEARS_MIN) if min_years >= low)
    return _LEVELS[max(1, level)]


def education_mentions(text: str) -> list[tuple[str, int]]:
    """(level, offset) of every degree word in the text, in text order."""
    found = [(level, m.start()) for level, p in _DEGREE_RES for m in p.finditer(text)]
    found.extend(("none", m.start()) for m in _NO_DEGREE.finditer(text))
    return sorted(found, key=lambda f: f[1])


def education_rank(level: str) -> int:
    return EDUCATION_LEVELS.index(level)


def _number(token: str) -> float:
    lowered = token.lower()
    return float(_NUMBER_WORDS[lowered]) if lowered in _NUMBER_WORDS else float(token)


def years_statements(text: str) -> list[YearsStatement]:
    """Statements of a years count ('5+ years', 'three to five years of experience')."""
    out: list[YearsStatement] = []
    for match in _YEARS.finditer(text):
        after = match.group("after") or ""
        if _NOT_WORK.search(after[:25]) or _COMPANY_BEFORE.search(
            text, max(0, match.start() - 50), match.start()
        ):
            continue
        lo = _number(match.group("lo"))
        hi = _number(match.group("hi")) if match.group("hi") else None
        if lo > 40 or (hi is not None and (hi < lo or hi > 45)):
            continue
        if (match.group("pre") or "").lower() == "up to":
            lo, hi = 0.0, lo
        sentence_start = max(text.rfind(c, 0, match.start()) for c in ".;\n") + 1
        context = text[sentence_start : match.end("after")]
        out.append(
            YearsStatement(
                lo, hi, match.start("lo"), match.end(), bool(_EXPERIENCE_WORD.search(context))
            )
        )
    return out


def english_share(text: str) -> float:
    """Share of the words that are common English words; low for another language."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if not words:
        return 0.0
    return sum(1 for w in words if w in _ENGLISH) / len(words)


def _share(words: list[str], vocabulary: frozenset[str]) -> float:
    return sum(1 for w in words if w in vocabulary) / len(words) if words else 0.0


def looks_foreign(text: str) -> bool:
    """True when a text of some length is mostly in a non-Latin script, or its function words
    are those of another European language rather than English. English function words alone
    cannot tell: a terse English résumé ("Python, SQL, AWS") has almost none."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    letters = [ch for w in words for ch in w]
    if len(letters) >= 20 and sum(ord(ch) > _LATIN_END for ch in letters) > 0.5 * len(letters):
        return True
    if len(words) < 5:
        return False
    foreign = _share(words, _FOREIGN)
    return foreign >= 0.08 and foreign > _share(words, _ENGLISH)
