"""RecordArchived, the event of an archive entry: natural keys and hashes, no pupil data."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from school.grades.v1 import records_events_pb2
from school_grades.app.records import ArchivedRecord

TOPIC = "school.grades.v1"
SERVICE = "grades"


def record_archived(record: ArchivedRecord) -> records_events_pb2.RecordArchived:
    entry = record.entry
    at = Timestamp()
    at.FromDatetime(record.archived_at)
    return records_events_pb2.RecordArchived(
        school_id=entry.school_id,
        sequence=entry.sequence,
        school_year_id=record.school_year_id,
        school_year=entry.school_year,
        period=entry.period,
        kind=entry.kind,
        class_id=record.class_id,
        student_id=record.student_id,
        version=record.version,
        name=entry.name,
        file_sha256=entry.file_sha256,
        previous_link=entry.previous_link,
        link=entry.link,
        archived_at=at,
    )
