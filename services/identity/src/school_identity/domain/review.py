"""Account-use review (R-ID2, R-M4): which accounts need attention, and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from school_identity.domain.model import Account, Assignment
from school_identity.domain.roles import ROLE_INFO, mfa_required, parse_role


class FindingKind(StrEnum):
    NEVER_USED = "NEVER_USED"
    INACTIVE = "INACTIVE"
    PASSWORD_OLD = "PASSWORD_OLD"  # noqa: S105 - a finding name, not a password
    MFA_MISSING = "MFA_MISSING"
    ROLE_WITHOUT_ASSIGNMENT = "ROLE_WITHOUT_ASSIGNMENT"


# Order of the review page: kind first, then username.
KIND_ORDER = {kind: n for n, kind in enumerate(FindingKind)}


@dataclass(frozen=True)
class Finding:
    account: Account
    kind: FindingKind
    detail: str


def findings_for(
    account: Account,
    *,
    assignments: Iterable[Assignment],
    mfa_enrolled: bool,
    mfa_roles: Iterable[str],
    effective_roles: Iterable[str],
    now: datetime,
    today: date,
    inactive_days: int,
    password_max_age_days: int,
) -> list[Finding]:
    """Every reason one active account needs attention (disabled accounts are not reviewed)."""
    if not account.is_active:
        return []
    found: list[Finding] = []
    if account.last_login_at is None:
        found.append(Finding(account, FindingKind.NEVER_USED, "Chưa đăng nhập lần nào"))
    elif now - account.last_login_at > timedelta(days=inactive_days):
        days = (now - account.last_login_at).days
        found.append(Finding(account, FindingKind.INACTIVE, f"Không đăng nhập {days} ngày"))
    age = now - account.password_changed_at
    if age > timedelta(days=password_max_age_days):
        found.append(Finding(account, FindingKind.PASSWORD_OLD, f"Mật khẩu đã dùng {age.days} ngày"))
    if mfa_required(effective_roles, mfa_roles) and not mfa_enrolled:
        found.append(Finding(account, FindingKind.MFA_MISSING, "Vai trò bắt buộc xác thực hai lớp nhưng chưa đăng ký"))
    current_roles = {a.role for a in assignments if a.account_id == account.id and a.current(today)}
    for code in account.roles:
        role = parse_role(code)
        if role is not None and ROLE_INFO[role].year_scoped and code not in current_roles:
            found.append(
                Finding(
                    account,
                    FindingKind.ROLE_WITHOUT_ASSIGNMENT,
                    f"Có vai trò {ROLE_INFO[role].name} nhưng không có phân công nào đang hiệu lực",
                )
            )
    return found


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (KIND_ORDER[f.kind], f.account.username))
