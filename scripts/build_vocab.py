"""Build the small vocabulary the seeder ships with, from the O*NET 29.2 tables.

    .venv/bin/python scripts/build_vocab.py [--onet ../shared/data/onet]

Writes app/seeding/data/vocab.json.gz (tens of KB). Rerunnable and deterministic: the same
O*NET files give the same bytes. The demo reads only that file, never ../shared.

What it keeps: a curated set of occupations that list technology skills (per major SOC
group a cap, best covered first), for each a few alternate titles, its job zone, its top
technology skills (In Demand, then Hot Technology, then specific to its group rather than
used everywhere) and a handful of core task statements; plus a list of world cities with
coordinates, IANA time zone, UTC offset and a salary multiplier (our own rough figures).
Base salaries are a heuristic from job zone and SOC group, not wage data.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import re
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ONET = ROOT.parent / "shared" / "data" / "onet"
OUT = ROOT / "app" / "seeding" / "data" / "vocab.json.gz"

ATTRIBUTION = (
    "This product includes information from O*NET 29.2 Database by the U.S. Department of "
    "Labor, Employment and Training Administration (USDOL/ETA), used under the CC BY 4.0 license."
)

# SOC major group -> (label, how many occupations to keep, sampling weight per occupation,
# salary factor on top of the job-zone base).
GROUPS: dict[str, tuple[str, int, float, float]] = {
    "15": ("Computer and Mathematical", 30, 3.0, 1.25),
    "17": ("Architecture and Engineering", 14, 1.5, 1.10),
    "11": ("Management", 10, 1.0, 1.35),
    "13": ("Business and Financial Operations", 12, 1.5, 1.00),
    "27": ("Arts, Design, Entertainment and Media", 8, 1.0, 0.85),
    "29": ("Healthcare Practitioners and Technical", 8, 1.0, 1.05),
    "19": ("Life, Physical and Social Science", 6, 0.7, 0.95),
    "41": ("Sales and Related", 5, 1.0, 0.85),
    "43": ("Office and Administrative Support", 6, 1.0, 0.70),
}
# Industries whose companies hire each group most (the seeder also hires across).
GROUP_INDUSTRIES: dict[str, list[str]] = {
    "15": ["Software", "Fintech", "E-commerce", "Cloud Infrastructure", "Cybersecurity"],
    "17": ["Manufacturing", "Automotive", "Energy", "Aerospace", "Construction"],
    "11": ["Consulting", "Software", "Retail", "Healthcare", "Finance"],
    "13": ["Finance", "Consulting", "Insurance", "Fintech", "Retail"],
    "27": ["Media", "Marketing", "Gaming", "E-commerce", "Education"],
    "29": ["Healthcare", "Biotech", "Insurance", "Public Sector", "Education"],
    "19": ["Biotech", "Energy", "Public Sector", "Education", "Consulting"],
    "41": ["Retail", "Manufacturing", "Software", "Real Estate", "Insurance"],
    "43": ["Public Sector", "Finance", "Healthcare", "Logistics", "Retail"],
}
ZONE_BASE_SALARY = {1: 32_000, 2: 42_000, 3: 58_000, 4: 82_000, 5: 105_000}
SKILLS_PER_OCCUPATION = 25
HOT_PER_OCCUPATION = 20
TASKS_PER_OCCUPATION = 8
TITLES_PER_OCCUPATION = 6

# name, country, lat, lon, IANA zone, salary multiplier (USD, rough cost-of-labour), weight
CITIES: list[tuple[str, str, float, float, str, float, float]] = [
    ("San Francisco", "US", 37.7749, -122.4194, "America/Los_Angeles", 1.35, 4.0),
    ("Seattle", "US", 47.6062, -122.3321, "America/Los_Angeles", 1.25, 3.0),
    ("Los Angeles", "US", 34.0522, -118.2437, "America/Los_Angeles", 1.20, 2.0),
    ("New York", "US", 40.7128, -74.0060, "America/New_York", 1.30, 4.0),
    ("Boston", "US", 42.3601, -71.0589, "America/New_York", 1.20, 2.0),
    ("Austin", "US", 30.2672, -97.7431, "America/Chicago", 1.05, 2.0),
    ("Chicago", "US", 41.8781, -87.6298, "America/Chicago", 1.05, 2.0),
    ("Denver", "US", 39.7392, -104.9903, "America/Denver", 1.05, 1.5),
    ("Atlanta", "US", 33.7490, -84.3880, "America/New_York", 0.95, 1.5),
    ("Miami", "US", 25.7617, -80.1918, "America/New_York", 1.00, 1.0),
    ("Raleigh", "US", 35.7796, -78.6382, "America/New_York", 1.00, 1.0),
    ("Phoenix", "US", 33.4484, -112.0740, "America/Phoenix", 0.95, 1.0),
    ("Minneapolis", "US", 44.9778, -93.2650, "America/Chicago", 1.00, 1.0),
    ("Toronto", "CA", 43.6532, -79.3832, "America/Toronto", 0.85, 2.0),
    ("Vancouver", "CA", 49.2827, -123.1207, "America/Vancouver", 0.85, 1.0),
    ("Montreal", "CA", 45.5017, -73.5673, "America/Toronto", 0.75, 1.0),
    ("Mexico City", "MX", 19.4326, -99.1332, "America/Mexico_City", 0.30, 1.0),
    ("Sao Paulo", "BR", -23.5505, -46.6333, "America/Sao_Paulo", 0.30, 1.0),
    ("Buenos Aires", "AR", -34.6037, -58.3816, "America/Argentina/Buenos_Aires", 0.25, 0.7),
    ("Bogota", "CO", 4.7110, -74.0721, "America/Bogota", 0.25, 0.7),
    ("Santiago", "CL", -33.4489, -70.6693, "America/Santiago", 0.35, 0.5),
    ("London", "GB", 51.5074, -0.1278, "Europe/London", 0.90, 3.0),
    ("Manchester", "GB", 53.4808, -2.2426, "Europe/London", 0.70, 0.7),
    ("Dublin", "IE", 53.3498, -6.2603, "Europe/Dublin", 0.85, 1.5),
    ("Berlin", "DE", 52.5200, 13.4050, "Europe/Berlin", 0.75, 2.5),
    ("Munich", "DE", 48.1351, 11.5820, "Europe/Berlin", 0.85, 1.5),
    ("Hamburg", "DE", 53.5511, 9.9937, "Europe/Berlin", 0.75, 1.0),
    ("Amsterdam", "NL", 52.3676, 4.9041, "Europe/Amsterdam", 0.85, 2.0),
    ("Brussels", "BE", 50.8503, 4.3517, "Europe/Brussels", 0.75, 0.7),
    ("Paris", "FR", 48.8566, 2.3522, "Europe/Paris", 0.75, 2.0),
    ("Zurich", "CH", 47.3769, 8.5417, "Europe/Zurich", 1.30, 1.0),
    ("Vienna", "AT", 48.2082, 16.3738, "Europe/Vienna", 0.70, 0.7),
    ("Stockholm", "SE", 59.3293, 18.0686, "Europe/Stockholm", 0.75, 1.0),
    ("Copenhagen", "DK", 55.6761, 12.5683, "Europe/Copenhagen", 0.85, 0.7),
    ("Oslo", "NO", 59.9139, 10.7522, "Europe/Oslo", 0.85, 0.5),
    ("Helsinki", "FI", 60.1699, 24.9384, "Europe/Helsinki", 0.70, 0.5),
    ("Tallinn", "EE", 59.4370, 24.7536, "Europe/Tallinn", 0.50, 0.5),
    ("Warsaw", "PL", 52.2297, 21.0122, "Europe/Warsaw", 0.45, 1.5),
    ("Prague", "CZ", 50.0755, 14.4378, "Europe/Prague", 0.45, 1.0),
    ("Bucharest", "RO", 44.4268, 26.1025, "Europe/Bucharest", 0.35, 0.7),
    ("Kyiv", "UA", 50.4501, 30.5234, "Europe/Kyiv", 0.30, 0.7),
    ("Madrid", "ES", 40.4168, -3.7038, "Europe/Madrid", 0.55, 1.5),
    ("Barcelona", "ES", 41.3874, 2.1686, "Europe/Madrid", 0.55, 1.5),
    ("Lisbon", "PT", 38.7223, -9.1393, "Europe/Lisbon", 0.45, 1.5),
    ("Milan", "IT", 45.4642, 9.1900, "Europe/Rome", 0.60, 1.0),
    ("Istanbul", "TR", 41.0082, 28.9784, "Europe/Istanbul", 0.30, 0.7),
    ("Tel Aviv", "IL", 32.0853, 34.7818, "Asia/Jerusalem", 0.90, 1.0),
    ("Dubai", "AE", 25.2048, 55.2708, "Asia/Dubai", 0.80, 1.0),
    ("Cairo", "EG", 30.0444, 31.2357, "Africa/Cairo", 0.15, 0.5),
    ("Lagos", "NG", 6.5244, 3.3792, "Africa/Lagos", 0.20, 0.7),
    ("Nairobi", "KE", -1.2921, 36.8219, "Africa/Nairobi", 0.20, 0.7),
    ("Cape Town", "ZA", -33.9249, 18.4241, "Africa/Johannesburg", 0.30, 0.7),
    ("Bangalore", "IN", 12.9716, 77.5946, "Asia/Kolkata", 0.25, 2.5),
    ("Hyderabad", "IN", 17.3850, 78.4867, "Asia/Kolkata", 0.22, 1.5),
    ("Mumbai", "IN", 19.0760, 72.8777, "Asia/Kolkata", 0.25, 1.0),
    ("Singapore", "SG", 1.3521, 103.8198, "Asia/Singapore", 0.85, 1.5),
    ("Kuala Lumpur", "MY", 3.1390, 101.6869, "Asia/Kuala_Lumpur", 0.30, 0.7),
    ("Jakarta", "ID", -6.2088, 106.8456, "Asia/Jakarta", 0.20, 0.7),
    ("Manila", "PH", 14.5995, 120.9842, "Asia/Manila", 0.20, 0.7),
    ("Ho Chi Minh City", "VN", 10.8231, 106.6297, "Asia/Ho_Chi_Minh", 0.20, 0.7),
    ("Hong Kong", "HK", 22.3193, 114.1694, "Asia/Hong_Kong", 0.80, 0.7),
    ("Shanghai", "CN", 31.2304, 121.4737, "Asia/Shanghai", 0.50, 1.0),
    ("Seoul", "KR", 37.5665, 126.9780, "Asia/Seoul", 0.60, 1.0),
    ("Tokyo", "JP", 35.6762, 139.6503, "Asia/Tokyo", 0.65, 1.5),
    ("Sydney", "AU", -33.8688, 151.2093, "Australia/Sydney", 0.85, 1.5),
    ("Melbourne", "AU", -37.8136, 144.9631, "Australia/Melbourne", 0.80, 1.0),
    ("Auckland", "NZ", -36.8485, 174.7633, "Pacific/Auckland", 0.70, 0.5),
]


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _singular(word: str) -> str:
    for plural, singular in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch")):
        if word.endswith(plural):
            return word[: -len(plural)] + singular
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def clean_title(title: str) -> str:
    """'Accountants and Auditors' -> 'Accountant and Auditor' (one posting, one person)."""
    title = title.split(",")[0].strip()
    parts = []
    for part in title.split(" and "):
        words = part.split(" ")
        words[-1] = _singular(words[-1])
        parts.append(" ".join(words))
    return " and ".join(parts)


def usable_title(title: str) -> bool:
    return (
        6 <= len(title) <= 40
        and " " in title
        and not re.search(r"[(),/;]", title)
        and title[0].isupper()
    )


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def utc_offset_hours(zone: str) -> float:
    offset = datetime(2025, 1, 15, 12, tzinfo=ZoneInfo(zone)).utcoffset()
    assert offset is not None
    return offset.total_seconds() / 3600


def build(onet: Path) -> dict[str, object]:
    occupations = {r["O*NET-SOC Code"]: r for r in read_tsv(onet / "occupation_data.tsv")}
    zones = {r["O*NET-SOC Code"]: int(r["Job Zone"]) for r in read_tsv(onet / "job_zones.tsv")}
    tech: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in read_tsv(onet / "technology_skills.tsv"):
        tech[row["O*NET-SOC Code"]].append(row)
    tasks: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in read_tsv(onet / "task_statements.tsv"):
        tasks[row["O*NET-SOC Code"]].append(row)
    # Titles incumbents report (shown-in-My-Next-Move first), then O*NET's alternate titles.
    reported: dict[str, list[str]] = defaultdict(list)
    for row in sorted(
        read_tsv(onet / "sample_reported_titles.tsv"),
        key=lambda r: r["Shown in My Next Move"] != "Y",
    ):
        reported[row["O*NET-SOC Code"]].append(re.sub(r"\s*\(.*?\)", "", row["Reported Job Title"]))
    alternates: dict[str, list[str]] = defaultdict(list)
    for row in read_tsv(onet / "alternate_titles.tsv"):
        alternates[row["O*NET-SOC Code"]].append(row["Alternate Title"])

    global_count = Counter(r["Example"] for rows in tech.values() for r in rows)
    chosen: list[str] = []
    for group, (_, cap, _, _) in GROUPS.items():
        candidates = [
            code
            for code in occupations
            if code.startswith(group + "-")
            and len(tech[code]) >= 15
            and code in zones
            and sum(1 for t in tasks[code] if t["Task Type"] == "Core") >= 4
        ]
        candidates.sort(
            key=lambda c: (-sum(r["Hot Technology"] == "Y" for r in tech[c]), -len(tech[c]), c)
        )
        chosen.extend(sorted(candidates[:cap]))

    group_count: dict[str, Counter[str]] = defaultdict(Counter)
    for code in chosen:
        for row in tech[code]:
            group_count[code[:2]][row["Example"]] += 1

    skills: dict[str, tuple[str, bool]] = {}
    occ_out: list[dict[str, Any]] = []
    for code in chosen:
        group = code[:2]

        def rank(row: dict[str, str], group: str = group) -> tuple[float, str]:
            # Hot / in-demand tools first, but weighted by how specific they are: a tool that
            # nearly every occupation lists (spreadsheets, e-mail) says little about this one.
            name = row["Example"]
            idf = math.log(len(tech) / global_count[name])
            in_group = group_count[group][name] / GROUPS[group][1]
            score = (1.0 + (row["Hot Technology"] == "Y") + (row["In Demand"] == "Y")) * idf
            return (-(score * (1.0 + in_group)), name)

        rows = sorted({r["Example"]: r for r in tech[code]}.values(), key=rank)
        hot_rows = [r for r in rows if r["Hot Technology"] == "Y" or r["In Demand"] == "Y"]
        # Niche tools fill up when few hot ones exist; ones several occupations share first,
        # so the list reads like postings rather than a catalogue of one-off products.
        niche = sorted(
            (r for r in rows if r not in hot_rows), key=lambda r: global_count[r["Example"]] < 3
        )
        picked = hot_rows[:HOT_PER_OCCUPATION]
        picked += niche[: SKILLS_PER_OCCUPATION - len(picked)]
        for row in picked:
            name = row["Example"].strip()
            hot = row["Hot Technology"] == "Y"
            old = skills.get(name)
            skills[name] = (old[0] if old else row["Commodity Title"], hot or bool(old and old[1]))
        core = [t for t in tasks[code] if t["Task Type"] == "Core"]
        core.sort(key=lambda t: (-_number(t["Incumbents Responding"]), int(t["Task ID"])))
        fallback = sorted(
            (a for a in alternates[code] if usable_title(a)), key=lambda t: (len(t), t)
        )
        titles = [t for t in reported[code] if usable_title(t)] + fallback
        titles = list(dict.fromkeys(titles))[:TITLES_PER_OCCUPATION]
        zone = zones[code]
        _, _, weight, factor = GROUPS[group]
        occ_out.append(
            {
                "code": code,
                "title": clean_title(occupations[code]["Title"]),
                "group": group,
                "alt_titles": titles,
                "job_zone": zone,
                "weight": weight,
                "base_salary": int(round(ZONE_BASE_SALARY[zone] * factor, -3)),
                "skills": [r["Example"].strip() for r in picked],
                "tasks": [t["Task"].strip() for t in core[:TASKS_PER_OCCUPATION]],
            }
        )

    skill_names = sorted(skills)
    index = {name: i for i, name in enumerate(skill_names)}
    for occ in occ_out:
        occ["skills"] = [index[name] for name in occ["skills"]]
    return {
        "source": "O*NET 29.2 Database (February 2025)",
        "attribution": ATTRIBUTION,
        "groups": {
            g: {"label": v[0], "industries": GROUP_INDUSTRIES[g]} for g, v in GROUPS.items()
        },
        "skills": [{"name": n, "category": skills[n][0], "hot": skills[n][1]} for n in skill_names],
        "occupations": occ_out,
        "cities": [
            {
                "name": name,
                "country": country,
                "lat": lat,
                "lon": lon,
                "timezone": zone,
                "utc_offset": utc_offset_hours(zone),
                "salary_multiplier": mult,
                "weight": weight,
            }
            for name, country, lat, lon, zone, mult, weight in CITIES
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onet", type=Path, default=DEFAULT_ONET)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    vocab = build(args.onet)
    payload = json.dumps(vocab, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the gzip bytes identical across runs.
    args.out.write_bytes(gzip.compress(payload.encode(), compresslevel=9, mtime=0))
    occupations = vocab["occupations"]
    assert isinstance(occupations, list)
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB): "
        f"{len(occupations)} occupations, {len(vocab['skills'])} skills, "  # type: ignore[arg-type]
        f"{len(CITIES)} cities"
    )


if __name__ == "__main__":
    main()
