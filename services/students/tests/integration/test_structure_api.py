"""School structure over real gRPC (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set):
semesters, editing a year and a class, their events, and the migration round trip."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, insert, select

from school.students.v1 import events_pb2, students_pb2
from school_students.adapters.tables import outbox, school_years
from school_students.adapters.tables_structure import semesters
from school_students.api import permissions as perm
from school_students.bootstrap import MIGRATIONS_DIR
from schoolkit.db import make_engine, run_migrations
from schoolkit.grpc_errors import field_violations
from schoolkit.testing import database_kinds, fresh_database

pytestmark = pytest.mark.integration

YEAR = students_pb2.CreateSchoolYearRequest(name="2025-2026", start_date="2025-09-05", end_date="2026-05-31")


def failure(call: Callable[[Any], Any], request: Any) -> tuple[grpc.StatusCode, dict[str, str]]:
    with pytest.raises(grpc.RpcError) as info:
        call(request)
    return info.value.code(), field_violations(info.value)


def sem(start: str, end: str, weeks: int = 0) -> students_pb2.Semester:
    return students_pb2.Semester(start_date=start, end_date=end, teaching_weeks=weeks)


def terms(year: students_pb2.SchoolYear) -> list[tuple[int, str, str, int]]:
    return [(s.term, s.start_date, s.end_date, s.teaching_weeks) for s in year.semesters]


def events_of(engine: Engine, kind: str) -> list[Any]:
    with engine.connect() as conn:
        rows = conn.execute(select(outbox).order_by(outbox.c.seq)).mappings().all()
    return [r for r in rows if r["event_type"] == f"school.students.v1.{kind}"]


def update_year(year: students_pb2.SchoolYear, **changes: Any) -> students_pb2.UpdateSchoolYearRequest:
    fields: dict[str, Any] = {
        "school_year_id": year.school_year_id,
        "expected_version": year.version,
        "start_date": year.start_date,
        "end_date": year.end_date,
    }
    fields.update(changes)
    return students_pb2.UpdateSchoolYearRequest(**fields)


def new_class(api: Any, year_id: str, name: str = "3A", max_size: int = 0, room: str = "") -> Any:
    request = students_pb2.CreateClassRequest(
        school_year_id=year_id, name=name, grade_level=3, max_size=max_size, room=room
    )
    return api.CreateClass(request).school_class


def enrol(api: Any, class_id: str, name: str) -> None:
    api.EnrollStudent(
        students_pb2.EnrollStudentRequest(
            class_id=class_id, full_name=name, date_of_birth="2017-03-01", gender=students_pb2.GENDER_MALE
        )
    )


# -- semesters -----------------------------------------------------------------------------------


def test_a_year_without_semester_dates_gets_the_configured_defaults(api: Any, engine: Engine) -> None:
    year = api.CreateSchoolYear(YEAR).school_year
    expected = [(1, "2025-09-05", "2026-01-17", 18), (2, "2026-01-18", "2026-05-31", 17)]
    assert terms(year) == expected
    assert year.version == 1
    assert terms(api.GetSchoolYear(students_pb2.GetSchoolYearRequest(school_year_id=year.school_year_id)).school_year)
    listed = api.ListSchoolYears(students_pb2.ListSchoolYearsRequest()).school_years
    assert [terms(y) for y in listed] == [expected]
    created = events_pb2.SchoolYearCreated.FromString(events_of(engine, "SchoolYearCreated")[0]["payload"])
    assert (created.school_year.name, terms(created.school_year)) == ("2025-2026", expected)


def test_a_year_with_its_own_semester_dates(api: Any) -> None:
    request = students_pb2.CreateSchoolYearRequest()
    request.CopyFrom(YEAR)
    request.hk1.CopyFrom(sem("2025-09-08", "2026-01-16", 18))
    request.hk2.CopyFrom(sem("2026-01-17", "2026-05-29", 17))
    year = api.CreateSchoolYear(request).school_year
    assert terms(year) == [(1, "2025-09-08", "2026-01-16", 18), (2, "2026-01-17", "2026-05-29", 17)]


@pytest.mark.parametrize(
    ("hk1", "hk2", "field", "words"),
    [
        (sem("2025-09-01", "2026-01-17"), sem("2026-01-18", "2026-05-31"), "hk1.start_date", "trong năm học"),
        (sem("2025-09-05", "2026-01-17"), sem("2026-01-18", "2026-06-01"), "hk2.end_date", "trong năm học"),
        (sem("2025-09-05", "2026-01-17"), sem("2026-01-10", "2026-05-31"), "hk2.start_date", "sau khi học kỳ I"),
        (sem("2025-09-05", "2026-01-17"), sem("2026-01-20", "2026-05-31"), "hk2.start_date", "18/01/2026"),
        (sem("2025-09-05", "2025-09-05"), sem("2025-09-06", "2026-05-31"), "hk1.end_date", "sau ngày bắt đầu"),
        (sem("2025-09-05", "2026-01-17", 40), sem("2026-01-18", "2026-05-31"), "hk1.teaching_weeks", "0 đến 30"),
        (sem("", "2026-01-17"), sem("2026-01-18", "2026-05-31"), "hk1.start_date", "không được để trống"),
    ],
)
def test_bad_semesters_are_refused_naming_the_field(
    api: Any, counts: Callable[[], dict[str, int]], hk1: Any, hk2: Any, field: str, words: str
) -> None:
    before = counts()
    request = students_pb2.CreateSchoolYearRequest()
    request.CopyFrom(YEAR)
    request.hk1.CopyFrom(hk1)
    request.hk2.CopyFrom(hk2)
    code, fields = failure(api.CreateSchoolYear, request)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert words in fields[field]
    assert counts() == before


def test_a_year_too_short_for_the_default_split_asks_for_dates(api: Any) -> None:
    request = students_pb2.CreateSchoolYearRequest(name="2025-2026", start_date="2025-09-05", end_date="2026-01-10")
    code, fields = failure(api.CreateSchoolYear, request)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "hãy nhập ngày của hai học kỳ" in fields["hk1.end_date"]


# -- editing a year --------------------------------------------------------------------------------


def test_edit_a_year_with_optimistic_concurrency_and_an_event(api: Any, engine: Engine) -> None:
    year = api.CreateSchoolYear(YEAR).school_year
    edit = update_year(
        year,
        end_date="2026-05-29",
        hk1=sem("2025-09-05", "2026-01-16", 18),
        hk2=sem("2026-01-17", "2026-05-29", 17),
    )
    updated = api.UpdateSchoolYear(edit).school_year
    assert (updated.name, updated.end_date, updated.version) == ("2025-2026", "2026-05-29", 2)
    assert terms(updated) == [(1, "2025-09-05", "2026-01-16", 18), (2, "2026-01-17", "2026-05-29", 17)]
    stored = api.GetSchoolYear(students_pb2.GetSchoolYearRequest(school_year_id=year.school_year_id)).school_year
    assert stored == updated

    code, fields = failure(api.UpdateSchoolYear, edit)  # version 1 is stale now
    assert code == grpc.StatusCode.ABORTED
    assert "phiên bản hiện tại 2" in fields["expected_version"]

    edit.expected_version = 2
    assert api.UpdateSchoolYear(edit).school_year.version == 2  # nothing changed: no new version, no event
    [event] = events_of(engine, "SchoolYearUpdated")
    message = events_pb2.SchoolYearUpdated.FromString(event["payload"])
    assert (message.school_id, message.school_year.name, message.school_year.version) == ("school-a", "2025-2026", 2)
    assert terms(message.school_year) == terms(updated)
    assert event["event_key"] == year.school_year_id


def test_new_dates_must_keep_the_stored_semesters_inside(api: Any, counts: Callable[[], dict[str, int]]) -> None:
    year = api.CreateSchoolYear(YEAR).school_year
    before = counts()
    code, fields = failure(api.UpdateSchoolYear, update_year(year, end_date="2026-05-20"))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "Học kỳ II phải kết thúc trong năm học" in fields["hk2.end_date"]
    # Moving the start later than HK I's start is refused the same way.
    code, fields = failure(api.UpdateSchoolYear, update_year(year, start_date="2025-09-10"))
    assert "hk1.start_date" in fields
    assert counts() == before
    # Dates widened around the stored semesters are fine, and the semesters stay.
    widened = api.UpdateSchoolYear(update_year(year, start_date="2025-08-20")).school_year
    assert (widened.start_date, terms(widened)[0][1]) == ("2025-08-20", "2025-09-05")


def test_a_year_cannot_end_before_its_classes_records(api: Any) -> None:
    year = api.CreateSchoolYear(YEAR).school_year
    school_class = new_class(api, year.school_year_id)
    enrol(api, school_class.class_id, "Phạm Minh Khôi")  # enrolled today, after this past year's end
    code, fields = failure(api.UpdateSchoolYear, update_year(year, end_date="2026-05-30"))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "ngày kết thúc năm học không được trước ngày đó" in fields["end_date"]


def test_year_name_rules_still_bind_the_new_dates(api: Any) -> None:
    year = api.CreateSchoolYear(YEAR).school_year
    code, fields = failure(api.UpdateSchoolYear, update_year(year, start_date="2024-09-05", expected_version=0))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(fields) >= {"start_date", "expected_version"}


def test_editing_a_year_of_another_school_or_without_permission(api: Any, api_for: Callable[..., Any]) -> None:
    year = api.CreateSchoolYear(YEAR).school_year
    other = api_for(school_id="school-b")
    code, _ = failure(other.UpdateSchoolYear, update_year(year))
    assert code == grpc.StatusCode.NOT_FOUND
    code, _ = failure(other.GetSchoolYear, students_pb2.GetSchoolYearRequest(school_year_id=year.school_year_id))
    assert code == grpc.StatusCode.NOT_FOUND
    reader = api_for(permissions=frozenset({perm.SCHOOL_YEAR_READ}))
    code, _ = failure(reader.UpdateSchoolYear, update_year(year))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert reader.GetSchoolYear(students_pb2.GetSchoolYearRequest(school_year_id=year.school_year_id)).school_year


# -- classes ---------------------------------------------------------------------------------------


def test_create_a_class_with_a_room_within_the_configured_limit(api: Any) -> None:
    year = api.CreateSchoolYear(YEAR).school_year
    school_class = new_class(api, year.school_year_id, room=" P. 203 ")
    assert (school_class.room, school_class.max_size, school_class.version) == ("P. 203", 35, 1)
    request = students_pb2.CreateClassRequest(
        school_year_id=year.school_year_id, name="3B", grade_level=3, max_size=36, room="x" * 31
    )
    code, fields = failure(api.CreateClass, request)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields == {"max_size": "Sĩ số tối đa phải từ 1 đến 35", "room": "Phòng học tối đa 30 ký tự"}


def test_edit_a_class_with_optimistic_concurrency_and_an_event(api: Any, engine: Engine) -> None:
    year = api.CreateSchoolYear(YEAR).school_year
    school_class = new_class(api, year.school_year_id, max_size=3)
    for name in ("Lê Văn An", "Trần Thị Bình"):
        enrol(api, school_class.class_id, name)
    edit = students_pb2.UpdateClassRequest(
        class_id=school_class.class_id, expected_version=1, name="3A1", room="P.101", max_size=2
    )
    updated = api.UpdateClass(edit).school_class
    assert (updated.name, updated.room, updated.max_size, updated.size, updated.version) == ("3A1", "P.101", 2, 2, 2)
    assert api.GetClass(students_pb2.GetClassRequest(class_id=school_class.class_id)).school_class == updated
    code, fields = failure(api.UpdateClass, edit)
    assert code == grpc.StatusCode.ABORTED
    assert "expected_version" in fields
    [event] = events_of(engine, "ClassUpdated")
    message = events_pb2.ClassUpdated.FromString(event["payload"])
    assert (message.previous_name, message.school_class.name, message.school_year_name) == ("3A", "3A1", "2025-2026")
    assert message.school_class.grade_level == 3


@pytest.mark.parametrize(
    ("changes", "status", "field", "text"),
    [
        ({"max_size": 1}, grpc.StatusCode.INVALID_ARGUMENT, "max_size", "nhỏ hơn sĩ số hiện tại (2 học sinh)"),
        ({"max_size": 36}, grpc.StatusCode.INVALID_ARGUMENT, "max_size", "từ 1 đến 35"),
        ({"name": "3B"}, grpc.StatusCode.ALREADY_EXISTS, "name", "Lớp 3B đã tồn tại trong năm học 2025-2026"),
        ({"name": ""}, grpc.StatusCode.INVALID_ARGUMENT, "name", "không được để trống"),
        ({"expected_version": 0}, grpc.StatusCode.INVALID_ARGUMENT, "expected_version", "tải lại"),
    ],
)
def test_bad_class_edits_are_refused_naming_the_field(
    api: Any, counts: Callable[[], dict[str, int]], changes: dict[str, Any], status: Any, field: str, text: str
) -> None:
    year = api.CreateSchoolYear(YEAR).school_year
    school_class = new_class(api, year.school_year_id)
    new_class(api, year.school_year_id, name="3B")
    for name in ("Lê Văn An", "Trần Thị Bình"):
        enrol(api, school_class.class_id, name)
    before = counts()
    body: dict[str, Any] = {"class_id": school_class.class_id, "expected_version": 1, "name": "3A", "max_size": 30}
    body.update(changes)
    code, fields = failure(api.UpdateClass, students_pb2.UpdateClassRequest(**body))
    assert code == status
    assert text in fields[field]
    assert counts() == before


def test_class_edits_respect_school_and_assignment(api: Any, api_for: Callable[..., Any]) -> None:
    year = api.CreateSchoolYear(YEAR).school_year
    school_class = new_class(api, year.school_year_id)
    edit = students_pb2.UpdateClassRequest(class_id=school_class.class_id, expected_version=1, name="3A", max_size=30)
    code, _ = failure(api_for(school_id="school-b").UpdateClass, edit)
    assert code == grpc.StatusCode.NOT_FOUND
    teacher = api_for(scopes=frozenset({"class:another"}))
    code, _ = failure(teacher.UpdateClass, edit)
    assert code == grpc.StatusCode.PERMISSION_DENIED
    reader = api_for(permissions=frozenset({perm.CLASS_READ}))
    code, _ = failure(reader.UpdateClass, edit)
    assert code == grpc.StatusCode.PERMISSION_DENIED


# -- migration 0003 --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", database_kinds())
def test_migration_0003_round_trip_backfills_semesters(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path, "structure") as url:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", url)
        command.upgrade(config, "0002")
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(school_years).values(
                        id="y-1",
                        school_id="s",
                        name="2025-2026",
                        start_date=date(2025, 9, 5),
                        end_date=date(2026, 5, 31),
                        created_at=datetime(2025, 8, 1, tzinfo=UTC),
                    )
                )
            command.upgrade(config, "0003")
            with engine.connect() as conn:
                rows = conn.execute(select(semesters).order_by(semesters.c.term)).all()
            assert [(r.term, str(r.start_date), str(r.end_date), r.teaching_weeks) for r in rows] == [
                (1, "2025-09-05", "2026-01-17", 18),
                (2, "2026-01-18", "2026-05-31", 17),
            ]
            command.downgrade(config, "0002")
            command.upgrade(config, "head")
            run_migrations(MIGRATIONS_DIR, url)
            with engine.connect() as conn:
                version = conn.execute(select(school_years.c.version)).scalar_one()
            assert version == 1
        finally:
            engine.dispose()
