"""School roles (vai trò), the permission catalogue and the default permission sets (domain spec §8.1).

Permissions are named ``<scope>:<resource>:<action>``. Every school starts from the defaults below
and may edit its own copy (AccessService.SetRolePermissions); the catalogue bounds what a role may
hold. Separation-of-duties rules name pairs of permissions no role, and no person, may hold
together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Role(StrEnum):
    """Role codes as carried in tokens and stored on accounts and assignments."""

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


class ScopeKind(StrEnum):
    """What an assignment of a role is limited to (mirrors the proto enum without its prefix)."""

    NONE = "NONE"  # account-level without object scope (parents: child links come later)
    SCHOOL = "SCHOOL"
    DEPARTMENT = "DEPARTMENT"
    CLASS = "CLASS"
    CLASS_SUBJECT = "CLASS_SUBJECT"


@dataclass(frozen=True)
class RoleInfo:
    code: Role
    name: str
    scope_kind: ScopeKind
    # Held per school year (ends with the year) rather than by the account.
    year_scoped: bool


# In the order of the school's organisation chart (ListRoles keeps it).
ROLES: tuple[RoleInfo, ...] = (
    RoleInfo(Role.HT, "Hiệu trưởng", ScopeKind.SCHOOL, False),
    RoleInfo(Role.PHT, "Phó Hiệu trưởng", ScopeKind.SCHOOL, False),
    RoleInfo(Role.TTCM, "Tổ trưởng chuyên môn", ScopeKind.DEPARTMENT, True),
    RoleInfo(Role.GVCN, "Giáo viên chủ nhiệm", ScopeKind.CLASS, True),
    RoleInfo(Role.GVBM, "Giáo viên bộ môn", ScopeKind.CLASS_SUBJECT, True),
    RoleInfo(Role.VP, "Nhân viên văn phòng/văn thư", ScopeKind.SCHOOL, False),
    RoleInfo(Role.KT, "Kế toán", ScopeKind.SCHOOL, False),
    RoleInfo(Role.TV, "Thư viện", ScopeKind.SCHOOL, False),
    RoleInfo(Role.TB, "Thiết bị/CNTT", ScopeKind.SCHOOL, False),
    RoleInfo(Role.YT, "Y tế", ScopeKind.SCHOOL, False),
    RoleInfo(Role.CMHS, "Cha mẹ học sinh", ScopeKind.NONE, False),
    RoleInfo(Role.QTHT, "Quản trị hệ thống", ScopeKind.SCHOOL, False),
)
ROLE_INFO: Mapping[Role, RoleInfo] = MappingProxyType({r.code: r for r in ROLES})
ROLE_NAMES: Mapping[Role, str] = MappingProxyType({r.code: r.name for r in ROLES})

# Permission names, spelled once so a typo cannot silently grant nothing.
ME_READ = "identity:me:read"
ME_WRITE = "identity:me:write"
SCHOOL_YEAR_READ = "students:school_year:read"
SCHOOL_YEAR_WRITE = "students:school_year:write"
CLASS_READ = "students:class:read"
CLASS_WRITE = "students:class:write"
STUDENT_READ = "students:student:read"
STUDENT_WRITE = "students:student:write"
# Issue 4: the full student record, movements, attendance and Excel lists.
STUDENT_READ_SENSITIVE = "students:student:read_sensitive"
STUDENT_IMPORT = "students:student:import"
STUDENT_EXPORT = "students:student:export"
STUDENT_DELETE = "students:student:delete"
GUARDIAN_LINK = "students:guardian:link"
MOVEMENT_READ = "students:movement:read"
MOVEMENT_WRITE = "students:movement:write"
ATTENDANCE_READ = "students:attendance:read"
ATTENDANCE_WRITE = "students:attendance:write"
ROSTER_READ = "grades:roster:read"
SCORE_READ = "grades:score:read"
SCORE_WRITE = "grades:score:write"
PERIOD_LOCK = "grades:period:lock"
# Issue 5: the grade book's programme, checks, year results, decisions and records.
PROGRAMME_WRITE = "grades:programme:write"
CHECK_READ = "grades:check:read"
RESULT_WRITE = "grades:result:write"
DECISION_WRITE = "grades:decision:write"
RECORD_PRINT = "grades:record:print"
RECORD_SIGN = "grades:record:sign"
# Correcting any cell of the school (not only one's own subjects), for a delegated deputy; held
# by no role by default, and never together with locking (DEFAULT_SOD_RULES).
SCORE_CORRECT = "grades:score:correct"
STAFF_READ = "identity:staff:read"
STAFF_WRITE = "identity:staff:write"
STAFF_READ_SENSITIVE = "identity:staff:read_sensitive"
STAFF_IMPORT = "identity:staff:import"
STAFF_EXPORT = "identity:staff:export"
DEPARTMENT_WRITE = "identity:department:write"
ROLE_READ = "identity:role:read"
ROLE_WRITE = "identity:role:write"
ASSIGNMENT_READ = "identity:assignment:read"
ASSIGNMENT_WRITE = "identity:assignment:write"
ACCOUNT_READ = "identity:account:read"
ACCOUNT_WRITE = "identity:account:write"
REVIEW_READ = "identity:review:read"
AUDIT_READ = "identity:audit:read"
AUDIT_EXPORT = "identity:audit:export"
EXPORT_BULK = "export:bulk"

# Everything a role may hold, with what it allows (shown on the principal's permissions page).
PERMISSION_CATALOGUE: Mapping[str, str] = MappingProxyType(
    {
        SCHOOL_YEAR_READ: "Xem năm học và học kỳ",
        SCHOOL_YEAR_WRITE: "Tạo và sửa năm học",
        CLASS_READ: "Xem danh sách lớp",
        CLASS_WRITE: "Tạo và sửa lớp học",
        STUDENT_READ: "Xem hồ sơ học sinh (trong phạm vi được phân công)",
        STUDENT_WRITE: "Tiếp nhận và sửa hồ sơ học sinh (trong phạm vi được phân công)",
        STUDENT_READ_SENSITIVE: "Xem thông tin gia đình, số định danh, đối tượng chính sách của học sinh",
        STUDENT_IMPORT: "Nhập danh sách học sinh từ tệp Excel",
        STUDENT_EXPORT: "Xuất danh sách học sinh ra tệp Excel (trong phạm vi được phân công)",
        STUDENT_DELETE: "Xóa hồ sơ nhập nhầm và gộp hồ sơ học sinh trùng",
        GUARDIAN_LINK: "Liên kết tài khoản cha mẹ học sinh với học sinh",
        MOVEMENT_READ: "Xem biến động học sinh (chuyển đến, chuyển đi, bỏ học) và báo cáo sĩ số",
        MOVEMENT_WRITE: "Ghi nhận chuyển trường, bỏ học, trở lại học, lưu ban, kết chuyển năm học",
        ATTENDANCE_READ: "Xem điểm danh, chuyên cần (trong phạm vi được phân công)",
        ATTENDANCE_WRITE: "Điểm danh hằng ngày và sửa điểm danh của lớp chủ nhiệm",
        ROSTER_READ: "Xem danh sách học sinh của lớp trong sổ điểm",
        SCORE_READ: "Xem kết quả đánh giá, điểm kiểm tra",
        SCORE_WRITE: "Nhập kết quả đánh giá, điểm kiểm tra",
        PERIOD_LOCK: "Duyệt, khóa và mở khóa (có lý do) sổ theo dõi chất lượng giáo dục theo kỳ",
        PROGRAMME_WRITE: "Sửa chương trình môn học theo năm và thời hạn nhập kết quả từng kỳ",
        CHECK_READ: "Kiểm tra việc nhập kết quả đánh giá (ai chưa nhập gì) trong phạm vi phụ trách",
        RESULT_WRITE: "Tổng hợp kết quả lớp chủ nhiệm, đề nghị khen thưởng, đánh giá bổ sung",
        DECISION_WRITE: "Quyết định lên lớp, ở lại lớp và duyệt khen thưởng cuối năm",
        RECORD_PRINT: "In học bạ và bảng tổng hợp kết quả (trong phạm vi được phân công)",
        RECORD_SIGN: "Ký số và lưu trữ học bạ, bảng tổng hợp kết quả",
        SCORE_CORRECT: "Sửa kết quả đánh giá của mọi lớp, mọi môn (khi được ủy quyền sửa sai sót)",
        ME_READ: "Xem thông tin tài khoản của chính mình",
        ME_WRITE: "Đổi mật khẩu, xác thực hai lớp, sửa thông tin liên hệ của chính mình",
        STAFF_READ: "Xem hồ sơ cán bộ, giáo viên, nhân viên (không gồm số CCCD)",
        STAFF_WRITE: "Tạo và sửa hồ sơ cán bộ, giáo viên, nhân viên",
        STAFF_READ_SENSITIVE: "Xem số CCCD trong hồ sơ cán bộ",
        STAFF_IMPORT: "Nhập hồ sơ cán bộ từ tệp Excel",
        STAFF_EXPORT: "Xuất hồ sơ cán bộ ra tệp Excel",
        DEPARTMENT_WRITE: "Tạo tổ chuyên môn và đặt các khối lớp của tổ",
        ROLE_READ: "Xem vai trò và quyền",
        ROLE_WRITE: "Sửa quyền của vai trò",
        ASSIGNMENT_READ: "Xem phân công của mọi người",
        ASSIGNMENT_WRITE: "Phân công và kết thúc phân công vai trò",
        ACCOUNT_READ: "Xem danh sách tài khoản",
        ACCOUNT_WRITE: "Khóa, mở khóa tài khoản và cấp lại mật khẩu",
        REVIEW_READ: "Rà soát việc sử dụng tài khoản và gửi nhắc nhở",
        AUDIT_READ: "Xem nhật ký hệ thống",
        AUDIT_EXPORT: "Xuất nhật ký hệ thống ra tệp Excel",
        EXPORT_BULK: "Xuất dữ liệu hàng loạt (cần xác thực lại)",
    }
)

# Everyone may see and look after their own account.
ME = frozenset({ME_READ, ME_WRITE})
# Reading classes and students is useless without the list of school years they hang from.
_READ_STUDENTS = frozenset({SCHOOL_YEAR_READ, CLASS_READ, STUDENT_READ})
_WRITE_STUDENTS = frozenset({SCHOOL_YEAR_WRITE, CLASS_WRITE, STUDENT_WRITE})

DEFAULT_ROLE_PERMISSIONS: Mapping[Role, frozenset[str]] = MappingProxyType(
    {
        # The head teacher answers for everything, but approves and locks grades rather than
        # entering them: holding both would break the default separation-of-duties rule.
        Role.HT: frozenset(PERMISSION_CATALOGUE) - {SCORE_WRITE, SCORE_CORRECT},
        # Deputies read everything and review accounts; writes come by delegation (a later slice).
        Role.PHT: _READ_STUDENTS
        | ME
        | {
            MOVEMENT_READ,
            ATTENDANCE_READ,
            ROSTER_READ,
            SCORE_READ,
            CHECK_READ,
            RECORD_PRINT,
            STAFF_READ,
            ROLE_READ,
            ASSIGNMENT_READ,
            ACCOUNT_READ,
            REVIEW_READ,
            AUDIT_READ,
        },
        # The head of a department reads the group's classes and checks completeness.
        Role.TTCM: _READ_STUDENTS
        | ME
        | {ROSTER_READ, SCORE_READ, CHECK_READ, STAFF_READ, MOVEMENT_READ, ATTENDANCE_READ},
        # The homeroom teacher keeps the class's contacts, attendance and sĩ số up to date and
        # enters qualities and competencies; the teacher of a subject enters its scores.
        # The homeroom teacher also sees the family contacts of their own class (need to know).
        Role.GVCN: _READ_STUDENTS
        | ME
        | {
            STUDENT_WRITE,
            STUDENT_READ_SENSITIVE,
            STUDENT_EXPORT,
            MOVEMENT_READ,
            ATTENDANCE_READ,
            ATTENDANCE_WRITE,
            ROSTER_READ,
            SCORE_READ,
            SCORE_WRITE,
            RESULT_WRITE,
            RECORD_PRINT,
        },
        Role.GVBM: _READ_STUDENTS | ME | {ROSTER_READ, SCORE_READ, SCORE_WRITE},
        # The office keeps the school's records: years, classes, student files and staff files.
        Role.VP: _READ_STUDENTS
        | _WRITE_STUDENTS
        | ME
        | {
            STUDENT_READ_SENSITIVE,
            STUDENT_IMPORT,
            STUDENT_EXPORT,
            GUARDIAN_LINK,
            MOVEMENT_READ,
            MOVEMENT_WRITE,
            ATTENDANCE_READ,
            RECORD_PRINT,
        }
        | {STAFF_READ, STAFF_WRITE, STAFF_IMPORT, STAFF_EXPORT, STAFF_READ_SENSITIVE, DEPARTMENT_WRITE, ACCOUNT_READ},
        Role.KT: _READ_STUDENTS | ME,
        Role.TV: _READ_STUDENTS | ME,
        Role.YT: _READ_STUDENTS | ME,
        # Equipment/IT staff and system administrators run accounts but see no student or grade data.
        Role.TB: ME | {ACCOUNT_READ, ACCOUNT_WRITE},
        Role.QTHT: ME | {ACCOUNT_READ, ACCOUNT_WRITE},
        # Parents read their own children only: the students service lets the scope
        # "child:<student id>" (from guardian links) reach a student, never a class.
        Role.CMHS: ME | {STUDENT_READ},
    }
)

# The head teacher must always be able to change permissions back (no lock-out by editing).
ALWAYS_HELD: Mapping[Role, frozenset[str]] = MappingProxyType({Role.HT: frozenset({ROLE_WRITE, ME_READ, ME_WRITE})})

# S6: every role that reads citizen ids (VP), payments (KT), health data (YT), exports in bulk (HT)
# or operates accounts (TB, QTHT) must pass a second factor.
DEFAULT_MFA_REQUIRED_ROLES = frozenset({Role.HT, Role.PHT, Role.VP, Role.KT, Role.TB, Role.YT, Role.QTHT})
DEFAULT_SOD_RULES = "grades:score:write|grades:period:lock,grades:score:correct|grades:period:lock"

SodRule = tuple[str, str]


def parse_role(code: str) -> Role | None:
    """The role for ``code`` (exact, upper case), or None when no such role exists."""
    try:
        return Role(code)
    except ValueError:
        return None


def parse_roles_setting(raw: str) -> tuple[frozenset[Role], list[str]]:
    """Read "HT,PHT,…" into roles ("none" for no role); also returns the unknown codes."""
    if raw.strip().lower() == "none":
        return frozenset(), []
    roles: set[Role] = set()
    unknown: list[str] = []
    for part in raw.split(","):
        code = part.strip().upper()
        if not code:
            continue
        role = parse_role(code)
        if role is None:
            unknown.append(code)
        else:
            roles.add(role)
    return frozenset(roles), unknown


def parse_sod_rules(raw: str) -> tuple[tuple[SodRule, ...], list[str]]:
    """Read "a|b,c|d" into permission pairs ("none" or blank: no rule); also returns bad entries."""
    if raw.strip().lower() == "none":
        return (), []
    rules: list[SodRule] = []
    bad: list[str] = []
    for part in raw.split(","):
        entry = part.strip()
        if not entry:
            continue
        sides = [s.strip() for s in entry.split("|")]
        if len(sides) != 2 or sides[0] == sides[1] or any(s not in PERMISSION_CATALOGUE for s in sides):
            bad.append(entry)
        else:
            rules.append((sides[0], sides[1]))
    return tuple(rules), bad


def sod_violations(permissions: Iterable[str], rules: Iterable[SodRule]) -> list[SodRule]:
    """The separation-of-duties rules that ``permissions`` held together would break."""
    held = set(permissions)
    return [rule for rule in rules if rule[0] in held and rule[1] in held]


def sod_message(violations: Iterable[SodRule]) -> str:
    """Why the change is refused, in Vietnamese, naming the permissions involved."""
    pairs = "; ".join(
        f"«{PERMISSION_CATALOGUE.get(a, a)}» và «{PERMISSION_CATALOGUE.get(b, b)}»" for a, b in violations
    )
    return (
        "Vi phạm nguyên tắc phân tách nhiệm vụ: một người không được đồng thời có quyền "
        f"{pairs} (ví dụ: người nhập điểm không được khóa sổ điểm)"
    )


def role_permissions(stored: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """A school's permissions per role: its stored copy where it has one, the defaults otherwise."""
    merged = {role.value: perms for role, perms in DEFAULT_ROLE_PERMISSIONS.items()}
    for code, perms in stored.items():
        if parse_role(code) is not None:
            merged[code] = frozenset(perms)
    return merged


def permissions_for(roles: Iterable[str], table: Mapping[str, frozenset[str]] | None = None) -> frozenset[str]:
    """Union of the permissions of ``roles`` (defaults unless a school's table is given).

    Unknown codes grant nothing (default deny); every account may read and look after itself.
    """
    source: Mapping[str, frozenset[str]] = (
        table if table is not None else {r.value: p for r, p in DEFAULT_ROLE_PERMISSIONS.items()}
    )
    granted: set[str] = set(ME)
    for code in roles:
        if parse_role(code) is not None:
            granted |= source.get(code, frozenset())
    return frozenset(granted)


def mfa_required(roles: Iterable[str], required_roles: Iterable[str]) -> bool:
    """Whether any of ``roles`` must use a second factor."""
    return bool(set(roles) & {str(r) for r in required_roles})


def permission_set_problems(role: Role, permissions: Iterable[str]) -> dict[str, str]:
    """Why a new permission set for ``role`` cannot be stored (field "permissions"), if at all."""
    given = set(permissions)
    unknown = sorted(p for p in given if p not in PERMISSION_CATALOGUE)
    if unknown:
        return {"permissions": "Quyền không có trong danh mục: " + ", ".join(unknown)}
    missing = sorted(ALWAYS_HELD.get(role, frozenset()) - given)
    if missing:
        return {
            "permissions": f"Vai trò {ROLE_NAMES[role]} luôn phải giữ các quyền: "
            + ", ".join(missing)
            + " (để có thể sửa lại quyền sau này)"
        }
    return {}
