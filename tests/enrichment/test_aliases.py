from __future__ import annotations

import pytest

from app.enrichment.extractor import SkillExtractor


def names(extractor: SkillExtractor, text: str) -> set[str]:
    return {s.name for s in extractor.extract(text).skills}


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Deploy services on K8s clusters.", "Kubernetes"),
        ("Frontend in JS and TypeScript.", "JavaScript"),
        ("Our stack runs on GCP.", "Google Cloud Platform"),
        ("Data lives in Postgres.", "PostgreSQL"),
        ("Backend written in Golang.", "Go"),
        ("Experience with NodeJS required.", "Node.js"),
        ("Search on Elastic Search.", "Elasticsearch"),
        ("amazon-web-services experience", "Amazon Web Services"),
    ],
)
def test_alias_resolves_to_canonical(
    fast_extractor: SkillExtractor, text: str, canonical: str
) -> None:
    assert canonical in names(fast_extractor, text)


@pytest.mark.parametrize(
    ("text", "skill", "expected"),
    [
        ("Experience with Go, Python and Kubernetes.", "Go", True),
        ("Go to our careers page to apply.", "Go", False),
        ("We expect you to go the extra mile.", "Go", False),
        ("Statistical modelling in R or SAS.", "R", True),
        ("Apply via the R&D portal by Friday.", "R", False),
        ("Strong C and C++ for embedded firmware.", "C", True),
        ("A Class C driving licence is required.", "C", False),
        ("Advanced Excel skills, pivot tables and VBA.", "Excel", True),
        ("You will excel in a fast-paced team.", "Excel", False),
        ("Excel at communicating with customers.", "Excel", False),
    ],
)
def test_ambiguous_words_need_context(
    fast_extractor: SkillExtractor, text: str, skill: str, expected: bool
) -> None:
    assert (skill in names(fast_extractor, text)) is expected


def test_baseline_lexicon_alone_does_not_resolve_ambiguity(vocab) -> None:
    baseline = SkillExtractor(vocab, strategies=("lexicon",))
    assert "Go" in names(baseline, "Go to our careers page. Apply now.")


def test_alias_stats_report_resolutions(fast_extractor: SkillExtractor) -> None:
    result = fast_extractor.extract("K8s and GCP; go to the site; Go and Python.")
    stats = result.alias_stats
    assert stats["resolved"] == {"GCP": "Google Cloud Platform", "K8s": "Kubernetes"}
    assert stats["alias_hits"] == 2
    assert stats["ambiguous_accepted"] == 1
    assert stats["ambiguous_refused"] == 1
    assert stats["refused_terms"] == ["go"]
