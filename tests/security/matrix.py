"""The gateway's authorization matrix (quality bar S1, issue 3 point 10): one row per route and method.

Each row says what the route declares (a permission, PUBLIC or AUTHENTICATED), which object it
touches (none, a class, a student, a class or a school year named in the body) and how the run
probes it (a valid body, or for routes whose valid call would damage shared demo state an input
refused only *after* the access check). The expected outcome of every (role, relation) cell is
derived from the rules in ``expected()`` — the role's default permission set in identity
(DEFAULT_ROLE_PERMISSIONS) and the object scopes of its assignments — never from what the running
system answers; a row may override single cells, with the reason written next to it.

Later issues extend this table: a new route without a row fails ``test_every_route_has_a_row``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from school_gateway.authz import AUTHENTICATED, PUBLIC
from school_identity.domain.roles import DEFAULT_ROLE_PERMISSIONS, Role, permissions_for

ANONYMOUS = "anonymous"
#: Columns of the matrix: the caller without a session, then the school's roles in chart order.
ROLES: tuple[str, ...] = (ANONYMOUS, *(r.value for r in DEFAULT_ROLE_PERMISSIONS))
#: The demo account that holds each role (deploy/local/launch.py DEMO_ACCOUNTS).
USERNAMES: Mapping[str, str] = {
    "HT": "hieutruong",
    "PHT": "phohieutruong",
    "TTCM": "totruong",
    "GVCN": "gvcn",
    "GVBM": "gvbm",
    "VP": "vanphong",
    "KT": "ketoan",
    "TV": "thuvien",
    "TB": "thietbi",
    "YT": "yte",
    "CMHS": "phuhuynh",
    "QTHT": "quantri",
}
#: Roles whose assignment has the scope "school": they reach every class of their own school.
SCHOOL_WIDE: frozenset[str] = frozenset({"HT", "PHT", "VP", "KT", "TV", "TB", "YT", "QTHT"})
#: Roles that reach only the classes of their assignments (demo: GVCN of 1A; GVBM of 2A and 3A).
CLASS_SCOPED: frozenset[str] = frozenset({"GVCN", "GVBM"})
# TTCM's scope is a department: it reaches no class, so every class or student object is denied
# to it whatever it holds. CMHS reaches only its own child (scope "child:<student id>" from a
# guardian link): for a parent the "own" relation of a student is that child; classes never.


class Outcome(StrEnum):
    ALLOW = "ALLOW"
    DENY = "DENY"


class Rel(StrEnum):
    """How the object of a request relates to the caller."""

    NONE = "none"  # the route names no class or student
    OWN = "own"  # a class the caller's assignment covers (for school-wide roles: a class of their school)
    OTHER_CLASS = "other_class"  # a class of the same school outside the caller's assignments
    OTHER_SCHOOL = "other_school"  # an object of another school (created through the students service)


class Obj(StrEnum):
    """What object a route acts on, and where its id travels."""

    NONE = "none"
    CLASS = "class"  # <id:class_id> in the path
    STUDENT = "student"  # <id:student_id> in the path
    CLASS_IN_BODY = "class_in_body"  # enrolment: class_id in the JSON body
    YEAR_IN_BODY = "year_in_body"  # opening a class: school_year_id in the body
    YEAR = "year"  # <id:school_year_id> in the path (issue 4, structure)


RELATIONS: Mapping[Obj, tuple[Rel, ...]] = {
    Obj.NONE: (Rel.NONE,),
    Obj.CLASS: (Rel.OWN, Rel.OTHER_CLASS, Rel.OTHER_SCHOOL),
    Obj.STUDENT: (Rel.OWN, Rel.OTHER_CLASS, Rel.OTHER_SCHOOL),
    Obj.CLASS_IN_BODY: (Rel.OWN, Rel.OTHER_CLASS, Rel.OTHER_SCHOOL),
    # A school year has no "other class": own = this school's year, other_school = another school's.
    Obj.YEAR_IN_BODY: (Rel.OWN, Rel.OTHER_SCHOOL),
    Obj.YEAR: (Rel.OWN, Rel.OTHER_SCHOOL),
}


class Probe(StrEnum):
    """How the run calls a route (chosen per row; see the row's ``why``)."""

    # A body that passes validation, so an allowed call reaches the service (2xx, or 409 on a repeat).
    VALID = "valid"
    # A body refused by the gateway's validation, which runs inside the view, i.e. after the access
    # check: allowed → 400/422, denied → 401/403/302-to-sign-in. Used where a valid call would change
    # the caller's own account, the role table or sign-in state that the rest of the run relies on.
    INVALID = "invalid"
    # A wrong CSRF token: CSRF is checked after the access check (app.py orders the hooks), so an
    # allowed call gets 400 csrf_failed and a denied one 401/302. Used only for sign-out, which has no
    # body and would end the session the run reuses.
    BAD_CSRF = "bad_csrf"


@dataclass(frozen=True)
class Row:
    rule: str
    method: str
    access: str  # the declaration the route must still carry (the coverage guard compares it)
    obj: Obj = Obj.NONE
    probe: Probe = Probe.VALID
    # Key of the request body builder (tests/security/matrix_world.py BODIES); None: no body.
    body: str | None = None
    # Sign-in step pages without a pending sign-in send everyone back to /signin: for them that
    # redirect is the page working, not a denial.
    signin_redirect_is_allow: bool = False
    # /api/v1/me/staff answers 404 to an account without a staff record of its own: that is about
    # the caller's own (missing) record, not a refusal.
    not_found_is_allow: bool = False
    overrides: Mapping[tuple[str, Rel], Outcome] = field(default_factory=dict)
    why: str = ""

    @property
    def relations(self) -> tuple[Rel, ...]:
        return RELATIONS[self.obj]

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.method)


def holds(role: str, permission: str) -> bool:
    """Whether ``role`` holds ``permission`` by default (every account may read and look after itself)."""
    return role != ANONYMOUS and permission in permissions_for([role])


def expected(row: Row, role: str, rel: Rel) -> Outcome:
    """The secure answer for one cell, from the declaration, the default permissions and the scopes."""
    if (role, rel) in row.overrides:
        return row.overrides[(role, rel)]
    if row.access == PUBLIC:
        return Outcome.ALLOW
    if role == ANONYMOUS:
        return Outcome.DENY
    if row.access != AUTHENTICATED and not holds(role, row.access):
        return Outcome.DENY
    if rel is Rel.NONE:
        return Outcome.ALLOW
    if rel is Rel.OTHER_SCHOOL:
        # Tenancy: no role of this school reaches another school's objects (404 or 403).
        return Outcome.DENY
    if role == "CMHS":
        return Outcome.ALLOW if rel is Rel.OWN and row.obj is Obj.STUDENT else Outcome.DENY
    if role in SCHOOL_WIDE:
        return Outcome.ALLOW
    if role in CLASS_SCOPED:
        return Outcome.ALLOW if rel is Rel.OWN else Outcome.DENY
    return Outcome.DENY


def _rows() -> tuple[Row, ...]:
    a = AUTHENTICATED
    p = PUBLIC
    rows = [
        # --- Core: home, sign-in steps, account, step-up -----------------------------------------
        Row("/", "GET", a),
        Row("/signin", "GET", p),
        Row("/signin", "POST", p, body="empty", why="empty form: 400 without a sign-in attempt (no throttling)"),
        Row("/signin/mfa", "GET", p, signin_redirect_is_allow=True),
        Row("/signin/mfa", "POST", p, body="empty", signin_redirect_is_allow=True),
        Row("/signin/mfa-setup", "GET", p, signin_redirect_is_allow=True),
        Row("/signin/mfa-setup", "POST", p, body="empty", signin_redirect_is_allow=True),
        Row("/signin/password", "GET", p, signin_redirect_is_allow=True),
        Row("/signin/password", "POST", p, body="empty", signin_redirect_is_allow=True),
        Row("/signout", "POST", a, probe=Probe.BAD_CSRF, why="a real sign-out would end the reused session"),
        Row("/account", "GET", a),
        Row("/account/contact", "POST", "identity:me:write", probe=Probe.INVALID, body="empty"),
        Row("/account/password", "POST", a, probe=Probe.INVALID, body="empty", why="never change demo passwords"),
        Row("/account/mfa", "GET", a),
        Row("/account/mfa", "POST", a, probe=Probe.INVALID, body="empty", why="no TOTP attempt (no throttling)"),
        Row("/account/mfa/start", "POST", a, why="a pending secret only; enrolled accounts get step-up-required"),
        Row("/account/mfa/disable", "POST", a, probe=Probe.INVALID, body="empty", why="never remove MFA"),
        Row("/step-up", "GET", a),
        Row("/step-up", "POST", a, probe=Probe.INVALID, body="empty", why="no TOTP attempt (no throttling)"),
        # --- Operations and documents -------------------------------------------------------------
        Row("/healthz", "GET", p),
        Row("/readyz", "GET", p),
        Row("/metrics", "GET", p),
        Row("/api/openapi.json", "GET", p),
        # --- JSON API: session and self -------------------------------------------------------------
        Row("/api/v1/session", "GET", p),
        Row("/api/v1/auth/login", "POST", p, probe=Probe.INVALID, body="empty", why="would replace the session"),
        Row("/api/v1/auth/continue", "POST", p, probe=Probe.INVALID, body="empty"),
        Row("/api/v1/auth/logout", "POST", a, probe=Probe.BAD_CSRF, why="a real logout would end the reused session"),
        Row("/api/v1/auth/step-up", "POST", a, probe=Probe.INVALID, body="bad_totp", why="no TOTP attempt"),
        Row("/api/v1/me", "GET", "identity:me:read"),
        Row("/api/v1/me/assignments", "GET", "identity:me:read"),
        Row("/api/v1/me/staff", "GET", "identity:me:read", not_found_is_allow=True),
        Row("/api/v1/me/contact", "PUT", "identity:me:write", probe=Probe.INVALID, body="bad_contact"),
        Row("/api/v1/me/password", "POST", a, probe=Probe.INVALID, body="empty", why="never change demo passwords"),
        Row("/api/v1/me/mfa/start", "POST", a, why="a pending secret only; enrolled accounts get 409 step-up"),
        Row("/api/v1/me/mfa/confirm", "POST", a, probe=Probe.INVALID, body="bad_totp"),
        Row("/api/v1/me/mfa/disable", "POST", a, probe=Probe.INVALID, body="bad_totp", why="never remove MFA"),
        # --- Students: years, classes, class lists, enrolment ---------------------------------------
        Row("/api/v1/school-years", "GET", "students:school_year:read"),
        Row("/api/v1/school-years", "POST", "students:school_year:write", body="school_year"),
        Row("/api/v1/classes", "GET", "students:class:read"),
        Row("/api/v1/classes", "POST", "students:class:write", obj=Obj.YEAR_IN_BODY, body="class"),
        Row("/api/v1/classes/<id:class_id>", "GET", "students:class:read", obj=Obj.CLASS),
        Row("/api/v1/classes/<id:class_id>/students", "GET", "students:student:read", obj=Obj.CLASS),
        Row("/api/v1/classes/<id:class_id>/roster", "GET", "grades:roster:read", obj=Obj.CLASS),
        Row("/api/v1/students", "POST", "students:student:write", obj=Obj.CLASS_IN_BODY, body="student"),
        Row("/api/v1/students/<id:student_id>", "GET", "students:student:read", obj=Obj.STUDENT),
        Row(
            "/api/v1/students/search",
            "GET",
            "students:student:read",
            probe=Probe.INVALID,
            why="no q: the service refuses the empty search (400) after the access check; results are scoped there",
        ),
        Row("/school-years", "GET", "students:school_year:read"),
        Row("/school-years", "POST", "students:school_year:write", body="school_year"),
        Row("/classes", "GET", "students:class:read"),
        Row("/classes", "POST", "students:class:write", obj=Obj.YEAR_IN_BODY, body="class"),
        Row("/classes/<id:class_id>", "GET", "students:class:read", obj=Obj.CLASS),
        Row("/classes/<id:class_id>", "POST", "students:student:write", obj=Obj.CLASS, body="student_form"),
        Row("/classes/<id:class_id>/roster", "GET", "grades:roster:read", obj=Obj.CLASS),
        Row("/students/search", "GET", "students:student:read"),
        # --- Staff records and subject groups --------------------------------------------------------
        Row("/api/v1/staff", "GET", "identity:staff:read"),
        Row("/api/v1/staff", "POST", "identity:staff:write", body="staff"),
        Row("/api/v1/staff/<id:staff_id>", "GET", "identity:staff:read"),
        Row("/api/v1/staff/<id:staff_id>", "PUT", "identity:staff:write", body="staff_update", why="throw-away record"),
        Row("/api/v1/staff/export", "POST", "identity:staff:export", body="export"),
        Row("/api/v1/staff/import", "POST", "identity:staff:import", probe=Probe.INVALID, body="empty"),
        Row("/api/v1/departments", "GET", "identity:staff:read"),
        Row("/api/v1/departments", "POST", "identity:department:write", body="department"),
        Row(
            "/api/v1/departments/<id:department_id>/grade-levels",
            "PUT",
            "identity:department:write",
            probe=Probe.INVALID,
            body="bad_grade_levels",
            why="a grade outside 1..5: the demo TTCM's reach (and so other cells) never changes",
        ),
        Row("/staff", "GET", "identity:staff:read"),
        Row("/staff/new", "GET", "identity:staff:write"),
        Row("/staff/new", "POST", "identity:staff:write", body="staff_form"),
        Row("/staff/<id:staff_id>", "GET", "identity:staff:read"),
        Row("/staff/<id:staff_id>", "POST", "identity:staff:write", body="staff_update", why="throw-away record"),
        Row("/staff/export", "GET", "identity:staff:export"),
        Row("/staff/export", "POST", "identity:staff:export", body="empty"),
        Row("/staff/import", "GET", "identity:staff:import"),
        Row("/staff/import", "POST", "identity:staff:import", probe=Probe.INVALID, body="empty"),
        Row("/departments", "GET", "identity:staff:read"),
        Row("/departments", "POST", "identity:department:write", body="department"),
        Row(
            "/departments/<id:department_id>/grade-levels",
            "POST",
            "identity:department:write",
            probe=Probe.INVALID,
            body="bad_grade_levels",
            why="a grade outside 1..5: the demo TTCM's reach (and so other cells) never changes",
        ),
        # --- Access: roles, assignments, accounts, review, audit -------------------------------------
        Row("/api/v1/roles", "GET", "identity:role:read"),
        Row("/api/v1/permissions", "GET", "identity:role:read"),
        Row(
            "/api/v1/roles/<id:role>/permissions",
            "PUT",
            "identity:role:write",
            probe=Probe.INVALID,
            body="bad_role_permissions",
            why="changing a role's permissions would change every other cell",
        ),
        Row("/api/v1/assignments", "GET", "identity:assignment:read"),
        Row("/api/v1/assignments", "POST", "identity:assignment:write", body="grant", why="throw-away account"),
        Row("/api/v1/assignments/<id:assignment_id>/end", "POST", "identity:assignment:write", body="reason"),
        Row("/api/v1/accounts", "GET", "identity:account:read"),
        Row("/api/v1/accounts/<id:user_id>/active", "POST", "identity:account:write", body="activate"),
        Row("/api/v1/accounts/<id:user_id>/reset-password", "POST", "identity:account:write", body="reason"),
        Row("/api/v1/account-review", "GET", "identity:review:read"),
        Row("/api/v1/account-review/remind", "POST", "identity:review:read", body="remind"),
        Row("/api/v1/audit-events", "GET", "identity:audit:read"),
        Row(
            "/api/v1/audit-events/export",
            "POST",
            "identity:audit:export",
            body="empty_json",
            why="allowed callers without a fresh step-up get 403 step_up_required, counted as past the access check",
        ),
        Row("/access/roles", "GET", "identity:role:read"),
        Row(
            "/access/roles/<id:role>",
            "POST",
            "identity:role:write",
            probe=Probe.INVALID,
            body="empty",
            why="changing a role's permissions would change every other cell",
        ),
        Row("/access/assignments", "GET", "identity:assignment:read"),
        Row("/access/assignments", "POST", "identity:assignment:write", body="grant_form", why="throw-away account"),
        Row("/access/assignments/<id:assignment_id>/end", "POST", "identity:assignment:write", body="reason"),
        Row("/access/accounts", "GET", "identity:account:read"),
        Row("/access/accounts/<id:user_id>/active", "POST", "identity:account:write", body="activate"),
        Row("/access/accounts/<id:user_id>/reset-password", "POST", "identity:account:write", body="reason"),
        Row("/access/review", "GET", "identity:review:read"),
        Row("/access/review/remind", "POST", "identity:review:read", body="remind"),
        Row("/audit-log", "GET", "identity:audit:read"),
        Row("/audit-log/export", "POST", "identity:audit:export", body="empty", why="allowed: redirect to step-up"),
    ]
    # Issue 4 onward: one module per area (imported here, after Row exists, to avoid a cycle).
    import importlib

    from tests.security.areas import AREAS

    for area in AREAS:
        rows.extend(importlib.import_module(f"tests.security.areas.{area}").rows())
    return tuple(rows)


ROWS: tuple[Row, ...] = _rows()


def cells(rows: Iterable[Row] = ROWS) -> list[tuple[Row, str, Rel, Outcome]]:
    """Every (row, role, relation) with its expected outcome, in table order."""
    return [(row, role, rel, expected(row, role, rel)) for row in rows for rel in row.relations for role in ROLES]


def to_markdown(
    rows: Iterable[Row] = ROWS,
    observed: Mapping[tuple[str, str, str, str], str] | None = None,
    seen: Mapping[tuple[str, str, str], Iterable[str]] | None = None,
) -> str:
    """The matrix as a Markdown table: A = allow, D = deny; a mismatch shows ``A≠(status)``.

    ``observed`` holds the status of each mismatching cell; ``seen`` the distinct statuses of each
    (rule, method, relation), so a reviewer can check what "allowed" and "denied" looked like.
    """
    short = {ANONYMOUS: "anon"}
    head = ["route", "method", "access", "relation", *(short.get(r, r) for r in ROLES), "probe", "statuses seen"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        for rel in row.relations:
            marks = []
            for role in ROLES:
                want = expected(row, role, rel)
                mark = "A" if want is Outcome.ALLOW else "D"
                got = (observed or {}).get((row.rule, row.method, role, rel.value))
                marks.append(f"**{mark}≠{got}**" if got else mark)
            statuses = ", ".join(sorted(set((seen or {}).get((row.rule, row.method, rel.value), ()))))
            lines.append(
                f"| `{row.rule}` | {row.method} | `{row.access}` | {rel.value} | "
                + " | ".join(marks)
                + f" | {row.probe} | {statuses} |"
            )
    return "\n".join(lines) + "\n"


assert all(r in USERNAMES for r in ROLES if r != ANONYMOUS), "every role needs a demo account"
assert set(USERNAMES) == {r.value for r in Role}
