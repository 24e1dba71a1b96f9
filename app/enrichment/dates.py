"""Employment date ranges in free text, and the months they cover without double counting.

Résumés write the same thing many ways ("Jan 2018 – Mar 2021", "2018 - 2021", "06/2019 -
present", "March 2015 to June 2017", "2018- 19", "since 2020"). Each range becomes a half-open
interval of month indices (year * 12 + month - 1) so overlapping jobs can be merged before the
years are summed: two jobs held at the same time are one period of experience, not two.

Month precision is inclusive at both ends ("Jan 2018 – Mar 2021" is 39 months). A bare year
carries no month, so both ends sit mid-year: "2018 - 2021" is 36 months, the reading résumé
writers and the rjdb labels both use. "Present" is the month of `today`, which the caller
passes in so results are reproducible. Ranges that start in the future, end before they start
or last more than MAX_RANGE_YEARS are not employment and are dropped; ends after today are
clipped to today.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

MIN_YEAR = 1950
MAX_RANGE_YEARS = 50
_MID_YEAR = 6  # a bare year is read as its middle (July, month index 6)

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_YEAR = r"(?:19|20)\d\d"


def _date(tag: str) -> str:
    """One date, its parts in named groups suffixed by `tag` (s = start, e = end)."""
    return (
        rf"(?:(?P<mn{tag}>{_MONTH_NAME})\.?,?\s*(?P<mny{tag}>{_YEAR})"
        rf"|(?P<mm{tag}>0?[1-9]|1[0-2])\s*[/.]\s*(?P<mmy{tag}>{_YEAR})"
        rf"|(?P<iy{tag}>{_YEAR})-(?P<im{tag}>0[1-9]|1[0-2])(?!\d)"
        rf"|(?P<y{tag}>{_YEAR}))"
    )


_CURRENT = r"(?P<cur>present|current(?:ly)?|now|today|date|ongoing|till date)"
_SEP = r"\s*(?:-|–|—|~|\bto\b|\buntil\b|\btill\b|\bthrough\b|\bthru\b)\s*"
_RANGE = re.compile(
    rf"(?<![\w/.-]){_date('s')}{_SEP}"
    rf"(?:{_date('e')}|(?P<yy>\d\d)|{_CURRENT})(?![\w/])",
    re.IGNORECASE,
)
_BETWEEN = re.compile(rf"\bbetween\s+{_date('s')}\s+and\s+{_date('e')}(?![\w/])", re.IGNORECASE)
_SINCE = re.compile(rf"\bsince\s+{_date('s')}(?![\w/])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DateRange:
    """A span of months [start_month, end_month) found at text[start:end]."""

    start_month: int
    end_month: int
    start: int
    end: int
    text: str
    current: bool
    month_precision: bool

    @property
    def months(self) -> int:
        return self.end_month - self.start_month


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _point(match: re.Match[str], tag: str) -> tuple[int, bool] | None:
    """(month index, has a month) of one side of a range; None when that side is absent."""
    if match.group(f"mn{tag}"):
        month = _MONTHS[match.group(f"mn{tag}")[:3].lower()]
        return int(match.group(f"mny{tag}")) * 12 + month - 1, True
    if match.group(f"mm{tag}"):
        return int(match.group(f"mmy{tag}")) * 12 + int(match.group(f"mm{tag}")) - 1, True
    if match.group(f"iy{tag}"):
        return int(match.group(f"iy{tag}")) * 12 + int(match.group(f"im{tag}")) - 1, True
    if match.group(f"y{tag}"):
        return int(match.group(f"y{tag}")) * 12 + _MID_YEAR, False
    return None


def _make(
    match: re.Match[str], start: tuple[int, bool], end: tuple[int, bool] | None, today: date
) -> DateRange | None:
    now = month_index(today) + 1  # the current month counts
    first, start_precise = start
    if end is None:
        last, precise, current = now, start_precise, True
    else:
        # A month-precise end includes its month; a bare year already sits mid-year.
        last = end[0] + (1 if end[1] else 0)
        precise, current = start_precise and end[1], False
        if not start_precise and end[1]:
            first = first - _MID_YEAR  # "2018 - Mar 2021": read the year as from January
    if not start_precise and end is not None and not end[1] and last == first:
        last = first + 1  # "2019 - 2019": some part of one year, counted as a month
    first_year = first // 12
    last = min(last, now)
    if first_year < MIN_YEAR or first >= now or last <= first:
        return None
    if last - first > MAX_RANGE_YEARS * 12:
        return None
    return DateRange(first, last, match.start(), match.end(), match.group(0), current, precise)


def find_date_ranges(text: str, today: date) -> list[DateRange]:
    """Every plausible employment-like range in `text`, in text order."""
    found: list[DateRange] = []
    for match in _RANGE.finditer(text):
        start = _point(match, "s")
        if start is None:
            continue
        end: tuple[int, bool] | None
        if match.group("cur"):
            end = None
        elif match.group("yy"):
            if start[1]:
                continue  # "06/2019 - 20" is not a range
            century = (start[0] // 12) // 100 * 100
            year = century + int(match.group("yy"))
            end = (year * 12 + _MID_YEAR, False)
        else:
            end = _point(match, "e")
        made = _make(match, start, end, today)
        if made is not None:
            found.append(made)
    for match in _BETWEEN.finditer(text):
        start, end = _point(match, "s"), _point(match, "e")
        if start is not None and not any(r.start <= match.start() < r.end for r in found):
            made = _make(match, start, end, today)
            if made is not None:
                found.append(made)
    for match in _SINCE.finditer(text):
        start = _point(match, "s")
        if start is not None and not any(r.start <= match.start() < r.end for r in found):
            made = _make(match, start, None, today)
            if made is not None:
                found.append(made)
    found.sort(key=lambda r: r.start)
    return found


def merge_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of half-open intervals as disjoint, sorted intervals."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(i for i in intervals if i[1] > i[0]):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def covered_months(ranges: Sequence[DateRange]) -> int:
    return sum(hi - lo for lo, hi in merge_intervals((r.start_month, r.end_month) for r in ranges))


def total_years(ranges: Sequence[DateRange]) -> float:
    """Years covered by the union of the ranges (overlaps counted once), to 0.01."""
    return round(covered_months(ranges) / 12, 2)
