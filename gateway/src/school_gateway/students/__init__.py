"""The students plugin: school years, classes and the student register (pages and JSON); upstream students."""

from __future__ import annotations

from school.students.v1 import (
    attendance_pb2,
    attendance_pb2_grpc,
    lists_pb2,
    lists_pb2_grpc,
    movements_pb2,
    movements_pb2_grpc,
    records_pb2,
    records_pb2_grpc,
    students_pb2,
    students_pb2_grpc,
)
from school_gateway.errors import N_
from school_gateway.identity import IDENTITY_ACCESS
from school_gateway.plugins import DashboardCard, MenuEntry, Plugin, Upstream
from school_gateway.sessions import loaded_principal
from school_gateway.students import (
    api,
    attendance_api,
    attendance_views,
    lists,
    movements_api,
    movements_views,
    records_api,
    records_views,
    structure_api,
    structure_views,
    views,
)
from school_gateway.upstream import stub

STUDENTS = Upstream.from_descriptor(
    "students", "STUDENTS_GRPC_ADDR", students_pb2.DESCRIPTOR, "StudentsService", students_pb2_grpc.StudentsServiceStub
)
STUDENT_LISTS = Upstream.from_descriptor(
    "students.lists",
    "STUDENTS_GRPC_ADDR",
    lists_pb2.DESCRIPTOR,
    "StudentListsService",
    lists_pb2_grpc.StudentListsServiceStub,
    audience="students",
)
# Issue 4, attendance: AttendanceService runs in the students server (same address and audience).
ATTENDANCE = Upstream.from_descriptor(
    attendance_api.UPSTREAM,
    "STUDENTS_GRPC_ADDR",
    attendance_pb2.DESCRIPTOR,
    "AttendanceService",
    attendance_pb2_grpc.AttendanceServiceStub,
    audience="students",
)
# The student record service runs in the students server (same address, same token audience).
STUDENT_RECORDS = Upstream.from_descriptor(
    "students.records",
    "STUDENTS_GRPC_ADDR",
    records_pb2.DESCRIPTOR,
    "StudentRecordsService",
    records_pb2_grpc.StudentRecordsServiceStub,
    audience="students",
)
# Movements (issue 4): a second service on the students server, same token audience.
MOVEMENTS = Upstream.from_descriptor(
    "students.movements",
    "STUDENTS_GRPC_ADDR",
    movements_pb2.DESCRIPTOR,
    "MovementsService",
    movements_pb2_grpc.MovementsServiceStub,
    audience="students",
)
_COUNT_PAGE = 200
# Assignment kinds of the school's staff: a parent (scope "child") does not get their menu entries.
STAFF_SCOPES = ("school", "class", "class_subject", "department")


def _count(items: int, next_page_token: str) -> str:
    return f"{items}+" if next_page_token else str(items)


def dashboard() -> list[DashboardCard]:
    """How many school years and classes the signed-in user may see."""
    principal = loaded_principal()
    cards: list[DashboardCard] = []
    if principal is None:
        return cards
    if principal.has("students:school_year:read"):
        years = stub("students").ListSchoolYears(students_pb2.ListSchoolYearsRequest(page_size=_COUNT_PAGE))
        value = _count(len(years.school_years), years.next_page_token)
        cards.append(DashboardCard(N_("School years"), value, "students.school_years", "card-school-years"))
    if principal.has("students:class:read"):
        classes = stub("students").ListClasses(students_pb2.ListClassesRequest(page_size=_COUNT_PAGE))
        value = _count(len(classes.classes), classes.next_page_token)
        cards.append(DashboardCard(N_("Classes"), value, "students.classes", "card-classes"))
    return cards


plugin = Plugin(
    name="students",
    blueprints=[views.bp, structure_views.bp, records_views.bp, movements_views.bp, lists.bp, attendance_views.bp],
    api_blueprints=[api.blp, structure_api.blp, records_api.blp, movements_api.blp, lists.blp, attendance_api.blp],
    menu=[
        MenuEntry(N_("School years"), "students.school_years", "students:school_year:read", "nav-school-years"),
        MenuEntry(N_("Classes"), "students.classes", "students:class:read", "nav-classes"),
        MenuEntry(N_("Find students"), "students.search", "students:student:read", "nav-student-search", STAFF_SCOPES),
        MenuEntry(N_("Import students"), "student_lists.import_page", "students:student:import", "nav-student-import"),
        MenuEntry(N_("Export students"), "student_lists.export_page", "students:student:export", "nav-student-export"),
        MenuEntry(N_("Attendance"), "attendance.index", "students:attendance:read", "nav-attendance"),
        MenuEntry(
            N_("Start-of-year record review"),
            "student_records.school_review",
            "students:student:read",
            "nav-record-review",
            STAFF_SCOPES,
        ),
        MenuEntry(
            N_("My children"), "student_records.my_children", "students:student:read", "nav-my-children", ("child",)
        ),
        MenuEntry(N_("Student movements"), "movements.report_page", "students:movement:read", "nav-movements"),
        MenuEntry(N_("Year-end roll-over"), "movements.roll_over_form", "students:school_year:write", "nav-roll-over"),
    ],
    # identity.access: the homeroom teacher (GVCN) of each class comes from identity's assignments.
    upstreams=[STUDENTS, STUDENT_RECORDS, MOVEMENTS, STUDENT_LISTS, ATTENDANCE, IDENTITY_ACCESS],
    dashboard=dashboard,
)
