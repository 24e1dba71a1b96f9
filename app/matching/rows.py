"""Row storage of a candidate index: free room to append rows in place, and the id -> row map.

An index's arrays are allocated (or, for a snapshot, written to disk) with free rows after the
candidates, so that a changed candidate is applied as a small delta: its old row is marked
dead and its new version is written into the next free row (`app.matching.delta`). Requests
that hold the index from before never look past the rows they were given, so the write is
invisible to them; a snapshot opened copy-on-write keeps every untouched page shared between
processes.

Per-entry arrays (the skill matrix's entries, a talent's preferred-industry keys) get room
too; a row's entries are appended after the last used entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, MutableSequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from app.ml.profiles import JobTable, SkillMatrix, TalentTable

IntArray = npt.NDArray[np.int64]

ID_FIELDS = ("ids", "company_ids")
ENTRY_FIELDS = ("skills", "preferred_industry_keys")
COLUMN_MAJOR_FIELDS = ("occupation",)
"""(levels, n) arrays: one row of the table is one column of the array."""
NO_KEY = np.iinfo(np.int64).max
"""Preferred-industry key of unused room: sorts after every real key, so lookups by
`searchsorted` never see it."""
ENTRY_ROOM_PER_ROW = 32
"""Skill entries reserved per free row (a profile lists ~10)."""


@dataclass(frozen=True, slots=True)
class Room:
    """How many rows (and entries) a table holds in all, and how many are in use."""

    capacity: int
    used: int

    @property
    def free(self) -> int:
        return self.capacity - self.used


def row_fields(table: TalentTable | JobTable) -> Iterator[tuple[str, npt.NDArray[Any]]]:
    """The per-row arrays of a table (everything but ids, entries and the vocabulary)."""
    for f in fields(table):
        value = getattr(table, f.name)
        if f.name not in ENTRY_FIELDS and isinstance(value, np.ndarray):
            yield f.name, value


def _pad(values: npt.NDArray[Any], extra: int, axis: int, fill: Any = 0) -> npt.NDArray[Any]:
    shape = list(values.shape)
    shape[axis] = extra
    return np.concatenate([values, np.full(shape, fill, dtype=values.dtype)], axis=axis)


def padded_skills(skills: SkillMatrix, rows: int) -> SkillMatrix:
    """The matrix with `rows` empty rows after its own and entry room for them."""
    entries = rows * ENTRY_ROOM_PER_ROW
    return replace(
        skills,
        indptr=_pad(skills.indptr, rows, 0, skills.indptr[-1]),
        indices=_pad(skills.indices, entries, 0),
        proficiency=_pad(skills.proficiency, entries, 0),
        years=_pad(skills.years, entries, 0),
        required=_pad(skills.required, entries, 0),
    )


def padded(table: TalentTable | JobTable, rows: int) -> TalentTable | JobTable:
    """A copy of `table` with `rows` free rows (zeros, no skills, no embedding) at its end."""
    changes: dict[str, Any] = {}
    for name, values in row_fields(table):
        changes[name] = _pad(values, rows, 1 if name in COLUMN_MAJOR_FIELDS else 0)
    for name in ID_FIELDS:
        if hasattr(table, name):
            changes[name] = list(getattr(table, name)) + [None] * rows
    changes["skills"] = padded_skills(table.skills, rows)
    if isinstance(table, TalentTable):
        keys = table.preferred_industry_keys
        changes["preferred_industry_keys"] = _pad(keys, rows * 4, 0, NO_KEY)
    return replace(table, **changes)


def write_rows(
    table: TalentTable | JobTable, new: TalentTable | JobTable, first: int
) -> TalentTable | JobTable:
    """Write the rows of `new` into the free rows of `table` starting at `first` (in place)
    and return the table as it must be seen from now on (its skill matrix knows the
    vocabulary's new width). Raises `NoRoom` when rows or entries do not fit."""
    m = len(new)
    capacity = len(table.ids)
    if first + m > capacity:
        raise NoRoom("rows")
    skills, fresh = table.skills, new.skills
    start = int(skills.indptr[first])
    stop = start + len(fresh.indices)
    if stop > len(skills.indices):
        raise NoRoom("skill entries")
    keys: IntArray | None = None
    if isinstance(table, TalentTable) and isinstance(new, TalentTable):
        keys = table.preferred_industry_keys
        stride = table.industry_key_stride
        key_start = int(np.searchsorted(keys, first * stride))
        key_stop = key_start + len(new.preferred_industry_keys)
        if key_stop > len(keys):
            raise NoRoom("preferred industries")
        # Keys of rows written here before but never published (an abandoned delta) would
        # pass for the new rows' own: clear the free part first.
        keys[key_start : int(np.searchsorted(keys, NO_KEY))] = NO_KEY
        row, code = np.divmod(new.preferred_industry_keys, stride)
        keys[key_start:key_stop] = (row + first) * stride + code
    for name, values in row_fields(table):
        if name in COLUMN_MAJOR_FIELDS:
            values[:, first : first + m] = getattr(new, name)
        else:
            values[first : first + m] = getattr(new, name)
    for name in ID_FIELDS:
        if hasattr(table, name):
            column: MutableSequence[Any] = getattr(table, name)
            for i, value in enumerate(getattr(new, name)):
                column[first + i] = value
    skills.indices[start:stop] = fresh.indices
    skills.proficiency[start:stop] = fresh.proficiency
    skills.years[start:stop] = fresh.years
    skills.required[start:stop] = fresh.required
    skills.indptr[first + 1 : first + m + 1] = start + fresh.indptr[1:]
    skills.indptr[first + m + 1 :] = stop
    width = max(skills.n_columns, fresh.n_columns)
    return replace(table, skills=replace(skills, n_columns=width))


def row_slice(skills: SkillMatrix, first: int, stop: int) -> SkillMatrix:
    """Rows [first, stop) of a skill matrix as a matrix of their own (views, no copy)."""
    lo, hi = int(skills.indptr[first]), int(skills.indptr[stop])
    return replace(
        skills,
        indptr=skills.indptr[first : stop + 1] - lo,
        indices=skills.indices[lo:hi],
        proficiency=skills.proficiency[lo:hi],
        years=skills.years[lo:hi],
        required=skills.required[lo:hi],
    )


class NoRoom(Exception):
    """A delta does not fit the index's free room: merge into a new index first."""


class IdColumn(MutableSequence[uuid.UUID | None]):
    """UUIDs stored as 32 hex bytes per row in one numpy array (memory-mapped from a
    snapshot), instead of a million Python objects per process; b"" is a free row."""

    def __init__(self, hex_ids: npt.NDArray[np.bytes_]) -> None:
        self.hex = hex_ids

    @staticmethod
    def encode(ids: list[Any]) -> npt.NDArray[np.bytes_]:
        hexes = [b"" if i is None else uuid.UUID(str(i)).hex.encode() for i in ids]
        return np.asarray(hexes, dtype="S32")

    def __len__(self) -> int:
        return len(self.hex)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        value = self.hex[i]
        return uuid.UUID(hex=value.decode()) if value else None

    def __setitem__(self, i: Any, value: Any) -> None:
        self.hex[i] = b"" if value is None else uuid.UUID(str(value)).hex.encode()

    def __delitem__(self, i: Any) -> None:
        raise TypeError("an id column has a fixed length")

    def insert(self, index: int, value: Any) -> None:
        raise TypeError("an id column has a fixed length")


class SortedIds(Mapping[Any, int]):
    """id -> row over a snapshot's sorted hex ids (binary search, memory-mapped)."""

    def __init__(self, sorted_hex: npt.NDArray[np.bytes_], rows: IntArray) -> None:
        self.sorted_hex = sorted_hex
        self.rows = rows

    def _find(self, key: Any) -> int:
        try:
            wanted = uuid.UUID(str(key)).hex.encode()
        except ValueError:
            return -1
        i = int(np.searchsorted(self.sorted_hex, wanted))
        if i < len(self.sorted_hex) and self.sorted_hex[i] == wanted:
            return int(self.rows[i])
        return -1

    def __getitem__(self, key: Any) -> int:
        row = self._find(key)
        if row < 0:
            raise KeyError(key)
        return row

    def __contains__(self, key: object) -> bool:
        return self._find(key) >= 0

    def __iter__(self) -> Iterator[Any]:
        return (uuid.UUID(hex=h.decode()) for h in self.sorted_hex)

    def __len__(self) -> int:
        return len(self.sorted_hex)


class RowLookup(Mapping[Any, int]):
    """Where each candidate's current row is: the rows the index was built with, overlaid by
    what deltas changed since (a new row, or -1 for a candidate that is gone)."""

    def __init__(self, base: Mapping[Any, int], changed: dict[Any, int] | None = None) -> None:
        self.base = base
        self.changed = changed or {}

    def with_changes(self, changes: Mapping[Any, int]) -> RowLookup:
        return RowLookup(self.base, {**self.changed, **changes})

    def __getitem__(self, key: Any) -> int:
        row = self.changed.get(key)
        if row is None:
            return self.base[key]
        if row < 0:
            raise KeyError(key)
        return row

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None

    def __iter__(self) -> Iterator[Any]:
        for key in self.base:
            if key not in self.changed:
                yield key
        yield from (key for key, row in self.changed.items() if row >= 0)

    def __len__(self) -> int:
        return sum(1 for _ in self)
