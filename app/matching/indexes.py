"""The life of one side's candidate index in a worker: build or open, catch up, merge.

- **Start**: with `matching_index_dir`, open the current snapshot memory-mapped (shared by
  every worker and replica) and apply what changed since it was written; without one, or
  when none exists yet, build from the database. Only one process builds a snapshot at a
  time (a database-wide lock); the others wait for it and open it.
- **Changes**: a change stamp is compared every `refresh_seconds`; when it moved, the changed
  rows are applied as a delta (`app.matching.delta`) in milliseconds, never a rebuild.
- **Merge**: when half the free room is used (background refresher) or a delta does not fit
  (any caller), the live rows are packed into a new index with fresh room; with snapshots it
  is written once and every other worker switches to it at its next check.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.locks import try_acquire
from app.logging import get_logger
from app.matching import snapshot
from app.matching.delta import catch_up, compacted, load_table, room_for, version_matrix
from app.matching.repository import change_stamp, row_versions, skill_names_by_id
from app.matching.retrieval import CandidateIndex, Side
from app.matching.rows import NoRoom
from app.ml.profiles import SkillVocab
from app.settings import get_settings

log = get_logger(__name__)

SNAPSHOT_WAIT_SECONDS = 900.0
SNAPSHOT_POLL_SECONDS = 0.5


def build_from_database(session: Session, side: Side, vocab: SkillVocab) -> CandidateIndex:
    """Every candidate of `side` read from the database into a fresh index with free room.
    The vocabulary first learns every skill in id order, so that every process numbers the
    skill columns alike (a snapshot written here opens elsewhere without translation)."""
    started = time.perf_counter()
    as_of = utcnow()
    stamp = change_stamp(session, side)
    for name in skill_names_by_id(session):
        vocab.code(name)
    table = load_table(session, side, vocab)
    versions = row_versions(session, side, model_id=get_settings().embedding_model_id)
    index = CandidateIndex.build(
        side,
        table,
        stamp,
        room=room_for(len(table)),
        versions=version_matrix(versions, table.ids),
        as_of=as_of,
    )
    log.info(
        "candidate_index_built",
        side=side,
        rows=len(table),
        seconds=round(time.perf_counter() - started, 3),
    )
    return index


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


class IndexHolder:
    """Builds, caches and refreshes the index of one side; safe to share across threads.

    Freshness: without a background refresher, `get` compares the change stamp at most every
    `refresh_seconds` (0 = on every call) and applies changes in the calling request. With
    one (`background = True`), `get` never queries stamps; the refresher calls `refresh` and
    swaps the new index in by reference, so requests only pay for the very first build.
    """

    def __init__(
        self,
        side: Side,
        vocab: SkillVocab,
        refresh_seconds: float,
        snapshot_dir: Path | None = None,
    ) -> None:
        self.side = side
        self.vocab = vocab
        self.refresh_seconds = refresh_seconds
        self.snapshot_dir = snapshot_dir
        self.background = False
        self._index: CandidateIndex | None = None
        self._stale = True
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._stale = True

    def peek(self) -> CandidateIndex | None:
        """The current index if it is built and not invalidated (no database access)."""
        return None if self._stale else self._index

    def refresh(self, session: Session, *, force: bool = False) -> CandidateIndex:
        """Bring the index up to date (a fresh build when forced or invalidated); return it."""
        with self._lock:
            index = self._index
            if index is None or self._stale or force:
                index = self._start(session, rebuild=force)
            else:
                newer = self._newer_snapshot(session, index)
                index = newer if newer is not None else index
                index = self._caught_up(session, index)
                if self.background and index.free < room_for(len(index)) // 2:
                    index = self._merged(session, index)
            self._index = index
            self._stale = False
            return index

    def fresh(self) -> CandidateIndex | None:
        """The index when it may be used without asking the database, else None."""
        index = self._index
        if index is None or self._stale:
            return None
        if self.background or time.monotonic() - index.checked_at < self.refresh_seconds:
            return index
        return None

    def get(self, session: Session) -> CandidateIndex:
        index = self.fresh()  # not `or`: an index without candidates is falsy (len 0)
        return index if index is not None else self.refresh(session)

    def _caught_up(self, session: Session, index: CandidateIndex) -> CandidateIndex:
        as_of = utcnow()
        stamp = change_stamp(session, self.side)
        if stamp == index.stamp:
            index.checked_at = time.monotonic()
            return index
        try:
            return catch_up(session, index, stamp, self.vocab, as_of)
        except NoRoom as exc:
            log.info("candidate_index_full", side=self.side, what=str(exc))
            return self._start(session, rebuild=True)

    def _start(self, session: Session, *, rebuild: bool) -> CandidateIndex:
        """The index from the current snapshot (caught up), or built from the database (and
        written as the new snapshot when snapshots are on)."""
        if self.snapshot_dir is None:
            return build_from_database(session, self.side, self.vocab)
        if not rebuild and (opened := self._open(session)) is not None:
            return opened
        held = try_acquire(_engine(session), f"candidate_index_{self.side}")
        if held is None:
            return self._wait_for_snapshot(session)
        try:
            index = build_from_database(session, self.side, self.vocab)
            snapshot.write_snapshot(index, self.vocab, self.snapshot_dir)
        finally:
            held.release()
        opened = self._open(session)
        return opened if opened is not None else index

    def _open(self, session: Session) -> CandidateIndex | None:
        assert self.snapshot_dir is not None
        try:
            opened = snapshot.open_snapshot(self.snapshot_dir, self.side, self.vocab)
        except snapshot.SnapshotError as exc:
            log.error("candidate_index_snapshot_unusable", side=self.side, error=str(exc))
            return None
        if opened is None:
            return None
        try:
            as_of = utcnow()
            stamp = change_stamp(session, self.side)
            return catch_up(session, opened, stamp, self.vocab, as_of)
        except NoRoom:
            return None

    def _wait_for_snapshot(self, session: Session) -> CandidateIndex:
        """Another process is writing the snapshot: open it when it is there (rather than
        build the same index a second time), or build privately after a long wait."""
        assert self.snapshot_dir is not None
        before = snapshot.current_version(self.snapshot_dir, self.side)
        deadline = time.monotonic() + SNAPSHOT_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(SNAPSHOT_POLL_SECONDS)
            now = snapshot.current_version(self.snapshot_dir, self.side)
            if now is not None and now != before:
                opened = self._open(session)
                if opened is not None:
                    return opened
        log.warning("candidate_index_snapshot_wait_expired", side=self.side)
        return build_from_database(session, self.side, self.vocab)

    def _newer_snapshot(self, session: Session, index: CandidateIndex) -> CandidateIndex | None:
        """Another process's merge, when one is newer than what this index was opened from."""
        if self.snapshot_dir is None:
            return None
        current = snapshot.current_version(self.snapshot_dir, self.side)
        if current is None or (index.snapshot is not None and current <= index.snapshot):
            return None
        return self._open(session)

    def _merged(self, session: Session, index: CandidateIndex) -> CandidateIndex:
        """The deltas packed into a new index with fresh room (and written as the new
        snapshot): off the request path, in the background refresher."""
        started = time.perf_counter()
        merged = compacted(index, room_for(len(index)))
        if self.snapshot_dir is not None:
            held = try_acquire(_engine(session), f"candidate_index_{self.side}")
            if held is not None:
                try:
                    snapshot.write_snapshot(merged, self.vocab, self.snapshot_dir)
                finally:
                    held.release()
                opened = self._open(session)
                merged = opened if opened is not None else merged
        log.info(
            "candidate_index_merged",
            side=self.side,
            rows=len(merged),
            seconds=round(time.perf_counter() - started, 3),
        )
        return merged
