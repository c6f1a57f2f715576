"""Roles, the permission catalogue, default sets (domain spec §8.1) and separation of duties."""

from __future__ import annotations

import re

import pytest

from school_identity.domain.roles import (
    DEFAULT_MFA_REQUIRED_ROLES,
    DEFAULT_ROLE_PERMISSIONS,
    PERMISSION_CATALOGUE,
    ROLE_INFO,
    ROLE_NAMES,
    ROLES,
    Role,
    ScopeKind,
    parse_role,
    parse_roles_setting,
    parse_sod_rules,
    permission_set_problems,
    permissions_for,
    sod_message,
    sod_violations,
)

STUDENT_DATA = {p for p in PERMISSION_CATALOGUE if p.startswith(("students:", "grades:"))}
SOD = (("grades:score:write", "grades:period:lock"),)


def test_twelve_roles_with_vietnamese_names_scope_and_year() -> None:
    assert [r.code.value for r in ROLES] == [
        "HT", "PHT", "TTCM", "GVCN", "GVBM", "VP", "KT", "TV", "TB", "YT", "CMHS", "QTHT",
    ]  # fmt: skip
    assert set(ROLE_NAMES) == set(Role) == set(DEFAULT_ROLE_PERMISSIONS)
    assert ROLE_NAMES[Role.GVCN] == "Giáo viên chủ nhiệm"
    school = {r for r in Role if ROLE_INFO[r].scope_kind is ScopeKind.SCHOOL}
    assert school == {Role.HT, Role.PHT, Role.VP, Role.KT, Role.TV, Role.TB, Role.YT, Role.QTHT}
    assert ROLE_INFO[Role.TTCM].scope_kind is ScopeKind.DEPARTMENT
    assert ROLE_INFO[Role.GVCN].scope_kind is ScopeKind.CLASS
    assert ROLE_INFO[Role.GVBM].scope_kind is ScopeKind.CLASS_SUBJECT
    assert {r for r in Role if ROLE_INFO[r].year_scoped} == {Role.TTCM, Role.GVCN, Role.GVBM}
    assert {Role.HT, Role.PHT, Role.VP, Role.KT, Role.TB, Role.YT, Role.QTHT} == DEFAULT_MFA_REQUIRED_ROLES


def test_catalogue_names_follow_scope_resource_action_and_are_described_in_vietnamese() -> None:
    pattern = re.compile(r"^[a-z_]+:[a-z_]+:[a-z_]+$|^export:bulk$")
    for name, description in PERMISSION_CATALOGUE.items():
        assert pattern.match(name), name
        assert description
    for perms in DEFAULT_ROLE_PERMISSIONS.values():
        assert perms <= set(PERMISSION_CATALOGUE)
    assert "identity:session:manage" not in PERMISSION_CATALOGUE  # the gateway's, never a role's


@pytest.mark.parametrize("role", list(Role))
def test_everyone_may_read_and_look_after_themselves(role: Role) -> None:
    assert {"identity:me:read", "identity:me:write"} <= DEFAULT_ROLE_PERMISSIONS[role]


def test_head_teacher_holds_everything_but_entering_and_correcting_scores() -> None:
    ht = DEFAULT_ROLE_PERMISSIONS[Role.HT]
    assert ht == set(PERMISSION_CATALOGUE) - {"grades:score:write", "grades:score:correct"}
    assert {"export:bulk", "grades:period:lock", "identity:audit:export"} <= ht


def test_deputy_reads_reviews_and_reads_the_audit_log() -> None:
    pht = DEFAULT_ROLE_PERMISSIONS[Role.PHT]
    assert {"identity:review:read", "identity:audit:read", "students:student:read"} <= pht
    assert not {p for p in pht if p.endswith((":write", ":lock", ":export", ":import"))} - {"identity:me:write"}


def test_teachers() -> None:
    gvcn, gvbm = DEFAULT_ROLE_PERMISSIONS[Role.GVCN], DEFAULT_ROLE_PERMISSIONS[Role.GVBM]
    assert "students:student:write" in gvcn
    assert "students:student:write" not in gvbm
    assert "grades:score:write" in gvbm
    assert "grades:period:lock" not in gvcn | gvbm
    assert DEFAULT_ROLE_PERMISSIONS[Role.TTCM] >= {"students:student:read", "identity:staff:read"}


def test_office_keeps_staff_and_student_records() -> None:
    vp = DEFAULT_ROLE_PERMISSIONS[Role.VP]
    assert {
        "identity:staff:read",
        "identity:staff:write",
        "identity:staff:import",
        "identity:staff:export",
        "identity:staff:read_sensitive",
        "identity:department:write",
        "identity:account:read",
        "students:student:write",
    } <= vp
    assert "identity:role:write" not in vp


@pytest.mark.parametrize("role", [Role.KT, Role.TV, Role.YT])
def test_readers_of_students(role: Role) -> None:
    assert DEFAULT_ROLE_PERMISSIONS[role] & STUDENT_DATA == {
        "students:school_year:read",
        "students:class:read",
        "students:student:read",
    }


@pytest.mark.parametrize("role", [Role.TB, Role.QTHT])
def test_it_staff_run_accounts_without_student_or_grade_data(role: Role) -> None:
    perms = DEFAULT_ROLE_PERMISSIONS[role]
    assert not perms & STUDENT_DATA
    assert {"identity:account:read", "identity:account:write"} <= perms


def test_parents_see_themselves_and_read_students() -> None:
    # Reading students reaches only their own children (scope "child:<id>" from guardian links).
    assert DEFAULT_ROLE_PERMISSIONS[Role.CMHS] == {"identity:me:read", "identity:me:write", "students:student:read"}


def test_permissions_add_up_and_unknown_codes_grant_nothing_more() -> None:
    assert permissions_for(["KT", "TB"]) == DEFAULT_ROLE_PERMISSIONS[Role.KT] | DEFAULT_ROLE_PERMISSIONS[Role.TB]
    assert permissions_for(["ADMIN", "ht"]) == {"identity:me:read", "identity:me:write"}
    assert parse_role("ht") is None


def test_no_default_role_breaks_the_default_separation_of_duties() -> None:
    for perms in DEFAULT_ROLE_PERMISSIONS.values():
        assert sod_violations(perms, SOD) == []
    assert sod_violations(permissions_for(["HT", "GVBM"]), SOD) == list(SOD)


def test_sod_rules_setting() -> None:
    assert parse_sod_rules("grades:score:write|grades:period:lock") == (SOD, [])
    assert parse_sod_rules("none") == ((), [])
    assert parse_sod_rules(" ") == ((), [])
    rules, bad = parse_sod_rules("a|b,grades:score:write|grades:score:write,export:bulk|identity:audit:export")
    assert rules == (("export:bulk", "identity:audit:export"),)
    assert bad == ["a|b", "grades:score:write|grades:score:write"]
    assert "người nhập điểm không được khóa sổ điểm" in sod_message(SOD)


def test_roles_setting() -> None:
    assert parse_roles_setting("HT, pht,,KT") == ({Role.HT, Role.PHT, Role.KT}, [])
    assert parse_roles_setting("HT,BOSS") == ({Role.HT}, ["BOSS"])
    assert parse_roles_setting("none") == (frozenset(), [])


def test_permission_sets_are_checked_against_the_catalogue_and_ht_keeps_role_write() -> None:
    assert permission_set_problems(Role.KT, {"students:student:read"}) == {}
    assert "danh mục" in permission_set_problems(Role.KT, {"identity:session:manage"})["permissions"]
    assert "identity:role:write" in permission_set_problems(Role.HT, {"identity:me:read"})["permissions"]
