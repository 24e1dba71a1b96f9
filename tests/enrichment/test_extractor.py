from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.enrichment.extractor import STRATEGY_WEIGHTS, SkillExtractor, noisy_or
from app.enrichment.vocabulary import onet_forms

POSTING = """Senior Backend Engineer

Requirements:
- 5+ years of Python and PostgreSQL
- Experience with K8s and Docker

Benefits:
- Free Docker training and a Kubernetes conference ticket
"""


def test_onet_names_become_canonical_forms() -> None:
    assert onet_forms("Structured query language SQL") == (
        "SQL",
        [
            "Structured query language SQL",
            "SQL",
            "Structured query language",
        ],
    )
    display, forms = onet_forms("Oracle Java") or ("", [])
    assert display == "Java"
    assert "Oracle Java" in forms
    assert onet_forms("Web browser software") is None
    display, _ = onet_forms("Microsoft Excel") or ("", [])
    assert display == "Microsoft Excel"


def test_mentions_merge_into_one_skill_per_canonical(fast_extractor: SkillExtractor) -> None:
    result = fast_extractor.extract("We use Kubernetes daily; K8s experience is a must.")
    kube = [s for s in result.skills if s.name == "Kubernetes"]
    assert len(kube) == 1
    skill = kube[0]
    assert {span.text for span in skill.spans} == {"Kubernetes", "K8s"}
    assert skill.source_strategies == ["alias", "lexicon"]
    assert skill.category == "devops_tool"


def test_agreeing_strategies_raise_confidence(fast_extractor: SkillExtractor) -> None:
    result = fast_extractor.extract("Python. K8s.")
    by_name = {s.name: s for s in result.skills}
    assert by_name["Python"].source_strategies == ["alias", "lexicon"]
    assert by_name["Kubernetes"].source_strategies == ["alias"]
    assert by_name["Python"].confidence_score > by_name["Kubernetes"].confidence_score


def test_irrelevant_sections_lower_confidence(fast_extractor: SkillExtractor) -> None:
    result = fast_extractor.extract(POSTING)
    labels = [c.label.label for c in result.sections]
    assert "requirements" in labels
    assert "benefits" in labels
    docker = next(s for s in result.skills if s.name == "Docker")
    by_label = {span.section_label: span.confidence for span in docker.spans}
    assert by_label["benefits"] < by_label["requirements"]
    kube = next(s for s in result.skills if s.name == "Kubernetes")
    assert kube.section_relevance > 0.8
    unaware = SkillExtractor(fast_extractor.vocab, ("lexicon", "alias"), section_aware=False)
    plain = {s.name: s.confidence_score for s in unaware.extract(POSTING).skills}
    assert plain["Docker"] >= docker.confidence_score


def test_embedding_strategy_finds_unlisted_phrasing(full_extractor: SkillExtractor) -> None:
    result = full_extractor.extract("Hands-on ReactJS Hooks and micro-frontend work.")
    found = {s.name: s for s in result.skills}
    assert "React" in found
    result = full_extractor.extract("Familiar with deep neural nets.")
    embedded = {s.name: s for s in result.skills if s.source_strategies == ["embedding"]}
    assert "Neural networks" in embedded
    assert 0.35 <= embedded["Neural networks"].confidence_score <= 0.6


@given(st.dictionaries(st.sampled_from(list(STRATEGY_WEIGHTS)), st.floats(0, 1)))
def test_noisy_or_is_a_probability_and_monotone(scores: dict) -> None:
    value = noisy_or(scores)
    assert 0.0 <= value <= 1.0
    for strategy in STRATEGY_WEIGHTS:
        more = dict(scores)
        more[strategy] = 1.0
        assert noisy_or(more) >= value - 1e-12


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_valid_spans(fast_extractor: SkillExtractor, text: str) -> None:
    result = fast_extractor.extract(text)
    for skill in result.skills:
        assert 0.0 <= skill.confidence_score <= 1.0
        assert skill.source_strategies
        for span in skill.spans:
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start : span.end] == span.text
