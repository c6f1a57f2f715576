"""MovementsService over real gRPC on SQLite (and PostgreSQL when TEST_POSTGRES_URL is set)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import Engine, select

from school.students.v1 import (
    movements_pb2,
    movements_pb2_grpc,
    records_pb2,
    records_pb2_grpc,
    students_pb2,
    students_pb2_grpc,
)
from school_students.adapters.tables import outbox
from school_students.api.permissions import EVERY as ALL
from school_students.bootstrap import build
from school_students.config import load_settings
from schoolkit.context import Caller
from schoolkit.grpc_errors import field_violations
from schoolkit.grpc_server import start_server
from schoolkit.testing import free_port
from schoolkit.tokens import TokenIssuer, TokenVerifier, load_public_key

pytestmark = pytest.mark.integration

# "Today" for these tests: a Tuesday inside the 2025-2026 school year.
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
TODAY = "2026-03-10"
YEAR = students_pb2.CreateSchoolYearRequest(name="2025-2026", start_date="2025-09-05", end_date="2026-05-31")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class Client:
    """Both services' stubs with a fresh internal token per call."""

    def __init__(self, channel: grpc.Channel, issuer: TokenIssuer, caller: Caller) -> None:
        self._stubs = [
            movements_pb2_grpc.MovementsServiceStub(channel),
            students_pb2_grpc.StudentsServiceStub(channel),
            records_pb2_grpc.StudentRecordsServiceStub(channel),
        ]
        self._issuer = issuer
        self.caller = caller

    def __getattr__(self, rpc: str) -> Callable[[Any], Any]:
        method = next(getattr(s, rpc) for s in self._stubs if hasattr(s, rpc))

        def call(request: Any) -> Any:
            token = self._issuer.issue(self.caller, "students")
            return method(request, metadata=[("authorization", f"Bearer {token}")], timeout=10)

        return call


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client_for(
    migrated_url: str, keypair: tuple[Path, Path], issuer: TokenIssuer, clock: Clock
) -> Iterator[Callable[..., Client]]:
    container = build(load_settings({"DATABASE_URL": migrated_url}), clock=clock)
    server = start_server(
        register=container.registrations,
        verifier=TokenVerifier(load_public_key(keypair[1]), audience="students"),
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")

    def make(
        permissions: frozenset[str] | None = None,
        scopes: frozenset[str] = frozenset({"school"}),
        school_id: str = "school-a",
    ) -> Client:
        perms = frozenset(ALL) if permissions is None else permissions
        return Client(channel, issuer, Caller(subject="u-1", school_id=school_id, permissions=perms, scopes=scopes))

    yield make
    channel.close()
    server.stop(0)
    container.engine.dispose()


@pytest.fixture
def client(client_for: Callable[..., Client]) -> Client:
    return client_for()


def failure(call: Callable[[Any], Any], request: Any) -> tuple[grpc.StatusCode, dict[str, str]]:
    with pytest.raises(grpc.RpcError) as info:
        call(request)
    return info.value.code(), field_violations(info.value)


def setup_classes(client: Client, max_size: int = 35) -> tuple[str, str, str]:
    year = client.CreateSchoolYear(YEAR).school_year
    a = client.CreateClass(
        students_pb2.CreateClassRequest(school_year_id=year.school_year_id, name="3A", grade_level=3, max_size=max_size)
    ).school_class
    b = client.CreateClass(
        students_pb2.CreateClassRequest(school_year_id=year.school_year_id, name="3B", grade_level=3, max_size=max_size)
    ).school_class
    return year.school_year_id, a.class_id, b.class_id


def enrol(client: Client, class_id: str, name: str) -> str:
    request = students_pb2.EnrollStudentRequest(
        class_id=class_id, full_name=name, date_of_birth="2017-03-01", gender=students_pb2.GENDER_FEMALE
    )
    return str(client.EnrollStudent(request).student.student_id)


def size(client: Client, class_id: str) -> int:
    return int(client.GetClass(students_pb2.GetClassRequest(class_id=class_id)).school_class.size)


def transfer_out(student_id: str, **overrides: Any) -> movements_pb2.TransferOutRequest:
    fields: dict[str, Any] = {
        "student_id": student_id,
        "effective_date": TODAY,
        "reason_code": "CHUYEN_NOI_O",
        "to_school_name": "Trường Tiểu học Kim Đồng",
        "to_school_code": "79000701",
        "application_received_on": "2026-03-06",
        "receiving_school_agreed": True,
        "handed_over_on": TODAY,
        "documents": ["HOC_BA", "TIEN_DO_VA_KET_QUA"],
    }
    fields.update(overrides)
    return movements_pb2.TransferOutRequest(**fields)


def transfer_in(class_id: str, **overrides: Any) -> movements_pb2.TransferInRequest:
    fields: dict[str, Any] = {
        "class_id": class_id,
        "full_name": "Phạm Minh Khoa",
        "date_of_birth": "2017-05-02",
        "gender": students_pb2.GENDER_MALE,
        "effective_date": TODAY,
        "reason_code": "CHUYEN_NOI_O",
        "from_school_name": "Trường Tiểu học Lê Lợi",
        "from_school_code": "01000123",
        "documents": ["HOC_BA", "TIEN_DO_VA_KET_QUA"],
        "earlier_results": "Tiếng Việt: T; Toán: H",
    }
    fields.update(overrides)
    return movements_pb2.TransferInRequest(**fields)


def event_types(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r.event_type for r in conn.execute(select(outbox).order_by(outbox.c.seq)).mappings()]


def test_transfer_out_dropout_and_transfer_in_change_class_size_with_events(client: Client, engine: Engine) -> None:
    _, class_a, _ = setup_classes(client)
    leaving = enrol(client, class_a, "Nguyễn Văn An")
    dropping = enrol(client, class_a, "Trần Thị Bình")
    enrol(client, class_a, "Lê Văn Cường")
    assert size(client, class_a) == 3

    moved = client.TransferOut(transfer_out(leaving)).movement
    assert (moved.kind, moved.status_before, moved.status_after) == ("TRANSFER_OUT", "DANG_HOC", "CHUYEN_DI")
    assert moved.from_class_name == "3A"
    assert moved.other_school_name == "Trường Tiểu học Kim Đồng"
    # Application on Friday 6/3 → three working days → Wednesday 11/3.
    assert moved.handover_deadline == "2026-03-11"
    assert size(client, class_a) == 2

    dropped = client.RecordDropout(
        movements_pb2.RecordDropoutRequest(student_id=dropping, effective_date=TODAY, reason_code="KINH_TE_KHO_KHAN")
    ).movement
    assert dropped.status_after == "BO_HOC"
    assert size(client, class_a) == 1

    came = client.TransferIn(transfer_in(class_a))
    assert came.student.class_id == class_a
    assert came.movement.status_after == "DANG_HOC"
    assert came.student.student_code.startswith("HS")
    assert size(client, class_a) == 2

    listed = client.ListStudents(students_pb2.ListStudentsRequest(class_id=class_a)).students
    assert sorted(s.full_name for s in listed) == ["Lê Văn Cường", "Phạm Minh Khoa"]
    types = event_types(engine)
    assert types[-3:] == [
        "school.students.v1.StudentTransferredOut",
        "school.students.v1.StudentDroppedOut",
        "school.students.v1.StudentTransferredIn",
    ]
    history = client.GetMovementHistory(movements_pb2.GetMovementHistoryRequest(student_id=came.student.student_id))
    assert history.transferred_in
    assert history.status == "DANG_HOC"
    assert [m.earlier_results for m in history.movements] == ["Tiếng Việt: T; Toán: H"]
    assert history.movements[0].recorded_by == "u-1"


def test_return_and_class_change(client: Client, engine: Engine) -> None:
    _, class_a, class_b = setup_classes(client)
    student = enrol(client, class_a, "Nguyễn Văn An")
    code, fields = failure(
        client.RecordReturn,
        movements_pb2.RecordReturnRequest(
            student_id=student, class_id=class_a, effective_date=TODAY, reason_code="TRO_LAI"
        ),
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "chưa từng nghỉ" in fields["student_id"]

    client.RecordDropout(
        movements_pb2.RecordDropoutRequest(student_id=student, effective_date=TODAY, reason_code="OM_DAU")
    )
    code, fields = failure(
        client.RecordDropout,
        movements_pb2.RecordDropoutRequest(student_id=student, effective_date=TODAY, reason_code="OM_DAU"),
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "đã rời trường" in fields["student_id"]

    back = client.RecordReturn(
        movements_pb2.RecordReturnRequest(
            student_id=student, class_id=class_b, effective_date=TODAY, reason_code="TRO_LAI"
        )
    ).movement
    assert (back.status_before, back.status_after, back.to_class_name) == ("BO_HOC", "DANG_HOC", "3B")
    assert (size(client, class_a), size(client, class_b)) == (0, 1)

    changed = client.ChangeClass(
        movements_pb2.ChangeClassRequest(
            student_id=student, class_id=class_a, effective_date=TODAY, reason_code="CAN_BANG_SI_SO"
        )
    ).movement
    assert (changed.from_class_name, changed.to_class_name) == ("3B", "3A")
    assert (size(client, class_a), size(client, class_b)) == (1, 0)
    assert event_types(engine)[-1] == "school.students.v1.StudentClassChanged"
    kinds = [
        m.kind for m in client.GetMovementHistory(movements_pb2.GetMovementHistoryRequest(student_id=student)).movements
    ]
    assert kinds == ["DROPOUT", "RETURN", "CLASS_CHANGE"]


def test_bad_input_is_refused_naming_the_field_and_writes_nothing(client: Client, engine: Engine) -> None:
    _, class_a, _ = setup_classes(client, max_size=1)
    student = enrol(client, class_a, "Nguyễn Văn An")
    before = event_types(engine)

    code, fields = failure(client.TransferOut, transfer_out(student, effective_date="2026-03-11"))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields["effective_date"] == "Ngày hiệu lực không được ở tương lai"
    _, fields = failure(client.TransferOut, transfer_out(student, effective_date="2026-03-09"))
    assert "trước ngày học sinh vào lớp (10/03/2026)" in fields["effective_date"]
    _, fields = failure(client.TransferOut, transfer_out(student, reason_code="BAY_DI", receiving_school_agreed=False))
    assert "không có trong danh mục" in fields["reason_code"]
    assert "đồng ý của trường nơi đến" in fields["receiving_school_agreed"]
    _, fields = failure(client.TransferOut, transfer_out(student, to_school_name="", documents=["GIAY_KHEN"]))
    assert set(fields) >= {"to_school_name", "documents"}

    code, fields = failure(client.TransferIn, transfer_in(class_a))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "đủ sĩ số" in fields["class_id"]
    _, fields = failure(client.TransferIn, transfer_in(class_a, effective_date="2025-06-01", full_name="1"))
    assert "phải nằm trong năm học (05/09/2025 – 31/05/2026)" in fields["effective_date"]
    assert "full_name" in fields
    code, _ = failure(client.TransferOut, transfer_out("no-such-student"))
    assert code == grpc.StatusCode.NOT_FOUND
    assert event_types(engine) == before
    assert size(client, class_a) == 1


def test_permissions_and_class_scope(client_for: Callable[..., Client]) -> None:
    admin = client_for()
    _, class_a, class_b = setup_classes(admin)
    student = enrol(admin, class_a, "Nguyễn Văn An")
    reader = client_for(permissions=frozenset({"students:movement:read"}))
    code, _ = failure(reader.TransferOut, transfer_out(student))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    teacher_b = client_for(scopes=frozenset({f"class:{class_b}"}))
    code, _ = failure(teacher_b.TransferOut, transfer_out(student))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    code, _ = failure(teacher_b.GetMovementHistory, movements_pb2.GetMovementHistoryRequest(student_id=student))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    other_school = client_for(school_id="school-b")
    code, _ = failure(other_school.TransferOut, transfer_out(student))
    assert code == grpc.StatusCode.NOT_FOUND
    report = teacher_b.GetMovementReport(
        movements_pb2.GetMovementReportRequest(
            school_year_id=admin.ListSchoolYears(students_pb2.ListSchoolYearsRequest()).school_years[0].school_year_id
        )
    )
    assert [r.class_name for r in report.classes] == ["3B"]


def test_report_counts_per_class_and_grade(client: Client, clock: Clock) -> None:
    year_id, class_a, class_b = setup_classes(client)
    ids = [enrol(client, class_a, n) for n in ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]]
    enrol(client, class_b, "Đỗ Thị Dung")
    clock.now = datetime(2026, 3, 20, 3, 0, tzinfo=UTC)
    client.TransferOut(
        transfer_out(ids[0], effective_date="2026-03-20", application_received_on="2026-03-18", handed_over_on="")
    )
    client.RecordDropout(
        movements_pb2.RecordDropoutRequest(student_id=ids[1], effective_date="2026-03-20", reason_code="KHONG_RO")
    )
    client.TransferIn(transfer_in(class_b, effective_date="2026-03-20"))
    client.ChangeClass(
        movements_pb2.ChangeClassRequest(
            student_id=ids[2], class_id=class_b, effective_date="2026-03-20", reason_code="KHAC"
        )
    )

    report = client.GetMovementReport(
        movements_pb2.GetMovementReportRequest(school_year_id=year_id, period_from="2026-03-15", period_to="2026-03-31")
    )
    rows = {r.class_name: r.counts for r in report.classes}
    a, b = rows["3A"], rows["3B"]
    assert (a.start, a.transfers_in, a.other_in, a.transfers_out, a.dropouts, a.other_out, a.end) == (
        3,
        0,
        0,
        1,
        1,
        1,
        0,
    )
    assert (b.start, b.transfers_in, b.other_in, b.transfers_out, b.dropouts, b.other_out, b.end) == (
        1,
        1,
        1,
        0,
        0,
        0,
        3,
    )
    assert [(g.grade_level, g.counts.start, g.counts.end) for g in report.grades] == [(3, 4, 3)]
    assert (report.total.start, report.total.end) == (4, 3)
    code, fields = failure(
        client.GetMovementReport,
        movements_pb2.GetMovementReportRequest(
            school_year_id=year_id, period_from="2026-04-01", period_to="2026-03-01"
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "period_to" in fields
    whole_year = client.GetMovementReport(movements_pb2.GetMovementReportRequest(school_year_id=year_id))
    assert (whole_year.period_from, whole_year.period_to) == ("2025-09-05", "2026-05-31")
    assert whole_year.total.start == 0
    assert whole_year.total.end == 3


def test_roll_over_moves_up_keeps_repeaters_completes_grade_five_and_is_idempotent(
    client: Client, engine: Engine
) -> None:
    old = client.CreateSchoolYear(YEAR).school_year.school_year_id
    new = client.CreateSchoolYear(
        students_pb2.CreateSchoolYearRequest(name="2026-2027", start_date="2026-09-05", end_date="2027-05-31")
    ).school_year.school_year_id
    c3 = client.CreateClass(students_pb2.CreateClassRequest(school_year_id=old, name="3B", grade_level=3)).school_class
    c5 = client.CreateClass(students_pb2.CreateClassRequest(school_year_id=old, name="5A", grade_level=5)).school_class
    up = enrol(client, c3.class_id, "Nguyễn Văn An")
    stays = enrol(client, c3.class_id, "Trần Thị Bình")
    marked = enrol(client, c3.class_id, "Lê Văn Cường")
    done = enrol(client, c5.class_id, "Đỗ Thị Dung")
    assert client.MarkRepeat(movements_pb2.MarkRepeatRequest(student_id=marked, repeat=True)).school_year_id == old

    request = movements_pb2.RollOverRequest(
        from_school_year_id=old, to_school_year_id=new, repeater_student_ids=[stays]
    )
    result = client.RollOver(request)
    assert sorted(result.created_class_names) == ["3B", "4B"]
    summary = {c.from_class.class_name: c for c in result.classes}
    assert (summary["3B"].promoted, summary["3B"].repeated, summary["3B"].completed) == (1, 2, 0)
    assert (summary["3B"].to_class.class_name, summary["3B"].repeat_class.class_name) == ("4B", "3B")
    assert (summary["5A"].promoted, summary["5A"].completed) == (0, 1)

    new_classes = {c.name: c for c in client.ListClasses(students_pb2.ListClassesRequest(school_year_id=new)).classes}
    assert (new_classes["4B"].size, new_classes["3B"].size, new_classes["4B"].grade_level) == (1, 2, 4)
    assert size(client, c3.class_id) == 0
    assert (
        client.GetStudent(students_pb2.GetStudentRequest(student_id=up)).student.class_id == new_classes["4B"].class_id
    )
    finished = client.GetMovementHistory(movements_pb2.GetMovementHistoryRequest(student_id=done))
    assert finished.status == "HOAN_THANH_TIEU_HOC"
    assert finished.student.class_id == ""
    types = event_types(engine)
    assert types.count("school.students.v1.StudentClassChanged") == 3
    assert types.count("school.students.v1.StudentStatusChanged") == 1
    assert types[-1] == "school.students.v1.ClassesRolledOver"

    # Running it again moves nobody and emits nothing.
    again = client.RollOver(request)
    assert list(again.classes) == []
    assert event_types(engine) == types

    _, fields = failure(client.RollOver, movements_pb2.RollOverRequest(from_school_year_id=new, to_school_year_id=old))
    assert "to_school_year_id" in fields


def test_delete_refuses_history_and_merge_keeps_one_record(client: Client, engine: Engine) -> None:
    _, class_a, class_b = setup_classes(client)
    mistake = enrol(client, class_a, "Nguyễn Văn Nhầm")
    code, fields = failure(client.DeleteStudent, movements_pb2.DeleteStudentRequest(student_id=mistake))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert fields["reason"] == "Vui lòng nhập lý do"
    code, fields = failure(
        client.DeleteStudent,
        movements_pb2.DeleteStudentRequest(student_id=mistake, reason="Nhập trùng", confirm_student_code="HS9"),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "Hãy nhập đúng mã học sinh" in fields["confirm_student_code"]
    code_of = client.GetStudent(students_pb2.GetStudentRequest(student_id=mistake)).student.student_code
    client.DeleteStudent(
        movements_pb2.DeleteStudentRequest(student_id=mistake, reason="Nhập trùng", confirm_student_code=code_of)
    )
    assert size(client, class_a) == 0
    code, _ = failure(client.GetStudent, students_pb2.GetStudentRequest(student_id=mistake))
    assert code == grpc.StatusCode.NOT_FOUND
    assert event_types(engine)[-1] == "school.students.v1.StudentDeleted"

    moved = enrol(client, class_a, "Trần Thị Bình")
    client.ChangeClass(
        movements_pb2.ChangeClassRequest(student_id=moved, class_id=class_b, effective_date=TODAY, reason_code="KHAC")
    )
    moved_code = client.GetStudent(students_pb2.GetStudentRequest(student_id=moved)).student.student_code
    code, fields = failure(
        client.DeleteStudent,
        movements_pb2.DeleteStudentRequest(student_id=moved, reason="x", confirm_student_code=moved_code),
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "lịch sử biến động" in fields["student_id"]

    keep = enrol(client, class_b, "Lê Văn An")
    duplicate = enrol(client, class_b, "Lê Văn An")
    assert size(client, class_b) == 3
    merged = client.MergeStudents(
        movements_pb2.MergeStudentsRequest(
            surviving_student_id=keep,
            merged_student_id=duplicate,
            reason="Trùng hồ sơ",
            confirm_student_code=client.GetStudent(
                students_pb2.GetStudentRequest(student_id=duplicate)
            ).student.student_code,
        )
    ).student
    assert merged.student_id == keep
    assert size(client, class_b) == 2
    assert event_types(engine)[-1] == "school.students.v1.StudentsMerged"
    elsewhere = enrol(client, class_a, "Phạm Văn Khác")
    code, fields = failure(
        client.MergeStudents,
        movements_pb2.MergeStudentsRequest(
            surviving_student_id=keep,
            merged_student_id=elsewhere,
            reason="x",
            confirm_student_code=client.GetStudent(
                students_pb2.GetStudentRequest(student_id=elsewhere)
            ).student.student_code,
        ),
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "hai lớp khác nhau" in fields["merged_student_id"]


def test_delete_needs_its_permission(client_for: Callable[..., Client]) -> None:
    admin = client_for()
    _, class_a, _ = setup_classes(admin)
    student = enrol(admin, class_a, "Nguyễn Văn An")
    writer = client_for(permissions=frozenset({"students:movement:write", "students:student:write"}))
    code, _ = failure(writer.DeleteStudent, movements_pb2.DeleteStudentRequest(student_id=student, reason="x"))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    code, _ = failure(writer.RollOver, movements_pb2.RollOverRequest(from_school_year_id="a", to_school_year_id="b"))
    assert code == grpc.StatusCode.PERMISSION_DENIED


def test_handover_is_recorded_after_the_transfer(client: Client) -> None:
    _, class_a, _ = setup_classes(client)
    student = enrol(client, class_a, "Nguyễn Văn An")
    moved = client.TransferOut(transfer_out(student, handed_over_on="", documents=[])).movement
    assert moved.handed_over_on == ""
    code, fields = failure(
        client.RecordHandover,
        movements_pb2.RecordHandoverRequest(
            student_id=student, movement_id=moved.movement_id, handed_over_on="2026-03-05", documents=["HOC_BA"]
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "không được trước ngày nhận đơn (06/03/2026)" in fields["handed_over_on"]
    done = client.RecordHandover(
        movements_pb2.RecordHandoverRequest(
            student_id=student,
            movement_id=moved.movement_id,
            handed_over_on=TODAY,
            documents=["HOC_BA", "TIEN_DO_VA_KET_QUA"],
        )
    ).movement
    assert (done.handed_over_on, list(done.documents), done.handover_deadline) == (
        TODAY,
        ["HOC_BA", "TIEN_DO_VA_KET_QUA"],
        "2026-03-11",
    )
    code, _ = failure(
        client.RecordHandover,
        movements_pb2.RecordHandoverRequest(student_id=student, movement_id="nope", handed_over_on=TODAY),
    )
    assert code == grpc.StatusCode.NOT_FOUND


def test_a_student_who_transferred_out_can_come_back(client: Client) -> None:
    _, class_a, class_b = setup_classes(client)
    student = enrol(client, class_a, "Nguyễn Văn An")
    client.TransferOut(transfer_out(student))
    came = client.TransferIn(transfer_in(class_b, student_id=student, full_name="", date_of_birth=""))
    assert came.student.student_id == student
    assert came.student.class_id == class_b
    assert (came.movement.status_before, came.movement.status_after) == ("CHUYEN_DI", "DANG_HOC")
    assert size(client, class_b) == 1
    code, fields = failure(client.TransferIn, transfer_in(class_a, student_id=student))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "student_id" in fields


def test_delete_and_merge_take_the_record_and_guardians_along(client: Client, engine: Engine) -> None:
    _, class_a, class_b = setup_classes(client)
    mother = records_pb2.GuardianInput(full_name="Lê Thị Hoa", relation="ME", phone="0912345678")

    def code_of(student_id: str) -> str:
        return str(client.GetStudent(students_pb2.GetStudentRequest(student_id=student_id)).student.student_code)

    # A pupil entered by mistake, with a record row and a guardian: deleting takes them along.
    mistake = enrol(client, class_a, "Nguyễn Văn Nhầm")
    client.AddGuardian(records_pb2.AddGuardianRequest(student_id=mistake, guardian=mother))
    client.DeleteStudent(
        movements_pb2.DeleteStudentRequest(
            student_id=mistake, reason="Nhập nhầm", confirm_student_code=code_of(mistake)
        )
    )
    assert size(client, class_a) == 0

    # A guardian who signs in as a parent must be unlinked first (the parent's access ends by event).
    linked = enrol(client, class_a, "Trần Văn Liên")
    guardian = client.AddGuardian(records_pb2.AddGuardianRequest(student_id=linked, guardian=mother)).guardian
    client.LinkGuardianAccount(
        records_pb2.LinkGuardianAccountRequest(
            student_id=linked, guardian_id=guardian.guardian_id, parent_account_id="acc-parent"
        )
    )
    code, fields = failure(
        client.DeleteStudent,
        movements_pb2.DeleteStudentRequest(student_id=linked, reason="Nhập nhầm", confirm_student_code=code_of(linked)),
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "tài khoản phụ huynh" in fields["student_id"]

    # An old record that transferred out is kept; the new duplicate in 2A is merged into it: the
    # kept record takes the class, the status, the guardians, and the parent follows it.
    old = enrol(client, class_b, "Phạm Thị Cũ")
    client.TransferOut(transfer_out(old))
    new = enrol(client, class_a, "Phạm Thị Cũ")
    parent = client.AddGuardian(records_pb2.AddGuardianRequest(student_id=new, guardian=mother)).guardian
    client.LinkGuardianAccount(
        records_pb2.LinkGuardianAccountRequest(
            student_id=new, guardian_id=parent.guardian_id, parent_account_id="acc-parent-2"
        )
    )
    merged = client.MergeStudents(
        movements_pb2.MergeStudentsRequest(
            surviving_student_id=old, merged_student_id=new, reason="Trùng hồ sơ", confirm_student_code=code_of(new)
        )
    ).student
    assert merged.class_id == class_a
    record = client.GetStudentRecord(records_pb2.GetStudentRecordRequest(student_id=old))
    assert [g.guardian_id for g in record.guardians] == [parent.guardian_id]
    assert event_types(engine)[-3:] == [
        "school.students.v1.StudentsMerged",
        "school.students.v1.GuardianUnlinked",
        "school.students.v1.GuardianLinked",
    ]
    # The kept record is a pupil of 2A again: its next movement is accepted.
    client.ChangeClass(
        movements_pb2.ChangeClassRequest(student_id=old, class_id=class_b, effective_date=TODAY, reason_code="KHAC")
    )
    assert size(client, class_b) == 1


def test_the_same_departure_sent_twice_at_once_is_recorded_once(client: Client, engine: Engine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _, class_a, class_b = setup_classes(client)
    pupil = enrol(client, class_a, "Hà Văn Đúp")

    def dropout() -> str:
        try:
            client.RecordDropout(
                movements_pb2.RecordDropoutRequest(
                    student_id=pupil, effective_date=TODAY, reason_code="KINH_TE_KHO_KHAN"
                )
            )
        except grpc.RpcError as err:
            return str(err.code().name)
        return "OK"

    def change(target: str) -> str:
        try:
            client.ChangeClass(
                movements_pb2.ChangeClassRequest(
                    student_id=pupil, class_id=target, effective_date=TODAY, reason_code="KHAC"
                )
            )
        except grpc.RpcError as err:
            return str(err.code().name)
        return "OK"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(lambda _: dropout(), range(4)))
    assert outcomes.count("OK") == 1
    assert set(outcomes) - {"OK"} <= {"FAILED_PRECONDITION", "ABORTED"}
    assert event_types(engine).count("school.students.v1.StudentDroppedOut") == 1
    assert size(client, class_a) == 0

    pupil = enrol(client, class_a, "Hà Thị Chuyển")
    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(change, [class_b, class_b]))
    # Never a server error: one change lands, a duplicate is refused or (same target) answered as such.
    assert "INTERNAL" not in outcomes
    assert "UNKNOWN" not in outcomes
    assert outcomes.count("OK") == 1
    assert size(client, class_b) == 1
