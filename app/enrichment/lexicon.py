"""Lexicon strategy: greedy longest match of the vocabulary's surface forms over tokens.

This is the baseline: a dictionary lookup with case rules and nothing else. Matches of words
that are also ordinary English ("Go", "R", "Excel") are flagged `ambiguous` so the merger can
ask the alias strategy's context rules before trusting them.
"""

from __future__ import annotations

from app.enrichment.mentions import Mention
from app.enrichment.text import Token
from app.enrichment.vocabulary import Vocabulary


def extract_lexicon(text: str, tokens: list[Token], vocab: Vocabulary) -> list[Mention]:
    mentions: list[Mention] = []
    i = 0
    while i < len(tokens):
        matched = 0
        for n in range(min(vocab.max_form_tokens, len(tokens) - i), 0, -1):
            key = tuple(t.lower for t in tokens[i : i + n])
            candidates = vocab.forms.get(key)
            if not candidates:
                continue
            start, end = tokens[i].start, tokens[i + n - 1].end
            surface = text[start:end]
            form = next((f for f in candidates if not f.case_sensitive or f.text == surface), None)
            if form is None:
                continue
            mentions.append(
                Mention(
                    canonical=form.canonical,
                    start=start,
                    end=end,
                    text=surface,
                    strategy="lexicon",
                    score=1.0 if n > 1 else 0.9,
                    ambiguous=surface in vocab.ambiguous,
                )
            )
            matched = n
            break
        i += matched or 1
    return mentions
