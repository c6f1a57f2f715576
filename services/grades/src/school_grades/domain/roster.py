"""The roster: who is in which class as the grade book sees it, merged from students' events.

Events for one student arrive in order on one partition, but a subscriber can still see them out
of order or late (replay after the broker lost data, a consumer group started from a later
offset). The merge rules below keep the newest details whatever the arrival order:

* each event may carry the outbox sequence number; an event older than the one already applied
  does not overwrite the student's details;
* class fields come only from StudentEnrolled (StudentDetailsChanged has no class name), so a
  details change for a student not yet known creates the entry with empty class fields, which
  the enrolment fills in whenever it arrives, even if its sequence number is older.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from school_grades.domain.names import normalise_name


class InvalidEventError(ValueError):
    """An event cannot be applied (missing ids, bad date, another school's student): dead-letter it."""


@dataclass(frozen=True)
class StudentFacts:
    """The student fields every students event carries."""

    student_id: str
    school_id: str
    student_code: str
    full_name: str
    date_of_birth: date


@dataclass(frozen=True)
class Placement:
    """The class a StudentEnrolled event puts the student in."""

    class_id: str
    class_name: str


@dataclass(frozen=True)
class RosterEntry:
    student_id: str
    school_id: str
    student_code: str
    full_name: str
    date_of_birth: date
    class_id: str | None
    class_name: str | None
    last_event_seq: int | None
    updated_at: datetime
    # Set when the pupil left the class (transfer out, dropout): kept for history, off the roster.
    left_on: date | None = None
    # The students status after leaving, e.g. CHUYEN_DI or BO_HOC.
    left_status: str | None = None


def check_facts(student_id: str, school_id: str, student_code: str, full_name: str, date_of_birth: str) -> StudentFacts:
    """Build the facts of an event, refusing one that lacks what the roster needs."""
    missing = [n for n, v in (("student_id", student_id), ("school_id", school_id), ("full_name", full_name)) if not v]
    if missing:
        raise InvalidEventError(f"event lacks {', '.join(missing)}")
    try:
        birth = date.fromisoformat(date_of_birth)
    except ValueError:
        raise InvalidEventError(f"date_of_birth {date_of_birth!r} is not an ISO date") from None
    return StudentFacts(student_id, school_id, student_code, normalise_name(full_name), birth)


def is_stale(current: RosterEntry | None, seq: int | None) -> bool:
    """True when ``seq`` is known to be older than (or the same as) what the entry already reflects."""
    return (
        current is not None and seq is not None and current.last_event_seq is not None and seq <= current.last_event_seq
    )


def _same_school(current: RosterEntry | None, facts: StudentFacts) -> None:
    if current is not None and current.school_id != facts.school_id:
        # Student ids are UUIDs; a clash across schools is a producer bug, never a move.
        raise InvalidEventError(f"student {facts.student_id} belongs to another school")


def _with_details(current: RosterEntry, facts: StudentFacts, seq: int | None, now: datetime) -> RosterEntry:
    return replace(
        current,
        student_code=facts.student_code,
        full_name=facts.full_name,
        date_of_birth=facts.date_of_birth,
        last_event_seq=seq if seq is not None else current.last_event_seq,
        updated_at=now,
    )


def apply_enrolment(
    current: RosterEntry | None, facts: StudentFacts, placement: Placement, seq: int | None, now: datetime
) -> RosterEntry:
    """The entry after a StudentEnrolled event."""
    _same_school(current, facts)
    if current is None:
        return RosterEntry(
            student_id=facts.student_id,
            school_id=facts.school_id,
            student_code=facts.student_code,
            full_name=facts.full_name,
            date_of_birth=facts.date_of_birth,
            class_id=placement.class_id,
            class_name=placement.class_name,
            last_event_seq=seq,
            updated_at=now,
        )
    if is_stale(current, seq):
        if current.class_id:
            return current
        # A newer details change got here first: take only the class from this older event.
        return replace(current, class_id=placement.class_id, class_name=placement.class_name, updated_at=now)
    entry = _with_details(current, facts, seq, now)
    return replace(entry, class_id=placement.class_id, class_name=placement.class_name, left_on=None, left_status=None)


def apply_details_change(
    current: RosterEntry | None, facts: StudentFacts, seq: int | None, now: datetime
) -> RosterEntry:
    """The entry after a StudentDetailsChanged event (class fields untouched)."""
    _same_school(current, facts)
    if current is None:
        return RosterEntry(
            student_id=facts.student_id,
            school_id=facts.school_id,
            student_code=facts.student_code,
            full_name=facts.full_name,
            date_of_birth=facts.date_of_birth,
            class_id=None,
            class_name=None,
            last_event_seq=seq,
            updated_at=now,
        )
    if is_stale(current, seq):
        return current
    return _with_details(current, facts, seq, now)
