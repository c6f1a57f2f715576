"""Applies one students event to the roster and logs it, safely re-runnable for the same event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from school_grades.app.ports import RosterRepository
from school_grades.domain.roster import (
    Placement,
    RosterEntry,
    StudentFacts,
    apply_details_change,
    apply_enrolment,
)

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
