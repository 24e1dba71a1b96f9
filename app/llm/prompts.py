"""Prompts as versioned artifacts: one file per (name, version), its sha256 recorded with
every call, so a change of wording is a new version, never a silent edit.

A prompt file is `app/llm/prompts/<name>/<version>.txt`: the first line is
`# <one-line description>`, the rest the template, with `$variable` placeholders
(`string.Template`: braces in JSON examples need no escaping). The newest version of a name is
the highest `v<N>`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

from app.llm.errors import PromptNotFoundError

PROMPT_DIR = Path(__file__).resolve().parent / "prompts"
VERSION = re.compile(r"^v(\d+)$")


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    name: str
    version: str
    description: str
    text: str
    sha256: str
    path: Path

    def render(self, **values: str) -> str:
        """The filled-in prompt; a missing variable is a KeyError, never a literal `$name`."""
        return Template(self.text).substitute(values)


def _load(path: Path) -> PromptTemplate:
    raw = path.read_text(encoding="utf-8")
    first, _, body = raw.partition("\n")
    return PromptTemplate(
        name=path.parent.name,
        version=path.stem,
        description=first.removeprefix("#").strip(),
        text=body.strip() + "\n",
        sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        path=path,
    )


@lru_cache(maxsize=4)
def all_prompts(directory: Path = PROMPT_DIR) -> tuple[PromptTemplate, ...]:
    """Every prompt file, by name then version number."""
    found = [_load(p) for p in directory.glob("*/v*.txt") if VERSION.match(p.stem)]
    return tuple(sorted(found, key=lambda p: (p.name, int(p.version[1:]))))


def get_prompt(
    name: str, version: str | None = None, directory: Path = PROMPT_DIR
) -> PromptTemplate:
    """The named prompt at `version`, or its newest version."""
    matching = [p for p in all_prompts(directory) if p.name == name]
    if version is not None:
        matching = [p for p in matching if p.version == version]
    if not matching:
        raise PromptNotFoundError(f"no prompt {name!r} {version or ''}".strip(), field="prompt")
    return matching[-1]
