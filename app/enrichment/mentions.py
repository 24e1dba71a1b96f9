"""What every extraction strategy returns: a canonical skill found at a character span."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Strategy = Literal["lexicon", "alias", "embedding", "tagger"]
STRATEGIES: tuple[Strategy, ...] = ("lexicon", "alias", "embedding", "tagger")


@dataclass(frozen=True, slots=True)
class Mention:
    canonical: str
    start: int
    end: int
    text: str
    strategy: Strategy
    score: float
    ambiguous: bool = False

    def overlaps(self, other: Mention) -> bool:
        return self.start < other.end and other.start < self.end
