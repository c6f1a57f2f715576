"""Years and classes from students' events: the grade book learns each class's grade level and year."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from school.students.v1 import events_pb2, students_pb2
from school_grades.adapters.structure_repository import SqlAlchemyStructureRepository
from school_grades.domain.roster import InvalidEventError
from school_grades.events.inbound import HANDLERS
from schoolkit.db import transaction
from schoolkit.events.cloudevents import CloudEvent

pytestmark = pytest.mark.integration

SCHOOL = "school-a"


def event(message: Any) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()), source="/students", type=message.DESCRIPTOR.full_name, data=message.SerializeToString()
    )


def apply(sessions: sessionmaker[Session], message: Any) -> None:
    e = event(message)
    with transaction(sessions) as session:
        HANDLERS[e.type](session, e)


def year(version: int, name: str = "2025-2026") -> students_pb2.SchoolYear:
    return students_pb2.SchoolYear(
        school_year_id="y1",
        name=name,
        start_date="2025-09-05",
        end_date="2026-05-31",
        semesters=[
            students_pb2.Semester(term=1, start_date="2025-09-05", end_date="2026-01-17"),
            students_pb2.Semester(term=2, start_date="2026-01-18", end_date="2026-05-31"),
        ],
        version=version,
    )


def school_class(version: int, name: str, grade: int = 3) -> students_pb2.SchoolClass:
    return students_pb2.SchoolClass(
        class_id="c1", school_year_id="y1", name=name, grade_level=grade, max_size=35, version=version
    )


def test_a_class_is_known_with_its_grade_and_year(sessions: sessionmaker[Session]) -> None:
    apply(sessions, events_pb2.SchoolYearCreated(school_year=year(1), school_id=SCHOOL))
    apply(sessions, events_pb2.ClassCreated(school_class=school_class(1, "3A"), school_id=SCHOOL))
    with transaction(sessions) as session:
        facts = SqlAlchemyStructureRepository(session).class_facts(SCHOOL, "c1")
        assert SqlAlchemyStructureRepository(session).class_facts("school-b", "c1") is None
    assert facts is not None
    assert (facts.name, facts.grade_level, facts.school_year_id) == ("3A", 3, "y1")
    assert facts.year is not None
    assert (facts.year.name, facts.year.starts_on, facts.year.hk1_ends_on) == (
        "2025-2026",
        date(2025, 9, 5),
        date(2026, 1, 17),
    )


def test_a_late_older_event_does_not_undo_a_newer_one(sessions: sessionmaker[Session]) -> None:
    apply(sessions, events_pb2.ClassUpdated(school_class=school_class(3, "3B"), school_id=SCHOOL))
    apply(sessions, events_pb2.ClassCreated(school_class=school_class(1, "3A"), school_id=SCHOOL))
    apply(sessions, events_pb2.SchoolYearUpdated(school_year=year(2, "2025-2026"), school_id=SCHOOL))
    with transaction(sessions) as session:
        repo = SqlAlchemyStructureRepository(session)
        facts = repo.class_facts(SCHOOL, "c1")
        classes = repo.classes_of_year(SCHOOL, "y1")
    assert facts is not None
    assert facts.name == "3B"
    assert [c.class_id for c in classes] == ["c1"]


@pytest.mark.parametrize("grade", [0, 6])
def test_a_class_outside_grades_1_to_5_is_poison(sessions: sessionmaker[Session], grade: int) -> None:
    with pytest.raises(InvalidEventError):
        apply(sessions, events_pb2.ClassCreated(school_class=school_class(1, "6A", grade), school_id=SCHOOL))
