"""Applies one students event to the roster and logs it, safely re-runnable for the same event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from school_grades.app.ports import RosterRepository
from school_grades.domain.roster import (
    Placement,
    RosterEntry,
    StudentFacts,
    apply_details_change,
    apply_enrolment,
)
from school_grades.domain.roster_movements import apply_departure

Change = Callable[[RosterEntry | None], RosterEntry]


def _project(
    repo: RosterRepository,
    *,
    event_id: str,
    event_type: str,
    student_id: str,
    seq: int | None,
    now: datetime,
    change: Change,
) -> bool:
    # The consumer's inbox already drops redeliveries; checking the change log as well keeps the
    # handler idempotent on its own (a replay tool or a test may call it twice).
    if repo.change_applied(event_id):
        return False
    current = repo.get(student_id, for_update=True)
    updated = change(current)
    if updated != current:
        repo.save(updated)
    repo.log_change(event_id, student_id, event_type, seq, now)
    return True


def project_enrolment(
    repo: RosterRepository,
    *,
    event_id: str,
    event_type: str,
    facts: StudentFacts,
    placement: Placement,
    seq: int | None,
    now: datetime,
) -> bool:
    """Apply a StudentEnrolled event; False when this event id was applied before."""
    return _project(
        repo,
        event_id=event_id,
        event_type=event_type,
        student_id=facts.student_id,
        seq=seq,
        now=now,
        change=lambda current: apply_enrolment(current, facts, placement, seq, now),
    )


def project_details_change(
    repo: RosterRepository, *, event_id: str, event_type: str, facts: StudentFacts, seq: int | None, now: datetime
) -> bool:
    """Apply a StudentDetailsChanged event; False when this event id was applied before."""
    return _project(
        repo,
        event_id=event_id,
        event_type=event_type,
        student_id=facts.student_id,
        seq=seq,
        now=now,
        change=lambda current: apply_details_change(current, facts, seq, now),
    )


def project_departure(
    repo: RosterRepository,
    *,
    event_id: str,
    event_type: str,
    facts: StudentFacts,
    left_class: Placement,
    left_on: date,
    status: str,
    seq: int | None,
    now: datetime,
) -> bool:
    """Apply a transfer out or a dropout: the pupil is marked left, not deleted."""
    return _project(
        repo,
        event_id=event_id,
        event_type=event_type,
        student_id=facts.student_id,
        seq=seq,
        now=now,
        change=lambda current: apply_departure(current, facts, left_class, left_on, status, seq, now),
    )


def project_removal(repo: RosterRepository, *, event_id: str, event_type: str, student_id: str, now: datetime) -> bool:
    """Remove a pupil whose record was deleted or merged into another; False when applied before."""
    if repo.change_applied(event_id):
        return False
    if repo.get(student_id, for_update=True) is not None:
        repo.delete(student_id)
    repo.log_change(event_id, student_id, event_type, None, now)
    return True
