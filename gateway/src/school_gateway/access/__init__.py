"""The access plugin: "Phân quyền" (roles and permissions), "Phân công" (assignments), user accounts,
"Rà soát tài khoản" and "Nhật ký hệ thống", as pages and JSON; upstreams identity (all three services) and
students (school years and classes for the assignment form)."""

from __future__ import annotations

from school_gateway.access import api, views
from school_gateway.errors import N_
from school_gateway.identity import IDENTITY, IDENTITY_ACCESS, IDENTITY_STAFF
from school_gateway.plugins import MenuEntry, Plugin
from school_gateway.students import STUDENTS

plugin = Plugin(
    name="access",
    blueprints=[views.bp],
    api_blueprints=[api.blp],
    menu=[
        MenuEntry(N_("Permissions"), "access.roles", "identity:role:read", "nav-permissions"),
        MenuEntry(N_("Assignments"), "access.assignments", "identity:assignment:read", "nav-assignments"),
        MenuEntry(N_("User accounts"), "access.accounts", "identity:account:read", "nav-accounts"),
        MenuEntry(N_("Account review"), "access.review", "identity:review:read", "nav-review"),
        MenuEntry(N_("Audit log"), "access.audit", "identity:audit:read", "nav-audit"),
    ],
    upstreams=[IDENTITY, IDENTITY_ACCESS, IDENTITY_STAFF, STUDENTS],
)
