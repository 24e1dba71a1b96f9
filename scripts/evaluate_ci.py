"""CI gate for the skills extractor: evaluate on a committed sample, fail below a threshold.

    python scripts/evaluate_ci.py                       # threshold and sample from eval_gate.json
    python scripts/evaluate_ci.py --min-f1 0.5 --dataset other.jsonl --store

Exit status: 0 when macro F1 >= --min-f1, 1 below it, 2 on bad input. `--vocab-dir` evaluates
an extractor built from another vocabulary folder (curated_skills.yaml, onet_vocabulary.tsv,
skill_aliases.yaml), which is how the gate's own test breaks the extractor on purpose.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GATE_FILE = ROOT / "tests" / "enrichment" / "data" / "eval_gate.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    gate = json.loads(GATE_FILE.read_text(encoding="utf-8"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / gate["dataset"])
    parser.add_argument("--min-f1", type=float, default=float(gate["min_f1"]))
    parser.add_argument("--match", choices=["exact", "partial"], default=gate["match"])
    parser.add_argument("--labels", default=",".join(gate.get("labels", [])))
    parser.add_argument("--strategies", default="lexicon,alias,embedding")
    parser.add_argument("--vocab-dir", type=Path, default=None)
    parser.add_argument("--store", action="store_true", help="record in evaluation_results")
    parser.add_argument("--json-out", type=Path, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from app.logging import configure_logging

    configure_logging()
    from app.enrichment.config import get_model_registry
    from app.enrichment.evaluation import evaluate, load_records, store_result
    from app.enrichment.extractor import SkillExtractor
    from app.enrichment.mentions import STRATEGIES
    from app.enrichment.vocabulary import get_vocabulary, load_vocabulary

    if not 0.0 <= args.min_f1 <= 1.0:
        print(f"--min-f1 must be within [0, 1], got {args.min_f1}", file=sys.stderr)
        return 2
    strategies = [s for s in STRATEGIES if s in args.strategies.split(",")]
    if not strategies:
        print(f"--strategies: choose from {','.join(STRATEGIES)}", file=sys.stderr)
        return 2
    try:
        records = load_records(args.dataset)
    except (OSError, ValueError) as exc:
        print(f"cannot read dataset: {exc}", file=sys.stderr)
        return 2
    if args.vocab_dir is not None:
        vocab = load_vocabulary(
            args.vocab_dir / "curated_skills.yaml",
            args.vocab_dir / "onet_vocabulary.tsv",
            args.vocab_dir / "skill_aliases.yaml",
        )
    else:
        vocab = get_vocabulary()
    entry = get_model_registry().entry("skills_extraction")
    extractor = SkillExtractor(
        vocab,
        strategies=strategies,
        min_confidence=float(entry.params.get("min_confidence", 0.35)),
        embedding_threshold=float(entry.params.get("embedding_threshold", 0.8)),
    )
    labels = [lb for lb in args.labels.split(",") if lb] or None
    report = evaluate(extractor, records, labels=labels)
    f1 = report.f1(args.match)
    passed = f1 >= args.min_f1
    summary = {
        "model_version": entry.version,
        "strategies": strategies,
        "dataset": str(args.dataset),
        "match": args.match,
        "macro_f1": round(f1, 4),
        "min_f1": args.min_f1,
        "passed": passed,
        **report.as_dict(),
    }
    print(json.dumps(summary, indent=2))
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    if args.store:
        from app.db.session import session_scope

        with session_scope() as session:
            store_result(
                session,
                report,
                model_id=entry.model_id,
                model_version=entry.version,
                strategies=strategies,
                dataset_path=args.dataset,
                mode=args.match,
                min_f1=args.min_f1,
                is_ci_run=True,
            )
    verdict = "PASS" if passed else "FAIL"
    print(
        f"{verdict}: macro {args.match} F1 {f1:.4f} vs threshold {args.min_f1:.4f}", file=sys.stderr
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
