"""The stage machine on its own: the whole transition table, how a standing company decision
shows, and how the talent sees each stage."""

from __future__ import annotations

import itertools

import pytest

from app.applications.stages import (
    ALLOWED_MOVES,
    STATUS_FOR_TALENT,
    current_stage,
    is_allowed,
)
from app.core.enums import ApplicationStage, ApplicationStatus, Decision

S = ApplicationStage
ALLOWED = {
    (S.NEW, S.CONTACTED),
    (S.NEW, S.REJECTED),
    (S.CONTACTED, S.INTERVIEWING),
    (S.CONTACTED, S.REJECTED),
    (S.INTERVIEWING, S.HIRED),
    (S.INTERVIEWING, S.REJECTED),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)), ids=lambda s: str(s))
def test_transition_table(current: S, target: S) -> None:
    expected = current == target or (current, target) in ALLOWED
    assert is_allowed(current, target) is expected


def test_no_move_goes_back_and_final_stages_are_final() -> None:
    order = list(S)
    for current, targets in ALLOWED_MOVES.items():
        for target in targets:
            assert target == S.REJECTED or order.index(target) == order.index(current) + 1
    assert ALLOWED_MOVES[S.HIRED] == ALLOWED_MOVES[S.REJECTED] == frozenset()


@pytest.mark.parametrize(
    ("history", "decision", "expected"),
    [
        ([], None, S.NEW),
        ([S.CONTACTED], Decision.CONTACTED, S.CONTACTED),
        ([S.CONTACTED, S.INTERVIEWING], Decision.CONTACTED, S.INTERVIEWING),
        # Decided through /feedback: the inbox agrees with the match list.
        ([], Decision.CONTACTED, S.CONTACTED),
        ([], Decision.REJECTED, S.REJECTED),
        ([S.CONTACTED, S.INTERVIEWING], Decision.REJECTED, S.REJECTED),
        # A hire is final, whatever was sent afterwards.
        ([S.CONTACTED, S.INTERVIEWING, S.HIRED], Decision.REJECTED, S.HIRED),
        # The company undid its contact through /feedback: the recorded stage stands.
        ([S.CONTACTED], None, S.CONTACTED),
    ],
)
def test_current_stage(history: list[S], decision: Decision | None, expected: S) -> None:
    assert current_stage(history, decision) == expected


def test_every_stage_has_a_talent_facing_status() -> None:
    assert set(STATUS_FOR_TALENT) == set(S)
    assert STATUS_FOR_TALENT[S.REJECTED] == ApplicationStatus.NOT_SELECTED
    assert STATUS_FOR_TALENT[S.NEW] == ApplicationStatus.SUBMITTED
    assert set(STATUS_FOR_TALENT.values()) == set(ApplicationStatus)
