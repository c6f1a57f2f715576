"""Roster rules for students' movement events: a pupil who leaves stays known, marked left.

Arrivals (transfer in, return, class change, roll-over) place the pupil like an enrolment does
(domain.roster.apply_enrolment, which also clears the left mark). Departures (transfer out,
dropout, withdrawal) keep the pupil's last class and details and set ``left_on``, so the class
roster no longer lists them while their grades stay attached for later.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from school_grades.domain.roster import InvalidEventError, Placement, RosterEntry, StudentFacts, is_stale


def read_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidEventError(f"effective_date {value!r} is not an ISO date") from None


def apply_departure(
    current: RosterEntry | None,
    facts: StudentFacts,
    left_class: Placement,
    left_on: date,
    status: str,
    seq: int | None,
    now: datetime,
) -> RosterEntry:
    """The entry after the pupil left ``left_class`` on ``left_on`` with status ``status``."""
    if current is not None and current.school_id != facts.school_id:
        raise InvalidEventError(f"student {facts.student_id} belongs to another school")
    if current is None:
        return RosterEntry(
            student_id=facts.student_id,
            school_id=facts.school_id,
            student_code=facts.student_code,
            full_name=facts.full_name,
            date_of_birth=facts.date_of_birth,
            class_id=left_class.class_id or None,
            class_name=left_class.class_name or None,
            last_event_seq=seq,
            updated_at=now,
            left_on=left_on,
            left_status=status,
        )
    if is_stale(current, seq):
        return current
    if current.class_id and left_class.class_id and current.class_id != left_class.class_id and seq is None:
        # Without sequence numbers, a departure from a class the pupil already left is old news.
        return current
    return replace(
        current,
        student_code=facts.student_code,
        full_name=facts.full_name,
        date_of_birth=facts.date_of_birth,
        class_id=left_class.class_id or current.class_id,
        class_name=left_class.class_name or current.class_name,
        last_event_seq=seq if seq is not None else current.last_event_seq,
        updated_at=now,
        left_on=left_on,
        left_status=status,
    )
