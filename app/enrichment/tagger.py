"""Skill taggers trained on SkillSpan (knowledge and skill spans): the shared contract and the
CRF baseline.

The lexicon, alias and embedding strategies only find names they already know; SkillSpan
marks what a posting asks for ("Java EE", "agile development", "work independently"), known
name or not. A tagger reads raw text as words (`tokenize_words`), in sentence-sized chunks
(`chunks`), and returns `TaggedSpan`s (char offsets, kind, confidence); knowledge and skill
spans may overlap, so each kind has its own BIO sequence.

The tagger the extractor uses (`get_tagger()`, loaded once per process) is the fine-tuned
MiniLM of `minilm_tagger.py` (skill_tagger_v2.0-minilm). This module also holds its baseline,
`CrfTagger`: two linear-chain CRFs over hand-made token features (word, shape, affixes, a
POS-like suffix class, position in the sentence, neighbours +-2, a lexicon flag, a MiniLM
word-cluster id), a few ms per posting with no encoder call, lower F1 (numbers in
app/enrichment/README.md); scripts/bench_skill_tagger.py compares the two.

CRF artifacts (app/enrichment/data/skill_tagger/): `knowledge.crfsuite`, `skill.crfsuite`
(crfsuite's own binary format, read by its C library; nothing is unpickled),
`word_clusters.json` and `metadata.json` with the sha256 of each file. Every file is checked
against its sha256 before the models are opened (`read_metadata`, shared with the MiniLM
artifact): a mismatch raises `TaggerArtifactError`. A lock serialises the crfsuite taggers,
which keep per-sequence state and are not safe to share between threads.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import numpy.typing as npt
import pycrfsuite

from app.enrichment.config import DATA_DIR
from app.enrichment.lexicon import extract_lexicon
from app.enrichment.text import Token
from app.enrichment.vocabulary import Vocabulary, get_vocabulary

if TYPE_CHECKING:
    from app.enrichment.minilm_tagger import MiniLMTagger

SpanKind = Literal["knowledge", "skill"]

CRF_DIR = DATA_DIR / "skill_tagger"
KINDS: tuple[SpanKind, ...] = ("knowledge", "skill")
BIO = ("O", "B", "I")
MAX_CHUNK_TOKENS = 120

_WORD_RE = re.compile(r"\S+")
_LEADING = "([{\"'“‘•*·–—-"
_TRAILING = ")]}\"'”’.,;:!?*"
_SENTENCE_END = frozenset({".", "!", "?", ";", "•"})


class TaggerArtifactError(RuntimeError):
    """A tagger file is missing or does not match the sha256 recorded in metadata.json."""


@dataclass(frozen=True, slots=True)
class TaggedSpan:
    start: int
    end: int
    text: str
    kind: SpanKind
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "kind": self.kind,
            "confidence": round(self.confidence, 4),
        }


def tokenize_words(text: str) -> list[Token]:
    """Whitespace words with leading/trailing punctuation split off, as SkillSpan tokenises
    ("(SQL)," -> "(", "SQL", ")", ","), while "C++", "C#", "Node.js" and "CI/CD" stay whole."""
    out: list[Token] = []
    for match in _WORD_RE.finditer(text):
        word, start = match.group(), match.start()
        lo, hi = 0, len(word)
        while lo < hi - 1 and word[lo] in _LEADING:
            out.append(Token(word[lo], start + lo, start + lo + 1))
            lo += 1
        tail: list[Token] = []
        while hi > lo + 1 and word[hi - 1] in _TRAILING:
            hi -= 1
            tail.append(Token(word[hi], start + hi, start + hi + 1))
        out.append(Token(word[lo:hi], start + lo, start + hi))
        out.extend(reversed(tail))
    return out


def retokenised_gold(
    words: Sequence[str], gold: Mapping[SpanKind, Sequence[str]]
) -> tuple[str, list[Token], dict[str, list[str]]]:
    """A SkillSpan sentence (its words and BIO tags per kind) as the runtime tagger reads
    it: the words joined into text, that text tokenised by `tokenize_words`, and the tags
    moved onto those tokens; a piece of a gold word inherits its tag, B only on the first."""
    text = " ".join(words)
    owner: list[int] = []
    for index, word in enumerate(words):
        owner.extend([index] * (len(word) + 1))
    tokens = tokenize_words(text)
    tags: dict[str, list[str]] = {}
    for kind in KINDS:
        seq: list[str] = []
        previous = -1
        for token in tokens:
            g = owner[token.start]
            tag = gold[kind][g][:1]
            seq.append("I" if tag == "B" and g == previous else tag)
            previous = g
        tags[kind] = seq
    return text, tokens, tags


def chunks(tokens: Sequence[Token], text: str) -> Iterator[tuple[int, int]]:
    """Token ranges tagged as one sequence: sentences (line breaks, final punctuation), at
    most MAX_CHUNK_TOKENS long, so features of one sentence never leak into the next."""
    begin = 0
    for i, token in enumerate(tokens):
        last = i + 1 == len(tokens)
        gap = text[token.end : tokens[i + 1].start] if not last else ""
        if last or token.text in _SENTENCE_END or "\n" in gap or i + 1 - begin >= MAX_CHUNK_TOKENS:
            yield begin, i + 1
            begin = i + 1


def _shape(word: str) -> str:
    shape = re.sub(r"[A-Z]+", "A", word)
    shape = re.sub(r"[a-z]+", "a", shape)
    return re.sub(r"[0-9]+", "0", shape)


# Word endings that stand in for a part-of-speech tag (no tagger ships with the project):
# skill spans start at gerunds and verbs ("developing", "managed"), knowledge spans are nouns.
_SUFFIX_CLASSES = (
    ("ing", "ING"),
    ("tion", "NOUN"),
    ("sion", "NOUN"),
    ("ment", "NOUN"),
    ("ness", "NOUN"),
    ("ity", "NOUN"),
    ("ed", "ED"),
    ("ly", "ADV"),
    ("ive", "ADJ"),
    ("al", "ADJ"),
    ("ous", "ADJ"),
    ("able", "ADJ"),
    ("ible", "ADJ"),
    ("s", "S"),
)


def suffix_class(word: str) -> str:
    """A coarse part-of-speech guess from the ending of a word longer than ending + 2."""
    lw = word.lower()
    for suffix, label in _SUFFIX_CLASSES:
        if lw.endswith(suffix) and len(lw) > len(suffix) + 2:
            return label
    return "X"


def lexicon_flags(text: str, tokens: list[Token], vocab: Vocabulary) -> list[str]:
    """B/I where a vocabulary surface form covers the token (the project's own lexicon)."""
    flags = ["O"] * len(tokens)
    starts = {t.start: i for i, t in enumerate(tokens)}
    for mention in extract_lexicon(text, tokens, vocab):
        first = starts.get(mention.start)
        if first is None:
            continue
        flags[first] = "A" if mention.ambiguous else "B"
        j = first + 1
        while j < len(tokens) and tokens[j].end <= mention.end:
            flags[j] = "I"
            j += 1
    return flags


def token_features(
    words: Sequence[str], flags: Sequence[str], clusters: dict[str, int]
) -> list[list[str]]:
    """crfsuite attribute strings per token of one sequence."""
    lower = [w.lower() for w in words]
    cluster = [str(clusters.get(w, -1)) for w in lower]
    suffix = [suffix_class(w) for w in words]
    n = len(words)
    out: list[list[str]] = []
    for i, word in enumerate(words):
        lw = lower[i]
        feats = [
            "bias",
            f"w={lw}",
            f"shape={_shape(word)}",
            f"p2={lw[:2]}",
            f"p3={lw[:3]}",
            f"s2={lw[-2:]}",
            f"s3={lw[-3:]}",
            f"s4={lw[-4:]}",
            f"lex={flags[i]}",
            f"cl={cluster[i]}",
            f"sc={suffix[i]}",
            f"pos={min(i, 5)}",
            f"rpos={4 * i // n}",
            f"len={min(n // 5, 6)}",
        ]
        if word[:1].isupper():
            feats.append("title")
        if word.isupper() and len(word) > 1:
            feats.append("upper")
        if any(c.isdigit() for c in word):
            feats.append("digit")
        if not any(c.isalnum() for c in word):
            feats.append("punct")
        if i == 0:
            feats.append("BOS")
        if i == n - 1:
            feats.append("EOS")
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < n:
                feats.append(f"{off}:w={lower[j]}")
                feats.append(f"{off}:lex={flags[j]}")
                feats.append(f"{off}:cl={cluster[j]}")
                if off in (-1, 1):
                    feats.append(f"{off}:shape={_shape(words[j])}")
                    feats.append(f"{off}:sc={suffix[j]}")
        if i > 0:
            feats.append(f"bi-={lower[i - 1]}|{lw}")
            feats.append(f"scbi-={suffix[i - 1]}|{suffix[i]}")
        if i + 1 < n:
            feats.append(f"bi+={lw}|{lower[i + 1]}")
        out.append(feats)
    return out


def spans_from_tags(tags: Sequence[str]) -> list[tuple[int, int]]:
    """Token ranges of BIO tags; a stray I opens a span."""
    spans: list[tuple[int, int]] = []
    begin: int | None = None
    for i, tag in enumerate([*tags, "O"]):
        if tag == "B" or tag == "O" or (tag == "I" and begin is None):
            if begin is not None:
                spans.append((begin, i))
                begin = None
            if tag in ("B", "I"):
                begin = i
    return spans


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_metadata(directory: Path) -> dict[str, Any]:
    path = directory / "metadata.json"
    if not path.is_file():
        raise TaggerArtifactError(f"{path}: missing tagger metadata")
    try:
        meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        files: dict[str, str] = meta["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise TaggerArtifactError(f"{path}: unreadable tagger metadata: {exc}") from exc
    for name, digest in files.items():
        file = directory / name
        if not file.is_file():
            raise TaggerArtifactError(f"{file}: missing tagger file")
        actual = sha256_file(file)
        if actual != digest:
            raise TaggerArtifactError(
                f"{file}: sha256 {actual[:12]}... does not match metadata {digest[:12]}...; "
                "the file is corrupted or was replaced; retrain with "
                "scripts/train_minilm_tagger.py (CRF: scripts/train_skill_tagger.py)"
            )
    return meta


class SpanTagger(Protocol):
    """What the extractor needs of a tagger."""

    version: str

    def tag(self, texts: Sequence[str]) -> list[list[TaggedSpan]]: ...


class CrfTagger:
    """The two CRFs, the word clusters and the vocabulary for the lexicon flag."""

    def __init__(self, directory: Path = CRF_DIR, vocab: Vocabulary | None = None) -> None:
        self.metadata = read_metadata(directory)
        self.version: str = str(self.metadata.get("version", "unknown"))
        clusters = json.loads((directory / "word_clusters.json").read_text(encoding="utf-8"))
        self.clusters: dict[str, int] = {str(k): int(v) for k, v in clusters.items()}
        self.vocab = vocab or get_vocabulary()
        self._taggers: dict[SpanKind, pycrfsuite.Tagger] = {}
        for kind in KINDS:
            tagger = pycrfsuite.Tagger()
            tagger.open(str(directory / f"{kind}.crfsuite"))
            self._taggers[kind] = tagger
        self._labels = {kind: set(t.labels()) for kind, t in self._taggers.items()}
        self._lock = threading.Lock()

    def chunk_marginals(self, text: str, tokens: list[Token]) -> list[npt.NDArray[np.float64]]:
        """Per chunk of `tokens` (in `chunks` order): the (words, kinds, O/B/I) marginal
        probabilities of each word's tag, what the MiniLM tagger mixes with its own."""
        flags = lexicon_flags(text, tokens, self.vocab)
        out: list[npt.NDArray[np.float64]] = []
        for begin, end in chunks(tokens, text):
            feats = token_features(
                [t.text for t in tokens[begin:end]], flags[begin:end], self.clusters
            )
            probs = np.zeros((end - begin, len(KINDS), len(BIO)))
            for k, kind in enumerate(KINDS):
                with self._lock:
                    tagger = self._taggers[kind]
                    tagger.set(feats)
                    for j, label in enumerate(BIO):
                        if label in self._labels[kind]:
                            probs[:, k, j] = [tagger.marginal(label, i) for i in range(end - begin)]
            out.append(probs)
        return out

    def tag(self, texts: Sequence[str]) -> list[list[TaggedSpan]]:
        """Spans per text, sorted by start; spans of one kind never overlap."""
        return [self._tag_one(text) for text in texts]

    def _tag_one(self, text: str) -> list[TaggedSpan]:
        tokens = tokenize_words(text)
        if not tokens:
            return []
        flags = lexicon_flags(text, tokens, self.vocab)
        out: list[TaggedSpan] = []
        for begin, end in chunks(tokens, text):
            part = tokens[begin:end]
            feats = token_features([t.text for t in part], flags[begin:end], self.clusters)
            for kind in KINDS:
                with self._lock:
                    tagger = self._taggers[kind]
                    tags = tagger.tag(feats)
                    marginals = [tagger.marginal(tag, i) for i, tag in enumerate(tags)]
                for a, b in spans_from_tags(tags):
                    start, stop = part[a].start, part[b - 1].end
                    confidence = sum(marginals[a:b]) / (b - a)
                    out.append(TaggedSpan(start, stop, text[start:stop], kind, confidence))
        out.sort(key=lambda s: (s.start, s.kind))
        return out


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _load() -> MiniLMTagger:
    from app.enrichment.minilm_tagger import MiniLMTagger

    return MiniLMTagger()


def get_tagger() -> MiniLMTagger:
    """The process-wide tagger (the fine-tuned MiniLM), loaded and checksum-verified on first
    use: each enrichment worker process loads it once, on its first text."""
    with _LOCK:
        return _load()


def tag(texts: Sequence[str]) -> list[list[TaggedSpan]]:
    return get_tagger().tag(texts)
