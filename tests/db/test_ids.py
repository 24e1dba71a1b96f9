from __future__ import annotations

import time
import uuid

from app.db.base import uuid7


def test_uuid7_is_version_7_with_the_current_millisecond():
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert before <= value.int >> 80 <= after


def test_uuid7_keys_sort_by_creation_time():
    """Keys made in a later millisecond sort later (as hex too, as SQLite stores them)."""
    keys = []
    for _ in range(5):
        keys.append(uuid7())
        time.sleep(0.002)
    assert keys == sorted(keys)
    assert [k.hex for k in keys] == sorted(k.hex for k in keys)


def test_uuid7_values_are_unique_within_a_millisecond():
    values = {uuid7() for _ in range(5000)}
    assert len(values) == 5000
