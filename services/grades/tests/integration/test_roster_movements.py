"""Movement events on the roster: departures mark the pupil left, arrivals place them, replays change nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from school.grades.v1 import grades_pb2
from school.students.v1 import movements_events_pb2, movements_pb2, students_pb2
from school_grades.adapters.tables import roster, roster_changes
from school_grades.events.inbound import HANDLERS
from schoolkit.db import transaction
from schoolkit.events.cloudevents import CloudEvent

pytestmark = pytest.mark.integration

SCHOOL = "school-a"
A = movements_pb2.ClassRef(class_id="c1", class_name="3A", grade_level=3, school_year_id="y1")
B = movements_pb2.ClassRef(class_id="c2", class_name="3B", grade_level=3, school_year_id="y1")


class Feed:
    def __init__(self) -> None:
        self.seq = 0

    def wrap(self, message: Any, student_id: str) -> CloudEvent:
        self.seq += 1
        event = CloudEvent(
            id=str(uuid.uuid4()),
            source=f"/schools/{SCHOOL}/students",
            type=message.DESCRIPTOR.full_name,
            subject=student_id,
            data=message.SerializeToString(),
            extensions={"sequence": str(self.seq), "partitionkey": student_id},
        )
        return CloudEvent.from_headers(event.to_headers(), event.data)


def student(student_id: str, name: str, class_id: str = "") -> students_pb2.Student:
    return students_pb2.Student(
        student_id=student_id,
        student_code=f"HS-{student_id}",
        full_name=name,
        date_of_birth="2017-03-01",
        gender=students_pb2.GENDER_FEMALE,
        class_id=class_id,
        version=1,
    )


def apply(sessions: sessionmaker[Session], *events: CloudEvent) -> None:
    for event in events:
        with transaction(sessions) as session:
            HANDLERS[event.type](session, event)


def roster_names(api: Any, class_id: str) -> list[str]:
    return [e.full_name for e in api.ListRoster(grades_pb2.ListRosterRequest(class_id=class_id)).entries]


def test_movements_keep_the_class_rosters(
    sessions: sessionmaker[Session], api_for: Callable[..., Any], engine: Engine
) -> None:
    feed = Feed()
    came = feed.wrap(
        movements_events_pb2.StudentTransferredIn(
            school_id=SCHOOL, student=student("s1", "Phạm Minh Khoa", "c1"), to_class=A, effective_date="2026-03-10"
        ),
        "s1",
    )
    also = feed.wrap(
        movements_events_pb2.StudentTransferredIn(
            school_id=SCHOOL, student=student("s2", "Lê Thị An", "c1"), to_class=A, effective_date="2026-03-10"
        ),
        "s2",
    )
    third = feed.wrap(
        movements_events_pb2.StudentTransferredIn(
            school_id=SCHOOL, student=student("s3", "Trần Bình", "c1"), to_class=A, effective_date="2026-03-10"
        ),
        "s3",
    )
    apply(sessions, came, also, third)
    api = api_for()
    assert roster_names(api, "c1") == ["Lê Thị An", "Trần Bình", "Phạm Minh Khoa"]

    out = feed.wrap(
        movements_events_pb2.StudentTransferredOut(
            school_id=SCHOOL, student=student("s1", "Phạm Minh Khoa"), from_class=A, effective_date="2026-03-12"
        ),
        "s1",
    )
    dropped = feed.wrap(
        movements_events_pb2.StudentDroppedOut(
            school_id=SCHOOL,
            student=student("s2", "Lê Thị An"),
            from_class=A,
            effective_date="2026-03-13",
            status="BO_HOC",
        ),
        "s2",
    )
    moved = feed.wrap(
        movements_events_pb2.StudentClassChanged(
            school_id=SCHOOL,
            student=student("s3", "Trần Bình", "c2"),
            from_class=A,
            to_class=B,
            effective_date="2026-03-13",
            kind="CLASS_CHANGE",
        ),
        "s3",
    )
    apply(sessions, out, dropped, moved)
    assert roster_names(api, "c1") == []
    assert roster_names(api, "c2") == ["Trần Bình"]
    with engine.connect() as conn:
        left = {r.student_id: (r.class_id, r.left_on, r.left_status) for r in conn.execute(select(roster))}
    assert left["s1"] == ("c1", date(2026, 3, 12), "CHUYEN_DI")  # kept for history, off the roster
    assert left["s2"] == ("c1", date(2026, 3, 13), "BO_HOC")
    assert left["s3"] == ("c2", None, None)

    # Redelivery (even past the inbox) changes nothing and logs nothing more.
    with engine.connect() as conn:
        logged = len(conn.execute(select(roster_changes)).all())
    apply(sessions, out, dropped, moved, came)
    with engine.connect() as conn:
        assert len(conn.execute(select(roster_changes)).all()) == logged
    assert roster_names(api, "c1") == []

    back = feed.wrap(
        movements_events_pb2.StudentReturned(
            school_id=SCHOOL, student=student("s2", "Lê Thị An", "c2"), to_class=B, effective_date="2026-03-20"
        ),
        "s2",
    )
    apply(sessions, back)
    assert roster_names(api, "c2") == ["Lê Thị An", "Trần Bình"]


def test_an_older_departure_does_not_undo_a_newer_arrival(
    sessions: sessionmaker[Session], api_for: Callable[..., Any]
) -> None:
    feed = Feed()
    out = feed.wrap(
        movements_events_pb2.StudentDroppedOut(
            school_id=SCHOOL,
            student=student("s1", "Lê Thị An"),
            from_class=A,
            effective_date="2026-03-10",
            status="BO_HOC",
        ),
        "s1",
    )
    back = feed.wrap(
        movements_events_pb2.StudentReturned(
            school_id=SCHOOL, student=student("s1", "Lê Thị An", "c1"), to_class=A, effective_date="2026-03-11"
        ),
        "s1",
    )
    apply(sessions, back, out)  # arrived out of order
    assert roster_names(api_for(), "c1") == ["Lê Thị An"]


def test_completion_deletion_and_merge(
    sessions: sessionmaker[Session], api_for: Callable[..., Any], engine: Engine
) -> None:
    feed = Feed()
    placed = [
        feed.wrap(
            movements_events_pb2.StudentTransferredIn(
                school_id=SCHOOL, student=student(sid, name, "c1"), to_class=A, effective_date="2026-03-10"
            ),
            sid,
        )
        for sid, name in (("s1", "Lê Thị An"), ("s2", "Trần Bình"), ("s3", "Phạm Khoa"), ("s4", "Phạm Khoa"))
    ]
    apply(sessions, *placed)
    completed = feed.wrap(
        movements_events_pb2.StudentStatusChanged(
            school_id=SCHOOL,
            student=student("s1", "Lê Thị An"),
            from_class=A,
            previous_status="DANG_HOC",
            status="HOAN_THANH_TIEU_HOC",
            effective_date="2026-06-01",
        ),
        "s1",
    )
    deleted = feed.wrap(
        movements_events_pb2.StudentDeleted(school_id=SCHOOL, student_id="s2", student_code="HS-s2"), "s2"
    )
    merged = feed.wrap(
        movements_events_pb2.StudentsMerged(
            school_id=SCHOOL,
            surviving=student("s3", "Phạm Khoa", "c1"),
            merged_student_id="s4",
            merged_student_code="x",
        ),
        "s4",
    )
    apply(sessions, completed, deleted, merged)
    apply(sessions, completed, deleted, merged)  # redelivered: no change, no error
    assert roster_names(api_for(), "c1") == ["Phạm Khoa"]
    with engine.connect() as conn:
        kept = {r.student_id: r.left_status for r in conn.execute(select(roster))}
    assert kept == {"s1": "HOAN_THANH_TIEU_HOC", "s3": None}


def test_a_merge_hands_the_duplicates_place_to_the_record_that_had_left(
    sessions: sessionmaker[Session], api_for: Callable[..., Any]
) -> None:
    feed = Feed()
    # s5 transferred out of c1 earlier; its duplicate s6 came back into c1 as a new record.
    arrived = feed.wrap(
        movements_events_pb2.StudentTransferredIn(
            school_id=SCHOOL, student=student("s5", "Đỗ Minh Cũ", "c1"), to_class=A, effective_date="2026-03-02"
        ),
        "s5",
    )
    left = feed.wrap(
        movements_events_pb2.StudentTransferredOut(
            school_id=SCHOOL, student=student("s5", "Đỗ Minh Cũ"), from_class=A, effective_date="2026-03-05"
        ),
        "s5",
    )
    duplicate = feed.wrap(
        movements_events_pb2.StudentTransferredIn(
            school_id=SCHOOL, student=student("s6", "Đỗ Minh Cũ", "c1"), to_class=A, effective_date="2026-03-09"
        ),
        "s6",
    )
    apply(sessions, arrived, left, duplicate)
    assert roster_names(api_for(), "c1") == ["Đỗ Minh Cũ"]
    merged = feed.wrap(
        movements_events_pb2.StudentsMerged(
            school_id=SCHOOL,
            surviving=student("s5", "Đỗ Minh Cũ", "c1"),
            merged_student_id="s6",
            merged_student_code="x",
        ),
        "s6",
    )
    apply(sessions, merged)
    apply(sessions, merged)  # redelivered: no change, no error
    entries = api_for().ListRoster(grades_pb2.ListRosterRequest(class_id="c1")).entries
    assert [(e.student_id, e.full_name, e.class_name) for e in entries] == [("s5", "Đỗ Minh Cũ", A.class_name)]
