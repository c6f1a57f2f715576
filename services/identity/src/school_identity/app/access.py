"""Use cases of the principal's permissions page: roles and their permissions, scoped assignments,
and the account-use review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from school_identity.app.accounts import _reason
from school_identity.app.commands import Actor
from school_identity.app.common import account_in_school, entry, require, school_permissions, vn_today
from school_identity.app.deps import Deps
from school_identity.app.pagination import Page, page_request, slice_after
from school_identity.app.ports import UnitOfWork
from school_identity.domain.assignments import GrantRequest, plan_grant
from school_identity.domain.errors import (
    AlreadyExistsError,
    InvalidValueError,
    NotFoundError,
    PreconditionError,
)
from school_identity.domain.events import AccountReminderSent, AssignmentEnded, RoleAssigned, RolePermissionsChanged
from school_identity.domain.model import Account, Assignment
from school_identity.domain.principal import effective_roles
from school_identity.domain.review import Finding, FindingKind, findings_for, sort_findings
from school_identity.domain.roles import (
    ASSIGNMENT_READ,
    PERMISSION_CATALOGUE,
    ROLE_INFO,
    ROLES,
    Role,
    ScopeKind,
    SodRule,
    parse_role,
    permission_set_problems,
    permissions_for,
    sod_message,
    sod_violations,
)


@dataclass(frozen=True)
class RoleView:
    code: str
    name: str
    permissions: frozenset[str]
    mfa_required: bool
    scope_kind: ScopeKind
    year_scoped: bool


@dataclass(frozen=True)
class AssignmentView:
    assignment: Assignment
    full_name: str


def _role_view(role: Role, permissions: frozenset[str], deps: Deps) -> RoleView:
    info = ROLE_INFO[role]
    return RoleView(
        code=role.value,
        name=info.name,
        permissions=permissions,
        mfa_required=role.value in deps.rules.mfa_required_roles,
        scope_kind=info.scope_kind,
        year_scoped=info.year_scoped,
    )


def list_roles(actor: Actor, deps: Deps) -> list[RoleView]:
    """Every role in the order of the organisation chart, with the school's current permissions."""
    with deps.uow(read_only=True) as uow:
        table = school_permissions(uow, actor.school_id)
    return [_role_view(r.code, table[r.code.value], deps) for r in ROLES]


def list_permissions() -> list[tuple[str, str]]:
    return sorted(PERMISSION_CATALOGUE.items())


def _parse_role_field(code: str) -> Role:
    role = parse_role(code.strip().upper())
    if role is None:
        raise InvalidValueError({"role": "Vai trò không tồn tại"})
    return role


def set_role_permissions(actor: Actor, code: str, permissions: list[str], reason: str, deps: Deps) -> RoleView:
    """Replace a role's permissions (validated against the catalogue and the SoD rules); audited."""
    role = _parse_role_field(code)
    wanted = frozenset(p.strip() for p in permissions if p.strip())
    problems = permission_set_problems(role, wanted)
    try:
        why = _reason(reason)
    except InvalidValueError as err:
        problems |= err.fields
    if problems:
        raise InvalidValueError(problems)
    violations = sod_violations(wanted, deps.rules.sod_rules)
    with deps.uow() as uow:
        now = deps.clock()
        before = school_permissions(uow, actor.school_id)[role.value]
        if violations:
            uow.audit.append(
                entry(
                    deps,
                    actor=actor.user_id,
                    action="role.permissions_changed",
                    outcome="sod_refused",
                    school_id=actor.school_id,
                    target=role.value,
                    request_id=actor.request_id,
                    detail={"reason": why, "rules": [list(v) for v in violations]},
                )
            )
            uow.commit()
            raise PreconditionError(sod_message(violations))
        uow.role_permissions.save(actor.school_id, role.value, wanted, now, actor.user_id)
        uow.audit.append(
            entry(
                deps,
                actor=actor.user_id,
                action="role.permissions_changed",
                school_id=actor.school_id,
                target=role.value,
                request_id=actor.request_id,
                detail={"reason": why, "added": sorted(wanted - before), "removed": sorted(before - wanted)},
            )
        )
        uow.record(
            RolePermissionsChanged(school_id=actor.school_id, role=role.value, permissions=tuple(sorted(wanted)))
        )
        uow.commit()
    return _role_view(role, wanted, deps)


def _iso_date(value: str, field: str, problems: dict[str, str]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        problems[field] = "Ngày không hợp lệ (dạng YYYY-MM-DD)"
        return None


def _running(a: Assignment, today: date) -> bool:
    """Not ended and not past its last day (it may start later)."""
    return a.ended_at is None and (a.ends_on is None or a.ends_on >= today)


def _overlaps(a: Assignment, starts_on: date, ends_on: date | None) -> bool:
    a_end = a.ends_on or date.max
    return a.starts_on <= (ends_on or date.max) and starts_on <= a_end


def grant_assignment(
    actor: Actor,
    *,
    user_id: str,
    role: str,
    school_year_id: str = "",
    department_id: str = "",
    class_id: str = "",
    subject_code: str = "",
    starts_on: str = "",
    ends_on: str = "",
    deps: Deps,
) -> AssignmentView:
    """Give a person a role within a school year and the scope the role needs (audited, evented)."""
    code = _parse_role_field(role)
    unreadable: dict[str, str] = {}
    start = _iso_date(starts_on, "starts_on", unreadable)
    end = _iso_date(ends_on, "ends_on", unreadable)
    with deps.uow() as uow:
        now = deps.clock()
        today = vn_today(now)
        target = account_in_school(uow, user_id, actor.school_id)
        if not target.is_active:
            raise PreconditionError("Tài khoản đã bị khóa; hãy mở khóa trước khi phân công")
        year = uow.school_years.get(school_year_id.strip()) if school_year_id.strip() else None
        if year is not None and year.school_id != actor.school_id:
            year = None
        department = uow.departments.get(department_id.strip()) if department_id.strip() else None
        school_class = uow.classes.get(class_id.strip()) if class_id.strip() else None
        if school_class is not None and school_class.school_id != actor.school_id:
            school_class = None
        plan, problems = plan_grant(
            GrantRequest(
                role=code,
                school_year=year,
                school_year_id=school_year_id.strip(),
                department_known=department is not None and department.school_id == actor.school_id,
                department_id=department_id.strip(),
                school_class=school_class,
                class_id=class_id.strip(),
                subject_code=subject_code.strip().upper(),
                starts_on=start,
                ends_on=end,
                unreadable=unreadable,
            ),
            today,
        )
        if plan is None:
            raise InvalidValueError(problems)
        new = Assignment(
            id=deps.new_id(),
            school_id=actor.school_id,
            account_id=target.id,
            role=code.value,
            scope_kind=plan.scope_kind.value,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            granted_by=actor.user_id,
            granted_at=now,
            school_year_id=year.id if year else "",
            department_id=department_id.strip(),
            class_id=class_id.strip(),
            subject_code=subject_code.strip().upper(),
        )
        together, violations = _check_conflicts(uow, deps, actor, target, new, today)
        if not violations:
            _store_grant(uow, deps, actor, target, new)
            uow.commit()
            return AssignmentView(assignment=new, full_name=target.full_name)
    # Refused: the audit row goes in its own transaction once the grant's one is rolled back.
    with deps.uow() as uow:
        uow.audit.append(
            entry(
                deps,
                actor=actor.user_id,
                action="assignment.granted",
                outcome="sod_refused",
                school_id=actor.school_id,
                target=target.id,
                request_id=actor.request_id,
                detail={"role": new.role, "roles_together": together, "rules": [list(v) for v in violations]},
            )
        )
        uow.commit()
    raise PreconditionError(sod_message(violations))


def _store_grant(uow: UnitOfWork, deps: Deps, actor: Actor, target: Account, new: Assignment) -> None:
    """Insert a checked grant with its audit row and event (account-level roles join the account)."""
    uow.assignments.add(new)
    if not ROLE_INFO[Role(new.role)].year_scoped and new.role not in target.roles:
        # Account-level roles live on the account; the assignment row is their history.
        target.roles = (*target.roles, new.role)
        uow.accounts.update(target)
    uow.audit.append(
        entry(
            deps,
            actor=actor.user_id,
            action="assignment.granted",
            school_id=actor.school_id,
            target=target.id,
            request_id=actor.request_id,
            detail={
                "assignment_id": new.id,
                "role": new.role,
                "school_year_id": new.school_year_id,
                "scope": _scope_text(new),
                "starts_on": new.starts_on.isoformat(),
                "ends_on": new.ends_on.isoformat() if new.ends_on else "",
            },
        )
    )
    uow.record(
        RoleAssigned(
            assignment_id=new.id,
            school_id=new.school_id,
            user_id=new.account_id,
            role=new.role,
            school_year_id=new.school_year_id,
            scope_kind=new.scope_kind if new.scope_kind != ScopeKind.NONE else "",
            department_id=new.department_id,
            class_id=new.class_id,
            subject_code=new.subject_code,
            starts_on=new.starts_on.isoformat(),
            ends_on=new.ends_on.isoformat() if new.ends_on else "",
        )
    )


def _scope_text(a: Assignment) -> str:
    if a.scope_kind == ScopeKind.CLASS:
        return f"class:{a.class_id}"
    if a.scope_kind == ScopeKind.CLASS_SUBJECT:
        return f"class_subject:{a.class_id}:{a.subject_code}"
    if a.scope_kind == ScopeKind.DEPARTMENT:
        return f"department:{a.department_id}"
    return a.scope_kind.lower()


def _check_conflicts(
    uow: UnitOfWork, deps: Deps, actor: Actor, target: Account, new: Assignment, today: date
) -> tuple[list[str], list[SodRule]]:
    """Refuse duplicates and a second homeroom teacher; return the roles held together and the
    separation-of-duties rules they would break."""
    mine = [a for a in uow.assignments.for_account(target.id) if _running(a, today)]
    for a in mine:
        same_scope = (a.role, a.school_year_id, a.department_id, a.class_id, a.subject_code) == (
            new.role,
            new.school_year_id,
            new.department_id,
            new.class_id,
            new.subject_code,
        )
        if same_scope and _overlaps(a, new.starts_on, new.ends_on):
            raise AlreadyExistsError("Người này đã có phân công này")
    if new.role == Role.GVCN:
        for a in uow.assignments.for_school(actor.school_id):
            if (
                a.role == Role.GVCN
                and a.class_id == new.class_id
                and a.account_id != target.id
                and _running(a, today)
                and _overlaps(a, new.starts_on, new.ends_on)
            ):
                raise PreconditionError("Lớp này đã có giáo viên chủ nhiệm; hãy kết thúc phân công cũ trước")
    # Roles the person would hold together in that year: account-level ones, their other running
    # assignments of the same year (or of no year), and the new one.
    together = set(target.roles) | {new.role}
    together |= {
        a.role for a in mine if not a.school_year_id or not new.school_year_id or a.school_year_id == new.school_year_id
    }
    return sorted(together), sod_violations(
        permissions_for(together, school_permissions(uow, actor.school_id)), deps.rules.sod_rules
    )


def end_assignment(actor: Actor, assignment_id: str, reason: str, deps: Deps) -> AssignmentView:
    """End an assignment today (or keep its earlier end date); account-level roles leave the account."""
    why = _reason(reason)
    with deps.uow() as uow:
        found = uow.assignments.get(assignment_id.strip()) if assignment_id.strip() else None
        if found is None or found.school_id != actor.school_id:
            raise NotFoundError("Không tìm thấy phân công")
        now = deps.clock()
        today = vn_today(now)
        if not _running(found, today):
            raise PreconditionError("Phân công này đã kết thúc")
        ended_on = min(today, found.ends_on) if found.ends_on else today
        uow.assignments.end(found.id, now, ended_on, actor.user_id)
        found.ended_at, found.ends_on, found.ended_by = now, ended_on, actor.user_id
        holder = uow.accounts.get(found.account_id)
        if holder is not None and not found.school_year_id and found.role in holder.roles:
            still = [
                a
                for a in uow.assignments.for_account(holder.id)
                if a.id != found.id and a.role == found.role and not a.school_year_id and _running(a, today)
            ]
            if not still:
                holder.roles = tuple(r for r in holder.roles if r != found.role)
                uow.accounts.update(holder)
        uow.audit.append(
            entry(
                deps,
                actor=actor.user_id,
                action="assignment.ended",
                school_id=actor.school_id,
                target=found.account_id,
                request_id=actor.request_id,
                detail={"assignment_id": found.id, "role": found.role, "reason": why, "ended_on": ended_on.isoformat()},
            )
        )
        uow.record(
            AssignmentEnded(
                assignment_id=found.id,
                school_id=found.school_id,
                user_id=found.account_id,
                role=found.role,
                ended_on=ended_on.isoformat(),
            )
        )
        uow.commit()
    return AssignmentView(assignment=found, full_name=holder.full_name if holder else "")


def list_assignments(
    actor: Actor,
    *,
    user_id: str,
    school_year_id: str,
    include_ended: bool,
    page_size: int,
    page_token: str,
    deps: Deps,
) -> Page[AssignmentView]:
    """Assignments, current ones first; a person may always list their own."""
    if user_id.strip() != actor.user_id:
        require(actor, ASSIGNMENT_READ)
    scope = f"assignments:{actor.school_id}:{user_id.strip()}:{school_year_id.strip()}:{int(include_ended)}"
    request = page_request(page_size, page_token, scope)
    with deps.uow(read_only=True) as uow:
        today = vn_today(deps.clock())
        rows = (
            uow.assignments.for_account(user_id.strip())
            if user_id.strip()
            else uow.assignments.for_school(actor.school_id)
        )
        rows = [
            a
            for a in rows
            if a.school_id == actor.school_id
            and (not school_year_id.strip() or a.school_year_id == school_year_id.strip())
            and (include_ended or _running(a, today))
        ]
        order = {r.code.value: n for n, r in enumerate(ROLES)}
        rows.sort(key=lambda a: (not a.current(today), order.get(a.role, 99), -a.starts_on.toordinal(), a.id))
        page = slice_after(rows, request, scope, lambda a: a.id)
        names = {a.id: a.full_name for a in uow.accounts.all_for_school(actor.school_id)}
    return Page(
        items=[AssignmentView(assignment=a, full_name=names.get(a.account_id, "")) for a in page.items],
        next_token=page.next_token,
    )


def review_accounts(
    actor: Actor, inactive_days: int, password_max_age_days: int, deps: Deps
) -> list[tuple[Finding, datetime | None]]:
    """Accounts needing attention, by kind then username, with the last reminder of each finding."""
    problems: dict[str, str] = {}
    for name, value in (("inactive_days", inactive_days), ("password_max_age_days", password_max_age_days)):
        if not 0 <= value <= 3650:
            problems[name] = "Số ngày phải từ 1 đến 3650 (0 để dùng mặc định của trường)"
    if problems:
        raise InvalidValueError(problems)
    with deps.uow(read_only=True) as uow:
        now = deps.clock()
        today = vn_today(now)
        accounts = uow.accounts.all_for_school(actor.school_id)
        assignments = uow.assignments.for_school(actor.school_id)
        enrolled = uow.mfa.enrolled_accounts([a.id for a in accounts])
        reminders = uow.reminders.for_accounts([a.id for a in accounts])
    by_account: dict[str, list[Assignment]] = {}
    for a in assignments:
        by_account.setdefault(a.account_id, []).append(a)
    found: list[Finding] = []
    for account in accounts:
        mine = by_account.get(account.id, [])
        found += findings_for(
            account,
            assignments=mine,
            mfa_enrolled=account.id in enrolled,
            mfa_roles=deps.rules.mfa_required_roles,
            effective_roles=effective_roles(account.roles, mine, today),
            now=now,
            today=today,
            inactive_days=inactive_days or deps.rules.inactive_days,
            password_max_age_days=password_max_age_days or deps.rules.password_max_age_days,
        )
    return [(f, reminders.get((f.account.id, f.kind.value))) for f in sort_findings(found)]


def remind_account(actor: Actor, user_id: str, kind: str, deps: Deps) -> datetime:
    """Record a reminder to the account holder and publish it for the messaging channel."""
    try:
        finding = FindingKind(kind)
    except ValueError:
        raise InvalidValueError({"kind": "Vui lòng chọn lý do nhắc nhở"}) from None
    with deps.uow() as uow:
        target = account_in_school(uow, user_id, actor.school_id)
        now = deps.clock()
        uow.reminders.record(target.id, finding.value, now)
        uow.audit.append(
            entry(
                deps,
                actor=actor.user_id,
                action="account.reminded",
                school_id=actor.school_id,
                target=target.id,
                request_id=actor.request_id,
                detail={"kind": finding.value},
            )
        )
        uow.record(AccountReminderSent(user_id=target.id, school_id=target.school_id, reason=finding.value))
        uow.commit()
    return now
