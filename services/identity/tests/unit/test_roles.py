"""Roles and their default permissions follow the domain spec §8.1."""

from __future__ import annotations

import re

import pytest

from school_identity.domain.roles import DEFAULT_ROLE_PERMISSIONS, ROLE_NAMES, Role, parse_role, permissions_for

STUDENT_DATA = {
    "students:school_year:read",
    "students:school_year:write",
    "students:class:read",
    "students:class:write",
    "students:student:read",
    "students:student:write",
    "grades:roster:read",
}


def test_every_role_has_a_vietnamese_name_and_a_permission_set() -> None:
    assert set(ROLE_NAMES) == set(Role) == set(DEFAULT_ROLE_PERMISSIONS)
    assert ROLE_NAMES[Role.HT] == "Hiệu trưởng"
    assert ROLE_NAMES[Role.CMHS] == "Cha mẹ học sinh"


def test_permission_names_follow_scope_resource_action() -> None:
    pattern = re.compile(r"^[a-z_]+:[a-z_]+:[a-z_]+$")
    for perms in DEFAULT_ROLE_PERMISSIONS.values():
        assert all(pattern.match(p) for p in perms), perms


@pytest.mark.parametrize("role", list(Role))
def test_everyone_may_read_themselves(role: Role) -> None:
    assert "identity:me:read" in permissions_for([role.value])


def test_head_teacher_reads_and_writes_all_student_records() -> None:
    assert permissions_for(["HT"]) == STUDENT_DATA | {"identity:me:read"}


def test_deputy_reads_only() -> None:
    perms = permissions_for(["PHT"])
    assert {"students:school_year:read", "students:class:read", "students:student:read", "grades:roster:read"} <= perms
    assert not any(p.endswith(":write") for p in perms)


def test_homeroom_teacher_writes_students_but_not_classes_or_years() -> None:
    perms = permissions_for(["GVCN"])
    assert "students:student:write" in perms
    assert "students:class:write" not in perms
    assert "students:school_year:write" not in perms
    assert "grades:roster:read" in perms


def test_office_keeps_the_records() -> None:
    perms = permissions_for(["VP"])
    assert {"students:school_year:write", "students:class:write", "students:student:write"} <= perms
    assert "grades:roster:read" not in perms


@pytest.mark.parametrize("role", ["TTCM", "GVBM", "TV", "YT", "KT"])
def test_readers_of_classes_and_students(role: str) -> None:
    perms = permissions_for([role])
    assert {"students:class:read", "students:student:read"} <= perms
    assert not any(p.endswith(":write") for p in perms)


@pytest.mark.parametrize("role", ["TB", "QTHT", "CMHS"])
def test_roles_without_student_data(role: str) -> None:
    assert permissions_for([role]) == {"identity:me:read"}


def test_several_roles_add_up() -> None:
    assert permissions_for(["GVBM", "VP"]) == permissions_for(["GVBM"]) | permissions_for(["VP"])


def test_unknown_codes_grant_nothing() -> None:
    assert permissions_for(["ADMIN", "ht", ""]) == frozenset()
    assert parse_role("ht") is None
    assert parse_role("HT") is Role.HT
