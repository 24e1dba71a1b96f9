"""The skill vocabulary: canonical skills, the lexicon's surface forms and the alias table.

Sources, in order of precedence: our curated skills (curated_skills.yaml), then a vocabulary
derived from O*NET "Technology Skills" (onet_vocabulary.tsv, built by `build_onet_vocabulary`
and committed, so the running service never reads ../shared/data), then skill_aliases.yaml.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from app.enrichment.config import DATA_DIR
from app.enrichment.text import squash, term_key

CURATED_PATH = DATA_DIR / "curated_skills.yaml"
ONET_VOCAB_PATH = DATA_DIR / "onet_vocabulary.tsv"
ALIASES_PATH = DATA_DIR / "skill_aliases.yaml"

# Vendor-less names too generic to stand alone ("Microsoft Office" yes, "office" no).
GENERIC_BARE_FORMS = frozenset(
    {
        "office",
        "director",
        "database",
        "scheme",
        "mechanical",
        "content manager",
        "server",
        "studio",
        "mail",
        "calendar",
        "chat",
        "meet",
        "docs",
        "drive",
        "sheets",
        "forms",
        "maps",
        "one",
        "connect",
        "photos",
        "notes",
        "data",
        "cloud",
        "analytics",
        "sites",
        "classroom",
        "keep",
        "translate",
        "search",
        "ads",
        "business",
        "dynamics",
        "project server",
    }
)

# Words that are skills only when written as the name: matched with their exact case.
CASE_SENSITIVE_WORDS = frozenset(
    {
        "go",
        "r",
        "c",
        "lean",
        "spring",
        "swift",
        "access",
        "chef",
        "puppet",
        "excel",
        "sketch",
        "unity",
        "express",
        "rust",
        "dart",
        "julia",
        "ruby",
        "shell",
        "word",
        "project",
        "teams",
        "zoom",
        "box",
        "slack",
        "outlook",
        "publisher",
        "lambda",
        "node",
        "react",
        "vue",
        "angular",
        "hive",
        "spark",
        "elastic",
        "apex",
        "assembly",
        "flask",
        "mocha",
        "jest",
        "cucumber",
        "singer",
        "safe",
        "initiative",
        "ownership",
        "flexibility",
        "coaching",
        "sales",
    }
)

_VENDORS = (
    "The MathWorks",
    "Microsoft",
    "Oracle",
    "Adobe",
    "IBM",
    "Apache",
    "Google",
    "Amazon",
    "Atlassian",
    "Autodesk",
    "Apple",
    "Intuit",
    "Dassault Systemes",
    "ESRI",
    "Bentley",
    "National Instruments",
    "StataCorp",
    "Qlik Tech",
    "Corel",
    "Trimble",
    "PTC",
    "Red Hat",
    "JetBrains",
    "Salesforce",
    "SAP",
    "Cisco",
    "VMware",
    "Hewlett Packard",
    "Eclipse",
    "Facebook",
    "Meta",
    "Mozilla",
    "Unity Technologies",
    "Epic Games",
    "Tableau Software",
    "SmugMug",
)
_GENERIC_SUFFIX_RE = re.compile(r"\s+(software|systems?|programs?|applications?)$", re.IGNORECASE)
_ONET_CATEGORIES = {
    "Object or component oriented development software": "programming_language",
    "Development environment software": "developer_tool",
    "Web platform development software": "framework_library",
    "Data base management system software": "database",
    "Data base user interface and query software": "database",
    "Operating system software": "os",
    "Program testing software": "testing",
    "Configuration management software": "devops_tool",
    "File versioning software": "devops_tool",
    "Network monitoring software": "devops_tool",
    "Application server software": "devops_tool",
    "Cloud-based data access and sharing software": "cloud_platform",
    "Cloud-based management software": "cloud_platform",
    "Business intelligence and data analysis software": "data_ml",
    "Analytical or scientific software": "data_ml",
    "Data mining software": "data_ml",
    "Spreadsheet software": "office_tool",
    "Word processing software": "office_tool",
    "Presentation software": "office_tool",
    "Office suite software": "office_tool",
    "Electronic mail software": "office_tool",
    "Project management software": "office_tool",
    "Enterprise resource planning ERP software": "enterprise_software",
    "Customer relationship management CRM software": "enterprise_software",
    "Computer aided design CAD software": "design_tool",
    "Graphics or photo imaging software": "design_tool",
    "Transaction security and virus protection software": "security",
}


@dataclass(frozen=True, slots=True)
class SkillInfo:
    name: str
    category: str
    source: str
    hot: bool = False


@dataclass(frozen=True, slots=True)
class LexiconForm:
    canonical: str
    text: str
    case_sensitive: bool


@dataclass(frozen=True, slots=True)
class AmbiguityRule:
    canonical: str
    forms: frozenset[str]
    context: frozenset[str]
    refuse_next: frozenset[str]
    refuse_prev: frozenset[str]


@dataclass
class Vocabulary:
    skills: dict[str, SkillInfo]
    forms: dict[tuple[str, ...], list[LexiconForm]]
    exact_aliases: dict[str, str]
    squashed_aliases: dict[str, str]
    squashed_forms: dict[str, str]
    ambiguous: dict[str, AmbiguityRule]
    slash_terms: frozenset[str] = field(default_factory=frozenset)
    max_form_tokens: int = 1

    def category(self, canonical: str) -> str:
        info = self.skills.get(canonical)
        return info.category if info else "other"


def _strip_vendor(name: str) -> str | None:
    for vendor in _VENDORS:
        if name.startswith(vendor + " ") and len(name) > len(vendor) + 1:
            return name[len(vendor) + 1 :]
    return None


def _is_acronym_of(candidate: str, words: list[str]) -> bool:
    """True when "SQL" abbreviates a tail of ["Structured", "query", "language"]."""
    if not re.fullmatch(r"[A-Z][A-Z0-9]{1,6}", candidate):
        return False
    letters = candidate.lower()
    for i, word in enumerate(words):
        tail = words[i:]
        content = [w for w in tail if w.lower() not in {"for", "of", "and", "the", "to", "in"}]
        if not word.lower().startswith(letters[0]) or len(content) > len(letters):
            continue
        joined = iter("".join(tail).lower())
        if all(ch in joined for ch in letters):
            return True
    return False


def onet_forms(example: str) -> tuple[str, list[str]] | None:
    """Display name and surface forms of one O*NET example, or None when it is generic.

    "Structured query language SQL" -> ("SQL", ["SQL", "Structured query language", ...]);
    "Oracle Java" -> ("Java", ["Java", "Oracle Java"]); "Web browser software" -> None.
    """
    name = example.strip()
    stripped = _GENERIC_SUFFIX_RE.sub("", name)
    if stripped != name and not re.search(r"[A-Z0-9]", stripped[1:]):
        return None
    if " " in stripped and not re.search(r"[A-Z0-9]", stripped[1:]):
        return None
    forms = [name, stripped]
    display = stripped
    words = stripped.split()
    last = words[-1]
    if len(words) >= 3 and _is_acronym_of(last, words[:-1]):
        expansion = " ".join(words[:-1])
        display = last
        forms += [last, expansion]
        unvendored = _strip_vendor(expansion)
        if unvendored:
            forms.append(unvendored)
    bare = _strip_vendor(stripped) if display == stripped else None
    if bare:
        single_common = " " not in bare and bare.lower() in CASE_SENSITIVE_WORDS
        if not single_common and bare.lower() not in GENERIC_BARE_FORMS:
            forms.append(bare)
            if display == stripped:
                display = bare
    unique = list(dict.fromkeys(f for f in forms if f))
    return display, unique


def build_onet_vocabulary(source: Path, target: Path = ONET_VOCAB_PATH) -> int:
    """Derive the shipped vocabulary from O*NET technology_skills.tsv; returns rows written."""
    occupations: dict[str, set[str]] = defaultdict(set)
    hot: set[str] = set()
    commodity: dict[str, str] = {}
    with source.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            example = row["Example"].strip()
            occupations[example].add(row["O*NET-SOC Code"])
            commodity.setdefault(example, row["Commodity Title"])
            if row["Hot Technology"] == "Y":
                hot.add(example)
    rows: list[tuple[str, str, str, int, str]] = []
    for example in sorted(occupations):
        derived = onet_forms(example)
        if derived is None:
            continue
        display, forms = derived
        category = _ONET_CATEGORIES.get(commodity[example], "software")
        rows.append(
            (
                display,
                category,
                "Y" if example in hot else "N",
                len(occupations[example]),
                " | ".join(forms),
            )
        )
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["name", "category", "hot", "occupations", "forms"])
        writer.writerows(rows)
    return len(rows)


def _is_case_sensitive(form: str) -> bool:
    tokens = term_key(form)
    if len(tokens) != 1:
        return False
    word = tokens[0]
    return word in CASE_SENSITIVE_WORDS or len(word) <= 2


def _read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def load_vocabulary(
    curated_path: Path = CURATED_PATH,
    onet_path: Path = ONET_VOCAB_PATH,
    aliases_path: Path = ALIASES_PATH,
) -> Vocabulary:
    skills: dict[str, SkillInfo] = {}
    by_lower: dict[str, str] = {}
    form_texts: dict[str, set[str]] = defaultdict(set)

    for category, names in _read_yaml(curated_path).items():
        for name in names:
            skills[name] = SkillInfo(name=name, category=str(category), source="curated")
            by_lower[name.lower()] = name
            form_texts[name].add(name)

    if onet_path.exists():
        with onet_path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                row_forms = row["forms"].split(" | ")
                owner = next(
                    (
                        by_lower[f.lower()]
                        for f in [row["name"], *row_forms]
                        if f.lower() in by_lower
                    ),
                    None,
                )
                if owner is None:
                    owner = row["name"]
                    skills[owner] = SkillInfo(
                        name=owner, category=row["category"], source="onet", hot=row["hot"] == "Y"
                    )
                    by_lower[owner.lower()] = owner
                for form in row_forms:
                    if form.lower() not in by_lower or by_lower[form.lower()] == owner:
                        form_texts[owner].add(form)

    forms: dict[tuple[str, ...], list[LexiconForm]] = defaultdict(list)
    for canonical, texts in form_texts.items():
        proper_noun = skills[canonical].source == "onet"
        for text in texts:
            key = term_key(text)
            if key:
                strict = _is_case_sensitive(text) or (proper_noun and len(key) == 1)
                forms[key].append(LexiconForm(canonical, text, strict))

    aliases = _read_yaml(aliases_path)
    exact: dict[str, str] = {}
    squashed: dict[str, str] = {}
    for canonical, alias_list in (aliases.get("aliases") or {}).items():
        if canonical not in skills:
            raise ValueError(f"{aliases_path}: alias target {canonical!r} is not a known skill")
        for alias in alias_list or []:
            if len(squash(alias)) <= 3:
                exact[alias] = canonical
                if len(alias) == 3 and alias.isupper():
                    exact.setdefault(alias.lower(), canonical)
            else:
                squashed.setdefault(squash(alias), canonical)
    squashed_forms: dict[str, str] = {}
    for canonical, texts in form_texts.items():
        for text in texts:
            squashed_key = squash(text)
            if len(squashed_key) > 3:
                squashed_forms.setdefault(squashed_key, canonical)
    ambiguous: dict[str, AmbiguityRule] = {}
    for canonical, rule in (aliases.get("ambiguous") or {}).items():
        if canonical not in skills:
            raise ValueError(f"{aliases_path}: ambiguous term {canonical!r} is not a known skill")
        parsed = AmbiguityRule(
            canonical=canonical,
            forms=frozenset(rule["forms"]),
            context=frozenset(w.lower() for w in rule.get("context", [])),
            refuse_next=frozenset(w.lower() for w in rule.get("refuse_next", [])),
            refuse_prev=frozenset(w.lower() for w in rule.get("refuse_prev", [])),
        )
        for form in parsed.forms:
            ambiguous[form] = parsed

    slash_terms = frozenset(
        t.lower() for texts in form_texts.values() for t in texts if "/" in t and " " not in t
    ) | frozenset(a.lower() for a in [*exact, *aliases.get("aliases", {})] if "/" in a)
    return Vocabulary(
        skills=skills,
        forms=dict(forms),
        exact_aliases=exact,
        squashed_aliases=squashed,
        squashed_forms=squashed_forms,
        ambiguous=ambiguous,
        slash_terms=slash_terms,
        max_form_tokens=max(len(k) for k in forms),
    )


@lru_cache(maxsize=1)
def get_vocabulary() -> Vocabulary:
    return load_vocabulary()
