"""Handlers for school.grades.v1 events: the year results and the principal's decisions, kept
for the year-end roll-over. Each is (Session, CloudEvent) → None.

The consumer (schoolkit.events.consumer) writes the inbox row and calls the handler in one
transaction, then commits the Kafka offset; a handler that raises (a protobuf DecodeError, an
InvalidEventError) is retried and then dead-lettered. Other grades events are not handled here:
the consumer records them in the inbox and moves on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from school.grades.v1 import results_events_pb2
from school_students.adapters.repositories_grade_outcomes import SqlAlchemyGradeOutcomeRepository
from school_students.domain.dates import parse_iso_date
from school_students.domain.movements import Promotion
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.logging import get_logger

TOPIC = "school.grades.v1"
CONSUMER_GROUP = "students.grade-decisions"
YEAR_RESULT_COMPUTED = results_events_pb2.YearResultComputed.DESCRIPTOR.full_name
PROMOTION_DECIDED = results_events_pb2.PromotionDecided.DESCRIPTOR.full_name
RESULTS = frozenset({"HTXS", "HTT", "HT", "CHT"})
BASES = frozenset({"KET_QUA", "DANH_GIA_BO_SUNG", "HIEU_TRUONG"})

log = get_logger(__name__)
Handler = Callable[[Session, CloudEvent], None]


class InvalidEventError(ValueError):
    """The event is well-formed protobuf but breaks the contract: it can never be applied."""


def _check_keys(school_id: str, student_id: str, year_id: str, class_id: str, grade_level: int) -> None:
    if not (school_id and student_id and year_id and class_id):
        raise InvalidEventError("school_id, student_id, school_year_id and class_id are required")
    if not 1 <= grade_level <= 12:
        raise InvalidEventError(f"grade_level {grade_level} out of range")


def handle_year_result_computed(session: Session, event: CloudEvent) -> None:
    message = results_events_pb2.YearResultComputed.FromString(event.data)
    _check_keys(message.school_id, message.student_id, message.school_year_id, message.class_id, message.grade_level)
    if message.result not in RESULTS:
        raise InvalidEventError(f"unknown result {message.result!r}")
    applied = SqlAlchemyGradeOutcomeRepository(session).record_result(
        school_id=message.school_id,
        student_id=message.student_id,
        year_id=message.school_year_id,
        class_id=message.class_id,
        grade_level=message.grade_level,
        result=message.result,
        completes_grade=message.completes_grade,
        version=message.version,
    )
    # Ids only: a pupil's result or decision is school data the log does not need.
    log.debug("grade_outcome.result", event_id=event.id, student_id=message.student_id, applied=applied)


def handle_promotion_decided(session: Session, event: CloudEvent) -> None:
    message = results_events_pb2.PromotionDecided.FromString(event.data)
    _check_keys(message.school_id, message.student_id, message.school_year_id, message.class_id, message.grade_level)
    try:
        decision = Promotion(message.decision) if message.decision else None
    except ValueError:
        raise InvalidEventError(f"unknown decision {message.decision!r}") from None
    if decision is not None and message.basis not in BASES:
        raise InvalidEventError(f"unknown basis {message.basis!r}")
    decided_on = parse_iso_date(message.decided_on) if message.decided_on else None
    if message.decided_on and decided_on is None:
        raise InvalidEventError(f"decided_on {message.decided_on!r} is not an ISO date")
    applied = SqlAlchemyGradeOutcomeRepository(session).record_decision(
        school_id=message.school_id,
        student_id=message.student_id,
        year_id=message.school_year_id,
        class_id=message.class_id,
        grade_level=message.grade_level,
        decision=decision,
        basis=message.basis if decision else "",
        decision_ref=message.decision_ref[:100],
        decided_on=decided_on,
        version=message.version,
    )
    log.debug("grade_outcome.decision", event_id=event.id, student_id=message.student_id, applied=applied)


HANDLERS: Mapping[str, Handler] = {
    YEAR_RESULT_COMPUTED: handle_year_result_computed,
    PROMOTION_DECIDED: handle_promotion_decided,
}
