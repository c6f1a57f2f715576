"""Account-use review findings (R-ID2): never used, inactive, old password, MFA missing, idle role."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from school_identity.domain.model import Account, Assignment
from school_identity.domain.review import FindingKind, findings_for, sort_findings

NOW = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)
TODAY = date(2026, 1, 5)


def account(username: str = "gv", roles: tuple[str, ...] = ("GVBM",), **kw: object) -> Account:
    base: dict[str, object] = {
        "id": f"id-{username}",
        "school_id": "s",
        "username": username,
        "full_name": username,
        "password_hash": "x",
        "roles": roles,
        "is_active": True,
        "created_at": NOW - timedelta(days=400),
        "password_changed_at": NOW - timedelta(days=10),
        "last_login_at": NOW - timedelta(days=1),
    }
    base.update(kw)
    return Account(**base)  # type: ignore[arg-type]


def kinds(a: Account, assignments: list[Assignment] | None = None, enrolled: bool = False) -> list[FindingKind]:
    found = findings_for(
        a,
        assignments=assignments or [],
        mfa_enrolled=enrolled,
        mfa_roles={"HT", "KT"},
        effective_roles=a.roles,
        now=NOW,
        today=TODAY,
        inactive_days=90,
        password_max_age_days=90,
    )
    return [f.kind for f in found]


def current(role: str) -> Assignment:
    return Assignment(
        id="a",
        school_id="s",
        account_id="id-gv",
        role=role,
        scope_kind="CLASS_SUBJECT",
        starts_on=date(2025, 9, 5),
        granted_by="ht",
        granted_at=NOW,
        ends_on=date(2026, 5, 31),
    )


def test_a_well_kept_account_has_no_findings() -> None:
    assert kinds(account(), [current("GVBM")]) == []


def test_each_finding() -> None:
    assert kinds(account(last_login_at=None), [current("GVBM")]) == [FindingKind.NEVER_USED]
    assert kinds(account(last_login_at=NOW - timedelta(days=91)), [current("GVBM")]) == [FindingKind.INACTIVE]
    assert kinds(account(last_login_at=NOW - timedelta(days=90)), [current("GVBM")]) == []
    assert kinds(account(password_changed_at=NOW - timedelta(days=91)), [current("GVBM")]) == [FindingKind.PASSWORD_OLD]
    assert kinds(account(roles=("KT",))) == [FindingKind.MFA_MISSING]
    assert kinds(account(roles=("KT",)), enrolled=True) == []
    assert kinds(account()) == [FindingKind.ROLE_WITHOUT_ASSIGNMENT]


def test_disabled_accounts_are_not_reviewed() -> None:
    assert kinds(account(is_active=False, last_login_at=None)) == []


def test_findings_sort_by_kind_then_username() -> None:
    found = []
    for name in ("zeta", "alpha"):
        found += findings_for(
            account(name, roles=("KT",), last_login_at=None),
            assignments=[],
            mfa_enrolled=False,
            mfa_roles={"KT"},
            effective_roles=("KT",),
            now=NOW,
            today=TODAY,
            inactive_days=90,
            password_max_age_days=90,
        )
    ordered = [(f.kind, f.account.username) for f in sort_findings(found)]
    assert ordered == [
        (FindingKind.NEVER_USED, "alpha"),
        (FindingKind.NEVER_USED, "zeta"),
        (FindingKind.MFA_MISSING, "alpha"),
        (FindingKind.MFA_MISSING, "zeta"),
    ]
