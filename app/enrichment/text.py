"""Tokens with character offsets, shared by every extraction strategy.

Technical tokens keep their punctuation ("C++", "C#", ".NET", "Node.js", "CI/CD"), so the
lexicon can match them whole; slash compounds that are not one known term ("Java/J2EE") are
split into their parts by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN_RE = re.compile(r"\.?[A-Za-z0-9]+(?:['’.\-_/&][A-Za-z0-9]+)*[+#]*")
_SQUASH_RE = re.compile(r"[^a-z0-9+#]")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def split_compound(token: Token, keep: frozenset[str]) -> list[Token]:
    """Split "Java/J2EE" into its parts unless the whole token is a known term ("CI/CD")."""
    if "/" not in token.text or token.lower in keep:
        return [token]
    parts: list[Token] = []
    offset = token.start
    for piece in token.text.split("/"):
        if piece:
            parts.append(Token(piece, offset, offset + len(piece)))
        offset += len(piece) + 1
    return parts


def tokenize_terms(text: str, keep: frozenset[str]) -> list[Token]:
    out: list[Token] = []
    for token in tokenize(text):
        out.extend(split_compound(token, keep))
    return out


def term_key(text: str) -> tuple[str, ...]:
    """The lexicon key of a surface form: its lowercase tokens."""
    return tuple(t.lower for t in tokenize(text))


def squash(text: str) -> str:
    """Spelling-insensitive key: "Node.js", "node js" and "NodeJS" all become "nodejs"."""
    return _SQUASH_RE.sub("", text.lower())


def is_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;•\n-–*"
