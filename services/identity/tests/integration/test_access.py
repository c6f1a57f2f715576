"""AccessService over real gRPC: roles and separation of duties, assignments fed by the students
service's events, principal scopes, the account-use review, and the audit log."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import grpc
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from school.identity.v1 import access_pb2
from school.students.v1 import events_pb2 as students_events
from school.students.v1 import students_pb2
from school_identity.adapters.tables import accounts, audit_log, inbox
from school_identity.domain.roles import PERMISSION_CATALOGUE
from school_identity.events.inbound import CONSUMER_GROUP, HANDLERS
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.events.consumer import remember_event
from schoolkit.grpc_errors import field_violations

from .conftest import OTHER_SCHOOL_ID, SCHOOL_ID, Identity

pytestmark = pytest.mark.integration

YEAR_ID = "9a1b0000-0000-4000-8000-000000002526"
CLASS_3A = "9a1b0000-0000-4000-8000-0000000003a0"
CLASS_4B = "9a1b0000-0000-4000-8000-0000000004b0"


def rpc_error(call: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value


def deliver(identity: Identity, message: Any, event_id: str) -> None:
    """Hand a CloudEvent to the consumer's handler the way schoolkit's Consumer does (inbox + effect)."""
    event = CloudEvent(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, event_id)),  # ce_id is a UUID (36 characters) in the inbox
        source=f"/schools/{SCHOOL_ID}/students",
        type=message.DESCRIPTOR.full_name,
        data=message.SerializeToString(),
    )
    with Session(identity.container.engine) as session, session.begin():
        if remember_event(session, inbox, CONSUMER_GROUP, event):
            HANDLERS[event.type](session, event)


def open_year(identity: Identity, school_id: str = SCHOOL_ID, year_id: str = YEAR_ID) -> None:
    deliver(
        identity,
        students_events.SchoolYearCreated(
            school_year=students_pb2.SchoolYear(
                school_year_id=year_id, name="2025-2026", start_date="2025-09-05", end_date="2026-05-31"
            ),
            school_id=school_id,
        ),
        f"ev-year-{year_id}-{school_id}",
    )
    for class_id, name, grade in ((CLASS_3A, "3A", 3), (CLASS_4B, "4B", 4)):
        deliver(
            identity,
            students_events.ClassCreated(
                school_class=students_pb2.SchoolClass(
                    class_id=class_id if school_id == SCHOOL_ID else class_id[:-1] + "9",
                    school_year_id=year_id,
                    name=name,
                    grade_level=grade,
                    max_size=35,
                ),
                school_id=school_id,
            ),
            f"ev-class-{class_id}-{school_id}",
        )


@pytest.fixture
def people(identity: Identity) -> dict[str, Any]:
    return {
        "ht": identity.create("hieutruong", "HT", full_name="Nguyễn Thị Thu Hà"),
        "pht": identity.create("phohieutruong", "PHT", full_name="Trần Văn Minh"),
        "gv": identity.create("giaovien", None, full_name="Phạm Thị Lan Anh"),
        "vp": identity.create("vanphong", "VP", full_name="Vũ Thị Mai"),
    }


def grant(identity: Identity, ht: Any, **kw: Any) -> access_pb2.Assignment:
    return identity.access.GrantAssignment(
        access_pb2.GrantAssignmentRequest(**kw), metadata=identity.as_account(ht), timeout=10
    ).assignment


def test_roles_and_the_catalogue(identity: Identity, people: dict[str, Any]) -> None:
    md = identity.as_account(people["pht"])
    roles = identity.access.ListRoles(access_pb2.ListRolesRequest(), metadata=md, timeout=10).roles
    assert [r.code for r in roles] == [
        "HT",
        "PHT",
        "TTCM",
        "GVCN",
        "GVBM",
        "VP",
        "KT",
        "TV",
        "TB",
        "YT",
        "CMHS",
        "QTHT",
    ]
    by_code = {r.code: r for r in roles}
    assert by_code["GVCN"].name == "Giáo viên chủ nhiệm"
    assert by_code["GVBM"].scope_kind == access_pb2.SCOPE_KIND_CLASS_SUBJECT
    assert by_code["GVBM"].year_scoped
    assert by_code["KT"].mfa_required
    assert by_code["VP"].mfa_required  # reads citizen ids (S6)
    assert not by_code["GVCN"].mfa_required
    catalogue = identity.access.ListPermissions(access_pb2.ListPermissionsRequest(), metadata=md, timeout=10)
    assert [p.name for p in catalogue.permissions] == sorted(PERMISSION_CATALOGUE)
    assert all(p.description for p in catalogue.permissions)


def test_the_principal_edits_a_role_audited_and_evented(identity: Identity, people: dict[str, Any]) -> None:
    md = identity.as_account(people["ht"])
    wanted = ["identity:me:read", "identity:me:write", "students:student:read", "grades:score:read"]
    role = identity.access.SetRolePermissions(
        access_pb2.SetRolePermissionsRequest(role="KT", permissions=wanted, reason="Kế toán cần xem kết quả"),
        metadata=md,
        timeout=10,
    ).role
    assert sorted(role.permissions) == sorted(wanted)
    kt = identity.create("ketoan", "KT")
    _, secret, _ = identity.enrol_at_sign_in("ketoan")
    identity.next_step()
    challenge = identity.login("ketoan")
    principal = identity.go_on(challenge.challenge_id, totp_code=identity.code(secret)).result.principal
    assert set(principal.permissions) == set(wanted)
    assert principal.user_id == kt.id
    change = next(r for r in identity.audit() if r["action"] == "role.permissions_changed")
    assert change["target"] == "KT"
    assert change["detail"]["reason"] == "Kế toán cần xem kết quả"
    assert "grades:score:read" in change["detail"]["added"]
    assert "RolePermissionsChanged" in identity.event_types()

    unknown = rpc_error(
        lambda: identity.access.SetRolePermissions(
            access_pb2.SetRolePermissionsRequest(role="KT", permissions=["identity:session:manage"], reason="thử"),
            metadata=md,
        )
    )
    assert set(field_violations(unknown)) == {"permissions", "reason"}


def test_separation_of_duties_refuses_a_role_holding_both_sides(identity: Identity, people: dict[str, Any]) -> None:
    md = identity.as_account(people["ht"])
    err = rpc_error(
        lambda: identity.access.SetRolePermissions(
            access_pb2.SetRolePermissionsRequest(
                role="GVBM",
                permissions=["identity:me:read", "grades:score:write", "grades:period:lock"],
                reason="Cho giáo viên tự khóa sổ",
            ),
            metadata=md,
            timeout=10,
        )
    )
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "phân tách nhiệm vụ" in err.details()
    refused = [r for r in identity.audit() if r["outcome"] == "sod_refused"]
    assert len(refused) == 1
    # The head teacher can always change it back: identity:role:write cannot be removed from HT.
    err = rpc_error(
        lambda: identity.access.SetRolePermissions(
            access_pb2.SetRolePermissionsRequest(role="HT", permissions=["identity:me:read"], reason="Bớt quyền"),
            metadata=md,
            timeout=10,
        )
    )
    assert "identity:role:write" in field_violations(err)["permissions"]


def test_an_unknown_year_is_refused_and_a_known_one_accepted(identity: Identity, people: dict[str, Any]) -> None:
    ht, gv = people["ht"], people["gv"]
    err = rpc_error(lambda: grant(identity, ht, user_id=gv.id, role="GVCN", school_year_id=YEAR_ID, class_id=CLASS_3A))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(err)) == {"school_year_id", "class_id"}
    open_year(identity)
    open_year(identity)  # a redelivery changes nothing
    a = grant(identity, ht, user_id=gv.id, role="GVCN", school_year_id=YEAR_ID, class_id=CLASS_3A)
    assert (a.role, a.scope_kind, a.class_id, a.full_name) == (
        "GVCN",
        access_pb2.SCOPE_KIND_CLASS,
        CLASS_3A,
        "Phạm Thị Lan Anh",
    )
    assert (a.starts_on, a.ends_on) == ("2026-01-05", "2026-05-31")  # ends with the year by default
    assert identity.event_types()[-1] == "RoleAssigned"
    late = rpc_error(
        lambda: grant(
            identity, ht, user_id=gv.id, role="GVBM", school_year_id=YEAR_ID, class_id=CLASS_4B,
            subject_code="TOAN", ends_on="2026-06-30",
        )
    )  # fmt: skip
    assert set(field_violations(late)) == {"ends_on"}


def test_a_year_or_class_of_another_school_is_unknown(identity: Identity, people: dict[str, Any]) -> None:
    other_year = "9a1b0000-0000-4000-8000-00000000ffff"
    open_year(identity, OTHER_SCHOOL_ID, other_year)
    err = rpc_error(
        lambda: grant(
            identity, people["ht"], user_id=people["gv"].id, role="GVCN", school_year_id=other_year,
            class_id=CLASS_3A[:-1] + "9",
        )
    )  # fmt: skip
    assert {"school_year_id", "class_id"} <= set(field_violations(err))


def test_assignments_become_scopes_and_end(identity: Identity, people: dict[str, Any]) -> None:
    open_year(identity)
    ht, gv = people["ht"], people["gv"]
    homeroom = grant(identity, ht, user_id=gv.id, role="GVCN", school_year_id=YEAR_ID, class_id=CLASS_3A)
    grant(identity, ht, user_id=gv.id, role="GVBM", school_year_id=YEAR_ID, class_id=CLASS_4B, subject_code="toan")
    principal = identity.login("giaovien").principal
    assert list(principal.roles) == ["GVCN", "GVBM"]
    assert set(principal.scopes) == {f"class:{CLASS_3A}", f"class_subject:{CLASS_4B}:TOAN"}
    assert "students:student:write" in principal.permissions
    # A person sees their own assignments; someone else's need identity:assignment:read.
    own = identity.access.ListAssignments(
        access_pb2.ListAssignmentsRequest(user_id=gv.id), metadata=identity.user_md(principal), timeout=10
    )
    assert [a.role for a in own.assignments] == ["GVCN", "GVBM"]
    denied = rpc_error(
        lambda: identity.access.ListAssignments(
            access_pb2.ListAssignmentsRequest(), metadata=identity.user_md(principal), timeout=10
        )
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    second = rpc_error(
        lambda: grant(identity, ht, user_id=people["vp"].id, role="GVCN", school_year_id=YEAR_ID, class_id=CLASS_3A)
    )
    assert second.code() == grpc.StatusCode.FAILED_PRECONDITION  # one homeroom teacher per class
    dup = rpc_error(lambda: grant(identity, ht, user_id=gv.id, role="GVCN", school_year_id=YEAR_ID, class_id=CLASS_3A))
    assert dup.code() == grpc.StatusCode.ALREADY_EXISTS

    ended = identity.access.EndAssignment(
        access_pb2.EndAssignmentRequest(assignment_id=homeroom.assignment_id, reason="Chuyển lớp giữa năm"),
        metadata=identity.as_account(ht),
        timeout=10,
    ).assignment
    assert ended.ends_on == "2026-01-05"
    assert ended.HasField("ended_at")
    assert identity.event_types()[-1] == "AssignmentEnded"
    after = identity.login("giaovien").principal
    assert list(after.roles) == ["GVBM"]
    assert list(after.scopes) == [f"class_subject:{CLASS_4B}:TOAN"]
    everyone = identity.access.ListAssignments(
        access_pb2.ListAssignmentsRequest(include_ended=True), metadata=identity.as_account(ht), timeout=10
    )
    assert [(a.role, a.HasField("ended_at")) for a in everyone.assignments] == [("GVBM", False), ("GVCN", True)]
    # Assignments end with the year.
    identity.clock.advance(days=147)
    assert list(identity.login("giaovien").principal.roles) == []


def test_department_heads_get_a_department_scope(identity: Identity, people: dict[str, Any]) -> None:
    from school.identity.v1 import staff_pb2

    open_year(identity)
    department = identity.staff.CreateDepartment(
        staff_pb2.CreateDepartmentRequest(name="Tổ 3"), metadata=identity.as_account(people["vp"]), timeout=10
    ).department
    grant(identity, people["ht"], user_id=people["gv"].id, role="TTCM", school_year_id=YEAR_ID,
          department_id=department.department_id)  # fmt: skip
    assert list(identity.login("giaovien").principal.scopes) == [f"department:{department.department_id}"]

    # Once the department covers grades 3 and 4, its head reaches those classes of the assignment's year.
    vp = identity.as_account(people["vp"])
    saved = identity.staff.SetDepartmentGrades(
        staff_pb2.SetDepartmentGradesRequest(department_id=department.department_id, grade_levels=[4, 3, 4]),
        metadata=vp,
        timeout=10,
    ).department
    assert list(saved.grade_levels) == [3, 4]
    listed = identity.staff.ListDepartments(staff_pb2.ListDepartmentsRequest(), metadata=vp, timeout=10)
    assert [list(d.grade_levels) for d in listed.departments] == [[3, 4]]
    assert set(identity.login("giaovien").principal.scopes) == {
        f"department:{department.department_id}",
        f"grade:{YEAR_ID}:3",
        f"grade:{YEAR_ID}:4",
    }


def test_department_grades_are_checked_and_need_the_permission(identity: Identity, people: dict[str, Any]) -> None:
    from school.identity.v1 import staff_pb2

    vp = identity.as_account(people["vp"])
    department = identity.staff.CreateDepartment(
        staff_pb2.CreateDepartmentRequest(name="Tổ 4-5"), metadata=vp, timeout=10
    ).department
    identity.staff.SetDepartmentGrades(
        staff_pb2.SetDepartmentGradesRequest(department_id=department.department_id, grade_levels=[4, 5]),
        metadata=vp,
        timeout=10,
    )
    wrong = rpc_error(
        lambda: identity.staff.SetDepartmentGrades(
            staff_pb2.SetDepartmentGradesRequest(department_id=department.department_id, grade_levels=[5, 6]),
            metadata=vp,
            timeout=10,
        )
    )
    assert wrong.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "Khối lớp phải từ 1 đến 5" in field_violations(wrong)["grade_levels"]
    unknown = rpc_error(
        lambda: identity.staff.SetDepartmentGrades(
            staff_pb2.SetDepartmentGradesRequest(department_id="00000000-0000-0000-0000-000000000000"),
            metadata=vp,
            timeout=10,
        )
    )
    assert unknown.code() == grpc.StatusCode.NOT_FOUND
    denied = rpc_error(
        lambda: identity.staff.SetDepartmentGrades(
            staff_pb2.SetDepartmentGradesRequest(department_id=department.department_id, grade_levels=[1]),
            metadata=identity.as_account(people["gv"]),
            timeout=10,
        )
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    # The refused calls changed nothing.
    listed = identity.staff.ListDepartments(staff_pb2.ListDepartmentsRequest(), metadata=vp, timeout=10)
    assert [list(d.grade_levels) for d in listed.departments] == [[4, 5]]


def test_granting_a_combination_that_breaks_separation_of_duties_is_refused(
    identity: Identity, people: dict[str, Any]
) -> None:
    open_year(identity)
    ht = people["ht"]
    err = rpc_error(
        lambda: grant(identity, ht, user_id=ht.id, role="GVBM", school_year_id=YEAR_ID, class_id=CLASS_3A,
                      subject_code="TOAN")
    )  # fmt: skip
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "người nhập điểm không được khóa sổ điểm" in err.details()
    refused = [r for r in identity.audit() if r["action"] == "assignment.granted"]
    assert [r["outcome"] for r in refused] == ["sod_refused"]
    # Turning the rule off in the school's permissions is the HT's call: here, take lock away from HT.
    perms = (
        identity.access.ListRoles(access_pb2.ListRolesRequest(), metadata=identity.as_account(ht), timeout=10)
        .roles[0]
        .permissions
    )
    identity.access.SetRolePermissions(
        access_pb2.SetRolePermissionsRequest(
            role="HT", permissions=[p for p in perms if p != "grades:period:lock"], reason="Giao khóa sổ cho PHT"
        ),
        metadata=identity.as_account(ht),
        timeout=10,
    )
    assert grant(identity, ht, user_id=ht.id, role="GVBM", school_year_id=YEAR_ID, class_id=CLASS_3A,
                 subject_code="TOAN").role == "GVBM"  # fmt: skip


def test_account_level_roles_are_granted_and_revoked(identity: Identity, people: dict[str, Any]) -> None:
    gv = people["gv"]
    a = grant(identity, people["ht"], user_id=gv.id, role="TV")
    assert (a.school_year_id, a.scope_kind, a.ends_on) == ("", access_pb2.SCOPE_KIND_SCHOOL, "")
    principal = identity.login("giaovien").principal
    assert list(principal.roles) == ["TV"]
    assert list(principal.scopes) == ["school"]
    identity.access.EndAssignment(
        access_pb2.EndAssignmentRequest(assignment_id=a.assignment_id, reason="Không còn phụ trách thư viện"),
        metadata=identity.as_account(people["ht"]),
        timeout=10,
    )
    assert list(identity.login("giaovien").principal.roles) == []
    with identity.container.engine.connect() as conn:
        assert conn.execute(select(accounts.c.roles).where(accounts.c.id == gv.id)).scalar_one() == []


def test_the_account_review_lists_findings_and_reminders(identity: Identity, people: dict[str, Any]) -> None:
    ht = people["ht"]
    identity.create("gvcn", "GVCN", full_name="Lê Văn Nam")
    identity.login("gvcn")
    identity.clock.advance(days=100)
    md = identity.as_account(people["pht"])
    findings = identity.access.ReviewAccounts(access_pb2.ReviewAccountsRequest(), metadata=md, timeout=10).findings
    seen = {(f.username, access_pb2.FindingKind.Name(f.kind)) for f in findings}
    assert ("gvcn", "FINDING_KIND_INACTIVE") in seen
    assert ("gvcn", "FINDING_KIND_PASSWORD_OLD") in seen
    assert ("gvcn", "FINDING_KIND_ROLE_WITHOUT_ASSIGNMENT") in seen
    assert ("hieutruong", "FINDING_KIND_NEVER_USED") in seen
    assert ("hieutruong", "FINDING_KIND_MFA_MISSING") in seen
    assert ("giaovien", "FINDING_KIND_MFA_MISSING") not in seen
    kinds = [f.kind for f in findings]
    assert kinds == sorted(kinds)
    inactive = next(f for f in findings if f.username == "gvcn" and f.kind == access_pb2.FINDING_KIND_INACTIVE)
    assert inactive.detail == "Không đăng nhập 100 ngày"
    strict = identity.access.ReviewAccounts(
        access_pb2.ReviewAccountsRequest(inactive_days=365, password_max_age_days=365), metadata=md, timeout=10
    ).findings
    assert not [f for f in strict if f.kind in (access_pb2.FINDING_KIND_INACTIVE, access_pb2.FINDING_KIND_PASSWORD_OLD)]

    reminded = identity.access.RemindAccount(
        access_pb2.RemindAccountRequest(user_id=ht.id, kind=access_pb2.FINDING_KIND_MFA_MISSING),
        metadata=md,
        timeout=10,
    )
    again = identity.access.ReviewAccounts(access_pb2.ReviewAccountsRequest(), metadata=md, timeout=10).findings
    mfa = next(f for f in again if f.username == "hieutruong" and f.kind == access_pb2.FINDING_KIND_MFA_MISSING)
    assert mfa.last_reminded_at == reminded.reminded_at
    assert identity.event_types()[-1] == "AccountReminderSent"
    assert "account.reminded" in [r["action"] for r in identity.audit()]
    bad = rpc_error(lambda: identity.access.RemindAccount(access_pb2.RemindAccountRequest(user_id=ht.id), metadata=md))
    assert set(field_violations(bad)) == {"kind"}


def test_audit_log_filters_pages_and_stays_append_only(identity: Identity, people: dict[str, Any]) -> None:
    identity.create("gvcn", "GVCN")
    identity.login("gvcn")
    rpc_error(lambda: identity.login("gvcn", "sai mật khẩu"))
    identity.clock.advance(days=1)
    identity.login("gvcn")
    md = identity.as_account(people["pht"])

    def events(**kw: Any) -> list[Any]:
        return list(
            identity.access.ListAuditEvents(access_pb2.ListAuditEventsRequest(**kw), metadata=md, timeout=10).events
        )

    logins = events(action="login.", person="gvcn")
    assert [(e.action, e.outcome) for e in logins] == [
        ("login.success", "success"),
        ("login.failure", "failure"),
        ("login.success", "success"),
    ]
    assert logins[0].id > logins[1].id  # newest first
    assert json.loads(logins[1].detail)["reason"] == "wrong_password"
    assert logins[0].actor_username == "gvcn"
    # Dates are Vietnamese calendar days: 2026-01-05 07:30 UTC is 14:30 in Hà Nội.
    assert len(events(action="login.", from_date="2026-01-06", to_date="2026-01-06")) == 1
    assert len(events(action="login.", to_date="2026-01-05")) == 2
    assert events(person="khongco") == []
    page = identity.access.ListAuditEvents(access_pb2.ListAuditEventsRequest(page_size=2), metadata=md, timeout=10)
    rest = identity.access.ListAuditEvents(
        access_pb2.ListAuditEventsRequest(page_size=2, page_token=page.next_page_token), metadata=md, timeout=10
    )
    assert rest.events[0].id < page.events[-1].id
    bad = rpc_error(
        lambda: identity.access.ListAuditEvents(access_pb2.ListAuditEventsRequest(from_date="05/01/2026"), metadata=md)
    )
    assert set(field_violations(bad)) == {"from_date"}
    with pytest.raises(DBAPIError, match="append-only"), identity.container.engine.begin() as conn:
        conn.execute(update(audit_log).values(outcome="ok"))
    with pytest.raises(DBAPIError, match="append-only"), identity.container.engine.begin() as conn:
        conn.execute(audit_log.delete())


def test_another_schools_audit_rows_are_invisible(identity: Identity, people: dict[str, Any]) -> None:
    identity.create("khac", "GVCN", school_id=OTHER_SCHOOL_ID)
    identity.login("khac")
    rows = identity.access.ListAuditEvents(
        access_pb2.ListAuditEventsRequest(action="login."), metadata=identity.as_account(people["pht"]), timeout=10
    ).events
    assert rows == []


def test_audit_export_needs_a_step_up_and_is_audited(identity: Identity, people: dict[str, Any]) -> None:
    ht = people["ht"]
    identity.login("giaovien")
    request = access_pb2.ExportAuditEventsRequest(filter=access_pb2.ListAuditEventsRequest(action="login."))
    err = rpc_error(lambda: identity.access.ExportAuditEvents(request, metadata=identity.as_account(ht), timeout=10))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert field_violations(err) == {"step_up": "required"}
    reply = identity.access.ExportAuditEvents(request, metadata=identity.as_account(ht, stepped_up=True), timeout=10)
    assert reply.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(reply.workbook)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "STT"
    assert [r[4] for r in rows[1:]] == ["login.success"]
    exported = [r for r in identity.audit() if r["action"] == "audit.exported"]
    assert exported
    assert exported[0]["actor"] == ht.id


def test_the_consumer_handler_updates_a_known_year(identity: Identity) -> None:
    open_year(identity)
    deliver(
        identity,
        students_events.SchoolYearCreated(
            school_year=students_pb2.SchoolYear(
                school_year_id=YEAR_ID, name="2025-2026", start_date="2025-09-05", end_date="2026-05-30"
            ),
            school_id=SCHOOL_ID,
        ),
        "ev-year-again",
    )
    from school_identity.adapters.tables import school_years

    with identity.container.engine.connect() as conn:
        assert str(conn.execute(select(school_years.c.end_date)).scalar_one()) == "2026-05-30"
    with pytest.raises(ValueError, match="without school_id"):
        deliver(
            identity,
            students_events.SchoolYearCreated(school_year=students_pb2.SchoolYear(school_year_id="x"), school_id=""),
            "ev-bad",
        )
