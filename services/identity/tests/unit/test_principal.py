"""The effective principal (roles, permissions, scopes), the grant rules and the sign-in steps."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from school_identity.domain.assignments import GrantRequest, plan_grant
from school_identity.domain.model import Account, Assignment, LoginStep, SchoolClass, SchoolYear
from school_identity.domain.principal import effective_principal, effective_roles
from school_identity.domain.roles import ME, Role, ScopeKind, role_permissions
from school_identity.domain.signin import login_steps

NOW = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)
TODAY = date(2026, 1, 5)
YEAR = SchoolYear(id="y-1", school_id="s-1", name="2025-2026", start_date=date(2025, 9, 5), end_date=date(2026, 5, 31))
CLASS = SchoolClass(id="c-3a", school_id="s-1", school_year_id="y-1", name="3A", grade_level=3)


def account(*roles: str) -> Account:
    return Account(
        id="u-1",
        school_id="s-1",
        username="gv",
        full_name="Giáo viên",
        password_hash="x",
        roles=roles,
        is_active=True,
        created_at=NOW,
        password_changed_at=NOW,
    )


def assignment(role: str, kind: ScopeKind, **kw: object) -> Assignment:
    base: dict[str, object] = {
        "id": f"a-{role}-{kw.get('class_id', '')}{kw.get('subject_code', '')}{kw.get('department_id', '')}",
        "school_id": "s-1",
        "account_id": "u-1",
        "role": role,
        "scope_kind": kind.value,
        "starts_on": date(2025, 9, 5),
        "granted_by": "ht",
        "granted_at": NOW,
        "school_year_id": "y-1",
        "ends_on": date(2026, 5, 31),
    }
    base.update(kw)
    return Assignment(**base)  # type: ignore[arg-type]


TABLE = role_permissions({})


def test_a_teacher_with_assignments_gets_their_roles_permissions_and_scopes() -> None:
    held = [
        assignment("GVCN", ScopeKind.CLASS, class_id="c-3a"),
        assignment("GVBM", ScopeKind.CLASS_SUBJECT, class_id="c-4b", subject_code="TIENG_ANH"),
        assignment("TTCM", ScopeKind.DEPARTMENT, department_id="dep-3"),
    ]
    p = effective_principal(account(), TABLE, held, TODAY)
    assert p.roles == ("GVCN", "GVBM", "TTCM")
    assert p.permissions == TABLE["GVCN"] | TABLE["GVBM"] | TABLE["TTCM"]
    assert p.scopes == {"class:c-3a", "class_subject:c-4b:TIENG_ANH", "department:dep-3"}
    assert "school" not in p.scopes


def test_school_wide_roles_reach_the_school() -> None:
    p = effective_principal(account("HT"), TABLE, [], TODAY)
    assert p.scopes == {"school"}
    assert "export:bulk" in p.permissions
    parent = effective_principal(account("CMHS"), TABLE, [], TODAY)
    assert parent.scopes == frozenset()  # no linked child: reaches no student
    assert parent.permissions == ME | {"students:student:read"}


def test_ended_future_and_expired_assignments_grant_nothing() -> None:
    held = [
        assignment("GVCN", ScopeKind.CLASS, class_id="c-1", ended_at=NOW),
        assignment("GVCN", ScopeKind.CLASS, class_id="c-2", starts_on=date(2026, 2, 1)),
        assignment("GVBM", ScopeKind.CLASS_SUBJECT, class_id="c-3", subject_code="TOAN", ends_on=date(2026, 1, 4)),
    ]
    p = effective_principal(account(), TABLE, held, TODAY)
    assert p.roles == ()
    assert p.scopes == frozenset()
    assert p.permissions == ME


def test_an_account_level_year_role_without_assignment_has_permissions_but_no_class() -> None:
    p = effective_principal(account("GVCN"), TABLE, [], TODAY)
    assert "students:student:write" in p.permissions
    assert p.scopes == frozenset()


def test_the_schools_edited_permissions_are_used() -> None:
    table = role_permissions({"KT": frozenset({"students:student:read"})})
    p = effective_principal(account("KT"), table, [], TODAY)
    assert p.permissions == {"students:student:read"} | ME


def test_assignments_of_someone_else_are_ignored() -> None:
    other = assignment("GVCN", ScopeKind.CLASS, class_id="c-3a", account_id="u-2")
    assert effective_principal(account(), TABLE, [other], TODAY).scopes == frozenset()


def test_effective_roles_keep_order_and_are_unique() -> None:
    held = [assignment("GVCN", ScopeKind.CLASS, class_id="c-1"), assignment("GVCN", ScopeKind.CLASS, class_id="c-2")]
    assert effective_roles(("QTHT", "GVCN"), held, TODAY) == ("QTHT", "GVCN")


def grant(role: Role, **kw: object) -> GrantRequest:
    base: dict[str, object] = {
        "role": role,
        "school_year": YEAR,
        "school_year_id": "y-1",
        "department_known": False,
        "department_id": "",
        "school_class": None,
        "class_id": "",
        "subject_code": "",
        "starts_on": None,
        "ends_on": None,
        "unreadable": {},
    }
    base.update(kw)
    return GrantRequest(**base)  # type: ignore[arg-type]


def test_a_year_role_ends_with_the_year_by_default() -> None:
    plan, problems = plan_grant(grant(Role.GVCN, school_class=CLASS, class_id="c-3a"), TODAY)
    assert problems == {}
    assert plan is not None
    assert (plan.scope_kind, plan.starts_on, plan.ends_on) == (ScopeKind.CLASS, TODAY, date(2026, 5, 31))


@pytest.mark.parametrize(
    ("request_kw", "field"),
    [
        ({"school_year": None}, "school_year_id"),
        ({"school_year": None, "school_year_id": ""}, "school_year_id"),
        ({"class_id": "c-x", "school_class": None}, "class_id"),
        ({"school_class": SchoolClass("c-9", "s-1", "y-2", "1A", 1)}, "class_id"),
        ({"ends_on": date(2026, 6, 30)}, "ends_on"),
        ({"starts_on": date(2026, 3, 1), "ends_on": date(2026, 2, 1)}, "ends_on"),
    ],
)
def test_grant_problems(request_kw: dict[str, object], field: str) -> None:
    kw: dict[str, object] = {"school_class": CLASS, "class_id": "c-3a"}
    kw.update(request_kw)
    plan, problems = plan_grant(grant(Role.GVCN, **kw), TODAY)
    assert plan is None
    assert field in problems


def test_subject_teacher_needs_a_subject_and_department_head_a_department() -> None:
    _, problems = plan_grant(grant(Role.GVBM, school_class=CLASS, class_id="c-3a"), TODAY)
    assert set(problems) == {"subject_code"}
    _, problems = plan_grant(grant(Role.TTCM, department_id="d-1"), TODAY)
    assert set(problems) == {"department_id"}
    plan, _ = plan_grant(grant(Role.TTCM, department_id="d-1", department_known=True), TODAY)
    assert plan is not None
    assert plan.scope_kind is ScopeKind.DEPARTMENT


def test_account_level_roles_take_no_year_and_run_until_ended() -> None:
    plan, problems = plan_grant(grant(Role.QTHT, school_year=None, school_year_id=""), TODAY)
    assert problems == {}
    assert plan is not None
    assert plan.ends_on is None
    assert plan.scope_kind is ScopeKind.SCHOOL
    _, problems = plan_grant(grant(Role.QTHT), TODAY)
    assert set(problems) == {"school_year_id"}
    _, problems = plan_grant(grant(Role.CMHS, school_year=None, school_year_id=""), TODAY)
    assert set(problems) == {"role"}


@pytest.mark.parametrize(
    ("must_change", "required", "enrolled", "steps"),
    [
        (False, False, False, ()),
        (True, False, False, (LoginStep.PASSWORD_CHANGE,)),
        (False, True, False, (LoginStep.MFA_ENROL,)),
        (False, True, True, (LoginStep.MFA,)),
        (False, False, True, (LoginStep.MFA,)),  # optional MFA, once enrolled, is always asked
        (True, True, False, (LoginStep.PASSWORD_CHANGE, LoginStep.MFA_ENROL)),
        (True, True, True, (LoginStep.PASSWORD_CHANGE, LoginStep.MFA)),  # a reset never skips MFA
    ],
)
def test_login_steps(must_change: bool, required: bool, enrolled: bool, steps: tuple[LoginStep, ...]) -> None:
    assert login_steps(must_change_password=must_change, mfa_required=required, mfa_enrolled=enrolled) == steps


def test_a_parent_gets_child_scopes_and_no_one_else_does() -> None:
    from school_identity.domain.principal import scopes_for

    assert scopes_for(["CMHS"], [], TODAY, ["st-1", "st-2", ""]) == frozenset({"child:st-1", "child:st-2"})
    assert scopes_for(["GVBM"], [], TODAY, ["st-1"]) == frozenset()
    parent = effective_principal(account("CMHS"), TABLE, [], TODAY, children=["st-1"])
    assert parent.scopes == frozenset({"child:st-1"})
    assert "students:student:read" in parent.permissions


def test_a_department_head_reaches_the_departments_grades_in_the_assignments_year() -> None:
    head = assignment("TTCM", ScopeKind.DEPARTMENT, department_id="d-45")
    other = assignment("TTCM", ScopeKind.DEPARTMENT, department_id="d-1", ends_on=date(2025, 12, 31))
    principal = effective_principal(
        account(),
        role_permissions({}),
        [head, other],
        TODAY,
        department_grades={"d-45": (4, 5), "d-1": (1,)},
    )
    # The ended assignment gives nothing; the running one gives its department and its grades.
    assert principal.scopes == frozenset({"department:d-45", "grade:y-1:4", "grade:y-1:5"})
    # A department without grades (not set yet) reaches no class.
    bare = effective_principal(account(), role_permissions({}), [head], TODAY, department_grades={})
    assert bare.scopes == frozenset({"department:d-45"})


def test_department_grade_levels_are_primary_grades() -> None:
    from school_identity.domain.departments import grade_levels_problem

    assert grade_levels_problem([5, 4, 4]) == ((4, 5), "")
    assert grade_levels_problem([]) == ((), "")
    levels, problem = grade_levels_problem([1, 0])
    assert levels == ()
    assert "từ 1 đến 5" in problem
    assert grade_levels_problem([6])[1]
