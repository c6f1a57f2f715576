"""Handlers for the school-structure events of school.students.v1: grades keeps each year's name
and dates and each class's grade level (the grade book needs them; students stays the owner)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from school.students.v1 import events_pb2, students_pb2
from school_grades.adapters.structure_repository import SqlAlchemyStructureRepository
from school_grades.domain.roster import InvalidEventError
from school_grades.domain.structure import ClassFacts, YearFacts
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.logging import get_logger

log = get_logger(__name__)
Handler = Callable[[Session, CloudEvent], None]


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidEventError(f"{what}: {text!r} is not an ISO date") from None


def _year(school_id: str, year: students_pb2.SchoolYear) -> YearFacts:
    if not school_id or not year.school_year_id or not year.name:
        raise InvalidEventError("school year event without school, id or name")
    hk1 = next((s for s in year.semesters if s.term == 1), None)
    return YearFacts(
        school_year_id=year.school_year_id,
        school_id=school_id,
        name=year.name,
        starts_on=_day(year.start_date, "start_date"),
        ends_on=_day(year.end_date, "end_date"),
        hk1_ends_on=_day(hk1.end_date, "semester end") if hk1 and hk1.end_date else None,
        version=year.version,
    )


def _class(school_id: str, school_class: students_pb2.SchoolClass) -> ClassFacts:
    if not school_id or not school_class.class_id or not school_class.school_year_id:
        raise InvalidEventError("class event without school, id or year")
    if not 1 <= school_class.grade_level <= 5:
        raise InvalidEventError(f"class {school_class.class_id}: grade level {school_class.grade_level}")
    return ClassFacts(
        class_id=school_class.class_id,
        school_id=school_id,
        school_year_id=school_class.school_year_id,
        name=school_class.name,
        grade_level=school_class.grade_level,
        version=school_class.version,
    )


def handle_year(session: Session, event: CloudEvent) -> None:
    message_type = _YEAR_EVENTS[event.type]
    m = message_type.FromString(event.data)
    applied = SqlAlchemyStructureRepository(session).save_year(_year(m.school_id, m.school_year), datetime.now(UTC))
    log.debug("structure.year", event_id=event.id, applied=applied)


def handle_class(session: Session, event: CloudEvent) -> None:
    message_type = _CLASS_EVENTS[event.type]
    m = message_type.FromString(event.data)
    applied = SqlAlchemyStructureRepository(session).save_class(_class(m.school_id, m.school_class), datetime.now(UTC))
    log.debug("structure.class", event_id=event.id, applied=applied)


# Created and Updated carry the same fields; the newer version wins whichever arrives first.
_YEAR_EVENTS: Mapping[str, type[events_pb2.SchoolYearCreated] | type[events_pb2.SchoolYearUpdated]] = {
    events_pb2.SchoolYearCreated.DESCRIPTOR.full_name: events_pb2.SchoolYearCreated,
    events_pb2.SchoolYearUpdated.DESCRIPTOR.full_name: events_pb2.SchoolYearUpdated,
}
_CLASS_EVENTS: Mapping[str, type[events_pb2.ClassCreated] | type[events_pb2.ClassUpdated]] = {
    events_pb2.ClassCreated.DESCRIPTOR.full_name: events_pb2.ClassCreated,
    events_pb2.ClassUpdated.DESCRIPTOR.full_name: events_pb2.ClassUpdated,
}
STRUCTURE_HANDLERS: Mapping[str, Handler] = {
    **dict.fromkeys(_YEAR_EVENTS, handle_year),
    **dict.fromkeys(_CLASS_EVENTS, handle_class),
}
