"""The optional LLM structuring against the deterministic extractor, on text nobody here wrote.

- rjdb (`../shared/data/rjdb/pairs_dev.jsonl`): each job description and its matched résumé
  are structured both ways; reported: how often the two agree on seniority and education,
  the Jaccard overlap of their technical skills, and rjdb's own skill list recall (the share
  of the triple's `Skills` whose words a method's skills cover).
- SkillSpan dev (`../shared/data/skillspan/dev.json`): sentences grouped into postings; name-level
  precision / recall / F1 of each method's skill names against the gold skill and knowledge
  spans (lowercased exact text).
- The LLM's latency (p50 / p95), tokens and cost estimate come from its `llm_calls` records
  (a scratch SQLite database), with the prompt versions used.

Without an LLM (`LLM_PROVIDER=none`, the default) it prints "skipped: no LLM configured" and
exits 0: there is nothing to compare, and the deterministic extractor has its own benchmark.

    LLM_PROVIDER=ollama LLM_MODEL=llama3.2 .venv/bin/python scripts/bench_llm_structuring.py
    .venv/bin/python scripts/bench_llm_structuring.py --rjdb 20 --postings 20
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.settings import get_settings  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SKIP = "skipped: no LLM configured (set LLM_PROVIDER, LLM_MODEL and LLM_BASE_URL)"


def _words(text: str) -> set[str]:
    return {w for w in text.lower().replace("/", " ").split() if len(w) > 2}


def _prf(predicted: set[str], gold: set[str]) -> tuple[float, float, float]:
    hits = len(predicted & gold)
    p = hits / len(predicted) if predicted else 0.0
    r = hits / len(gold) if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def skillspan_postings(limit: int) -> list[tuple[str, set[str]]]:
    """(posting text, gold span texts) of the first `limit` postings of SkillSpan dev."""
    from app.enrichment.evaluation import skillspan_records

    by_posting: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    for record in skillspan_records(DATA / "skillspan" / "dev.json"):
        posting = record.id.split(":")[0]
        spans = {record.text[s.start : s.end].lower() for s in record.spans}
        by_posting[posting].append((record.text, spans))
    out = []
    for sentences in list(by_posting.values())[:limit]:
        out.append(("\n".join(t for t, _ in sentences), set().union(*(g for _, g in sentences))))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rjdb", type=int, default=40, help="rjdb triples")
    parser.add_argument("--postings", type=int, default=40, help="SkillSpan dev postings")
    args = parser.parse_args(argv)
    settings = get_settings()
    from app.llm.adapters import make_client

    client = make_client(settings)
    if client is None:
        print(SKIP)
        return 0

    from sqlalchemy import select

    from app.db.migrate import upgrade_head
    from app.db.monitoring_models import LLMCall
    from app.db.session import make_engine, session_scope
    from app.enrichment.llm_structuring import from_posting, from_resume
    from app.enrichment.posting import parse_posting
    from app.enrichment.resume import parse_resume
    from app.enrichment.service import build_enricher
    from app.llm.prompts import get_prompt
    from app.llm.schemas import StructuredProfile
    from app.llm.service import structured

    extractor = build_enricher().extractor
    scratch = Path(tempfile.mkdtemp()) / "llm_bench.db"
    url = f"sqlite:///{scratch}"
    upgrade_head(url)
    engine = make_engine(url)
    failures = 0

    def ask(prompt: str, text: str) -> StructuredProfile | None:
        nonlocal failures
        from app.llm.errors import LLMError

        with session_scope(engine) as session:
            try:
                return structured(
                    session,
                    client,
                    get_prompt(prompt),
                    StructuredProfile,
                    settings=settings,
                    text=text,
                )
            except LLMError:
                failures += 1
                return None

    agree: defaultdict[str, list[float]] = defaultdict(list)
    rows = [json.loads(line) for line in (DATA / "rjdb" / "pairs_dev.jsonl").open()][: args.rjdb]

    def rules_posting(text: str) -> StructuredProfile:
        return from_posting(parse_posting("", text, extractor))

    def rules_resume(text: str) -> StructuredProfile:
        return from_resume(parse_resume(text, extractor))

    for row in rows:
        gold_skills = [_words(s) for s in row["Skills"]]
        pairs = (
            (
                "job",
                "job_structure",
                row["Job-Description"],
                rules_posting,
            ),
            (
                "resume",
                "resume_structure",
                row["Resume-matched"],
                rules_resume,
            ),
        )
        for kind, prompt, text, deterministic in pairs:
            rule = deterministic(text)
            llm = ask(prompt, text)
            if llm is None:
                continue
            agree[f"{kind} seniority"].append(rule.seniority == llm.seniority)
            agree[f"{kind} education"].append(rule.education_level == llm.education_level)
            a, b = (
                set(map(str.lower, rule.technical_skills)),
                set(map(str.lower, llm.technical_skills)),
            )
            agree[f"{kind} skill jaccard"].append(len(a & b) / len(a | b) if a | b else 1.0)
            for name, profile in (("rules", rule), ("llm", llm)):
                covered = set().union(
                    *(_words(s) for s in [*profile.technical_skills, *profile.soft_skills]), set()
                )
                agree[f"{kind} rjdb skill recall ({name})"].append(
                    float(np.mean([bool(g & covered) for g in gold_skills])) if gold_skills else 0.0
                )
    print(f"rjdb: {len(rows)} triples, {client.provider}:{client.model}")
    for key, shares in agree.items():
        print(f"  {key:36} {np.mean(shares):.3f}  (n={len(shares)})")

    scores: defaultdict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for text, gold in skillspan_postings(args.postings):
        found = {s.name.lower() for s in extractor.extract(text).skills}
        answer = ask("job_structure", text)
        scores["rules"].append(_prf(found, gold))
        if answer is not None:
            listed = [*answer.technical_skills, *answer.soft_skills, *answer.tools]
            scores["llm"].append(_prf({n.lower() for n in listed}, gold))
    print(f"SkillSpan dev: {args.postings} postings, name-level P / R / F1 against gold spans")
    for name, prf in scores.items():
        p, r, f = np.mean(prf, axis=0)
        print(f"  {name:6} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  (n={len(prf)})")

    with session_scope(engine) as session:
        calls = list(session.scalars(select(LLMCall)))
    latency = np.array([c.latency_ms for c in calls] or [0.0])
    tokens_in = sum(c.input_tokens for c in calls)
    tokens_out = sum(c.output_tokens for c in calls)
    prompts = sorted({(c.prompt_name, c.prompt_version) for c in calls})
    print(
        f"LLM calls: {len(calls)} ({failures} fell back), latency p50 "
        f"{np.percentile(latency, 50):.0f} ms p95 {np.percentile(latency, 95):.0f} ms, tokens "
        f"{tokens_in} in / {tokens_out} out, cost ${sum(c.cost_usd for c in calls):.4f}; "
        f"prompts {prompts}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
