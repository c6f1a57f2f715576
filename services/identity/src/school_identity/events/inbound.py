"""Handlers for school.students.v1 events that keep identity's school-year and class copies.

Each is (Session, CloudEvent) → None. schoolkit's Consumer (group "identity.schoolyears") writes
the inbox row and calls the handler in one transaction, then commits the Kafka offset; an event
that cannot be decoded or applied goes to the dead-letter topic after bounded retries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from school.students.v1 import events_pb2
from school_identity.adapters.repositories import SqlAlchemyClassRepository, SqlAlchemySchoolYearRepository
from school_identity.app.projection import project_class, project_school_year
from school_identity.events.children_inbound import CHILD_HANDLERS
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.logging import get_logger

TOPIC = "school.students.v1"
CONSUMER_GROUP = "identity.schoolyears"
SCHOOL_YEAR_CREATED = events_pb2.SchoolYearCreated.DESCRIPTOR.full_name
CLASS_CREATED = events_pb2.ClassCreated.DESCRIPTOR.full_name
# Issue 4 (structure): edits keep the copies current (an upsert, like creation).
SCHOOL_YEAR_UPDATED = events_pb2.SchoolYearUpdated.DESCRIPTOR.full_name
CLASS_UPDATED = events_pb2.ClassUpdated.DESCRIPTOR.full_name

log = get_logger(__name__)
Handler = Callable[[Session, CloudEvent], None]


def _project_year(
    session: Session,
    event: CloudEvent,
    message: events_pb2.SchoolYearCreated | events_pb2.SchoolYearUpdated,
    log_event: str,
) -> None:
    """Upsert the copy of the school year a SchoolYearCreated or SchoolYearUpdated carries."""
    year = message.school_year
    project_school_year(
        SqlAlchemySchoolYearRepository(session),
        school_id=message.school_id,
        school_year_id=year.school_year_id,
        name=year.name,
        start_date=year.start_date,
        end_date=year.end_date,
    )
    log.info(log_event, event_id=event.id, school_year_id=year.school_year_id)


def _project_class(
    session: Session,
    event: CloudEvent,
    message: events_pb2.ClassCreated | events_pb2.ClassUpdated,
    log_event: str,
) -> None:
    """Upsert the copy of the class a ClassCreated or ClassUpdated carries."""
    cls = message.school_class
    project_class(
        SqlAlchemyClassRepository(session),
        school_id=message.school_id,
        class_id=cls.class_id,
        school_year_id=cls.school_year_id,
        name=cls.name,
        grade_level=cls.grade_level,
    )
    log.info(log_event, event_id=event.id, class_id=cls.class_id)


def handle_school_year_created(session: Session, event: CloudEvent) -> None:
    message = events_pb2.SchoolYearCreated.FromString(event.data)
    _project_year(session, event, message, "projection.school_year")


def handle_class_created(session: Session, event: CloudEvent) -> None:
    message = events_pb2.ClassCreated.FromString(event.data)
    _project_class(session, event, message, "projection.class")


def handle_school_year_updated(session: Session, event: CloudEvent) -> None:
    message = events_pb2.SchoolYearUpdated.FromString(event.data)
    _project_year(session, event, message, "projection.school_year_updated")


def handle_class_updated(session: Session, event: CloudEvent) -> None:
    message = events_pb2.ClassUpdated.FromString(event.data)
    _project_class(session, event, message, "projection.class_updated")


HANDLERS: Mapping[str, Handler] = {
    SCHOOL_YEAR_CREATED: handle_school_year_created,
    CLASS_CREATED: handle_class_created,
    SCHOOL_YEAR_UPDATED: handle_school_year_updated,
    CLASS_UPDATED: handle_class_updated,
    # Guardian links (issue 4, records): a parent account reaches its own children.
    **CHILD_HANDLERS,
}
