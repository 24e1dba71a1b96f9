"""Measure the résumé and posting parsers on the rjdb development pairs.

Reads ../shared/data/rjdb/pairs_dev.jsonl (see its README). For each row's matched résumé the
parsed total years are compared with the label (the sum of `Experiences-years`' per-role years;
the parser never sees it): MAE and the share within ±1 year, over rows where the parser
found a value. Also: the share of all résumés (matched and unmatched) where an employment date
range was found, where any years value was inferred, and the share of `Job-Description`s whose
min_years parses. "Present" is read as TODAY below (the data was written in 2023).
With --dice, also the share of the Dice postings (real, unlabelled) where min_years parses and
where a remote policy is stated: coverage only, precision needs reading them.

    .venv/bin/python scripts/eval_resume_parsing.py [--data PATH] [--limit N] [--dice]
        [--json OUT]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

from app.enrichment.extractor import SkillExtractor
from app.enrichment.posting import parse_posting
from app.enrichment.resume import parse_resume
from app.enrichment.vocabulary import get_vocabulary

SHARED = Path(__file__).resolve().parents[1] / "../shared/data"
DEFAULT_DATA = SHARED / "rjdb/pairs_dev.jsonl"
DICE_DATA = SHARED / "dice/dice_com-job_us_sample.csv"
TODAY = date(2023, 12, 31)


def _label_years(row: dict[str, Any]) -> float | None:
    per_role = row["Experiences-years"][2]
    return float(sum(per_role)) if per_role else None


def _job_title(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    for i, line in enumerate(lines):
        if line.lower().lstrip("# ").startswith("job title"):
            return next((t for t in lines[i + 1 :] if t), "")
    return ""


def _extractor() -> SkillExtractor:
    # Lexicon + alias only: skills are not scored here, and the embedding model is slow on CPU.
    return SkillExtractor(get_vocabulary(), strategies=("lexicon", "alias"))


def evaluate_dice(path: Path) -> dict[str, Any]:
    extractor = _extractor()
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = list(csv.DictReader(handle))
    parsed = [parse_posting(r["jobtitle"], r["jobdescription"], extractor) for r in rows]
    return {
        "dice_postings": len(parsed),
        "dice_min_years_parsed_share": round(
            sum(p.min_years is not None for p in parsed) / len(parsed), 4
        ),
        "dice_remote_policy_stated_share": round(
            sum(p.remote_policy is not None for p in parsed) / len(parsed), 4
        ),
    }


def evaluate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    extractor = _extractor()
    errors: list[float] = []
    compared = ranges_found = years_found = resumes = 0
    jobs_with_min = 0
    started = time.perf_counter()
    for row in rows:
        label = _label_years(row)
        for key in ("Resume-matched", "Resume-unmatched"):
            parsed = parse_resume(row[key], extractor, today=TODAY)
            resumes += 1
            ranges_found += parsed.date_ranges_found > 0
            years_found += parsed.years_experience is not None
            if key == "Resume-matched" and label is not None:
                compared += 1
                if parsed.years_experience is not None:
                    errors.append(abs(parsed.years_experience.value - label))
        posting = parse_posting(
            _job_title(row["Job-Description"]), row["Job-Description"], extractor
        )
        jobs_with_min += posting.min_years is not None
    seconds = time.perf_counter() - started
    return {
        "rows": len(rows),
        "resumes": resumes,
        "resume_date_range_found_share": round(ranges_found / resumes, 4),
        "resume_years_inferred_share": round(years_found / resumes, 4),
        "years_labelled_matched_resumes": compared,
        "years_scored": len(errors),
        "years_mae": round(statistics.fmean(errors), 3) if errors else None,
        "years_within_1_share": (
            round(sum(e <= 1.0 for e in errors) / len(errors), 4) if errors else None
        ),
        "years_exact_share": round(sum(e == 0 for e in errors) / len(errors), 4)
        if errors
        else None,
        "job_min_years_parsed_share": round(jobs_with_min / len(rows), 4),
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--dice", action="store_true", help="also measure Dice postings coverage")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args()
    with args.data.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    report = evaluate(rows[: args.limit] if args.limit else rows)
    if args.dice:
        report.update(evaluate_dice(DICE_DATA))
    for key, value in report.items():
        print(f"{key:36s} {value}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
