"""Employment date ranges: formats, clipping, and merging that never double counts."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.enrichment.dates import (
    covered_months,
    find_date_ranges,
    merge_intervals,
    month_index,
    total_years,
)

TODAY = date(2026, 6, 15)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LONG = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@pytest.mark.parametrize(
    ("text", "months", "current"),
    [
        ("Jan 2018 – Mar 2021", 39, False),
        ("2018 - 2021", 36, False),
        ("06/2019 - present", 7 * 12 + 1, True),
        ("March 2015 to June 2017", 28, False),
        ("Jan. 2020 — Current", 6 * 12 + 6, True),
        ("(2018- 19)", 12, False),
        ("2019-06 to 2020-05", 12, False),
        ("since 2024", 24, True),  # mid-2024 to June 2026 inclusive
        ("between 2016 and 2020", 48, False),
        ("Sept 2010 - Now", (2026 - 2010) * 12 - 8 + 6, True),
    ],
)
def test_formats(text: str, months: int, current: bool) -> None:
    (found,) = find_date_ranges(f"Engineer, Acme {text} built things", TODAY)
    assert found.months == months
    assert found.current is current


@pytest.mark.parametrize(
    "text",
    [
        "2021 - 2018",  # ends before it starts
        "2030 - 2032",  # in the future
        "1900 - 1910",  # too early to be a career
        "Call 555-2018-2019",  # part of a number
        "ISBN 1999-2004x",
        "1960 - 2020",  # longer than a career
    ],
)
def test_implausible_ranges_are_dropped(text: str) -> None:
    assert find_date_ranges(text, TODAY) == []


def test_an_end_after_today_is_clipped() -> None:
    (found,) = find_date_ranges("Jan 2026 - Dec 2027", TODAY)
    assert found.end_month == month_index(TODAY) + 1


def test_two_digit_end_year_after_a_month_is_not_a_range() -> None:
    assert find_date_ranges("06/2019 - 20 people", TODAY) == []


@st.composite
def range_texts(draw: st.DrawFn) -> tuple[str, int]:
    """A rendered range and its start month index (as the parser reads it)."""
    year = draw(st.integers(1970, 2025))
    month = draw(st.integers(1, 12))
    style = draw(st.sampled_from(["short", "long", "numeric", "year"]))
    end_year = draw(st.integers(year, 2026))
    end_month = draw(st.integers(1, 12))
    end = draw(st.sampled_from(["date", "Present", "current"]))

    def render(y: int, m: int) -> str:
        if style == "short":
            return f"{MONTHS[m - 1]} {y}"
        if style == "long":
            return f"{LONG[m - 1]} {y}"
        if style == "numeric":
            return f"{m:02d}/{y}"
        return str(y)

    start_text = render(year, month)
    end_text = render(end_year, end_month) if end == "date" else end
    sep = draw(st.sampled_from([" - ", " – ", " to ", "-"]))
    start_index = year * 12 + (month - 1 if style != "year" else 6)
    return f"{start_text}{sep}{end_text}", start_index


@settings(max_examples=150, deadline=None)
@given(st.lists(range_texts(), min_size=1, max_size=6))
def test_total_years_is_bounded_by_the_span_to_today(items: list[tuple[str, int]]) -> None:
    text = "\n".join(f"Role {i}, Company ({t})" for i, (t, _) in enumerate(items))
    ranges = find_date_ranges(text, TODAY)
    years = total_years(ranges)
    assert years >= 0
    if ranges:
        earliest = min(r.start_month for r in ranges)
        span_years = (month_index(TODAY) + 1 - earliest) / 12
        assert years <= span_years + 0.005  # total_years rounds to 0.01
        assert all(r.end_month <= month_index(TODAY) + 1 for r in ranges)


@settings(max_examples=100, deadline=None)
@given(range_texts())
def test_a_repeated_range_counts_once(item: tuple[str, int]) -> None:
    text, _ = item
    once = find_date_ranges(f"Engineer ({text})", TODAY)
    twice = find_date_ranges(f"Engineer ({text})\nEngineer again ({text})", TODAY)
    assert len(twice) == 2 * len(once)
    assert total_years(twice) == total_years(once)


intervals = st.lists(
    st.tuples(st.integers(0, 600), st.integers(1, 120)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=10,
)


@given(intervals)
def test_merging_is_a_disjoint_cover_never_longer_than_the_sum(
    items: list[tuple[int, int]],
) -> None:
    merged = merge_intervals(items)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(merged))
    total = sum(hi - lo for lo, hi in merged)
    assert total <= sum(hi - lo for lo, hi in items)
    assert total >= max((hi - lo for lo, hi in items), default=0)
    covered = {m for lo, hi in items for m in range(lo, hi)}
    assert total == len(covered)
    assert merge_intervals(reversed(items)) == merged


def test_overlapping_jobs_are_one_period() -> None:
    text = "Engineer, A (Jan 2018 - Dec 2019)\nConsultant, B (Jan 2019 - Dec 2020)"
    ranges = find_date_ranges(text, TODAY)
    assert [r.months for r in ranges] == [24, 24]
    assert covered_months(ranges) == 36
    assert total_years(ranges) == 3.0
