"""AttendanceService over gRPC on a real port (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set):
the day's sheet, saving and correcting it, refusals with Vietnamese field messages, scopes, a
second device's stale save, the monthly sheet, alerts and their events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import Engine, select

from school.students.v1 import attendance_pb2 as pb
from school.students.v1 import attendance_pb2_grpc, students_pb2, students_pb2_grpc
from school_students.adapters.tables import outbox
from school_students.bootstrap import Container, build
from school_students.config import load_settings
from schoolkit.context import Caller
from schoolkit.grpc_errors import field_violations
from schoolkit.grpc_server import GrpcServer, start_server
from schoolkit.testing import free_port
from schoolkit.tokens import TokenIssuer, TokenVerifier, load_public_key

pytestmark = pytest.mark.integration

SCHOOL = "school-a"
READ, WRITE = "students:attendance:read", "students:attendance:write"
SETUP = frozenset({"students:school_year:write", "students:class:write", "students:student:write"})
FRI, MON = "2026-11-27", "2026-11-23"
P, K, PRESENT = pb.ATTENDANCE_MARK_EXCUSED, pb.ATTENDANCE_MARK_UNEXCUSED, pb.ATTENDANCE_MARK_PRESENT


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def attendance_container(migrated_url: str, clock: Clock) -> Iterator[Container]:
    settings = load_settings({"DATABASE_URL": migrated_url, "SCHOOL_HOLIDAYS": "2026-11-20"})
    built = build(settings, clock=clock)
    yield built
    built.engine.dispose()


@pytest.fixture
def port(attendance_container: Container, keypair: tuple[Path, Path]) -> Iterator[int]:
    server: GrpcServer = start_server(
        register=attendance_container.registrations,
        verifier=TokenVerifier(load_public_key(keypair[1]), audience="students"),
        bind=f"127.0.0.1:{free_port()}",
        readiness=attendance_container.ready,
    )
    yield server.port
    server.stop(0)


class Client:
    """Both services' stubs, each call carrying a fresh token for ``caller``."""

    def __init__(self, channel: grpc.Channel, issuer: TokenIssuer, caller: Caller) -> None:
        self._stubs = [
            attendance_pb2_grpc.AttendanceServiceStub(channel),
            students_pb2_grpc.StudentsServiceStub(channel),
        ]
        self._issuer, self.caller = issuer, caller

    def __getattr__(self, rpc: str) -> Callable[[Any], Any]:
        method = next(getattr(s, rpc) for s in self._stubs if hasattr(s, rpc))

        def call(request: Any) -> Any:
            token = self._issuer.issue(self.caller, "students")
            return method(request, metadata=[("authorization", f"Bearer {token}")], timeout=10)

        return call


@pytest.fixture
def as_user(port: int, issuer: TokenIssuer) -> Iterator[Callable[..., Client]]:
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")

    def make(
        perms: frozenset[str] = frozenset({READ, WRITE}),
        scopes: frozenset[str] = frozenset({"school"}),
        school: str = SCHOOL,
        name: str = "Cô Lan",
    ) -> Client:
        caller = Caller(subject=f"u-{name}", school_id=school, permissions=perms, scopes=scopes, full_name=name)
        return Client(channel, issuer, caller)

    yield make
    channel.close()


@pytest.fixture
def world(as_user: Callable[..., Client], clock: Clock) -> dict[str, Any]:
    """Year 2026-2027, classes 1A (three pupils, enrolled on 2 November) and 1B (one pupil)."""
    admin = as_user(SETUP)
    year = admin.CreateSchoolYear(
        students_pb2.CreateSchoolYearRequest(name="2026-2027", start_date="2026-09-05", end_date="2027-05-31")
    ).school_year
    ids: dict[str, Any] = {"year": year.school_year_id}
    for name in ("1A", "1B"):
        ids[name] = admin.CreateClass(
            students_pb2.CreateClassRequest(school_year_id=year.school_year_id, name=name, grade_level=1)
        ).school_class.class_id
    pupils = {}
    for full_name, cls in (
        ("Nguyễn Văn An", "1A"),
        ("Trần Thị Bình", "1A"),
        ("Lê Minh Châu", "1A"),
        ("Phạm Dũng", "1B"),
    ):
        request = students_pb2.EnrollStudentRequest(
            class_id=ids[cls], full_name=full_name, date_of_birth="2019-05-01", gender=students_pb2.GENDER_FEMALE
        )
        pupils[full_name.split()[-1]] = admin.EnrollStudent(request).student.student_id
    ids["pupils"] = pupils
    clock.now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # Friday 10:00 in Vietnam
    return ids


def refused(call: Callable[[Any], Any], request: Any) -> tuple[grpc.StatusCode, dict[str, str]]:
    with pytest.raises(grpc.RpcError) as info:
        call(request)
    return info.value.code(), field_violations(info.value)


def events(engine: Engine) -> list[tuple[str, bytes]]:
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.event_type, outbox.c.payload).order_by(outbox.c.seq)).all()
    return [(r[0], r[1]) for r in rows if "Attendance" in r[0] or "Absence" in r[0]]


def save(client: Client, class_id: str, day: str, version: int, marks: dict[str, int], reason: str = "") -> Any:
    return client.SaveClassAttendance(
        pb.SaveClassAttendanceRequest(
            class_id=class_id,
            date=day,
            expected_version=version,
            marks=[pb.MarkInput(student_id=s, mark=m, note="ốm" if m == P else "") for s, m in marks.items()],
            correction_reason=reason,
        )
    )


def test_record_a_day_then_correct_it_with_a_reason(
    as_user: Callable[..., Client], world: dict[str, Any], engine: Engine
) -> None:
    gvcn = as_user(scopes=frozenset({f"class:{world['1A']}"}))
    a, b, c = (world["pupils"][n] for n in ("An", "Bình", "Châu"))
    blank = gvcn.GetClassAttendance(pb.GetClassAttendanceRequest(class_id=world["1A"], date=FRI)).day
    assert blank.version == 0
    assert [e.mark for e in blank.entries] == [PRESENT] * 3
    assert blank.counts.enrolled == 3
    assert blank.counts.present == 3
    # With no date the sheet opens on the latest school day (today, a Friday).
    assert gvcn.GetClassAttendance(pb.GetClassAttendanceRequest(class_id=world["1A"])).day.date == FRI

    saved = save(gvcn, world["1A"], FRI, 0, {b: P, c: K})
    assert saved.changed
    assert saved.day.version == 1
    counts = saved.day.counts
    assert (counts.enrolled, counts.present, counts.excused, counts.unexcused) == (3, 1, 1, 1)
    assert saved.day.recorded_by_name == "Cô Lan"
    # The same save again (a retried request) changes nothing, even with the old version.
    again = save(gvcn, world["1A"], FRI, 0, {b: P, c: K})
    assert not again.changed
    assert again.day.version == 1

    code, fields = refused(gvcn.SaveClassAttendance, _req(world["1A"], FRI, 1, {b: K, c: K}))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "lý do" in fields["correction_reason"]
    corrected = save(gvcn, world["1A"], FRI, 1, {b: K, c: K}, "Gia đình không xin phép")
    assert corrected.day.version == 2
    [change] = corrected.day.corrections
    assert (change.student_id, change.old_mark, change.new_mark, change.reason) == (b, P, K, "Gia đình không xin phép")
    assert change.corrected_by_name == "Cô Lan"
    assert change.full_name == "Trần Thị Bình"
    assert [e.mark for e in corrected.day.entries if e.student_id == a] == [PRESENT]

    recorded = [t for t, _ in events(engine)]
    assert recorded == ["school.students.v1.ClassAttendanceRecorded"] * 2
    message = pb.ClassAttendanceRecorded.FromString(events(engine)[-1][1])
    assert (message.class_name, message.date, message.counts.unexcused, message.counts.enrolled) == ("1A", FRI, 2, 3)
    assert "Bình" not in str(message)  # no names in the event


def _req(
    class_id: str, day: str, version: int, marks: dict[str, int], reason: str = ""
) -> pb.SaveClassAttendanceRequest:
    return pb.SaveClassAttendanceRequest(
        class_id=class_id,
        date=day,
        expected_version=version,
        marks=[pb.MarkInput(student_id=s, mark=m) for s, m in marks.items()],
        correction_reason=reason,
    )


def test_bad_days_pupils_and_marks_are_refused_in_vietnamese(
    as_user: Callable[..., Client], world: dict[str, Any]
) -> None:
    gvcn = as_user()
    b, dung = world["pupils"]["Bình"], world["pupils"]["Dũng"]
    cases = {
        "2026-11-30": "tương lai",
        "2026-11-21": "Thứ bảy",
        "2026-11-20": "ngày nghỉ",
        "2026-09-01": "ngoài năm học",
        "27/11/2026": "không hợp lệ",
        "": "Vui lòng chọn ngày",
    }
    for day, words in cases.items():
        code, fields = refused(gvcn.SaveClassAttendance, _req(world["1A"], day, 0, {}))
        assert code == grpc.StatusCode.INVALID_ARGUMENT, day
        assert words in fields["date"], (day, fields)
    # Before the pupils were enrolled (2 November) the class had nobody.
    code, fields = refused(gvcn.SaveClassAttendance, _req(world["1A"], "2026-10-30", 0, {b: P}))
    assert "không thuộc lớp" in fields[f"marks.{b}"]
    code, fields = refused(gvcn.SaveClassAttendance, _req(world["1A"], FRI, 0, {dung: P}))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "không thuộc lớp" in fields[f"marks.{dung}"]
    code, fields = refused(gvcn.SaveClassAttendance, _req(world["1A"], FRI, 0, {b: 9}))
    assert "Trần Thị Bình" in fields[f"marks.{b}"]
    code, fields = refused(
        gvcn.GetMonthlyAttendance, pb.GetMonthlyAttendanceRequest(class_id=world["1A"], month="11/2026")
    )
    assert "YYYY-MM" in fields["month"]


def test_scopes_permissions_and_other_schools(as_user: Callable[..., Client], world: dict[str, Any]) -> None:
    own = frozenset({f"class:{world['1A']}"})
    gvcn_1b = as_user(scopes=frozenset({f"class:{world['1B']}"}))
    gvbm = as_user(perms=frozenset({READ}), scopes=frozenset({f"class_subject:{world['1A']}:TIENG_ANH"}))
    reader = as_user(perms=frozenset({READ}))
    other_school = as_user(school="school-b")
    assert refused(gvcn_1b.SaveClassAttendance, _req(world["1A"], FRI, 0, {}))[0] == grpc.StatusCode.PERMISSION_DENIED
    assert refused(gvbm.SaveClassAttendance, _req(world["1A"], FRI, 0, {}))[0] == grpc.StatusCode.PERMISSION_DENIED
    assert refused(reader.SaveClassAttendance, _req(world["1A"], FRI, 0, {}))[0] == grpc.StatusCode.PERMISSION_DENIED
    # Homeroom of 1B who also teaches a subject in 1A: may read 1A's sheet, not take its attendance.
    both = as_user(scopes=frozenset({f"class:{world['1B']}", f"class_subject:{world['1A']}:TIENG_ANH"}))
    code, fields = refused(both.SaveClassAttendance, _req(world["1A"], FRI, 0, {}))
    assert (code, list(fields)) == (grpc.StatusCode.PERMISSION_DENIED, ["class_id"])
    assert (
        both.GetClassAttendance(pb.GetClassAttendanceRequest(class_id=world["1A"], date=FRI)).day.counts.enrolled == 3
    )
    assert refused(other_school.SaveClassAttendance, _req(world["1A"], FRI, 0, {}))[0] == grpc.StatusCode.NOT_FOUND
    get = pb.GetClassAttendanceRequest(class_id=world["1A"], date=FRI)
    assert refused(gvcn_1b.GetClassAttendance, get)[0] == grpc.StatusCode.PERMISSION_DENIED
    assert refused(as_user(perms=frozenset({WRITE}), scopes=own).GetClassAttendance, get)[0] == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    history = pb.GetStudentAttendanceRequest(student_id=world["pupils"]["An"])
    assert refused(gvcn_1b.GetStudentAttendance, history)[0] == grpc.StatusCode.PERMISSION_DENIED
    assert refused(other_school.GetStudentAttendance, history)[0] == grpc.StatusCode.NOT_FOUND
    assert reader.GetClassAttendance(get).day.counts.enrolled == 3
    assert as_user(scopes=own).GetStudentAttendance(history).student_id == world["pupils"]["An"]


def test_a_second_device_does_not_silently_overwrite(as_user: Callable[..., Client], world: dict[str, Any]) -> None:
    phone, desktop = as_user(name="Điện thoại"), as_user(name="Máy tính")
    b, c = world["pupils"]["Bình"], world["pupils"]["Châu"]
    save(phone, world["1A"], FRI, 0, {b: P})
    code, fields = refused(desktop.SaveClassAttendance, _req(world["1A"], FRI, 0, {c: K}))
    assert code == grpc.StatusCode.ABORTED
    assert "Điện thoại" in fields["expected_version"]
    assert "tải lại" in fields["expected_version"]
    stored = desktop.GetClassAttendance(pb.GetClassAttendanceRequest(class_id=world["1A"], date=FRI)).day
    assert {e.student_id: e.mark for e in stored.entries}[c] == PRESENT


def test_monthly_sheet_alerts_and_history(
    as_user: Callable[..., Client], world: dict[str, Any], engine: Engine, clock: Clock
) -> None:
    gvcn = as_user(scopes=frozenset({f"class:{world['1A']}"}))
    c = world["pupils"]["Châu"]
    # Châu absent Tue 24, Wed 25, Thu 26 (the holiday on Fri 20 is skipped): three in a row.
    for i, day in enumerate(("2026-11-24", "2026-11-25", "2026-11-26")):
        save(gvcn, world["1A"], day, 0, {c: K if i != 1 else P})
    [alert] = gvcn.ListAbsenceAlerts(pb.ListAbsenceAlertsRequest(class_id=world["1A"])).alerts
    assert (alert.student_id, alert.rule, alert.count, alert.raised_on) == (
        c,
        pb.ABSENCE_RULE_CONSECUTIVE,
        3,
        "2026-11-26",
    )
    raised = [p for t, p in events(engine) if t.endswith("AbsenceAlertRaised")]
    assert len(raised) == 1
    assert pb.AbsenceAlertRaised.FromString(raised[0]).class_name == "1A"
    # Still absent on Friday: the open alert is not raised again; present on Monday would close it.
    save(gvcn, world["1A"], FRI, 0, {c: K})
    assert len([t for t, _ in events(engine) if t.endswith("AbsenceAlertRaised")]) == 1
    school_wide = as_user(perms=frozenset({READ})).ListAbsenceAlerts(pb.ListAbsenceAlertsRequest()).alerts
    assert [a.class_name for a in school_wide] == ["1A"]
    assert (
        as_user(scopes=frozenset({f"class:{world['1B']}"})).ListAbsenceAlerts(pb.ListAbsenceAlertsRequest()).alerts
        == []
    )

    month = gvcn.GetMonthlyAttendance(pb.GetMonthlyAttendanceRequest(class_id=world["1A"], month="2026-11"))
    dates = [d.date for d in month.days]
    assert "2026-11-20" not in dates
    assert "2026-11-21" not in dates
    assert dates[0] == "2026-11-02"
    assert len(dates) == 20  # 21 weekdays in November 2026 less the holiday
    row = next(r for r in month.rows if r.student_id == c)
    assert row.unexcused == 3
    assert row.excused == 1
    assert row.marks[dates.index("2026-11-24")] == K
    assert row.marks[dates.index("2026-11-23")] == 0
    friday = month.days[dates.index(FRI)]
    assert friday.recorded
    assert (friday.counts.present, friday.counts.enrolled) == (2, 3)
    monday = month.days[dates.index(MON)]
    assert not monday.recorded
    assert monday.counts.enrolled == 3

    history = gvcn.GetStudentAttendance(pb.GetStudentAttendanceRequest(student_id=c))
    assert [d.date for d in history.days] == [FRI, "2026-11-26", "2026-11-25", "2026-11-24"]
    assert history.unexcused == 3
    assert history.days[0].class_name == "1A"

    # Present on the next school day (Monday 30): the alert closes.
    clock.now = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    save(gvcn, world["1A"], "2026-11-30", 0, {})
    assert gvcn.ListAbsenceAlerts(pb.ListAbsenceAlertsRequest(class_id=world["1A"])).alerts == []


def test_monthly_sheet_exports_to_excel(as_user: Callable[..., Client], world: dict[str, Any]) -> None:
    import io

    from openpyxl import load_workbook

    gvcn = as_user(scopes=frozenset({f"class:{world['1A']}"}))
    save(gvcn, world["1A"], FRI, 0, {world["pupils"]["Bình"]: P, world["pupils"]["Châu"]: K})
    answer = gvcn.ExportMonthlyAttendance(pb.ExportMonthlyAttendanceRequest(class_id=world["1A"], month="2026-11"))
    assert answer.filename == "chuyen-can-1A-2026-11.xlsx"
    ws = load_workbook(io.BytesIO(answer.workbook)).active
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    header = rows[2]
    friday = header.index("27/11")
    by_name = {r[2]: r for r in rows[3:-1]}
    assert by_name["Trần Thị Bình"][friday] == "P"
    assert by_name["Lê Minh Châu"][friday] == "K"
    assert by_name["Lê Minh Châu"][-2] == 1  # K total
    assert rows[-1][friday] == "1/3"
    refused_code = refused(
        as_user(scopes=frozenset({f"class:{world['1B']}"})).ExportMonthlyAttendance,
        pb.ExportMonthlyAttendanceRequest(class_id=world["1A"], month="2026-11"),
    )[0]
    assert refused_code == grpc.StatusCode.PERMISSION_DENIED


def test_two_devices_saving_at_once_one_wins(as_user: Callable[..., Client], world: dict[str, Any]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    devices = [as_user(name=f"Thiết bị {i}") for i in range(3)]
    pupils = list(world["pupils"].values())[:3]

    def attempt(i: int) -> str:
        try:
            # Each device marks a different pupil absent, so no two saves are the same.
            save(devices[i], world["1A"], FRI, 0, {pupils[i]: K})
        except grpc.RpcError as err:
            return str(err.code().name)
        return "OK"

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = sorted(pool.map(attempt, range(3)))
    assert outcomes.count("OK") == 1, outcomes
    assert set(outcomes) == {"OK", "ABORTED"}, outcomes
    stored = devices[0].GetClassAttendance(pb.GetClassAttendanceRequest(class_id=world["1A"], date=FRI)).day
    assert stored.version == 1
    assert stored.counts.unexcused == 1
