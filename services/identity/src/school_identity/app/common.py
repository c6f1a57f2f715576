"""Helpers shared by the use cases: Vietnam dates, the effective principal, audit rows, checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from school_identity.app.commands import Actor
from school_identity.app.deps import Deps
from school_identity.app.ports import UnitOfWork
from school_identity.domain.errors import AccessDeniedError, AccountNotFoundError
from school_identity.domain.model import Account, AuditEntry, Principal
from school_identity.domain.principal import effective_principal, effective_roles
from school_identity.domain.roles import mfa_required, role_permissions

# Vietnam keeps UTC+7 all year (no daylight saving): school days and report dates are local.
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def vn_today(now: datetime) -> date:
    return now.astimezone(VN_TZ).date()


def vn_day_start(day: date) -> datetime:
    """The UTC instant a Vietnamese calendar day begins."""
    return datetime(day.year, day.month, day.day, tzinfo=VN_TZ).astimezone(UTC)


def school_permissions(uow: UnitOfWork, school_id: str) -> dict[str, frozenset[str]]:
    """The school's permission set per role: its edited copy over the defaults."""
    return role_permissions(uow.role_permissions.for_school(school_id))


def principal_of(
    uow: UnitOfWork,
    account: Account,
    now: datetime,
    *,
    mfa_verified: bool = False,
    stepped_up_until: datetime | None = None,
) -> Principal:
    """The effective principal of ``account`` now (see domain.principal)."""
    assignments = uow.assignments.for_account(account.id)
    department_grades: dict[str, tuple[int, ...]] = {}
    if any(a.department_id for a in assignments):
        # Only a head of department needs the grade levels; others skip the read.
        department_grades = {d.id: d.grade_levels for d in uow.departments.for_school(account.school_id)}
    return effective_principal(
        account,
        school_permissions(uow, account.school_id),
        assignments,
        vn_today(now),
        mfa_verified=mfa_verified,
        stepped_up_until=stepped_up_until if stepped_up_until and stepped_up_until > now else None,
        children=uow.children.for_account(account.id, account.school_id),
        department_grades=department_grades,
    )


def held_roles(uow: UnitOfWork, account: Account, now: datetime) -> tuple[str, ...]:
    return effective_roles(account.roles, uow.assignments.for_account(account.id), vn_today(now))


def needs_mfa(uow: UnitOfWork, account: Account, now: datetime, deps: Deps) -> bool:
    return mfa_required(held_roles(uow, account, now), deps.rules.mfa_required_roles)


def entry(
    deps: Deps,
    *,
    actor: str,
    action: str,
    outcome: str = "ok",
    school_id: str | None = None,
    target: str = "",
    request_id: str = "",
    ip: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry(
        at=deps.clock(),
        actor=actor,
        action=action,
        outcome=outcome,
        school_id=school_id,
        ip=ip,
        request_id=request_id,
        detail=detail or {},
        target=target,
    )


def require(actor: Actor, permission: str) -> None:
    """Object-level checks inside use cases (the servicer checks the RPC's own permission)."""
    if not actor.has(permission):
        raise AccessDeniedError(permission)


def account_in_school(uow: UnitOfWork, account_id: str, school_id: str) -> Account:
    """An account of the caller's school; another school's account is "not found" (no probing)."""
    account = uow.accounts.get(account_id) if account_id else None
    if account is None or account.school_id != school_id:
        raise AccountNotFoundError()
    return account
