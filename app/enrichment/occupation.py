"""Occupation inference: free text of a job or talent -> O*NET-SOC code, top 3 with confidence.

Real jobs and talents arrive without an occupation code, so the matcher's `occupation_match`
feature is unknown for them. Two signals, blended linearly and turned into probabilities with a
softmax whose temperature was tuned on held-out titles (`scripts/build_occupation_model.py`):

* title: TF-IDF cosine (word 1-2 grams and character 3-4 grams, which survive "Sr." and
  spelling variants) of the query title against every official, alternate and reported O*NET
  title, max over each occupation's titles. The title index is refitted from the shipped title
  list at load (~1-2 s, deterministic for the pinned scikit-learn): the fitted character matrix
  would be ~10x larger than the titles.
* text: MiniLM cosine of "title. body" against a centroid per occupation (its title +
  description and its core task statements), shipped as float16.
* title meaning: MiniLM cosine of the query title alone against the mean vector of each
  occupation's first titles (official, then reported), for synonyms no n-gram shares
  ("Software Engineer" vs "Developer").

A "none of these" logit competes in the softmax, so text that resembles no occupation (empty,
noise, another language) spreads its mass there and every guess gets a low confidence instead
of 1/3 each. Everything needed at run time lives in `app/enrichment/data/occupation/`, each
file's sha256 listed in `occupation_model.json` and checked on load.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer

from app.enrichment.config import DATA_DIR, get_model_registry
from app.enrichment.errors import OccupationModelError

MODEL_DIR = DATA_DIR / "occupation"
METADATA_FILE = "occupation_model.json"
OCCUPATIONS_FILE = "occupations.tsv.gz"
TITLES_FILE = "titles.tsv.gz"
CENTROIDS_FILE = "centroids.npy"
TITLE_CENTROIDS_FILE = "title_centroids.npy"
ARTIFACT_FILES = (OCCUPATIONS_FILE, TITLES_FILE, CENTROIDS_FILE, TITLE_CENTROIDS_FILE)
TOP_K = 3
# The embedder reads ~1,000 characters (256 word pieces); the rest would be cut anyway.
MAX_TEXT_CHARS = 1000
# Queries per scoring chunk: bounds the dense (queries x titles) similarity block to ~25 MB.
CHUNK = 100

Matrix = npt.NDArray[np.float32]
Embed = Callable[[Sequence[str]], Matrix]

# Level and contract words say nothing about the occupation, but are rare in O*NET titles and
# would get a high idf ("Senior" would pull toward the few O*NET titles that contain it).
_NOISE_WORDS = frozenset(
    (
        *("senior", "sr", "junior", "jr", "lead", "staff", "intern", "entry", "level", "mid"),
        *("i", "ii", "iii", "iv", "v", "vi", "contract", "contractor", "temp", "temporary"),
        *("remote", "hybrid", "onsite", "fulltime", "parttime", "w2", "c2c", "1099"),
    )
)
_NON_WORD = re.compile(r"[^a-z0-9+#]+")


@dataclass(frozen=True)
class OccupationGuess:
    code: str
    title: str
    confidence: float


@dataclass(frozen=True)
class OccupationParams:
    """Blend and calibration: logit = title_weight*title + text_weight*text +
    title_embedding_weight*title meaning, softmax over the occupations plus a `null_logit`
    class, at `temperature`."""

    title_weight: float
    text_weight: float
    title_embedding_weight: float
    char_weight: float
    temperature: float
    null_logit: float

    def as_dict(self) -> dict[str, float]:
        return {
            "title_weight": self.title_weight,
            "text_weight": self.text_weight,
            "title_embedding_weight": self.title_embedding_weight,
            "char_weight": self.char_weight,
            "temperature": self.temperature,
            "null_logit": self.null_logit,
        }


def normalise_title(title: str) -> str:
    """Lower case, punctuation to spaces (keeping C++/C#), level and contract words dropped."""
    words = _NON_WORD.sub(" ", title.lower()).split()
    return " ".join(w for w in words if w not in _NOISE_WORDS)


def compose_text(title: str, body: str) -> str:
    """What the text signal embeds: "title. body", whitespace collapsed, cut at a word."""
    head = " ".join(title.split())
    text = " ".join(p for p in (f"{head}." if head else "", " ".join(body.split())) if p)
    if len(text) <= MAX_TEXT_CHARS:
        return text
    cut = text[:MAX_TEXT_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > MAX_TEXT_CHARS // 2 else cut


@dataclass(frozen=True)
class OccupationIndex:
    """Everything scoring needs, in memory. Titles are grouped by occupation (`starts` are the
    first title of each occupation) so a per-occupation max is one `np.maximum.reduceat`."""

    codes: tuple[str, ...]
    titles: tuple[str, ...]
    word: TfidfVectorizer
    char: TfidfVectorizer
    word_titles: sparse.csr_matrix
    char_titles: sparse.csr_matrix
    starts: npt.NDArray[np.intp]
    centroids: Matrix
    title_centroids: Matrix
    params: OccupationParams

    def title_scores(self, titles: Sequence[str]) -> Matrix:
        """(n, occupations) best title cosine per occupation, blended word/char."""
        out = np.zeros((len(titles), len(self.codes)), dtype=np.float32)
        normalised = [normalise_title(t) for t in titles]
        w = self.params.char_weight
        for start in range(0, len(titles), CHUNK):
            part = normalised[start : start + CHUNK]
            sim = (1 - w) * (self.word.transform(part) @ self.word_titles.T) + w * (
                self.char.transform(part) @ self.char_titles.T
            )
            dense = np.asarray(sim.todense(), dtype=np.float32)
            out[start : start + len(part)] = np.maximum.reduceat(dense, self.starts, axis=1)
        return out

    def embedding_scores(
        self, titles: Sequence[str], texts: Sequence[str], embed: Embed
    ) -> tuple[Matrix, Matrix]:
        """(n, occupations) cosines of the texts to the centroids and of the titles to the
        title centroids, from one embedding batch; 0 where a text is empty (not embedded)."""
        n = len(texts)
        text_out = np.zeros((n, len(self.codes)), dtype=np.float32)
        title_out = np.zeros((n, len(self.codes)), dtype=np.float32)
        text_rows = [i for i, t in enumerate(texts) if t.strip()]
        title_rows = [i for i, t in enumerate(titles) if t.strip()]
        batch = [texts[i] for i in text_rows] + [" ".join(titles[i].split()) for i in title_rows]
        if batch:
            vectors = embed(batch)
            if text_rows:
                text_out[text_rows] = vectors[: len(text_rows)] @ self.centroids.T
            if title_rows:
                title_out[title_rows] = vectors[len(text_rows) :] @ self.title_centroids.T
        return text_out, title_out

    def logits(self, title: Matrix, text: Matrix, title_meaning: Matrix) -> Matrix:
        p = self.params
        blend = (
            p.title_weight * title + p.text_weight * text + p.title_embedding_weight * title_meaning
        )
        return np.asarray(blend, dtype=np.float32)

    def probabilities(self, logits: Matrix) -> Matrix:
        """Softmax over occupations plus the null class (dropped: rows sum to 1 - p(null))."""
        p = self.params
        z = np.concatenate(
            [logits, np.full((logits.shape[0], 1), p.null_logit, dtype=np.float32)], axis=1
        )
        z = z / p.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        probs = e / e.sum(axis=1, keepdims=True)
        return np.asarray(probs[:, :-1], dtype=np.float32)

    def guesses(self, probs: Matrix, k: int = TOP_K) -> list[list[OccupationGuess]]:
        top = np.argpartition(-probs, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(probs, top, axis=1).argsort(axis=1)[:, ::-1]
        top = np.take_along_axis(top, order, axis=1)
        return [
            [
                OccupationGuess(self.codes[j], self.titles[j], round(float(probs[i, j]), 6))
                for j in row
            ]
            for i, row in enumerate(top.tolist())
        ]

    def infer(
        self, queries: Sequence[tuple[str, str]], embed: Embed
    ) -> list[list[OccupationGuess]]:
        if not queries:
            return []
        titles = [q[0][:MAX_TEXT_CHARS] for q in queries]
        title = self.title_scores(titles)
        texts = [compose_text(t, b) for t, b in queries]
        text, title_meaning = self.embedding_scores(titles, texts, embed)
        return self.guesses(self.probabilities(self.logits(title, text, title_meaning)))


def make_vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    """The two title vectorizers (the same settings at build and at load)."""
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 4), min_df=2, sublinear_tf=True, dtype=np.float32
    )
    return word, char


def build_index(
    codes: Sequence[str],
    names: Sequence[str],
    titles_by_occupation: Sequence[Sequence[str]],
    centroids: npt.NDArray[np.floating[Any]],
    title_centroids: npt.NDArray[np.floating[Any]],
    params: OccupationParams,
) -> OccupationIndex:
    """Fit the title vectorizers on the titles and assemble the index. Every occupation needs
    at least one title (its official one), or reduceat would mis-assign columns."""
    sizes = {len(codes), len(names), len(titles_by_occupation), len(centroids)}
    if sizes != {len(title_centroids)}:
        raise OccupationModelError("codes, titles and centroids disagree in length")
    flat: list[str] = []
    starts: list[int] = []
    for i, group in enumerate(titles_by_occupation):
        if not group:
            raise OccupationModelError(f"occupation {codes[i]} has no title")
        starts.append(len(flat))
        flat.extend(normalise_title(t) for t in group)
    word, char = make_vectorizers()
    word_titles = sparse.csr_matrix(word.fit_transform(flat))
    char_titles = sparse.csr_matrix(char.fit_transform(flat))
    return OccupationIndex(
        codes=tuple(codes),
        titles=tuple(names),
        word=word,
        char=char,
        word_titles=word_titles,
        char_titles=char_titles,
        starts=np.asarray(starts, dtype=np.intp),
        centroids=np.ascontiguousarray(centroids, dtype=np.float32),
        title_centroids=np.ascontiguousarray(title_centroids, dtype=np.float32),
        params=params,
    )


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_tsv_gz(path: Path) -> list[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [line.rstrip("\n").split("\t") for line in fh if line.strip()]


def load_index(model_dir: Path = MODEL_DIR) -> tuple[OccupationIndex, dict[str, Any]]:
    """Verify every file against the metadata's sha256, then build the index."""
    meta_path = model_dir / METADATA_FILE
    try:
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OccupationModelError(f"{meta_path}: unreadable occupation model metadata") from exc
    for name in ARTIFACT_FILES:
        path = model_dir / name
        expected = meta.get("files", {}).get(name, {}).get("sha256")
        if not path.is_file():
            raise OccupationModelError(
                f"{path}: missing (rebuild: scripts/build_occupation_model.py)"
            )
        digest = sha256_file(path)
        if digest != expected:
            raise OccupationModelError(
                f"{path}: sha256 {digest} does not match {expected} in {METADATA_FILE}"
            )
    occupations = read_tsv_gz(model_dir / OCCUPATIONS_FILE)
    codes = [row[0] for row in occupations]
    names = [row[1] for row in occupations]
    grouped: list[list[str]] = [[] for _ in codes]
    for row in read_tsv_gz(model_dir / TITLES_FILE):
        grouped[int(row[0])].append(row[1])
    centroids = np.load(model_dir / CENTROIDS_FILE, allow_pickle=False)
    title_centroids = np.load(model_dir / TITLE_CENTROIDS_FILE, allow_pickle=False)
    params = OccupationParams(**meta["params"]["blend"])
    return build_index(codes, names, grouped, centroids, title_centroids, params), meta


_index: OccupationIndex | None = None
_index_lock = threading.Lock()


def get_index() -> OccupationIndex:
    """The shipped index, loaded and verified once per process (thread-safe)."""
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                _index = load_index()[0]
    return _index


def _default_embed(texts: Sequence[str]) -> Matrix:
    from app.ml.embeddings import get_embedder

    return get_embedder().encode(texts)


def occupation_model_version() -> str:
    """The configured occupation model's version (read when asked: importing this module
    must not read the settings)."""
    return get_model_registry().entry("occupation_inference").version


def infer_occupations(
    queries: Sequence[tuple[str, str]], *, embed: Embed | None = None
) -> list[list[OccupationGuess]]:
    """Top-3 occupations per (title or headline, body) pair, best first, in one batch.

    Confidences are probabilities (0..1, the three sum to at most 1); text that looks like no
    occupation gets low confidences rather than an error.
    """
    return get_index().infer(queries, embed or _default_embed)
