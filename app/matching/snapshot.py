"""Candidate index snapshots: written once, opened memory-mapped by every worker and replica.

A snapshot is a directory `<matching_index_dir>/<side>/<version>/` of `.npy` files (every
array of a `CandidateIndex`, its free room included) and a `manifest.json` with the change
stamp it reflects, the names behind every interned code, and each file's sha256. `CURRENT`
in the side's directory names the newest complete one (written last, by rename), so a reader
never sees half a snapshot.

Workers open the arrays copy-on-write (`mmap_mode="c"`): pages they only read stay shared in
the page cache across processes, so a second worker costs the pages a delta writes, not a
second copy. Codes that depend on the order in which a process first met a value (skill
columns, industries, occupations, currencies) are re-aligned on open: the skill vocabulary of
the opening state must agree with the snapshot's (a fresh state adopts it), and the small
interned columns are translated when this process numbered them differently.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from app.db.base import utcnow
from app.logging import get_logger
from app.matching.prefilter import CategoricalCodes
from app.matching.retrieval import CandidateIndex, Side
from app.matching.rows import NO_KEY, IdColumn, RowLookup, SortedIds, row_fields
from app.ml.features import SkillIndex
from app.ml.profiles import (
    CURRENCIES,
    INDUSTRIES,
    INDUSTRY_KEY_STRIDE,
    OCCUPATION_PREFIXES,
    Interner,
    JobTable,
    SkillMatrix,
    SkillVocab,
    TalentTable,
)

log = get_logger(__name__)

FORMAT = 1
KEEP_VERSIONS = 2
HASH_CHUNK = 1 << 24
SKILL_MATRIX_FIELDS = ("indptr", "indices", "proficiency", "years", "required")
SKILL_INDEX_FIELDS = ("col_ptr", "rows", "level", "required", "years", "row_counts", "row_required")
CODE_FIELDS = ("combined", "occupation_id", "occupations")
INTERNERS: dict[str, Interner] = {
    "industries": INDUSTRIES,
    "occupations": OCCUPATION_PREFIXES,
    "currencies": CURRENCIES,
}


class SnapshotError(Exception):
    """A snapshot that is incomplete, altered or of another format: rebuild instead."""


def _arrays(index: CandidateIndex) -> dict[str, npt.NDArray[Any]]:
    table = index.table
    arrays: dict[str, npt.NDArray[Any]] = {
        f"table.{name}": values for name, values in row_fields(table)
    }
    arrays["table.ids"] = IdColumn.encode(list(table.ids))
    if isinstance(table, JobTable):
        arrays["table.company_ids"] = IdColumn.encode(list(table.company_ids))
    else:
        arrays["table.preferred_industry_keys"] = table.preferred_industry_keys
    for name in SKILL_MATRIX_FIELDS:
        arrays[f"table.skills.{name}"] = getattr(table.skills, name)
    for name in SKILL_INDEX_FIELDS:
        arrays[f"skills.{name}"] = getattr(index.skills, name)
    for name in CODE_FIELDS:
        arrays[f"codes.{name}"] = getattr(index.codes, name)
    live = np.flatnonzero(index.live)
    hex_ids = arrays["table.ids"][live]
    order = np.argsort(hex_ids, kind="stable")
    arrays["lookup.sorted_ids"] = hex_ids[order]
    arrays["lookup.rows"] = live[order].astype(np.int64)
    arrays.update(
        projection=index.projection, reduced=index.reduced, live=index.live, versions=index.versions
    )
    return arrays


def _encode_stamp(stamp: tuple[Any, ...]) -> list[Any]:
    return [{"time": v.isoformat()} if isinstance(v, datetime) else v for v in stamp]


def _decode_stamp(values: list[Any]) -> tuple[Any, ...]:
    return tuple(datetime.fromisoformat(v["time"]) if isinstance(v, dict) else v for v in values)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def side_dir(root: Path, side: Side) -> Path:
    return root / side


def current_version(root: Path, side: Side) -> str | None:
    """The newest complete snapshot's version, or None (a cheap read: one small file)."""
    try:
        return (side_dir(root, side) / "CURRENT").read_text().strip() or None
    except FileNotFoundError:
        return None


def describe(root: Path, side: Side) -> dict[str, Any] | None:
    """The current snapshot's manifest (less names and checksums) and its size in bytes."""
    version = current_version(root, side)
    if version is None:
        return None
    directory = side_dir(root, side) / version
    manifest = json.loads((directory / "manifest.json").read_text())
    summary = {k: v for k, v in manifest.items() if k not in ("names", "files")}
    summary["bytes"] = sum(path.stat().st_size for path in directory.iterdir())
    return summary


def write_snapshot(index: CandidateIndex, vocab: SkillVocab, root: Path) -> str:
    """Write `index` (compact: no rows in a skill tail) as a new snapshot and make it
    current; returns its version."""
    if index.skills.tail is not None or index.base_rows != index.used:
        raise ValueError("compact the index before writing it as a snapshot")
    version = f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    base = side_dir(root, index.side)
    partial = base / f".{version}.partial"
    partial.mkdir(parents=True)
    files: dict[str, str] = {}
    for name, values in _arrays(index).items():
        path = partial / f"{name}.npy"
        np.save(path, np.ascontiguousarray(values), allow_pickle=False)
        files[name] = _sha256(path)
    table = index.table
    manifest = {
        "format": FORMAT,
        "side": index.side,
        "version": version,
        "created_at": utcnow().isoformat(),
        "stamp": _encode_stamp(index.stamp),
        "as_of": None if index.as_of is None else index.as_of.isoformat(),
        "rows": len(index),
        "capacity": len(index.live),
        "used": index.used,
        "skill_columns": table.skills.n_columns,
        "remote_values": index.codes.remote_values,
        "names": {
            "skills": [vocab.name(i) for i in range(len(vocab))],
            **{key: [i.name(c) for c in range(len(i))] for key, i in INTERNERS.items()},
        },
        "files": files,
    }
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=1))
    partial.rename(base / version)
    pointer = base / "CURRENT.partial"
    pointer.write_text(version)
    os.replace(pointer, base / "CURRENT")
    _prune(base, keep=version)
    log.info("candidate_index_snapshot_written", side=index.side, version=version, rows=len(index))
    return version


def _prune(base: Path, keep: str) -> None:
    """Drop all but the newest versions (a worker still mapping an old one keeps its pages:
    unlinking a mapped file leaves the mapping intact)."""
    versions = sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in versions[:-KEEP_VERSIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def open_snapshot(root: Path, side: Side, vocab: SkillVocab) -> CandidateIndex | None:
    """The current snapshot of `side`, memory-mapped and verified; None when there is none,
    or when its skill columns disagree with `vocab` (the caller builds from the database).
    Raises `SnapshotError` for a damaged one."""
    version = current_version(root, side)
    if version is None:
        return None
    directory = side_dir(root, side) / version
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"snapshot {directory} has no readable manifest: {exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("side") != side:
        raise SnapshotError(f"snapshot {directory} is not a format-{FORMAT} {side} snapshot")
    names = manifest["names"]
    if any(vocab.code(name) != i for i, name in enumerate(names["skills"])):
        log.warning("candidate_index_snapshot_vocab_mismatch", side=side, version=version)
        return None
    arrays = {}
    for name, expected in manifest["files"].items():
        path = directory / f"{name}.npy"
        if not path.exists() or _sha256(path) != expected:
            raise SnapshotError(f"snapshot file {path} is missing or does not match its sha256")
        arrays[name] = np.load(path, mmap_mode="c", allow_pickle=False)
    index = _assemble(side, manifest, arrays, vocab)
    log.info("candidate_index_snapshot_opened", side=side, version=version, rows=len(index))
    return index


def _translation(key: str, names: list[str]) -> npt.NDArray[np.int64] | None:
    """Snapshot code -> this process's code for one interner; None when they agree."""
    interner = INTERNERS[key]
    codes = np.asarray([interner.code(name) for name in names], dtype=np.int64)
    return None if np.array_equal(codes, np.arange(len(names))) else codes


def _translated(values: npt.NDArray[Any], codes: npt.NDArray[np.int64] | None) -> Any:
    if codes is None:
        return values
    return np.where(values >= 0, codes[np.maximum(values, 0)], -1).astype(values.dtype)


def _assemble(
    side: Side, manifest: dict[str, Any], arrays: dict[str, npt.NDArray[Any]], vocab: SkillVocab
) -> CandidateIndex:
    names = manifest["names"]
    industries = _translation("industries", names["industries"])
    occupations = _translation("occupations", names["occupations"])
    currencies = _translation("currencies", names["currencies"])
    cls: type[TalentTable] | type[JobTable] = JobTable if side == "job" else TalentTable
    values: dict[str, Any] = {
        f.name: arrays[f"table.{f.name}"] for f in fields(cls) if f"table.{f.name}" in arrays
    }
    values["ids"] = IdColumn(arrays["table.ids"])
    if side == "job":
        values["company_ids"] = IdColumn(arrays["table.company_ids"])
        values["industry"] = _translated(values["industry"], industries)
    else:
        values["preferred_industry_keys"] = _industry_keys(
            arrays["table.preferred_industry_keys"], industries
        )
    values["occupation"] = _translated(values["occupation"], occupations)
    values["currency"] = _translated(values["currency"], currencies)
    values["skills"] = SkillMatrix(
        **{name: arrays[f"table.skills.{name}"] for name in SKILL_MATRIX_FIELDS},
        n_columns=int(manifest["skill_columns"]),
    )
    values["vocab"] = vocab
    table = cls(**values)
    codes = CategoricalCodes(
        combined=arrays["codes.combined"],
        occupation_id=arrays["codes.occupation_id"],
        occupations=_translated(arrays["codes.occupations"], occupations),
        remote_values=int(manifest["remote_values"]),
    )
    skill_arrays: dict[str, Any] = {name: arrays[f"skills.{name}"] for name in SKILL_INDEX_FIELDS}
    return CandidateIndex(
        side=side,
        table=table,
        skills=SkillIndex(**skill_arrays),
        codes=codes,
        stamp=_decode_stamp(manifest["stamp"]),
        projection=arrays["projection"],
        reduced=arrays["reduced"],
        live=arrays["live"],
        versions=arrays["versions"],
        row_of=RowLookup(SortedIds(arrays["lookup.sorted_ids"], arrays["lookup.rows"])),
        used=int(manifest["used"]),
        base_rows=int(manifest["used"]),
        snapshot=manifest["version"],
        as_of=None if manifest["as_of"] is None else datetime.fromisoformat(manifest["as_of"]),
    )


def _industry_keys(keys: npt.NDArray[np.int64], codes: npt.NDArray[np.int64] | None) -> Any:
    """A talent's (row x stride + industry) keys in this process's industry codes, sorted."""
    if codes is None:
        return keys
    real = keys != NO_KEY
    row, code = np.divmod(keys[real], INDUSTRY_KEY_STRIDE)
    out = np.full_like(keys, NO_KEY)
    out[: int(real.sum())] = np.sort(row * INDUSTRY_KEY_STRIDE + codes[code])
    return out
