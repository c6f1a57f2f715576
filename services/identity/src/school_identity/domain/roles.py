"""School roles (vai trò) and the default permissions each grants (domain spec §8.1)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType


class Role(StrEnum):
    """Role codes as carried in tokens and stored on accounts."""

    HT = "HT"
    PHT = "PHT"
    TTCM = "TTCM"
    GVCN = "GVCN"
    GVBM = "GVBM"
    VP = "VP"
    KT = "KT"
    TV = "TV"
    TB = "TB"
    YT = "YT"
    CMHS = "CMHS"
    QTHT = "QTHT"


ROLE_NAMES: Mapping[Role, str] = MappingProxyType(
    {
        Role.HT: "Hiệu trưởng",
        Role.PHT: "Phó Hiệu trưởng",
        Role.TTCM: "Tổ trưởng chuyên môn",
        Role.GVCN: "Giáo viên chủ nhiệm",
        Role.GVBM: "Giáo viên bộ môn",
        Role.VP: "Nhân viên văn phòng/văn thư",
        Role.KT: "Kế toán",
        Role.TV: "Thư viện",
        Role.TB: "Thiết bị/CNTT",
        Role.YT: "Y tế",
        Role.CMHS: "Cha mẹ học sinh",
        Role.QTHT: "Quản trị hệ thống",
    }
)

# Permission names, `<scope>:<resource>:<action>`, spelled once so a typo cannot grant nothing silently.
ME_READ = "identity:me:read"
SCHOOL_YEAR_READ = "students:school_year:read"
SCHOOL_YEAR_WRITE = "students:school_year:write"
CLASS_READ = "students:class:read"
CLASS_WRITE = "students:class:write"
STUDENT_READ = "students:student:read"
STUDENT_WRITE = "students:student:write"
ROSTER_READ = "grades:roster:read"

# Reading classes and students is useless without the list of school years they hang from.
_READ_STUDENTS = frozenset({SCHOOL_YEAR_READ, CLASS_READ, STUDENT_READ})
_WRITE_STUDENTS = frozenset({SCHOOL_YEAR_WRITE, CLASS_WRITE, STUDENT_WRITE})

DEFAULT_ROLE_PERMISSIONS: Mapping[Role, frozenset[str]] = MappingProxyType(
    {
        # The head teacher answers for every record of the school.
        Role.HT: _READ_STUDENTS | _WRITE_STUDENTS | {ROSTER_READ, ME_READ},
        # Deputies read everything; writes come through delegation, which is a later slice.
        Role.PHT: _READ_STUDENTS | {ROSTER_READ, ME_READ},
        Role.TTCM: _READ_STUDENTS | {ROSTER_READ, ME_READ},
        # The homeroom teacher keeps the class's contacts, attendance and sĩ số up to date.
        Role.GVCN: _READ_STUDENTS | {STUDENT_WRITE, ROSTER_READ, ME_READ},
        Role.GVBM: _READ_STUDENTS | {ROSTER_READ, ME_READ},
        # The office keeps the school's records: years, classes and student files.
        Role.VP: _READ_STUDENTS | _WRITE_STUDENTS | {ME_READ},
        Role.KT: _READ_STUDENTS | {ME_READ},
        Role.TV: _READ_STUDENTS | {ME_READ},
        Role.YT: _READ_STUDENTS | {ME_READ},
        # Equipment/IT staff and system administrators run the platform but see no student data.
        Role.TB: frozenset({ME_READ}),
        Role.QTHT: frozenset({ME_READ}),
        # Parents get access to their own child only, which needs guardian links (a later slice).
        Role.CMHS: frozenset({ME_READ}),
    }
)


def parse_role(code: str) -> Role | None:
    """The role for ``code`` (exact, upper case), or None when no such role exists."""
    try:
        return Role(code)
    except ValueError:
        return None


def permissions_for(roles: Iterable[str]) -> frozenset[str]:
    """Union of the default permissions of ``roles``; unknown codes grant nothing (default deny)."""
    granted: set[str] = set()
    for code in roles:
        role = parse_role(code)
        if role is not None:
            granted |= DEFAULT_ROLE_PERMISSIONS[role]
    return frozenset(granted)
