"""Incremental candidate indexes: the rows changed since an index was built, applied as a delta.

A changed candidate (by `updated_at`, or by a newer stored embedding) gets its old row marked
dead and its new version written into the index's free room (`app.matching.rows`); a closed
job or a deleted talent only loses its row. The result is a new `CandidateIndex` object that
shares every array with the old one, so requests holding the old index keep a consistent view
while the refresher swaps the new one in. When the room runs out (or half of it is used and
the refresher has time), `compacted` packs the live rows into a fresh index with new room:
the merge, done off the request path and, with snapshots, written once for every worker.

Which rows changed is asked from a margin (`OVERLAP`) before the moment the index last read
the database, because a transaction that started earlier can commit later with an older
`updated_at`; rows whose versions the index already holds are skipped, so the margin costs a
query, not room.
A count that still disagrees with the database afterwards (a hard delete, or a write older
than the margin) is settled by comparing ids. Writers that change a candidate's skills touch
its `updated_at` (`app.enrichment.repository.add_skill_links`); skill links that change with
no row to point at raise `UntracedChange`, and the caller rebuilds.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from app.logging import get_logger
from app.matching.prefilter import CategoricalCodes
from app.matching.repository import (
    RowVersion,
    candidate_count,
    candidate_ids,
    link_count,
    row_versions,
)
from app.matching.retrieval import CandidateIndex
from app.matching.rows import NoRoom, row_slice, write_rows
from app.ml.features import SkillIndex
from app.ml.profiles import JobTable, SkillVocab, TalentTable
from app.ml.repository import load_job_table, load_talent_table
from app.settings import get_settings

log = get_logger(__name__)

OVERLAP = timedelta(seconds=30)
FloatArray = npt.NDArray[np.float64]


class UntracedChange(NoRoom):
    """A change that no row's versions point to (a writer that edited skill links without
    touching their owner): only a rebuild can take it in."""


def epoch(moment: datetime | None) -> float:
    """Seconds since 1970 (naive values are UTC, as SQLite returns them); -1 for None."""
    if moment is None:
        return -1.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def version_matrix(found: Sequence[RowVersion], ids: Sequence[Any]) -> FloatArray:
    """(len(ids), 2) versions in `ids` order (-1 where a row has none)."""
    by_id = {v.id: (epoch(v.updated_at), epoch(v.embedded_at)) for v in found}
    return np.asarray([by_id.get(i, (-1.0, -1.0)) for i in ids], dtype=np.float64).reshape(-1, 2)


def load_table(
    session: Session, side: str, vocab: SkillVocab, ids: Sequence[uuid.UUID] | None = None
) -> TalentTable | JobTable:
    """Candidates of one side as a table: every one, or those of `ids` that are candidates."""
    if side == "job":
        return load_job_table(session, vocab, ids, open_only=True)
    return load_talent_table(session, vocab, ids)


def apply_rows(
    index: CandidateIndex,
    new: TalentTable | JobTable,
    versions: FloatArray,
    removed: Sequence[Any],
    stamp: tuple[Any, ...],
) -> CandidateIndex:
    """The index with the rows of `removed` and of `new` marked dead and `new`'s rows
    appended (raises `NoRoom` when they do not fit). The arrays are written in place, in
    free rows only, so the old index object stays valid."""
    first, m = index.used, len(new)
    table = write_rows(index.table, new, first)
    rows = slice(first, first + m)
    fresh_skills = SkillIndex.of(new)
    index.skills.row_counts[rows] = fresh_skills.row_counts
    index.skills.row_required[rows] = fresh_skills.row_required
    index.reduced[rows] = new.embeddings @ index.projection
    index.versions[rows] = versions
    codes = _append_codes(index.codes, CategoricalCodes.of(new), first)
    tail = SkillIndex.of_matrix(
        row_slice(table.skills, index.base_rows, first + m), first_row=index.base_rows
    )
    live = index.live.copy()
    changes: dict[Any, int] = {}
    for cid in [*removed, *new.ids]:
        old = index.row_of.get(cid)
        if old is not None:
            live[old] = False
        changes[cid] = -1
    live[rows] = True
    changes.update({cid: first + i for i, cid in enumerate(new.ids)})
    return replace(
        index,
        table=table,
        skills=replace(index.skills, tail=tail),
        codes=codes,
        stamp=stamp,
        live=live,
        row_of=index.row_of.with_changes(changes),
        used=first + m,
        n_live=-1,
        checked_at=time.monotonic(),
    )


def _append_codes(codes: CategoricalCodes, new: CategoricalCodes, first: int) -> CategoricalCodes:
    """Write the new rows' codes at `first`; occupations the index has not seen join its
    table of distinct occupations (a copy: it is small)."""
    m = len(new.combined)
    codes.combined[first : first + m] = new.combined
    known = {col: i for i, col in enumerate(map(tuple, codes.occupations.T.tolist()))}
    extra: list[list[int]] = []
    position = np.empty(new.occupations.shape[1], dtype=np.intp)
    for j, col in enumerate(map(tuple, new.occupations.T.tolist())):
        if col not in known:
            known[col] = codes.occupations.shape[1] + len(extra)
            extra.append(list(col))
        position[j] = known[col]
    codes.occupation_id[first : first + m] = position[new.occupation_id]
    if not extra:
        return codes
    grown = np.concatenate([codes.occupations, np.asarray(extra, dtype=np.int32).T], axis=1)
    return replace(codes, occupations=np.ascontiguousarray(grown))


def compacted(index: CandidateIndex, room: int) -> CandidateIndex:
    """The live rows packed into a fresh in-memory index with `room` free rows (the merge)."""
    rows = np.flatnonzero(index.live)
    table = index.table.take(rows)
    return CandidateIndex.build(
        index.side,
        table,
        index.stamp,
        index.projection.shape[1],
        room=room,
        versions=index.versions[rows],
        as_of=index.as_of,
    )


def room_for(rows: int) -> int:
    """Free rows to give an index of `rows` candidates (settings: a share, and a floor)."""
    settings = get_settings()
    return max(int(rows * settings.matching_index_room), settings.matching_index_min_room)


def catch_up(
    session: Session,
    index: CandidateIndex,
    stamp: tuple[Any, ...],
    vocab: SkillVocab,
    as_of: datetime,
) -> CandidateIndex:
    """`index` with every change since it read the database applied (raises `NoRoom` if they
    do not fit): the rows written since then (less `OVERLAP`), then, if the count of
    candidates still disagrees, whatever comparing ids finds. `stamp` was read at `as_of`,
    and the result reflects the database as of then."""
    since = None if index.as_of is None else index.as_of - OVERLAP
    model_id = get_settings().embedding_model_id
    changed = row_versions(session, index.side, since=since, model_id=model_id)
    todo = [v for v in changed if _differs(index, v)]
    if not todo and link_count(stamp) != link_count(index.stamp):
        raise UntracedChange("skill links changed, but no candidate's updated_at moved")
    removed = [v.id for v in todo if not v.live]
    wanted = [v.id for v in todo if v.live]
    index = replace(_apply_ids(session, index, wanted, removed, stamp, vocab, todo), as_of=as_of)
    if len(index) != candidate_count(stamp):
        current = set(candidate_ids(session, index.side))
        held = {cid for cid, row in index.row_of.items() if index.live[row]}
        missing = sorted(current - held, key=str)
        extra = sorted(held - current, key=str)
        found = row_versions(session, index.side, model_id=model_id) if missing else []
        index = _apply_ids(session, index, missing, extra, stamp, vocab, found)
        log.info(
            "candidate_index_reconciled", side=index.side, added=len(missing), removed=len(extra)
        )
    return index


def _differs(index: CandidateIndex, version: RowVersion) -> bool:
    row = index.row_of.get(version.id)
    if row is None:
        return version.live
    held = index.versions[row]
    return not version.live or (
        held[0] != epoch(version.updated_at) or held[1] != epoch(version.embedded_at)
    )


def _apply_ids(
    session: Session,
    index: CandidateIndex,
    wanted: Sequence[uuid.UUID],
    removed: Sequence[uuid.UUID],
    stamp: tuple[Any, ...],
    vocab: SkillVocab,
    versions: Sequence[RowVersion],
) -> CandidateIndex:
    if not wanted and not removed:
        return replace(index, stamp=stamp, checked_at=time.monotonic())
    new = load_table(session, index.side, vocab, list(wanted))
    # Ids that were asked for but are no candidates any more (closed meanwhile) leave too.
    gone = [*removed, *(set(wanted) - set(new.ids))]
    started = time.perf_counter()
    result = apply_rows(index, new, version_matrix(versions, new.ids), gone, stamp)
    log.info(
        "candidate_index_delta",
        side=index.side,
        upserted=len(new),
        removed=len(gone),
        free=result.free,
        seconds=round(time.perf_counter() - started, 4),
    )
    return result
