"""The skills extractor: strategies run over the text, merged into canonical skills.

Confidence is a weighted noisy-OR over the strategies that found a span,

    confidence = 1 - prod_s (1 - W_s * score_s),
    W = lexicon 0.8, alias 0.85, embedding 0.6, tagger 0.7

where score_s is the strategy's own certainty (lexicon 1.0 multi-word / 0.9 one word; alias
0.95 alias, 0.9 respelling, 0.85 ambiguous word resolved by context; embedding the cosine
similarity; tagger the mean probability of its words' tags over the span).

The tagger (app/enrichment/minilm_tagger.py: a fine-tuned MiniLM mixed with a CRF, both trained
on SkillSpan) finds *where* a posting names a skill, not *which* one, so its spans count only
once they normalise to a vocabulary skill: a span holding lexicon/alias mentions of one skill
becomes a tagger mention of that skill over the whole span (several skills: one tagger mention
per inner mention); a span with none is looked up whole (spelling-insensitive forms and
aliases) and otherwise dropped. It does not vouch for embedding guesses, which stay low on
purpose: a longer tagged phrase sent to the encoder ("deep neural nets" -> Deep learning) would
replace the phrase the embedding strategy chose itself. A tagger mention also confirms an
ambiguous lexicon hit ("Go", "R") it overlaps, as the alias context rules do.

Agreement raises confidence, a lone embedding guess stays low. With section awareness the
result is scaled by 0.6 + 0.4 * section relevance, so a skill named only under "Benefits" or
the EEO statement loses about a third of its confidence. Lexicon hits on
ambiguous words ("Go", "R", "Excel") are kept only when the alias strategy's context rules
confirm them (unless the lexicon runs alone, as the baseline).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.enrichment.aliases import AliasStats, extract_aliases
from app.enrichment.lexicon import extract_lexicon
from app.enrichment.mentions import STRATEGIES, Mention, Strategy
from app.enrichment.sections import Section, SectionLabel, classify_rule, split_sections
from app.enrichment.semantic import (
    Candidate,
    Encoder,
    SkillIndex,
    candidate_phrases,
    default_encoder,
    load_or_build_index,
    match_candidates,
)
from app.enrichment.tagger import SpanTagger, TaggedSpan, get_tagger
from app.enrichment.text import Token, squash, tokenize_terms
from app.enrichment.vocabulary import Vocabulary, get_vocabulary

STRATEGY_WEIGHTS: dict[Strategy, float] = {
    "lexicon": 0.8,
    "alias": 0.85,
    "embedding": 0.6,
    "tagger": 0.7,
}
SectionClassifierFn = Callable[[Sequence[Section]], list[SectionLabel]]


def rule_classifier(sections: Sequence[Section]) -> list[SectionLabel]:
    return [classify_rule(s) for s in sections]


@dataclass(frozen=True, slots=True)
class SkillSpan:
    start: int
    end: int
    text: str
    confidence: float
    strategies: tuple[str, ...]
    section_index: int | None
    section_label: str | None
    section_relevance: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "strategies": list(self.strategies),
            "section_index": self.section_index,
            "section_label": self.section_label,
            "section_relevance": round(self.section_relevance, 4),
        }


@dataclass
class ExtractedSkill:
    name: str
    category: str
    confidence_score: float
    source_strategies: list[str]
    section_relevance: float
    spans: list[SkillSpan]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category,
            "confidence_score": round(self.confidence_score, 4),
            "source_strategies": self.source_strategies,
            "section_relevance": round(self.section_relevance, 4),
            "spans": [s.as_dict() for s in self.spans],
        }


@dataclass
class ClassifiedSection:
    section: Section
    label: SectionLabel

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.section.index,
            "header": self.section.header,
            "label": self.label.label,
            "relevance_probability": round(self.label.relevance, 4),
            "is_skills_relevant": self.label.is_skills_relevant,
            "method": self.label.method,
            "start": self.section.start,
            "end": self.section.end,
        }


@dataclass
class ExtractionResult:
    skills: list[ExtractedSkill]
    sections: list[ClassifiedSection]
    alias_stats: dict[str, Any]
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass
class _Prepared:
    text: str
    tokens: list[Token]
    mentions: list[Mention]
    alias_stats: AliasStats
    candidates: list[Candidate]
    timings: dict[str, float]


def noisy_or(scores: dict[Strategy, float]) -> float:
    remaining = 1.0
    for strategy, score in scores.items():
        remaining *= 1.0 - STRATEGY_WEIGHTS[strategy] * max(0.0, min(1.0, score))
    return 1.0 - remaining


class SkillExtractor:
    """Holds the vocabulary, the skill-name index and the section classifier (real state)."""

    def __init__(
        self,
        vocab: Vocabulary | None = None,
        strategies: Sequence[Strategy] = STRATEGIES,
        *,
        section_aware: bool = True,
        min_confidence: float = 0.35,
        embedding_threshold: float = 0.8,
        encoder: Encoder | None = None,
        section_classifier: SectionClassifierFn | None = None,
        tagger: SpanTagger | None = None,
    ) -> None:
        unknown = set(strategies) - set(STRATEGIES)
        if unknown:
            raise ValueError(f"unknown strategies: {sorted(unknown)}")
        self.vocab = vocab or get_vocabulary()
        self.strategies = tuple(strategies)
        self.section_aware = section_aware
        self.min_confidence = min_confidence
        self.embedding_threshold = embedding_threshold
        self._encoder = encoder
        self._index: SkillIndex | None = None
        self.section_classifier = section_classifier or rule_classifier
        self._tagger = tagger

    @property
    def tagger(self) -> SpanTagger:
        if self._tagger is None:
            self._tagger = get_tagger()
        return self._tagger

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = default_encoder()
        return self._encoder

    @property
    def index(self) -> SkillIndex:
        if self._index is None:
            self._index = load_or_build_index(self.vocab, self.encoder)
        return self._index

    def extract(self, text: str) -> ExtractionResult:
        return self.extract_many([text])[0]

    def extract_many(self, texts: Sequence[str]) -> list[ExtractionResult]:
        """Batch form: every text's embedding candidates go through the encoder in one call."""
        prepared = [self._prepare(t) for t in texts]
        if "embedding" in self.strategies:
            started = time.perf_counter()
            flat = [c for p in prepared for c in p.candidates]
            if flat:
                vectors = self.encoder.encode([c.phrase for c in flat])
                found = match_candidates(flat, vectors, self.index, self.embedding_threshold)
                by_start = {(m.start, m.end, m.text): m for m in found}
                for p in prepared:
                    p.mentions.extend(
                        by_start[(c.start, c.end, c.phrase)]
                        for c in p.candidates
                        if (c.start, c.end, c.phrase) in by_start
                    )
            share = (time.perf_counter() - started) * 1000 / max(1, len(prepared))
            for p in prepared:
                p.timings["embedding"] = share
        return [self._finish(p) for p in prepared]

    def _prepare(self, text: str) -> _Prepared:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        tokens = tokenize_terms(text, self.vocab.slash_terms)
        mentions: list[Mention] = []
        stats = AliasStats()
        if "lexicon" in self.strategies:
            mentions.extend(extract_lexicon(text, tokens, self.vocab))
        timings["lexicon"] = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        if "alias" in self.strategies:
            alias_mentions, stats = extract_aliases(text, tokens, self.vocab)
            mentions.extend(alias_mentions)
        timings["alias"] = (time.perf_counter() - started) * 1000
        candidates: list[Candidate] = []
        if "embedding" in self.strategies:
            covered = [False] * len(tokens)
            for i, token in enumerate(tokens):
                covered[i] = any(m.start <= token.start < m.end for m in mentions)
            candidates = candidate_phrases(text, tokens, covered)
        if "tagger" in self.strategies:
            started = time.perf_counter()
            mentions.extend(_normalise_tagged(self.tagger.tag([text])[0], mentions, self.vocab))
            timings["tagger"] = (time.perf_counter() - started) * 1000
        return _Prepared(text, tokens, mentions, stats, candidates, timings)

    def _finish(self, prepared: _Prepared) -> ExtractionResult:
        started = time.perf_counter()
        text = prepared.text
        sections: list[ClassifiedSection] = []
        if self.section_aware:
            split = split_sections(text)
            sections = [
                ClassifiedSection(s, label)
                for s, label in zip(split, self.section_classifier(split), strict=True)
            ]
        prepared.timings["sections"] = (time.perf_counter() - started) * 1000
        spans = self._merge_spans(prepared.mentions, sections)
        by_skill: dict[str, list[SkillSpan]] = defaultdict(list)
        names: dict[tuple[int, int], str] = {}
        for canonical, span in spans:
            if span.confidence >= self.min_confidence:
                by_skill[canonical].append(span)
                names[(span.start, span.end)] = canonical
        skills = [
            ExtractedSkill(
                name=canonical,
                category=self.vocab.category(canonical),
                confidence_score=max(s.confidence for s in skill_spans),
                source_strategies=sorted({st for s in skill_spans for st in s.strategies}),
                section_relevance=max(s.section_relevance for s in skill_spans),
                spans=sorted(skill_spans, key=lambda s: s.start),
            )
            for canonical, skill_spans in by_skill.items()
        ]
        skills.sort(key=lambda s: (-s.confidence_score, s.name))
        return ExtractionResult(
            skills=skills,
            sections=sections,
            alias_stats=prepared.alias_stats.as_dict(),
            timings_ms={k: round(v, 3) for k, v in prepared.timings.items()},
        )

    def _merge_spans(
        self, mentions: list[Mention], sections: list[ClassifiedSection]
    ) -> list[tuple[str, SkillSpan]]:
        confirmed = {(m.start, m.end, m.canonical) for m in mentions if m.strategy == "alias"}
        tagged = [m for m in mentions if m.strategy == "tagger"]
        confirmed |= {
            (m.start, m.end, m.canonical)
            for m in mentions
            if m.ambiguous and any(t.canonical == m.canonical and t.overlaps(m) for t in tagged)
        }
        alone = self.strategies == ("lexicon",)
        groups: dict[tuple[int, int, str], dict[Strategy, float]] = defaultdict(dict)
        surfaces: dict[tuple[int, int, str], str] = {}
        for m in mentions:
            key = (m.start, m.end, m.canonical)
            if m.strategy == "lexicon" and m.ambiguous and not alone and key not in confirmed:
                continue
            groups[key][m.strategy] = max(groups[key].get(m.strategy, 0.0), m.score)
            surfaces[key] = m.text
        ranked = sorted(
            groups.items(), key=lambda kv: (-(kv[0][1] - kv[0][0]), -noisy_or(kv[1]), kv[0][0])
        )
        kept: list[tuple[tuple[int, int, str], dict[Strategy, float]]] = []
        for key, scores in ranked:
            clash = next((k for k in kept if key[0] < k[0][1] and k[0][0] < key[1]), None)
            if clash is None:
                kept.append((key, dict(scores)))
            elif clash[0][2] == key[2]:
                for strategy, score in scores.items():
                    clash[1][strategy] = max(clash[1].get(strategy, 0.0), score)
        out: list[tuple[str, SkillSpan]] = []
        for (start, end, canonical), scores in sorted(kept, key=lambda kv: kv[0][0]):
            section = next((c for c in reversed(sections) if c.section.start <= start), None)
            confidence = noisy_or(scores)
            relevance = section.label.relevance if section else 1.0
            if self.section_aware and section is not None:
                confidence *= 0.6 + 0.4 * relevance
            out.append(
                (
                    canonical,
                    SkillSpan(
                        start=start,
                        end=end,
                        text=surfaces[(start, end, canonical)],
                        confidence=confidence,
                        strategies=tuple(sorted(scores)),
                        section_index=section.section.index if section else None,
                        section_label=section.label.label if section else None,
                        section_relevance=relevance,
                    ),
                )
            )
        return out


def _normalise_tagged(
    spans: Sequence[TaggedSpan], mentions: Sequence[Mention], vocab: Vocabulary
) -> list[Mention]:
    """Tagger mentions for the tagged spans that name a vocabulary skill; the others are
    dropped (the tagger knows where a skill is named, not which one)."""
    found: list[Mention] = []
    for span in spans:
        inner = [m for m in mentions if span.start <= m.start and m.end <= span.end]
        canonicals = {m.canonical for m in inner}
        if len(canonicals) == 1:
            found.append(
                Mention(
                    inner[0].canonical,
                    span.start,
                    span.end,
                    span.text,
                    "tagger",
                    span.confidence,
                )
            )
            continue
        if inner:
            found.extend(
                Mention(m.canonical, m.start, m.end, m.text, "tagger", span.confidence)
                for m in inner
            )
            continue
        key = squash(span.text)
        canonical = vocab.squashed_forms.get(key) or vocab.squashed_aliases.get(key)
        if canonical is not None:
            found.append(
                Mention(canonical, span.start, span.end, span.text, "tagger", span.confidence)
            )
    return found
