"""The effective principal: roles, permissions and object scopes of an account, computed in one place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from school_identity.domain.model import Account, Assignment, Principal
from school_identity.domain.roles import ROLE_INFO, ScopeKind, parse_role, permissions_for


def effective_roles(account_roles: Iterable[str], assignments: Iterable[Assignment], today: date) -> tuple[str, ...]:
    """Account-level roles, then the roles of assignments running today (each code once)."""
    roles = list(dict.fromkeys(account_roles))
    for a in assignments:
        if a.current(today) and a.role not in roles:
            roles.append(a.role)
    return tuple(roles)


def scopes_for(
    roles: Iterable[str],
    assignments: Iterable[Assignment],
    today: date,
    children: Iterable[str] = (),
    department_grades: Mapping[str, Iterable[int]] | None = None,
) -> frozenset[str]:
    """ "school" when a held role reaches the whole school, plus the objects of today's assignments,
    plus "child:<student id>" for each linked child when the account is a parent (CMHS).

    A department assignment (TTCM) also gives "grade:<school year id>:<n>" for each grade level
    the department covers (``department_grades``: department id → levels): the head of department
    reaches the classes of those grades in the year of the assignment, which a service that knows
    a class's grade and year decides with Caller.reaches_grade."""
    roles = tuple(roles)
    scopes: set[str] = set()
    if "CMHS" in roles:
        scopes.update(f"child:{student_id}" for student_id in children if student_id)
    for code in roles:
        role = parse_role(code)
        if role is not None and ROLE_INFO[role].scope_kind is ScopeKind.SCHOOL:
            scopes.add("school")
    for a in assignments:
        if not a.current(today):
            continue
        if a.scope_kind == ScopeKind.CLASS and a.class_id:
            scopes.add(f"class:{a.class_id}")
        elif a.scope_kind == ScopeKind.CLASS_SUBJECT and a.class_id and a.subject_code:
            scopes.add(f"class_subject:{a.class_id}:{a.subject_code}")
        elif a.scope_kind == ScopeKind.DEPARTMENT and a.department_id:
            scopes.add(f"department:{a.department_id}")
            if a.school_year_id:
                levels = (department_grades or {}).get(a.department_id, ())
                scopes.update(f"grade:{a.school_year_id}:{n}" for n in levels)
    return frozenset(scopes)


def effective_principal(
    account: Account,
    role_permissions: Mapping[str, frozenset[str]],
    assignments: Iterable[Assignment],
    today: date,
    *,
    mfa_verified: bool = False,
    stepped_up_until: datetime | None = None,
    children: Iterable[str] = (),
    department_grades: Mapping[str, Iterable[int]] | None = None,
) -> Principal:
    """Who ``account`` is today: roles (account-level ∪ current assignments), the union of the
    school's current permissions of those roles (every account may read and look after itself),
    and the object scopes of its current assignments."""
    held = [a for a in assignments if a.account_id == account.id and a.school_id == account.school_id]
    roles = effective_roles(account.roles, held, today)
    return Principal(
        user_id=account.id,
        username=account.username,
        full_name=account.full_name,
        school_id=account.school_id,
        roles=roles,
        permissions=permissions_for(roles, role_permissions),
        scopes=scopes_for(roles, held, today, children, department_grades),
        mfa_verified=mfa_verified,
        stepped_up_until=stepped_up_until,
    )
