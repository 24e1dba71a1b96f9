"""Split a posting into sections and say how likely each is to state the skills the job needs.

Postings arrive with real line breaks or flattened to one line ("... PREFERRED QUALIFICATIONS •
Hands on Java ..."), so headers are found both as short lines and inline (an all-caps run or a
"Phrase:" containing a header keyword). The rule-based classifier reads the header first, then
a header the splitter left inside the body ("...IIIResponsibilities: Work with..."), and falls
back to content cues; relevance is the expected relevance over the label probabilities, so a
trained model (section_model.py) plugs in with the same output. `decisive_rule` says when the
rules have specific evidence; the trained hybrid lets the model decide only the other sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SECTION_LABELS: tuple[str, ...] = (
    "requirements",
    "responsibilities",
    "overview",
    "about_company",
    "benefits",
    "application",
    "legal",
)
# How likely a skill named in a section of this kind is one the job needs.
LABEL_RELEVANCE: dict[str, float] = {
    "requirements": 0.95,
    "responsibilities": 0.8,
    "overview": 0.6,
    "about_company": 0.25,
    "application": 0.15,
    "benefits": 0.1,
    "legal": 0.05,
}
RELEVANT_THRESHOLD = 0.5

_HEADER_CUES: dict[str, tuple[str, ...]] = {
    "requirements": (
        r"requirements?",
        r"qualifications?",
        r"skills?",
        r"must haves?",
        r"nice to haves?",
        r"experience required",
        r"required experience",
        r"what you(?:'|’)?ll? (?:need|bring)",
        r"what you bring",
        r"what we(?:'|’)?re looking for",
        r"who you are",
        r"education",
        r"competenc(?:y|ies)",
        r"technical expertise",
        r"you have",
        r"ideal candidate",
        r"knowledge",
        r"desired",
        r"preferred",
    ),
    "responsibilities": (
        r"responsibilit(?:y|ies)",
        r"duties",
        r"tasks",
        r"what you(?:'|’)?ll do",
        r"the role",
        r"your role",
        r"accountabilities",
        r"day to day",
        r"you will",
        r"essential functions",
        r"scope",
        r"projects?",
    ),
    "benefits": (
        r"benefits?",
        r"perks",
        r"what we offer",
        r"compensation",
        r"salary",
        r"we offer",
        r"why (?:join|work)",
        r"rewards?",
        r"pay rate",
        r"rate",
    ),
    "about_company": (
        r"about (?:us|the company|our company|the team|[A-Z]\w+)",
        r"who we are",
        r"our company",
        r"company (?:overview|description|profile)",
        r"our mission",
        r"culture",
    ),
    "application": (r"how to apply", r"to apply", r"apply", r"contact", r"application"),
    "legal": (
        r"equal opportunity",
        r"eeo",
        r"disclaimer",
        r"legal",
        r"e-verify",
        r"privacy",
        r"accommodations?",
    ),
    "overview": (
        r"job description",
        r"description",
        r"overview",
        r"summary",
        r"position",
        r"job title",
        r"title",
        r"location",
        r"duration",
        r"introduction",
        r"purpose",
    ),
}
_CONTENT_CUES: dict[str, tuple[str, ...]] = {
    "requirements": (
        r"\d\+? years",
        r"years of experience",
        r"experience (?:with|in)",
        r"degree",
        r"required",
        r"must have",
        r"proficien",
        r"knowledge of",
        r"familiar",
        r"strong",
        r"bachelor",
        r"understanding of",
        r"ability to",
    ),
    "responsibilities": (
        r"\byou will\b",
        r"responsible for",
        r"\bdesign\b",
        r"\bdevelop",
        r"\bbuild\b",
        r"\bmaintain",
        r"\bcollaborat",
        r"\bwork with\b",
        r"\bimplement",
        r"\bsupport\b",
        r"\blead\b",
    ),
    "benefits": (
        r"401\(?k\)?",
        r"\bdental\b",
        r"\bvision (?:insurance|coverage|plans?)\b|\b(?:dental|medical),? (?:and )?vision\b",
        r"health insurance",
        r"paid time off",
        r"\bpto\b",
        r"vacation",
        r"bonus",
        r"stock options",
        r"\bequity (?:grants?|package|compensation)\b",
        r"competitive (?:salary|pay)",
        r"per hour",
        r"/hr\b",
        r"\$\d",
        r"tuition",
    ),
    "about_company": (
        r"\bwe are (?:a|an|the)\b",
        r"founded",
        r"headquartered",
        r"our (?:clients|customers)",
        r"leading provider",
        r"fortune \d+",
        r"\bour mission\b",
        r"employees worldwide",
        r"industry leader",
        r"\bsince (?:19|20)\d\d\b",
        r"\b\d[\d,]* (?:employees|associates|professionals|consultants|offices|locations)\b",
        r"\b(?:worldwide|nationwide|globally)\b",
        r"\b(?:privately held|publicly traded)\b",
    ),
    "legal": (
        r"equal opportunity",
        r"without regard to",
        r"race, color",
        r"sexual orientation",
        r"veteran status",
        r"national origin",
        r"e-verify",
        r"disability",
        r"(?:authorized|eligible|authorization) to work",
        r"\bwork (?:authorization|permit)\b",
    ),
    "application": (
        r"\bapply\b",
        r"send (?:your )?(?:resume|cv)",
        r"e-?mail",
        r"call me",
        r"contact",
        r"click",
        r"recruiter",
        r"(?<!\d)\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?!\d)",
        r"\b(?:please )?call\b",
        r"\b(?:be reached|reach (?:me|us|out))\b",
    ),
}
# Specific cues (an EEO sentence, "401(k)") say more than generic ones ("develop", "strong").
_CUE_WEIGHT = {
    "requirements": 1.0,
    "responsibilities": 1.0,
    "benefits": 2.0,
    "about_company": 2.0,
    "legal": 3.0,
    "application": 1.5,
}
SPECIFIC_CUE_LABELS = frozenset(label for label, weight in _CUE_WEIGHT.items() if weight > 1.0)
_HEADER_KW = re.compile(
    r"\b(?:" + "|".join(c for cues in _HEADER_CUES.values() for c in cues) + r")\b", re.I
)
_HEADER_RES = {
    label: re.compile(r"\b(?:" + "|".join(cues) + r")\b", re.I)
    for label, cues in _HEADER_CUES.items()
}
# Cues without regex syntax are matched as lower-case substrings (several times faster).
_LITERAL = re.compile(r"[\\.^$*+?{}\[\]|()]")
_CONTENT_TESTS = {
    label: (
        [c.lower() for c in cues if not _LITERAL.search(c)],
        [re.compile(c, re.I) for c in cues if _LITERAL.search(c)],
    )
    for label, cues in _CONTENT_CUES.items()
}
_CAPS_RUN = re.compile(
    r"(?<![\w'])([A-Z][A-Z&'’]+(?:[ ,/]+(?:[A-Z][A-Z&'’]+|AND|OF|TO|&|A)){0,7})(?![\w'])"
)
# A "Title Case Phrase:" inside a body: a header the splitter left in (glued to the previous
# word, "IIIResponsibilities:", or after a sentence without a space, "Canada.Skills Required:").
_INLINE_WORD = r"(?:[A-Z][a-z'’]+|[A-Z]{2,}(?![a-z]))"
# Matched backwards from each colon (colons are rare; scanning the whole body is 15x slower).
_INLINE_HEADER = re.compile(
    rf"({_INLINE_WORD}(?:[ \t]*(?:&|and|of|/|-)?[ \t]*{_INLINE_WORD}){{0,4}})[ \t]*$"
)
_INLINE_HEADER_REACH = 100
# An inline header decides only when it opens the body (starts in its first third) and most of
# the body (this share) sits under it, so "Responsibilities: ... Requirements: ..." in a body
# headed "Responsibilities" stays responsibilities.
INLINE_HEADER_MIN_SHARE = 0.6
INLINE_HEADER_MAX_START = 1 / 3
_COLON_HEADER = re.compile(
    r"(?:^|(?<=[\n.!?•*]\s)|(?<=[\n•*])|(?<=\s{2}))"
    r"([A-Z][\w'’&/\-]*(?:[ \t]+[\w'’&/\-()]+){0,6}?)[ \t]*:(?!//)"
)


@dataclass(frozen=True, slots=True)
class Section:
    index: int
    header: str | None
    text: str
    start: int
    end: int

    @property
    def classify_text(self) -> str:
        return f"{self.header}: {self.text}" if self.header else self.text


@dataclass(frozen=True, slots=True)
class SectionLabel:
    label: str
    relevance: float
    confidence: float
    method: str

    @property
    def is_skills_relevant(self) -> bool:
        return self.relevance >= RELEVANT_THRESHOLD


def _header_spans(text: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        words = stripped.rstrip(":").split()
        lead = offset + len(line) - len(line.lstrip())
        if stripped and len(stripped) <= 60 and len(words) <= 7 and not stripped.endswith("."):
            letters = re.sub(r"[^A-Za-z]", "", stripped)
            caps = len(letters) >= 3 and letters.isupper()
            if stripped.endswith(":") or caps or (_HEADER_KW.search(stripped) and len(words) <= 4):
                spans.append((lead, lead + len(stripped), stripped.rstrip(": ")))
        offset += len(line)
    for match in _CAPS_RUN.finditer(text):
        phrase = match.group(1).strip(" ,/")
        if len(phrase) >= 6 and _HEADER_KW.search(phrase):
            spans.append((match.start(1), match.start(1) + len(phrase), phrase))
    for match in _COLON_HEADER.finditer(text):
        phrase = match.group(1).strip()
        if _HEADER_KW.search(phrase):
            spans.append((match.start(1), match.end(), phrase))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    merged: list[tuple[int, int, str]] = []
    for span in spans:
        if merged and span[0] < merged[-1][1]:
            continue
        merged.append(span)
    return merged


def split_sections(text: str) -> list[Section]:
    """Sections in order; text before the first header is a section without a header."""
    headers = _header_spans(text)
    sections: list[Section] = []
    bounds = [*headers, (len(text), len(text), "")]
    body_start, header = 0, None
    for h_start, h_end, h_text in bounds:
        body = text[body_start:h_start]
        stripped = body.strip(" \t\n-–:•*|")
        if stripped:
            lead = body_start + body.index(stripped[0])
            sections.append(Section(len(sections), header, stripped, lead, lead + len(stripped)))
        elif header and h_start == len(text):
            sections.append(Section(len(sections), header, header, body_start, body_start))
        body_start, header = h_end, h_text or None
    if not sections and text.strip():
        sections.append(Section(0, None, text.strip(), 0, len(text)))
    return sections


def relevance_of(probabilities: dict[str, float]) -> float:
    return float(sum(p * LABEL_RELEVANCE.get(label, 0.5) for label, p in probabilities.items()))


def header_label(header: str | None) -> str | None:
    """The label a specific header names ("Requirements", "About us"); None for generic ones
    ("Description", "Location") and for no header."""
    if header:
        for label, pattern in _HEADER_RES.items():
            if label != "overview" and pattern.search(header):
                return label
    return None


def _phrase_label(phrase: str) -> str:
    """The label of a header phrase that contains a keyword: the keyword ending last wins (the
    head of "Key Responsibilities and Qualifications"), the longer one on a tie ("Company
    Overview" is about the company, not an overview)."""
    best, key = "overview", (-1, 0)
    for label, pattern in _HEADER_RES.items():
        for match in pattern.finditer(phrase):
            candidate = (match.end(), match.end() - match.start())
            if candidate > key:
                best, key = label, candidate
    return best


def inline_headers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, label) of each "Phrase:" inside a body that names a section kind; generic
    ones ("Location:", "Job Description:") have the label "overview", and any other colon
    (a field, "Travel: 80%") the label "", as it ends the block of the header before it."""
    out: list[tuple[int, int, str]] = []
    colon, after_previous = text.find(":"), 0
    while colon != -1:
        if not text.startswith("//", colon + 1):  # not a URL
            lo = max(after_previous, colon - _INLINE_HEADER_REACH)
            match = _INLINE_HEADER.search(text, lo, colon)
            if match and _HEADER_KW.search(match.group(1)):
                out.append((match.start(1), colon + 1, _phrase_label(match.group(1))))
            elif not text[colon + 1 : colon + 2].isdigit():  # a field ("Travel:"), not 10:30
                out.append((colon, colon + 1, ""))
        after_previous = colon + 1
        colon = text.find(":", colon + 1)
    return out


def inline_header_label(text: str) -> str | None:
    """The specific label of a header inside the body that opens it and covers most of it
    (see INLINE_HEADER_MIN_SHARE); None otherwise."""
    hits = inline_headers(text)
    if not text or not hits:
        return None
    for i, (start, _, label) in enumerate(hits):
        if start > INLINE_HEADER_MAX_START * len(text):
            break
        if label in ("overview", ""):
            continue
        covered = 0
        for j in range(i, len(hits)):
            stop = hits[j + 1][0] if j + 1 < len(hits) else len(text)
            if hits[j][2] == label:
                covered += stop - hits[j][1]
        if covered >= INLINE_HEADER_MIN_SHARE * len(text):
            return label
    return None


def _content_scores(section: Section) -> dict[str, float]:
    text, lower = section.text, section.text.lower()
    scores: dict[str, float] = {
        label: _CUE_WEIGHT[label]
        * (sum(1 for c in literals if c in lower) + sum(1 for c in patterns if c.search(text)))
        for label, (literals, patterns) in _CONTENT_TESTS.items()
    }
    scores["overview"] = 0.0
    if section.header is not None:
        scores["overview"] += 2.0
    elif section.index == 0:
        scores["overview"] += 2.5
    return scores


def _rule(section: Section) -> tuple[SectionLabel, bool]:
    """The rules' label and whether it rests on specific evidence (see decisive_rule)."""
    named = header_label(section.header)
    if named is not None:
        return _labelled(named, 0.9), True
    inline = inline_header_label(section.text)
    if inline is not None:
        return _labelled(inline, 0.85), True
    scores = _content_scores(section)
    best = max(scores, key=lambda label: scores[label])
    total = sum(scores.values())
    if scores[best] == 0:
        return _labelled("overview", 0.5), False
    return _labelled(best, 0.45 + 0.45 * scores[best] / total), best in SPECIFIC_CUE_LABELS


def decisive_rule(section: Section) -> SectionLabel | None:
    """The rules' label when they have specific evidence, None when they only guess.

    Specific evidence is a specific header (confidence 0.9), a header inside the body that
    opens it and covers most of it (0.85), or content cues winning for a label whose cues are
    specific phrases (SPECIFIC_CUE_LABELS: an EEO sentence, "401(k)", a phone number,
    "founded in"). The rest (a generic header or none, and generic cues such as "develop",
    "strong", "years of experience") is a guess that a trained model may overrule.
    """
    label, decisive = _rule(section)
    return label if decisive else None


def classify_rule(section: Section) -> SectionLabel:
    """A specific header decides (confidence 0.9), or failing that a header inside the body
    that opens it and covers most of it (0.85). Generic headers ("Description", "Location")
    and untitled sections are decided by content cues, leaning to "overview": an untitled
    opening paragraph is usually the pitch, not the requirements."""
    return _rule(section)[0]


def _labelled(label: str, confidence: float) -> SectionLabel:
    rest = (1.0 - confidence) / (len(SECTION_LABELS) - 1)
    probabilities = {other: rest for other in SECTION_LABELS}
    probabilities[label] = confidence
    return SectionLabel(label, relevance_of(probabilities), confidence, "rule_based")
