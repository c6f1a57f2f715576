"""A pupil's grade-book history follows them: across a transfer between two schools of the
deployment (in either event order, once), onto the kept record of a merge, and away with a record
deleted as entered by mistake."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from school.students.v1 import events_pb2, movements_events_pb2, movements_pb2, students_pb2
from school_grades.adapters.tables_gradebook import cell_changes, cells
from school_grades.events.inbound import HANDLERS
from schoolkit.db import transaction
from schoolkit.events.cloudevents import CloudEvent

pytestmark = pytest.mark.integration

A_CLASS = movements_pb2.ClassRef(class_id="ca", class_name="3A", grade_level=3, school_year_id="ya")
B_CLASS = movements_pb2.ClassRef(class_id="cb", class_name="3C", grade_level=3, school_year_id="yb")


def event(message: Any) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()), source="/students", type=message.DESCRIPTOR.full_name, data=message.SerializeToString()
    )


def apply(sessions: sessionmaker[Session], *messages: Any) -> list[CloudEvent]:
    events = [event(m) for m in messages]
    for e in events:
        with transaction(sessions) as session:
            HANDLERS[e.type](session, e)
    return events


def pupil(student_id: str, class_id: str = "", born: str = "2017-03-01") -> students_pb2.Student:
    return students_pb2.Student(
        student_id=student_id,
        student_code="0123456789",
        full_name="Lê Thị An",
        date_of_birth=born,
        gender=students_pb2.GENDER_FEMALE,
        class_id=class_id,
        version=1,
    )


def structure(school: str, year_id: str, class_ref: movements_pb2.ClassRef) -> list[Any]:
    year = students_pb2.SchoolYear(
        school_year_id=year_id, name="2025-2026", start_date="2025-09-05", end_date="2026-05-31", version=1
    )
    klass = students_pb2.SchoolClass(
        class_id=class_ref.class_id, school_year_id=year_id, name=class_ref.class_name, grade_level=3, version=1
    )
    return [
        events_pb2.SchoolYearCreated(school_year=year, school_id=school),
        events_pb2.ClassCreated(school_class=klass, school_id=school),
    ]


def put_cell(engine: Engine, school: str, class_id: str, student_id: str, year_id: str, period: str, code: str,
             level: str, score: int | None = None) -> None:  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            cells.insert().values(
                school_id=school,
                class_id=class_id,
                student_id=student_id,
                school_year_id=year_id,
                period=period,
                item_code=code,
                kind="SUBJECT",
                level=level,
                score=score,
                comment="Đọc to, rõ ràng",
                version=3,
                updated_by="t1",
                updated_by_name="Cô Hạnh",
                updated_at=datetime.now(UTC),
            )
        )


def cells_of(engine: Engine, student_id: str) -> dict[tuple[str, str, str], tuple[str, int | None, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(cells).where(cells.c.student_id == student_id)).all()
    return {(r.school_year_id, r.period, r.item_code): (r.level, r.score, r.class_id) for r in rows}


def start(sessions: sessionmaker[Session], engine: Engine) -> None:
    apply(sessions, *structure("school-a", "ya", A_CLASS), *structure("school-b", "yb", B_CLASS))
    apply(sessions, events_pb2.StudentEnrolled(school_id="school-a", student=pupil("s-a", "ca"), class_name="3A"))
    put_cell(engine, "school-a", "ca", "s-a", "ya", "GK1", "TOAN", "T")
    put_cell(engine, "school-a", "ca", "s-a", "ya", "CK1", "TOAN", "H", 8)


def out_of_a() -> Any:
    return movements_events_pb2.StudentTransferredOut(
        school_id="school-a", student=pupil("s-a"), from_class=A_CLASS, effective_date="2026-01-20"
    )


def into_b(born: str = "2017-03-01") -> Any:
    return movements_events_pb2.StudentTransferredIn(
        school_id="school-b", student=pupil("s-b", "cb", born), to_class=B_CLASS, effective_date="2026-01-22"
    )


@pytest.mark.parametrize("departure_first", [True, False])
def test_a_transfer_carries_the_assessed_periods_once(
    sessions: sessionmaker[Session], engine: Engine, departure_first: bool
) -> None:
    start(sessions, engine)
    order = (out_of_a(), into_b()) if departure_first else (into_b(), out_of_a())
    applied = apply(sessions, *order)
    expected = {("yb", "GK1", "TOAN"): ("T", None, "cb"), ("yb", "CK1", "TOAN"): ("H", 8, "cb")}
    assert cells_of(engine, "s-b") == expected
    assert len(cells_of(engine, "s-a")) == 2  # the first school keeps its own record
    # A redelivered event (past the inbox) carries nothing twice.
    for e in applied:
        with transaction(sessions) as session:
            HANDLERS[e.type](session, e)
    assert cells_of(engine, "s-b") == expected
    with engine.connect() as conn:
        reasons = conn.execute(select(cell_changes.c.reason).where(cell_changes.c.student_id == "s-b")).scalars().all()
    assert len(reasons) == 5  # GK1 level + comment, CK1 level + score + comment
    assert all(r and "chuyển trường" in r for r in reasons)


def test_another_child_with_the_same_code_gets_nothing(sessions: sessionmaker[Session], engine: Engine) -> None:
    start(sessions, engine)
    apply(sessions, out_of_a(), into_b(born="2017-03-02"))
    assert cells_of(engine, "s-b") == {}


def test_a_merge_hands_the_cells_to_the_kept_record(sessions: sessionmaker[Session], engine: Engine) -> None:
    start(sessions, engine)
    apply(sessions, events_pb2.StudentEnrolled(school_id="school-a", student=pupil("s-dup", "ca"), class_name="3A"))
    put_cell(engine, "school-a", "ca", "s-dup", "ya", "CK1", "TOAN", "T", 10)  # both hold CK1: the kept one stands
    put_cell(engine, "school-a", "ca", "s-dup", "ya", "GK2", "TOAN", "T")
    apply(
        sessions,
        movements_events_pb2.StudentsMerged(
            school_id="school-a", surviving=pupil("s-a", "ca"), merged_student_id="s-dup"
        ),
    )
    assert cells_of(engine, "s-a") == {
        ("ya", "GK1", "TOAN"): ("T", None, "ca"),
        ("ya", "CK1", "TOAN"): ("H", 8, "ca"),
        ("ya", "GK2", "TOAN"): ("T", None, "ca"),
    }
    assert cells_of(engine, "s-dup") == {}


def test_a_deleted_record_takes_its_cells_but_not_the_history(sessions: sessionmaker[Session], engine: Engine) -> None:
    start(sessions, engine)
    with engine.begin() as conn:
        conn.execute(
            cell_changes.insert().values(
                school_id="school-a", class_id="ca", student_id="s-a", school_year_id="ya", period="GK1",
                item_code="TOAN", field="level", old_value=None, new_value="T", changed_by="t1",
                changed_at=datetime.now(UTC), changed_by_name="",
            )
        )  # fmt: skip
    apply(sessions, movements_events_pb2.StudentDeleted(school_id="school-a", student_id="s-a"))
    assert cells_of(engine, "s-a") == {}
    with engine.connect() as conn:
        kept = conn.execute(select(func.count()).where(cell_changes.c.student_id == "s-a")).scalar()
    assert kept == 1
