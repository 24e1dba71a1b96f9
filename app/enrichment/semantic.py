"""Embedding strategy: phrasings the lexicon lacks, matched to skill names by cosine similarity.

Only candidate noun phrases are embedded — runs of content words between punctuation and
function words, at most four tokens, not already claimed by the lexicon or alias strategies —
never every n-gram. Skill-name vectors are computed once and cached next to the vocabulary
(float16 .npy plus a JSON sidecar with the names and the file's sha256, checked on load).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from app.enrichment.config import DATA_DIR
from app.enrichment.mentions import Mention
from app.enrichment.text import Token
from app.enrichment.vocabulary import Vocabulary

Matrix = npt.NDArray[np.float32]
INDEX_PATH = DATA_DIR / "skill_name_embeddings.npy"
MAX_PHRASE_TOKENS = 4

_BREAK_CHARS = re.compile(r"[,;:()\[\]|•*!?\n]|\.\s")
# Function words and job-ad filler that never belong inside a skill phrase.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "as",
        "is",
        "are",
        "be",
        "been",
        "being",
        "was",
        "were",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "must",
        "shall",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "having",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "our",
        "your",
        "their",
        "we",
        "you",
        "they",
        "he",
        "she",
        "i",
        "me",
        "my",
        "us",
        "them",
        "who",
        "whom",
        "which",
        "what",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "each",
        "every",
        "some",
        "such",
        "no",
        "not",
        "only",
        "own",
        "same",
        "so",
        "than",
        "too",
        "very",
        "just",
        "also",
        "into",
        "about",
        "over",
        "under",
        "within",
        "across",
        "through",
        "during",
        "before",
        "after",
        "above",
        "below",
        "up",
        "down",
        "out",
        "off",
        "per",
        "via",
        "etc",
        "e.g.",
        "i.e.",
        "including",
        "include",
        "includes",
        "plus",
        "more",
        "most",
        "other",
        "others",
        "well",
        "new",
        "experience",
        "experienced",
        "knowledge",
        "skills",
        "skill",
        "ability",
        "abilities",
        "strong",
        "good",
        "excellent",
        "solid",
        "deep",
        "proven",
        "working",
        "work",
        "works",
        "understanding",
        "proficiency",
        "proficient",
        "familiarity",
        "familiar",
        "required",
        "requirements",
        "preferred",
        "desired",
        "minimum",
        "years",
        "year",
        "plus",
        "hands-on",
        "hands",
        "using",
        "use",
        "used",
        "team",
        "teams",
        "role",
        "job",
        "position",
        "candidate",
        "candidates",
        "opportunity",
        "company",
        "responsible",
        "responsibilities",
        "ideal",
        "looking",
        "seeking",
        "join",
        "great",
        "highly",
        "demonstrated",
        "related",
        "relevant",
        "environment",
        "environments",
        "level",
        "senior",
        "junior",
        "mid",
        "lead",
        "tools",
        "tool",
        "technologies",
        "technology",
        "similar",
        "various",
        "multiple",
        "least",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
    ]
)


ROLE_WORDS = frozenset(
    [
        "engineer",
        "engineers",
        "developer",
        "developers",
        "manager",
        "managers",
        "architect",
        "architects",
        "scientist",
        "scientists",
        "analyst",
        "analysts",
        "lead",
        "leads",
        "specialist",
        "specialists",
        "consultant",
        "consultants",
        "administrator",
        "administrators",
        "designer",
        "designers",
        "director",
        "directors",
        "officer",
        "intern",
        "owner",
        "tester",
        "testers",
        "programmer",
        "programmers",
        "technician",
        "head",
    ]
)
_TECHNICAL_LOOK = re.compile(r"[a-z][A-Z]|[A-Z].*[A-Z]|\d|[.+#/\-]")


def _worth_embedding(tokens: list[Token]) -> bool:
    """Multi-word phrases, or one word that looks like a product name ("ReactJS", "k8s");
    job titles ("Frontend Developer") name roles, not skills."""
    if tokens[-1].lower in ROLE_WORDS:
        return False
    return len(tokens) > 1 or bool(_TECHNICAL_LOOK.search(tokens[0].text[1:]))


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> Matrix: ...


def default_encoder() -> Encoder:
    from app.ml.embeddings import get_embedder

    return get_embedder()


def index_names(vocab: Vocabulary) -> list[str]:
    """Curated skills and O*NET hot technologies: the names worth comparing phrases to."""
    return sorted(
        name for name, info in vocab.skills.items() if info.source == "curated" or info.hot
    )


@dataclass
class SkillIndex:
    names: list[str]
    vectors: Matrix

    def nearest(self, queries: Matrix) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        sims = queries @ self.vectors.T
        best = np.argmax(sims, axis=1)
        return best, sims[np.arange(len(best)), best].astype(np.float32)


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def _write_atomically(path: Path, vectors: npt.NDArray[np.float16], names: list[str]) -> None:
    """Concurrent processes may rebuild at once: each writes a temp file and renames it."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.npy")
    np.save(tmp, vectors, allow_pickle=False)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    meta_tmp = tmp.with_suffix(".json")
    meta_tmp.write_text(json.dumps({"names": names, "sha256": digest}), encoding="utf-8")
    os.replace(tmp, path)
    os.replace(meta_tmp, _sidecar(path))


def load_or_build_index(vocab: Vocabulary, encoder: Encoder, path: Path = INDEX_PATH) -> SkillIndex:
    names = index_names(vocab)
    meta_path = _sidecar(path)
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if meta.get("names") == names and meta.get("sha256") == digest:
            vectors = np.load(path, allow_pickle=False).astype(np.float32)
            return SkillIndex(names, vectors)
    vectors = np.asarray(encoder.encode(names), dtype=np.float32)
    # A read-only install still works; it just recomputes the index in each process.
    with contextlib.suppress(OSError):
        _write_atomically(path, vectors.astype(np.float16), names)
    return SkillIndex(names, vectors)


@dataclass(frozen=True, slots=True)
class Candidate:
    start: int
    end: int
    phrase: str


def candidate_phrases(text: str, tokens: list[Token], covered: list[bool]) -> list[Candidate]:
    """Runs of content tokens, split at punctuation and function words; longer runs keep
    their last MAX_PHRASE_TOKENS tokens (the head of an English noun phrase is at its end)."""
    out: list[Candidate] = []
    run: list[Token] = []

    def flush() -> None:
        if run:
            kept = run[-MAX_PHRASE_TOKENS:]
            phrase = text[kept[0].start : kept[-1].end]
            if (
                _worth_embedding(kept)
                and len(phrase) >= 3
                and not phrase.isdigit()
                and any(c.isalpha() for c in phrase)
            ):
                out.append(Candidate(kept[0].start, kept[-1].end, phrase))
            run.clear()

    previous_end = 0
    for token, is_covered in zip(tokens, covered, strict=True):
        gap = text[previous_end : token.start]
        if _BREAK_CHARS.search(gap) or gap.count("\n"):
            flush()
        previous_end = token.end
        placeholder = text[token.start - 1 : token.start] == "<"
        if is_covered or placeholder or token.lower in STOP_WORDS:
            flush()
            continue
        run.append(token)
    flush()
    return out


def match_candidates(
    candidates: Sequence[Candidate],
    vectors: Matrix,
    index: SkillIndex,
    threshold: float,
) -> list[Mention]:
    if not candidates:
        return []
    best, sims = index.nearest(vectors)
    mentions: list[Mention] = []
    for cand, b, sim in zip(candidates, best, sims, strict=True):
        if float(sim) >= threshold:
            mentions.append(
                Mention(
                    index.names[int(b)], cand.start, cand.end, cand.phrase, "embedding", float(sim)
                )
            )
    return mentions
