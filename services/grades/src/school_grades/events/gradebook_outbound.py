"""Grade book events → their school.grades.v1 proto messages and Kafka keys."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from school.grades.v1 import gradebook_events_pb2
from school_grades.app.gradebook_ports import ScoreRecorded

TOPIC = "school.grades.v1"
SERVICE = "grades"


def score_recorded_message(school_id: str, event: ScoreRecorded) -> tuple[str, gradebook_events_pb2.ScoreRecorded]:
    """(Kafka key, message): keyed by the student so one pupil's results keep their order. The
    comment text never leaves the service (it may describe the child)."""
    at = Timestamp()
    at.FromDatetime(event.recorded_at)
    return event.student_id, gradebook_events_pb2.ScoreRecorded(
        school_id=school_id,
        school_year_id=event.school_year_id,
        class_id=event.class_id,
        student_id=event.student_id,
        student_code=event.student_code,
        period=event.period.value,
        item_code=event.item_code,
        kind=event.kind.value,
        level=event.level,
        score=event.score or 0,
        version=event.version,
        is_retest=event.is_retest,
        recorded_at=at,
    )
