"""Identity's copies of school years and classes follow edits made in students (issue 4, structure):
SchoolYearUpdated moves the year's dates, ClassUpdated renames the class; replays change nothing."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from school.students.v1 import events_pb2 as students_events
from school.students.v1 import students_pb2
from school_identity.adapters.repositories import SqlAlchemyClassRepository, SqlAlchemySchoolYearRepository
from school_identity.adapters.tables import inbox
from school_identity.events.inbound import CONSUMER_GROUP, HANDLERS
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.events.consumer import remember_event

from .conftest import SCHOOL_ID, Identity

pytestmark = pytest.mark.integration

YEAR_ID = "9a1b0000-0000-4000-8000-00000000aaaa"
CLASS_ID = "9a1b0000-0000-4000-8000-00000000bbbb"


def deliver(identity: Identity, message: Any, event_id: str) -> None:
    event = CloudEvent(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, event_id)),
        source=f"/schools/{SCHOOL_ID}/students",
        type=message.DESCRIPTOR.full_name,
        data=message.SerializeToString(),
    )
    with Session(identity.container.engine) as session, session.begin():
        if remember_event(session, inbox, CONSUMER_GROUP, event):
            HANDLERS[event.type](session, event)


def year(end: str) -> students_pb2.SchoolYear:
    return students_pb2.SchoolYear(
        school_year_id=YEAR_ID, name="2025-2026", start_date="2025-09-05", end_date=end, version=1
    )


def school_class(name: str) -> students_pb2.SchoolClass:
    return students_pb2.SchoolClass(
        class_id=CLASS_ID, school_year_id=YEAR_ID, name=name, grade_level=3, max_size=35, room="P.1"
    )


def test_edits_in_students_update_identitys_copies(identity: Identity) -> None:
    deliver(identity, students_events.SchoolYearCreated(school_year=year("2026-05-31"), school_id=SCHOOL_ID), "y1")
    deliver(identity, students_events.ClassCreated(school_class=school_class("3A"), school_id=SCHOOL_ID), "c1")
    edited_year = students_events.SchoolYearUpdated(school_year=year("2026-05-29"), school_id=SCHOOL_ID)
    deliver(identity, edited_year, "y2")
    renamed = students_events.ClassUpdated(
        school_class=school_class("3A1"), school_id=SCHOOL_ID, previous_name="3A", school_year_name="2025-2026"
    )
    deliver(identity, renamed, "c2")
    deliver(identity, renamed, "c2")  # a redelivery is recognised by the inbox
    with Session(identity.container.engine) as session:
        stored_year = SqlAlchemySchoolYearRepository(session).get(YEAR_ID)
        stored_class = SqlAlchemyClassRepository(session).get(CLASS_ID)
    assert stored_year is not None
    assert stored_class is not None
    assert (stored_year.name, stored_year.end_date) == ("2025-2026", date(2026, 5, 29))
    assert (stored_class.name, stored_class.grade_level) == ("3A1", 3)
