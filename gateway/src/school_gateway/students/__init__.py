"""The students plugin: school years, classes and the student register (pages and JSON); upstream students."""

from __future__ import annotations

from school.students.v1 import movements_pb2, movements_pb2_grpc, students_pb2, students_pb2_grpc
from school_gateway.errors import N_
from school_gateway.plugins import DashboardCard, MenuEntry, Plugin, Upstream
from school_gateway.sessions import loaded_principal
from school_gateway.students import api, movements_api, movements_views, views
from school_gateway.upstream import stub

STUDENTS = Upstream.from_descriptor(
    "students", "STUDENTS_GRPC_ADDR", students_pb2.DESCRIPTOR, "StudentsService", students_pb2_grpc.StudentsServiceStub
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
    blueprints=[views.bp, movements_views.bp],
    api_blueprints=[api.blp, movements_api.blp],
    menu=[
        MenuEntry(N_("School years"), "students.school_years", "students:school_year:read", "nav-school-years"),
        MenuEntry(N_("Classes"), "students.classes", "students:class:read", "nav-classes"),
        MenuEntry(N_("Find students"), "students.search", "students:student:read", "nav-student-search"),
        MenuEntry(N_("Student movements"), "movements.report_page", "students:movement:read", "nav-movements"),
        MenuEntry(N_("Year-end roll-over"), "movements.roll_over_form", "students:school_year:write", "nav-roll-over"),
    ],
    upstreams=[STUDENTS, MOVEMENTS],
    dashboard=dashboard,
)
