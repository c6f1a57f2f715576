"""StudentRecordsService over real gRPC on SQLite (and PostgreSQL when TEST_POSTGRES_URL is set):
the record, sensitive fields by caller, guardians and parent accounts, completeness, migration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, select

from school.students.v1 import records_pb2, records_pb2_grpc, students_pb2, students_pb2_grpc
from school_students.adapters.tables import outbox
from school_students.api import permissions as perm
from school_students.bootstrap import MIGRATIONS_DIR
from schoolkit.context import Caller
from schoolkit.db import make_engine, normalise_url, run_migrations
from schoolkit.grpc_errors import field_violations
from schoolkit.grpc_server import GrpcServer
from schoolkit.testing import database_kinds, fresh_database
from schoolkit.tokens import TokenIssuer

pytestmark = pytest.mark.integration

SCHOOL_A = "school-a"
YEAR = students_pb2.CreateSchoolYearRequest(name="2025-2026", start_date="2025-09-05", end_date="2026-05-31")
EVERYTHING = frozenset(perm.ALL) | frozenset(perm.RECORDS)
GVCN = frozenset(
    {perm.SCHOOL_YEAR_READ, perm.CLASS_READ, perm.STUDENT_READ, perm.STUDENT_WRITE, perm.STUDENT_READ_SENSITIVE}
)
GVBM = frozenset({perm.SCHOOL_YEAR_READ, perm.CLASS_READ, perm.STUDENT_READ})
CMHS = frozenset({perm.STUDENT_READ})


class Client:
    """Both services' stubs, sending a fresh internal token for one caller on every call."""

    def __init__(self, channel: grpc.Channel, issuer: TokenIssuer, caller: Caller) -> None:
        self._stubs: list[Any] = [
            records_pb2_grpc.StudentRecordsServiceStub(channel),
            students_pb2_grpc.StudentsServiceStub(channel),
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
def client_for(server: GrpcServer, issuer: TokenIssuer) -> Iterator[Callable[..., Client]]:
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")

    def make(
        permissions: frozenset[str] = EVERYTHING,
        scopes: frozenset[str] = frozenset({"school"}),
        school_id: str = SCHOOL_A,
        subject: str = "u-admin",
    ) -> Client:
        return Client(
            channel, issuer, Caller(subject=subject, school_id=school_id, permissions=permissions, scopes=scopes)
        )

    yield make
    channel.close()


@pytest.fixture
def admin(client_for: Callable[..., Client]) -> Client:
    return client_for()


@pytest.fixture
def world(admin: Client) -> dict[str, Any]:
    year = admin.CreateSchoolYear(YEAR).school_year
    classes = {}
    for name in ("1A", "1B"):
        classes[name] = admin.CreateClass(
            students_pb2.CreateClassRequest(school_year_id=year.school_year_id, name=name, grade_level=1)
        ).school_class
    pupils = {}
    for name, cls, gender in [
        ("Nguyễn Văn An", "1A", students_pb2.GENDER_MALE),
        ("Trần Thị Bình", "1A", students_pb2.GENDER_FEMALE),
        ("Lê Văn Cường", "1B", students_pb2.GENDER_MALE),
    ]:
        pupils[name] = admin.EnrollStudent(
            students_pb2.EnrollStudentRequest(
                class_id=classes[cls].class_id, full_name=name, date_of_birth="2019-02-03", gender=gender
            )
        ).student
    return {"year": year, "classes": classes, "pupils": pupils}


def failure(call: Callable[[Any], Any], request: Any) -> tuple[grpc.StatusCode, dict[str, str]]:
    with pytest.raises(grpc.RpcError) as info:
        call(request)
    return info.value.code(), field_violations(info.value)


def full_record(student: students_pb2.Student, **changes: Any) -> records_pb2.UpdateStudentRecordRequest:
    fields = {
        "csdl_id": "0100000001",
        "citizen_id": "001219123456",
        "ethnicity": "01",
        "nationality": "",
        "place_of_birth": "Hà Nội",
        "permanent_address": records_pb2.Address(province_code="01", commune="Phường Hoàn Kiếm", detail="5 Hàng Bài"),
        "current_address": records_pb2.Address(province_code="01", commune="Phường Hoàn Kiếm"),
        "policy_categories": ["HO_NGHEO"],
        "disability_type": "",
    }
    fields.update(changes)
    return records_pb2.UpdateStudentRecordRequest(
        student_id=student.student_id,
        expected_version=student.version,
        full_name=student.full_name,
        date_of_birth=student.date_of_birth,
        gender=student.gender,
        record=records_pb2.StudentRecordFields(**fields),
    )


MOTHER = records_pb2.GuardianInput(full_name="Phạm Thị Hoa", relation="ME", phone="+84 912 345 678", birth_year="1990")


def event_types(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r["event_type"] for r in conn.execute(select(outbox).order_by(outbox.c.seq)).mappings()]


def test_record_round_trip_and_events_without_values(admin: Client, world: dict[str, Any], engine: Engine) -> None:
    an = world["pupils"]["Nguyễn Văn An"]
    empty = admin.GetStudentRecord(records_pb2.GetStudentRecordRequest(student_id=an.student_id))
    assert empty.sensitive_visible
    assert empty.editable
    assert empty.record.nationality == "Việt Nam"
    assert "citizen_id" in empty.missing_fields
    assert [(e.class_name, e.school_year_name, e.left_on) for e in empty.enrolments] == [("1A", "2025-2026", "")]

    updated = admin.UpdateStudentRecord(full_record(an)).record
    assert updated.student.version == an.version + 1
    assert updated.record.citizen_id == "001219123456"
    assert updated.record.permanent_address.commune == "Phường Hoàn Kiếm"
    assert list(updated.record.policy_categories) == ["HO_NGHEO"]
    assert list(updated.missing_fields) == ["guardian", "guardian_phone"]

    with engine.connect() as conn:
        rows = list(conn.execute(select(outbox).order_by(outbox.c.seq)).mappings())
    changed = [r for r in rows if r["event_type"].endswith("StudentRecordChanged")]
    assert len(changed) == 1
    message = records_pb2.StudentRecordChanged.FromString(changed[0]["payload"])
    assert "citizen_id" in message.changed_fields
    assert b"001219123456" not in changed[0]["payload"]
    assert "Hoàn Kiếm".encode() not in changed[0]["payload"]

    # Saving the same values again changes nothing: no new version, no event.
    again = admin.UpdateStudentRecord(full_record(updated.student)).record
    assert again.student.version == updated.student.version
    assert len([t for t in event_types(engine) if t.endswith("StudentRecordChanged")]) == 1


@pytest.mark.parametrize(
    ("changes", "field", "part"),
    [
        ({"citizen_id": "00121912345"}, "citizen_id", "12 chữ số"),
        ({"citizen_id": "001319123456"}, "citizen_id", "giới tính nam"),
        ({"citizen_id": "001218123456"}, "citizen_id", "năm sinh"),
        ({"ethnicity": "99"}, "ethnicity", "54 dân tộc"),
        (
            {"permanent_address": records_pb2.Address(province_code="02", commune="Xã A")},
            "permanent_address.province_code",
            "34",
        ),
    ],
)
def test_bad_record_fields_are_named_in_vietnamese(
    admin: Client, world: dict[str, Any], changes: dict[str, Any], field: str, part: str
) -> None:
    an = world["pupils"]["Nguyễn Văn An"]
    code, fields = failure(admin.UpdateStudentRecord, full_record(an, **changes))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert part in fields[field]


def test_future_birth_date_is_refused(admin: Client, world: dict[str, Any]) -> None:
    an = world["pupils"]["Nguyễn Văn An"]
    request = full_record(an)
    request.date_of_birth = "2999-01-01"
    code, fields = failure(admin.UpdateStudentRecord, request)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "tương lai" in fields["date_of_birth"]


def test_duplicate_csdl_id_in_the_school_is_refused(admin: Client, world: dict[str, Any]) -> None:
    an, binh = world["pupils"]["Nguyễn Văn An"], world["pupils"]["Trần Thị Bình"]
    admin.UpdateStudentRecord(full_record(an))
    request = full_record(binh, citizen_id="001319123456")
    code, fields = failure(admin.UpdateStudentRecord, request)
    assert code == grpc.StatusCode.ALREADY_EXISTS
    assert "0100000001" in fields["csdl_id"]
    # Without the CSDL ID the other record is accepted.
    assert admin.UpdateStudentRecord(full_record(binh, csdl_id="", citizen_id="")).record.record.csdl_id == ""


def test_stale_version_is_refused(admin: Client, world: dict[str, Any]) -> None:
    an = world["pupils"]["Nguyễn Văn An"]
    admin.UpdateStudentRecord(full_record(an))
    code, fields = failure(admin.UpdateStudentRecord, full_record(an, place_of_birth="Huế"))
    assert code == grpc.StatusCode.ABORTED
    assert "expected_version" in fields


def test_gvbm_sees_names_and_classes_not_family_or_policy(
    admin: Client, client_for: Callable[..., Client], world: dict[str, Any]
) -> None:
    an = world["pupils"]["Nguyễn Văn An"]
    admin.UpdateStudentRecord(full_record(an))
    admin.AddGuardian(records_pb2.AddGuardianRequest(student_id=an.student_id, guardian=MOTHER))
    class_1a = world["classes"]["1A"].class_id
    gvbm = client_for(permissions=GVBM, scopes=frozenset({f"class_subject:{class_1a}:TOAN"}), subject="u-gvbm")
    seen = gvbm.GetStudentRecord(records_pb2.GetStudentRecordRequest(student_id=an.student_id))
    assert seen.student.full_name == "Nguyễn Văn An"
    assert seen.record.csdl_id == "0100000001"
    assert not seen.sensitive_visible
    assert not seen.editable
    assert seen.record.citizen_id == ""
    assert seen.record.permanent_address.commune == ""
    assert list(seen.record.policy_categories) == []
    assert list(seen.guardians) == []
    code, _ = failure(gvbm.GetClassCompleteness, records_pb2.GetClassCompletenessRequest(class_id=class_1a))
    assert code == grpc.StatusCode.PERMISSION_DENIED

    gvcn = client_for(permissions=GVCN, scopes=frozenset({f"class:{class_1a}"}), subject="u-gvcn")
    full = gvcn.GetStudentRecord(records_pb2.GetStudentRecordRequest(student_id=an.student_id))
    assert full.sensitive_visible
    assert full.record.citizen_id == "001219123456"
    assert [g.phone for g in full.guardians] == ["0912345678"]
    cuong = world["pupils"]["Lê Văn Cường"]
    code, _ = failure(gvcn.GetStudentRecord, records_pb2.GetStudentRecordRequest(student_id=cuong.student_id))
    assert code == grpc.StatusCode.PERMISSION_DENIED


def test_guardians_shared_between_siblings_and_phone_rule(admin: Client, world: dict[str, Any]) -> None:
    an, binh = world["pupils"]["Nguyễn Văn An"], world["pupils"]["Trần Thị Bình"]
    code, fields = failure(
        admin.AddGuardian,
        records_pb2.AddGuardianRequest(
            student_id=an.student_id,
            guardian=records_pb2.GuardianInput(full_name="Phạm Thị Hoa", relation="ME", phone="12345"),
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "Số điện thoại" in fields["guardian.phone"]
    mother = admin.AddGuardian(records_pb2.AddGuardianRequest(student_id=an.student_id, guardian=MOTHER)).guardian
    shared = admin.AddGuardian(
        records_pb2.AddGuardianRequest(
            student_id=binh.student_id,
            guardian_id=mother.guardian_id,
            guardian=records_pb2.GuardianInput(relation="ME"),
        )
    ).guardian
    assert shared.guardian_id == mother.guardian_id
    code, _ = failure(
        admin.AddGuardian,
        records_pb2.AddGuardianRequest(
            student_id=binh.student_id,
            guardian_id=mother.guardian_id,
            guardian=records_pb2.GuardianInput(relation="ME"),
        ),
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS

    changed = admin.UpdateGuardian(
        records_pb2.UpdateGuardianRequest(
            student_id=binh.student_id,
            guardian_id=mother.guardian_id,
            expected_version=mother.version,
            guardian=records_pb2.GuardianInput(full_name="Phạm Thị Hoa", relation="ME", phone="0987 654 321"),
        )
    ).guardian
    assert changed.phone == "0987654321"
    seen_by_an = admin.GetStudentRecord(records_pb2.GetStudentRecordRequest(student_id=an.student_id))
    assert [g.phone for g in seen_by_an.guardians] == ["0987654321"]

    admin.RemoveGuardian(records_pb2.RemoveGuardianRequest(student_id=an.student_id, guardian_id=mother.guardian_id))
    assert list(admin.GetStudentRecord(records_pb2.GetStudentRecordRequest(student_id=an.student_id)).guardians) == []
    # Removing again (a retried request) changes nothing and succeeds.
    admin.RemoveGuardian(records_pb2.RemoveGuardianRequest(student_id=an.student_id, guardian_id=mother.guardian_id))
    assert len(admin.GetStudentRecord(records_pb2.GetStudentRecordRequest(student_id=binh.student_id)).guardians) == 1


def test_parent_link_events_and_own_child_only(
    admin: Client, client_for: Callable[..., Client], world: dict[str, Any], engine: Engine
) -> None:
    an, binh = world["pupils"]["Nguyễn Văn An"], world["pupils"]["Trần Thị Bình"]
    admin.UpdateStudentRecord(full_record(an))
    mother = admin.AddGuardian(records_pb2.AddGuardianRequest(student_id=an.student_id, guardian=MOTHER)).guardian
    linked = admin.LinkGuardianAccount(
        records_pb2.LinkGuardianAccountRequest(
            student_id=an.student_id, guardian_id=mother.guardian_id, parent_account_id="acc-parent"
        )
    ).guardian
    assert linked.parent_account_id == "acc-parent"
    with engine.connect() as conn:
        rows = [
            r
            for r in conn.execute(select(outbox).order_by(outbox.c.seq)).mappings()
            if r["event_type"].endswith("GuardianLinked")
        ]
    assert len(rows) == 1
    event = records_pb2.GuardianLinked.FromString(rows[0]["payload"])
    assert (event.student_id, event.parent_account_id, event.school_id) == (an.student_id, "acc-parent", SCHOOL_A)

    parent = client_for(permissions=CMHS, scopes=frozenset({f"child:{an.student_id}"}), subject="acc-parent")
    own = parent.GetStudentRecord(records_pb2.GetStudentRecordRequest(student_id=an.student_id))
    assert own.sensitive_visible
    assert not own.editable
    assert own.record.citizen_id == "********3456"  # masked: parents are not holders of read_sensitive
    assert [g.full_name for g in own.guardians] == ["Phạm Thị Hoa"]
    assert [s.student_id for s in parent.ListMyChildren(records_pb2.ListMyChildrenRequest()).students] == [
        an.student_id
    ]
    for call, request in [
        (parent.GetStudentRecord, records_pb2.GetStudentRecordRequest(student_id=binh.student_id)),
        (parent.GetStudent, students_pb2.GetStudentRequest(student_id=binh.student_id)),
        (parent.ListStudents, students_pb2.ListStudentsRequest(class_id=world["classes"]["1A"].class_id)),
        (
            parent.GetClassCompleteness,
            records_pb2.GetClassCompletenessRequest(class_id=world["classes"]["1A"].class_id),
        ),
        (parent.UpdateStudentRecord, full_record(an)),
    ]:
        code, _ = failure(call, request)
        assert code == grpc.StatusCode.PERMISSION_DENIED, call

    admin.UnlinkGuardianAccount(
        records_pb2.UnlinkGuardianAccountRequest(student_id=an.student_id, guardian_id=mother.guardian_id)
    )
    assert any(t.endswith("GuardianUnlinked") for t in event_types(engine))


def test_a_head_teacher_who_is_also_a_parent_keeps_school_wide_reach(
    client_for: Callable[..., Client], world: dict[str, Any]
) -> None:
    an, cuong = world["pupils"]["Nguyễn Văn An"], world["pupils"]["Lê Văn Cường"]
    both = client_for(scopes=frozenset({"school", f"child:{an.student_id}"}), subject="u-ht-parent")
    seen = both.GetStudentRecord(records_pb2.GetStudentRecordRequest(student_id=cuong.student_id))
    assert seen.sensitive_visible
    assert seen.editable
    both.UpdateStudentRecord(full_record(an))


def test_link_needs_the_permission(client_for: Callable[..., Client], admin: Client, world: dict[str, Any]) -> None:
    an = world["pupils"]["Nguyễn Văn An"]
    mother = admin.AddGuardian(records_pb2.AddGuardianRequest(student_id=an.student_id, guardian=MOTHER)).guardian
    gvcn = client_for(permissions=GVCN, scopes=frozenset({f"class:{an.class_id}"}))
    code, _ = failure(
        gvcn.LinkGuardianAccount,
        records_pb2.LinkGuardianAccountRequest(
            student_id=an.student_id, guardian_id=mother.guardian_id, parent_account_id="acc-x"
        ),
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED


def test_other_school_ids_are_not_found(client_for: Callable[..., Client], world: dict[str, Any]) -> None:
    other = client_for(school_id="school-b")
    an = world["pupils"]["Nguyễn Văn An"]
    code, _ = failure(other.GetStudentRecord, records_pb2.GetStudentRecordRequest(student_id=an.student_id))
    assert code == grpc.StatusCode.NOT_FOUND


def test_class_and_school_completeness(admin: Client, world: dict[str, Any]) -> None:
    an = world["pupils"]["Nguyễn Văn An"]
    admin.UpdateStudentRecord(full_record(an))
    admin.AddGuardian(records_pb2.AddGuardianRequest(student_id=an.student_id, guardian=MOTHER))
    class_1a = world["classes"]["1A"].class_id
    report = admin.GetClassCompleteness(records_pb2.GetClassCompletenessRequest(class_id=class_1a))
    assert (report.total, report.complete, report.percent) == (2, 1, 50)
    by_name = {s.full_name: list(s.missing_fields) for s in report.students}
    assert by_name["Nguyễn Văn An"] == []
    assert "citizen_id" in by_name["Trần Thị Bình"]
    assert "nationality" not in by_name["Trần Thị Bình"]

    school = admin.GetSchoolCompleteness(
        records_pb2.GetSchoolCompletenessRequest(school_year_id=world["year"].school_year_id)
    )
    assert [(c.class_name, c.total, c.complete) for c in school.classes] == [("1A", 2, 1), ("1B", 1, 0)]
    assert (school.total, school.complete, school.percent) == (3, 1, 33)


def test_reference_lists(admin: Client) -> None:
    ref = admin.GetRecordReference(records_pb2.GetRecordReferenceRequest())
    assert len(ref.ethnic_groups) == 54
    assert len(ref.provinces) == 34
    assert {e.code for e in ref.requirable_fields} >= {"csdl_id", "citizen_id", "guardian_phone"}


@pytest.mark.parametrize("kind", database_kinds())
def test_migration_0004_round_trip(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path, "students_mig") as url:
        engine = make_engine(url)
        try:
            run_migrations(MIGRATIONS_DIR, url)
            names = set(inspect(engine).get_table_names())
            assert {"student_records", "guardians", "student_guardians"} <= names
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
            cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
            command.downgrade(cfg, "0002")
            engine.dispose()
            assert not {"student_records", "guardians", "student_guardians"} & set(inspect(engine).get_table_names())
            run_migrations(MIGRATIONS_DIR, url)
            engine.dispose()
            assert {"student_records", "guardians", "student_guardians"} <= set(inspect(engine).get_table_names())
        finally:
            engine.dispose()


def test_attaching_another_familys_guardian_is_refused(
    admin: Client, client_for: Callable[..., Client], world: dict[str, Any]
) -> None:
    an, cuong = world["pupils"]["Nguyễn Văn An"], world["pupils"]["Lê Văn Cường"]
    binh = world["pupils"]["Trần Thị Bình"]
    # Cường (1B) has a mother who signs in as a parent.
    mother = admin.AddGuardian(records_pb2.AddGuardianRequest(student_id=cuong.student_id, guardian=MOTHER)).guardian
    admin.LinkGuardianAccount(
        records_pb2.LinkGuardianAccountRequest(
            student_id=cuong.student_id, guardian_id=mother.guardian_id, parent_account_id="acc-1b-parent"
        )
    )
    gvcn_1a = client_for(
        permissions=EVERYTHING - {perm.GUARDIAN_LINK},
        scopes=frozenset({f"class:{world['classes']['1A'].class_id}"}),
        subject="u-gvcn-1a",
    )
    attach = records_pb2.AddGuardianRequest(
        student_id=an.student_id, guardian_id=mother.guardian_id, guardian=records_pb2.GuardianInput(relation="ME")
    )
    # A guardian of a pupil of another class is answered as unknown: no contacts, no parent's reach.
    code, fields = failure(gvcn_1a.AddGuardian, attach)
    assert code == grpc.StatusCode.NOT_FOUND
    assert "guardian_id" in fields
    # Within the teacher's own class, a guardian who signs in as a parent needs the linking permission.
    own_mother = admin.AddGuardian(records_pb2.AddGuardianRequest(student_id=binh.student_id, guardian=MOTHER)).guardian
    admin.LinkGuardianAccount(
        records_pb2.LinkGuardianAccountRequest(
            student_id=binh.student_id, guardian_id=own_mother.guardian_id, parent_account_id="acc-1a-parent"
        )
    )
    code, fields = failure(
        gvcn_1a.AddGuardian,
        records_pb2.AddGuardianRequest(
            student_id=an.student_id,
            guardian_id=own_mother.guardian_id,
            guardian=records_pb2.GuardianInput(relation="ME"),
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "tài khoản phụ huynh" in fields["guardian_id"]
    assert list(admin.GetStudentRecord(records_pb2.GetStudentRecordRequest(student_id=an.student_id)).guardians) == []
