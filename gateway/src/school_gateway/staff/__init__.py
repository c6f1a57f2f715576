"""The staff plugin: staff records (hồ sơ CBGVNV) with completeness, Excel import/export, and subject groups
(tổ chuyên môn), as pages and JSON; upstream identity (StaffService)."""

from __future__ import annotations

from school.identity.v1 import staff_pb2
from school_gateway.errors import N_
from school_gateway.identity import IDENTITY_STAFF
from school_gateway.plugins import DashboardCard, MenuEntry, Plugin
from school_gateway.sessions import loaded_principal
from school_gateway.staff import api, views
from school_gateway.upstream import stub


def dashboard() -> list[DashboardCard]:
    """How many staff records are complete (the start-of-year records check, R-REC1)."""
    principal = loaded_principal()
    if principal is None or not principal.has("identity:staff:read"):
        return []
    answer = stub("identity.staff").ListStaff(staff_pb2.ListStaffRequest(page_size=1))
    value = f"{answer.complete}/{answer.total}"
    return [DashboardCard(N_("Complete staff records"), value, "staff.staff_list", "card-staff-complete")]


plugin = Plugin(
    name="staff",
    blueprints=[views.bp],
    api_blueprints=[api.blp],
    menu=[MenuEntry(N_("Staff records"), "staff.staff_list", "identity:staff:read", "nav-staff")],
    upstreams=[IDENTITY_STAFF],
    dashboard=dashboard,
)
