"""Embeddings: normalised vectors from the real model, stored once per distinct text."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Embedding
from app.ml.embeddings import (
    EMBEDDING_DIM,
    MAX_TEXT_CHARS,
    TextEmbedder,
    content_hash,
    ensure_embeddings,
    get_embedder,
    job_embedding_text,
    load_embedding_matrix,
    talent_embedding_text,
    warm_open_jobs,
)
from tests.factories import make_company, make_job, make_talent


@pytest.fixture(scope="session")
def embedder() -> TextEmbedder:
    """The process-wide embedder with its model loaded once for the whole test session."""
    shared = get_embedder()
    assert shared.model is not None
    return shared


def test_encode_gives_normalised_float32_rows(embedder: TextEmbedder) -> None:
    vectors = embedder.encode(["Python backend developer", "Registered nurse, night shifts", ""])
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, EMBEDDING_DIM)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_identical_text_gives_identical_vector_and_is_embedded_once(
    embedder: TextEmbedder,
) -> None:
    text = f"Data engineer building Spark pipelines {uuid.uuid4()}"
    before = embedder.texts_embedded
    vectors = embedder.encode([text, "something else entirely", text])
    assert embedder.texts_embedded - before == 2
    np.testing.assert_array_equal(vectors[0], vectors[2])
    again = embedder.encode([text])
    assert embedder.texts_embedded - before == 2
    np.testing.assert_array_equal(again[0], vectors[0])


def test_batch_order_does_not_change_vectors(embedder: TextEmbedder) -> None:
    fresh = TextEmbedder(cache_size=0)
    fresh._model = embedder.model
    texts = ["short", "a much longer text about machine learning engineers and data", "mid text"]
    forward = fresh.encode(texts)
    backward = fresh.encode(texts[::-1])[::-1]
    np.testing.assert_allclose(forward, backward, atol=1e-5)


def test_related_texts_are_closer_than_unrelated(embedder: TextEmbedder) -> None:
    a, b, c = embedder.encode(
        [
            "Senior Python developer building REST APIs with Django",
            "Backend software engineer, Python and web services",
            "Pastry chef baking bread and croissants",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.2


@given(st.text(max_size=60), st.text(max_size=60))
def test_content_hash_separates_models_and_texts(text: str, other: str) -> None:
    assert content_hash(text, "m1") == content_hash(text, "m1")
    assert content_hash(text, "m1") != content_hash(text, "m2")
    if text != other:
        assert content_hash(text, "m1") != content_hash(other, "m1")


def test_texts_are_bounded_and_lead_with_title(session: Session) -> None:
    job = make_job(session, title="Data Engineer", description="word " * 2000)
    talent = make_talent(session, headline="Nurse", bio="care " * 2000, resume_text="x")
    assert job_embedding_text(job).startswith("Data Engineer. word")
    assert len(job_embedding_text(job)) <= MAX_TEXT_CHARS
    assert talent_embedding_text(talent).startswith("Nurse. care")
    assert len(talent_embedding_text(talent)) <= MAX_TEXT_CHARS


def _stored_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Embedding)) or 0)


def test_ensure_embeddings_embeds_each_distinct_text_once(
    session: Session, embedder: TextEmbedder
) -> None:
    company = make_company(session)
    tag = uuid.uuid4().hex
    shared = f"Build data pipelines in Python and SQL {tag}"
    jobs = [make_job(session, company=company, title="Data Engineer", description=shared)]
    jobs += [make_job(session, company=company, title="Data Engineer", description=shared)]
    jobs += [
        make_job(session, company=company, title="Nurse", description=f"Care for patients {tag}")
    ]
    session.commit()

    assert ensure_embeddings(session, "job") == 2
    assert _stored_count(session) == 3
    assert ensure_embeddings(session, "job") == 0

    ids, matrix = load_embedding_matrix(session, "job", [j.id for j in jobs])
    assert ids == [j.id for j in jobs]
    assert matrix.dtype == np.float32
    assert matrix.shape == (3, EMBEDDING_DIM)
    np.testing.assert_array_equal(matrix[0], matrix[1])
    expected = embedder.encode([job_embedding_text(jobs[2])])[0]
    np.testing.assert_allclose(matrix[2], expected, atol=1e-6)


def test_changed_text_re_embeds_exactly_that_row(session: Session) -> None:
    tag = uuid.uuid4().hex
    talents = [
        make_talent(session, headline="Developer", bio=f"Python and Go {tag} {i}") for i in range(3)
    ]
    session.commit()
    assert ensure_embeddings(session, "talent") == 3
    _, before = load_embedding_matrix(session, "talent", [t.id for t in talents])

    talents[1].bio = f"Now a product manager {tag}"
    session.commit()
    assert ensure_embeddings(session, "talent") == 1
    assert _stored_count(session) == 3
    _, after = load_embedding_matrix(session, "talent", [t.id for t in talents])
    np.testing.assert_array_equal(after[[0, 2]], before[[0, 2]])
    assert not np.allclose(after[1], before[1])
    assert ensure_embeddings(session, "talent") == 0


def test_vectors_are_reused_across_owners_with_the_same_text(session: Session) -> None:
    tag = uuid.uuid4().hex
    first = make_talent(session, headline="Analyst", bio=f"Excel and SQL {tag}")
    session.commit()
    assert ensure_embeddings(session, "talent", [first.id]) == 1
    second = make_talent(session, headline="Analyst", bio=f"Excel and SQL {tag}")
    session.commit()
    assert ensure_embeddings(session, "talent", [second.id]) == 0
    ids, matrix = load_embedding_matrix(session, "talent")
    assert set(ids) == {first.id, second.id}
    np.testing.assert_array_equal(matrix[0], matrix[1])


def test_load_embedding_matrix_skips_owners_without_vectors(session: Session) -> None:
    stored = make_talent(session, bio=f"stored {uuid.uuid4()}")
    missing = make_talent(session)
    session.commit()
    ensure_embeddings(session, "talent", [stored.id])
    ids, matrix = load_embedding_matrix(session, "talent", [missing.id, stored.id])
    assert ids == [stored.id]
    assert matrix.shape == (1, EMBEDDING_DIM)


def test_warm_open_jobs_loads_only_open_jobs_without_the_model(session: Session) -> None:
    embedder = get_embedder()
    tag = uuid.uuid4().hex
    open_job = make_job(session, description=f"open role {tag}", status="open")
    closed_job = make_job(session, description=f"closed role {tag}", status="closed")
    session.commit()
    ensure_embeddings(session, "job")

    cold = TextEmbedder()
    assert warm_open_jobs(session, cold) == 1
    assert cold._model is None
    assert cold.cache_get(cold.hash(job_embedding_text(open_job))) is not None
    assert cold.cache_get(cold.hash(job_embedding_text(closed_job))) is None
    np.testing.assert_allclose(
        cold.encode([job_embedding_text(open_job)])[0],
        embedder.encode([job_embedding_text(open_job)])[0],
        atol=1e-6,
    )
    assert cold._model is None


def test_ensure_embeddings_refuses_unknown_owner_kind(session: Session) -> None:
    with pytest.raises(ValueError, match="owner_kind"):
        ensure_embeddings(session, "company")  # type: ignore[arg-type]
