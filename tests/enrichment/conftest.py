"""Shared enrichment fixtures: one real extractor per test session (the model loads once)."""

from __future__ import annotations

import pytest

from app.enrichment.extractor import SkillExtractor
from app.enrichment.vocabulary import Vocabulary, get_vocabulary


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    return get_vocabulary()


@pytest.fixture(scope="session")
def fast_extractor(vocab: Vocabulary) -> SkillExtractor:
    """Lexicon + alias only: no embedding model, for tests about rules and merging."""
    return SkillExtractor(vocab, strategies=("lexicon", "alias"))


@pytest.fixture(scope="session")
def full_extractor(vocab: Vocabulary) -> SkillExtractor:
    return SkillExtractor(vocab)
