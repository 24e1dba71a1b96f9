"""Alias strategy: abbreviations and variant spellings, and context rules for ambiguous words.

Short aliases ("JS", "K8s", "GCP") match with their exact case; longer ones through a
spelling-insensitive key ("node js" = "NodeJS" = "node.js"). Words that are also English
("Go", "R", "C", "Excel") count only with programming context within a few tokens — a context
word from skill_aliases.yaml or another unambiguous skill in the same list — and never before
the words a rule refuses ("go to", "excel in").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from app.enrichment.mentions import Mention
from app.enrichment.text import Token, squash
from app.enrichment.vocabulary import CASE_SENSITIVE_WORDS, AmbiguityRule, Vocabulary

MAX_ALIAS_TOKENS = 4
CONTEXT_WINDOW = 6


@dataclass
class AliasStats:
    """How the alias strategy resolved this text (reported with every extraction)."""

    resolved: dict[str, str] = field(default_factory=dict)
    alias_hits: int = 0
    ambiguous_accepted: int = 0
    ambiguous_refused: int = 0
    refused_terms: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "alias_hits": self.alias_hits,
            "resolved": dict(sorted(self.resolved.items())),
            "ambiguous_accepted": self.ambiguous_accepted,
            "ambiguous_refused": self.ambiguous_refused,
            "refused_terms": sorted(set(self.refused_terms)),
        }


def _is_plain_skill_token(token: Token, vocab: Vocabulary) -> bool:
    return any(not f.case_sensitive for f in vocab.forms.get((token.lower,), []))


def resolve_ambiguous(
    tokens: list[Token], index: int, rule: AmbiguityRule, vocab: Vocabulary
) -> bool:
    """True when the ambiguous token at `index` means the skill in this context."""
    prev_word = tokens[index - 1].lower if index > 0 else ""
    next_word = tokens[index + 1].lower if index + 1 < len(tokens) else ""
    if next_word in rule.refuse_next or prev_word in rule.refuse_prev:
        return False
    lo, hi = max(0, index - CONTEXT_WINDOW), min(len(tokens), index + CONTEXT_WINDOW + 1)
    for j in range(lo, hi):
        if j == index:
            continue
        neighbour = tokens[j]
        if neighbour.lower in rule.context:
            return True
        if neighbour.text not in vocab.ambiguous and _is_plain_skill_token(neighbour, vocab):
            return True
    return False


_GLUE_WORDS = frozenset(
    {"a", "an", "the", "of", "and", "or", "to", "in", "on", "for", "with", "at"}
)


_SPACING = frozenset(" \t-_./")


def _joined_by_spacing(text: str, tokens: list[Token]) -> bool:
    """ "Elastic Search" may be one name; "AWS (EC2" may not."""
    return all(set(text[a.end : b.start]) <= _SPACING for a, b in itertools.pairwise(tokens))


def _spelling_may_vary(tokens: list[Token], surface: str, vocab: Vocabulary) -> bool:
    """Respellings join at most three tokens and never glue function words ("a set" is not
    ASET); single words that are names only in their exact case ("Blackboard") do not vary."""
    if len(tokens) > 3 or any(t.lower in _GLUE_WORDS for t in tokens):
        return False
    first = tokens[0]
    if len(tokens) > 1:
        return True
    if first.lower in CASE_SENSITIVE_WORDS:
        return False
    forms = vocab.forms.get((first.lower,))
    return not forms or any(not f.case_sensitive or f.text == surface for f in forms)


def extract_aliases(
    text: str, tokens: list[Token], vocab: Vocabulary
) -> tuple[list[Mention], AliasStats]:
    stats = AliasStats()
    mentions: list[Mention] = []
    i = 0
    while i < len(tokens):
        matched = 0
        for n in range(min(MAX_ALIAS_TOKENS, len(tokens) - i), 0, -1):
            start, end = tokens[i].start, tokens[i + n - 1].end
            surface = text[start:end]
            if n == 1 and surface in vocab.ambiguous:
                rule = vocab.ambiguous[surface]
                if resolve_ambiguous(tokens, i, rule, vocab):
                    stats.ambiguous_accepted += 1
                    mentions.append(
                        Mention(rule.canonical, start, end, surface, "alias", 0.85, True)
                    )
                    matched = 1
                else:
                    stats.ambiguous_refused += 1
                    stats.refused_terms.append(surface)
                    matched = 1
                break
            if n > 1 and not _joined_by_spacing(text, tokens[i : i + n]):
                continue
            key = squash(surface)
            canonical = vocab.exact_aliases.get(surface)
            if canonical is None and len(key) > 3:
                canonical = vocab.squashed_aliases.get(key)
                if canonical is None and _spelling_may_vary(tokens[i : i + n], surface, vocab):
                    canonical = vocab.squashed_forms.get(key)
            if canonical is None:
                continue
            is_alias = surface.casefold() != canonical.casefold()
            if is_alias:
                stats.alias_hits += 1
                stats.resolved[surface] = canonical
            mentions.append(
                Mention(canonical, start, end, surface, "alias", 0.95 if is_alias else 0.9)
            )
            matched = n
            break
        i += matched or 1
    return mentions, stats
