"""SQLAlchemy repositories behind identity's ports (one class per port, Core statements only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import RowMapping, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from school_identity.adapters.tables import (
    account_reminders,
    accounts,
    assignments,
    audit_log,
    classes,
    departments,
    login_challenges,
    login_throttle,
    mfa_factors,
    recovery_codes,
    role_permissions,
    school_years,
    schools,
    sessions,
    staff,
)
from school_identity.domain.errors import AlreadyExistsError, UsernameTakenError
from school_identity.domain.model import (
    Account,
    Assignment,
    AuditEntry,
    AuditRecord,
    Department,
    LoginChallenge,
    LoginStep,
    MfaFactor,
    School,
    SchoolClass,
    SchoolYear,
    Session,
)
from school_identity.domain.staff import StaffRecord
from school_identity.domain.text import fold
from school_identity.domain.throttle import ThrottleState


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with its own wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _account(row: RowMapping) -> Account:
    return Account(
        id=row["id"],
        school_id=row["school_id"],
        username=row["username"],
        full_name=row["full_name"],
        password_hash=row["password_hash"],
        roles=tuple(row["roles"]),
        is_active=bool(row["is_active"]),
        created_at=row["created_at"],
        password_changed_at=row["password_changed_at"],
        last_login_at=row["last_login_at"],
        must_change_password=bool(row["must_change_password"]),
        password_expires_at=row["password_expires_at"],
    )


def _session(row: RowMapping) -> Session:
    return Session(
        key=row["id"],
        account_id=row["account_id"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        mfa_verified=bool(row["mfa_verified"]),
        stepped_up_until=row["stepped_up_until"],
    )


class SqlAlchemySchoolRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def add(self, school: School) -> None:
        self._db.execute(insert(schools).values(id=school.id, code=school.code, name=school.name))

    def get(self, school_id: str) -> School | None:
        row = self._db.execute(select(schools).where(schools.c.id == school_id)).mappings().first()
        return School(id=row["id"], code=row["code"], name=row["name"]) if row else None


class SqlAlchemyAccountRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    @staticmethod
    def _values(account: Account) -> dict[str, Any]:
        return {
            "full_name": account.full_name,
            "password_hash": account.password_hash,
            "roles": list(account.roles),
            "is_active": account.is_active,
            "last_login_at": account.last_login_at,
            "password_changed_at": account.password_changed_at,
            "must_change_password": account.must_change_password,
            "password_expires_at": account.password_expires_at,
            "search_text": f"{account.username} {fold(account.full_name)}",
        }

    def add(self, account: Account) -> None:
        values = {
            **self._values(account),
            "id": account.id,
            "school_id": account.school_id,
            "username": account.username,
            "created_at": account.created_at,
        }
        try:
            # A savepoint keeps the outer transaction usable on PostgreSQL after a unique violation.
            with self._db.begin_nested():
                self._db.execute(insert(accounts).values(**values))
        except IntegrityError as exc:
            # Two creations racing for one username: the unique index decides, the loser hears why.
            if self.get_by_username(account.username) is not None:
                raise UsernameTakenError() from exc
            raise

    def get(self, account_id: str) -> Account | None:
        row = self._db.execute(select(accounts).where(accounts.c.id == account_id)).mappings().first()
        return _account(row) if row else None

    def get_by_username(self, username: str) -> Account | None:
        row = self._db.execute(select(accounts).where(accounts.c.username == username)).mappings().first()
        return _account(row) if row else None

    def update(self, account: Account) -> None:
        self._db.execute(update(accounts).where(accounts.c.id == account.id).values(**self._values(account)))

    def page(self, school_id: str, query: str, after_id: str | None, limit: int) -> list[Account]:
        stmt = select(accounts).where(accounts.c.school_id == school_id)
        if query:
            stmt = stmt.where(accounts.c.search_text.like(_like(query), escape="\\"))
        if after_id is not None:
            after = self._db.execute(select(accounts.c.username).where(accounts.c.id == after_id)).scalar()
            if after is None:
                return []
            stmt = stmt.where(accounts.c.username > after)
        rows = self._db.execute(stmt.order_by(accounts.c.username).limit(limit)).mappings()
        return [_account(r) for r in rows]

    def all_for_school(self, school_id: str) -> list[Account]:
        rows = self._db.execute(
            select(accounts).where(accounts.c.school_id == school_id).order_by(accounts.c.username)
        ).mappings()
        return [_account(r) for r in rows]

    def usernames(self, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = self._db.execute(select(accounts.c.id, accounts.c.username).where(accounts.c.id.in_(list(ids))))
        return {r.id: r.username for r in rows}


class SqlAlchemySessionRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def add(self, session: Session) -> None:
        self._db.execute(
            insert(sessions).values(
                id=session.key,
                account_id=session.account_id,
                created_at=session.created_at,
                last_seen_at=session.last_seen_at,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
                mfa_verified=session.mfa_verified,
                stepped_up_until=session.stepped_up_until,
            )
        )

    def get(self, key: str) -> Session | None:
        row = self._db.execute(select(sessions).where(sessions.c.id == key)).mappings().first()
        return _session(row) if row else None

    def touch(self, key: str, at: datetime) -> None:
        self._db.execute(
            update(sessions)
            .where(sessions.c.id == key, sessions.c.revoked_at.is_(None), sessions.c.last_seen_at < at)
            .values(last_seen_at=at)
        )

    def revoke(self, key: str, at: datetime) -> bool:
        result = self._db.execute(
            update(sessions).where(sessions.c.id == key, sessions.c.revoked_at.is_(None)).values(revoked_at=at)
        )
        return bool(_rowcount(result))

    def revoke_all_for(self, account_id: str, at: datetime, except_key: str | None = None) -> int:
        stmt = update(sessions).where(sessions.c.account_id == account_id, sessions.c.revoked_at.is_(None))
        if except_key is not None:
            stmt = stmt.where(sessions.c.id != except_key)
        return _rowcount(self._db.execute(stmt.values(revoked_at=at)))

    def step_up(self, key: str, until: datetime) -> None:
        self._db.execute(
            update(sessions)
            .where(sessions.c.id == key, sessions.c.revoked_at.is_(None))
            .values(mfa_verified=True, stepped_up_until=until)
        )


class SqlAlchemyMfaRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def get(self, account_id: str) -> MfaFactor | None:
        row = self._db.execute(select(mfa_factors).where(mfa_factors.c.account_id == account_id)).mappings().first()
        if row is None:
            return None
        return MfaFactor(
            account_id=row["account_id"],
            secret_encrypted=row["secret_encrypted"],
            pending_secret_encrypted=row["pending_secret_encrypted"],
            enrolled_at=row["enrolled_at"],
            last_used_step=row["last_used_step"],
        )

    def save(self, factor: MfaFactor) -> None:
        values = {
            "secret_encrypted": factor.secret_encrypted,
            "pending_secret_encrypted": factor.pending_secret_encrypted,
            "enrolled_at": factor.enrolled_at,
            "last_used_step": factor.last_used_step,
        }
        result = self._db.execute(
            update(mfa_factors).where(mfa_factors.c.account_id == factor.account_id).values(**values)
        )
        if not _rowcount(result):
            self._db.execute(insert(mfa_factors).values(account_id=factor.account_id, **values))

    def delete(self, account_id: str) -> None:
        self._db.execute(delete(mfa_factors).where(mfa_factors.c.account_id == account_id))

    def claim_step(self, account_id: str, step: int) -> bool:
        # One conditional UPDATE: PostgreSQL re-checks the condition after waiting for a
        # concurrent writer of the row, SQLite serialises writers, so only one request wins.
        result = self._db.execute(
            update(mfa_factors)
            .where(
                mfa_factors.c.account_id == account_id,
                mfa_factors.c.secret_encrypted.is_not(None),
                or_(mfa_factors.c.last_used_step.is_(None), mfa_factors.c.last_used_step < step),
            )
            .values(last_used_step=step)
        )
        return _rowcount(result) == 1

    def enrolled_accounts(self, account_ids: Sequence[str]) -> set[str]:
        if not account_ids:
            return set()
        rows = self._db.execute(
            select(mfa_factors.c.account_id).where(
                mfa_factors.c.account_id.in_(list(account_ids)),
                mfa_factors.c.secret_encrypted.is_not(None),
                mfa_factors.c.enrolled_at.is_not(None),
            )
        )
        return {r.account_id for r in rows}


class SqlAlchemyRecoveryCodeRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def replace(self, account_id: str, code_hashes: Sequence[str], at: datetime) -> None:
        self.delete_all(account_id)
        if code_hashes:
            self._db.execute(
                insert(recovery_codes),
                [{"account_id": account_id, "code_hash": h, "created_at": at, "used_at": None} for h in code_hashes],
            )

    def use(self, account_id: str, code_hash: str, at: datetime) -> bool:
        result = self._db.execute(
            update(recovery_codes)
            .where(
                recovery_codes.c.account_id == account_id,
                recovery_codes.c.code_hash == code_hash,
                recovery_codes.c.used_at.is_(None),
            )
            .values(used_at=at)
        )
        return _rowcount(result) == 1

    def delete_all(self, account_id: str) -> None:
        self._db.execute(delete(recovery_codes).where(recovery_codes.c.account_id == account_id))


class SqlAlchemyChallengeRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def add(self, challenge: LoginChallenge) -> None:
        self._db.execute(
            insert(login_challenges).values(
                id=challenge.key,
                account_id=challenge.account_id,
                steps=[s.value for s in challenge.steps],
                created_at=challenge.created_at,
                expires_at=challenge.expires_at,
                failures=challenge.failures,
                closed_at=challenge.closed_at,
                new_password_hash=challenge.new_password_hash,
                pending_secret_encrypted=challenge.pending_secret_encrypted,
                enrolled_step=challenge.enrolled_step,
                mfa_verified=challenge.mfa_verified,
            )
        )

    def get(self, key: str) -> LoginChallenge | None:
        row = self._db.execute(select(login_challenges).where(login_challenges.c.id == key)).mappings().first()
        if row is None:
            return None
        return LoginChallenge(
            key=row["id"],
            account_id=row["account_id"],
            steps=tuple(LoginStep(s) for s in row["steps"]),
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            failures=int(row["failures"]),
            closed_at=row["closed_at"],
            new_password_hash=row["new_password_hash"],
            pending_secret_encrypted=row["pending_secret_encrypted"],
            enrolled_step=row["enrolled_step"],
            mfa_verified=bool(row["mfa_verified"]),
        )

    def add_failure(self, key: str) -> int:
        self._db.execute(
            update(login_challenges)
            .where(login_challenges.c.id == key)
            .values(failures=login_challenges.c.failures + 1)
        )
        return int(
            self._db.execute(select(login_challenges.c.failures).where(login_challenges.c.id == key)).scalar() or 0
        )

    def close(self, key: str, at: datetime) -> bool:
        result = self._db.execute(
            update(login_challenges)
            .where(login_challenges.c.id == key, login_challenges.c.closed_at.is_(None))
            .values(closed_at=at)
        )
        return _rowcount(result) == 1

    def close_all_for(self, account_id: str, at: datetime) -> int:
        result = self._db.execute(
            update(login_challenges)
            .where(login_challenges.c.account_id == account_id, login_challenges.c.closed_at.is_(None))
            .values(closed_at=at)
        )
        return _rowcount(result)


class SqlAlchemyThrottleRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def get(self, username: str) -> ThrottleState:
        row = self._db.execute(select(login_throttle).where(login_throttle.c.username == username)).mappings().first()
        if row is None:
            return ThrottleState()
        return ThrottleState(
            failures=int(row["failures"]), last_failure_at=row["last_failure_at"], locked_until=row["locked_until"]
        )

    def save(self, username: str, state: ThrottleState) -> None:
        values = {
            "failures": state.failures,
            "last_failure_at": state.last_failure_at,
            "locked_until": state.locked_until,
        }
        result = self._db.execute(update(login_throttle).where(login_throttle.c.username == username).values(**values))
        if not _rowcount(result):
            self._db.execute(insert(login_throttle).values(username=username, **values))

    def clear(self, username: str) -> None:
        self._db.execute(delete(login_throttle).where(login_throttle.c.username == username))

    def prune(self, before: datetime, now: datetime) -> None:
        self._db.execute(
            delete(login_throttle).where(
                login_throttle.c.last_failure_at < before,
                or_(login_throttle.c.locked_until.is_(None), login_throttle.c.locked_until < now),
            )
        )


class SqlAlchemyRolePermissionRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def for_school(self, school_id: str) -> dict[str, frozenset[str]]:
        rows = self._db.execute(
            select(role_permissions.c.role, role_permissions.c.permissions).where(
                role_permissions.c.school_id == school_id
            )
        )
        return {r.role: frozenset(r.permissions) for r in rows}

    def save(self, school_id: str, role: str, permissions: frozenset[str], at: datetime, by: str) -> None:
        values = {"permissions": sorted(permissions), "updated_at": at, "updated_by": by[:100]}
        result = self._db.execute(
            update(role_permissions)
            .where(role_permissions.c.school_id == school_id, role_permissions.c.role == role)
            .values(**values)
        )
        if not _rowcount(result):
            self._db.execute(insert(role_permissions).values(school_id=school_id, role=role, **values))


def _assignment(row: RowMapping) -> Assignment:
    return Assignment(
        id=row["id"],
        school_id=row["school_id"],
        account_id=row["account_id"],
        role=row["role"],
        scope_kind=row["scope_kind"],
        starts_on=row["starts_on"],
        granted_by=row["granted_by"],
        granted_at=row["granted_at"],
        school_year_id=row["school_year_id"],
        department_id=row["department_id"],
        class_id=row["class_id"],
        subject_code=row["subject_code"],
        ends_on=row["ends_on"],
        ended_at=row["ended_at"],
        ended_by=row["ended_by"],
    )


class SqlAlchemyAssignmentRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def add(self, a: Assignment) -> None:
        self._db.execute(
            insert(assignments).values(
                id=a.id,
                school_id=a.school_id,
                account_id=a.account_id,
                role=a.role,
                school_year_id=a.school_year_id,
                scope_kind=a.scope_kind,
                department_id=a.department_id,
                class_id=a.class_id,
                subject_code=a.subject_code,
                starts_on=a.starts_on,
                ends_on=a.ends_on,
                granted_by=a.granted_by[:100],
                granted_at=a.granted_at,
                ended_at=a.ended_at,
                ended_by=a.ended_by,
            )
        )

    def get(self, assignment_id: str) -> Assignment | None:
        row = self._db.execute(select(assignments).where(assignments.c.id == assignment_id)).mappings().first()
        return _assignment(row) if row else None

    def end(self, assignment_id: str, at: datetime, ends_on: date, by: str) -> None:
        self._db.execute(
            update(assignments)
            .where(assignments.c.id == assignment_id)
            .values(ended_at=at, ends_on=ends_on, ended_by=by[:100])
        )

    def for_account(self, account_id: str) -> list[Assignment]:
        rows = self._db.execute(
            select(assignments).where(assignments.c.account_id == account_id).order_by(assignments.c.starts_on)
        ).mappings()
        return [_assignment(r) for r in rows]

    def for_school(self, school_id: str) -> list[Assignment]:
        rows = self._db.execute(
            select(assignments).where(assignments.c.school_id == school_id).order_by(assignments.c.starts_on)
        ).mappings()
        return [_assignment(r) for r in rows]


class SqlAlchemySchoolYearRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def get(self, school_year_id: str) -> SchoolYear | None:
        row = self._db.execute(select(school_years).where(school_years.c.id == school_year_id)).mappings().first()
        if row is None:
            return None
        return SchoolYear(
            id=row["id"],
            school_id=row["school_id"],
            name=row["name"],
            start_date=row["start_date"],
            end_date=row["end_date"],
        )

    def upsert(self, year: SchoolYear) -> None:
        values = {
            "school_id": year.school_id,
            "name": year.name,
            "start_date": year.start_date,
            "end_date": year.end_date,
        }
        result = self._db.execute(update(school_years).where(school_years.c.id == year.id).values(**values))
        if not _rowcount(result):
            self._db.execute(insert(school_years).values(id=year.id, **values))


class SqlAlchemyClassRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def get(self, class_id: str) -> SchoolClass | None:
        row = self._db.execute(select(classes).where(classes.c.id == class_id)).mappings().first()
        if row is None:
            return None
        return SchoolClass(
            id=row["id"],
            school_id=row["school_id"],
            school_year_id=row["school_year_id"],
            name=row["name"],
            grade_level=int(row["grade_level"]),
        )

    def upsert(self, school_class: SchoolClass) -> None:
        values = {
            "school_id": school_class.school_id,
            "school_year_id": school_class.school_year_id,
            "name": school_class.name,
            "grade_level": school_class.grade_level,
        }
        result = self._db.execute(update(classes).where(classes.c.id == school_class.id).values(**values))
        if not _rowcount(result):
            self._db.execute(insert(classes).values(id=school_class.id, **values))


class SqlAlchemyDepartmentRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def add(self, department: Department, name_key: str) -> None:
        try:
            with self._db.begin_nested():
                self._db.execute(
                    insert(departments).values(
                        id=department.id, school_id=department.school_id, name=department.name, name_key=name_key
                    )
                )
        except IntegrityError as exc:
            raise AlreadyExistsError("Tổ chuyên môn này đã có") from exc

    def get(self, department_id: str) -> Department | None:
        row = self._db.execute(select(departments).where(departments.c.id == department_id)).mappings().first()
        return _department(row) if row else None

    def for_school(self, school_id: str) -> list[Department]:
        rows = self._db.execute(select(departments).where(departments.c.school_id == school_id)).mappings()
        return [_department(r) for r in rows]

    def set_grade_levels(self, department_id: str, grade_levels: tuple[int, ...]) -> None:
        self._db.execute(
            update(departments).where(departments.c.id == department_id).values(grade_levels=list(grade_levels))
        )


def _department(row: RowMapping) -> Department:
    levels = row["grade_levels"] or []
    return Department(
        id=row["id"],
        school_id=row["school_id"],
        name=row["name"],
        grade_levels=tuple(sorted(int(n) for n in levels)),
    )


def _staff(row: RowMapping) -> StaffRecord:
    return StaffRecord(
        id=row["id"],
        school_id=row["school_id"],
        staff_code=row["staff_code"],
        full_name=row["full_name"],
        date_of_birth=row["date_of_birth"],
        gender=row["gender"],
        citizen_id=row["citizen_id"],
        position=row["position"],
        qualification=row["qualification"],
        phone=row["phone"],
        email=row["email"],
        address=row["address"],
        start_date=row["start_date"],
        department_id=row["department_id"],
        employment_status=row["employment_status"],
        user_id=row["user_id"] or "",
        version=int(row["version"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class SqlAlchemyStaffRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    @staticmethod
    def _values(r: StaffRecord) -> dict[str, Any]:
        return {
            "staff_code": r.staff_code,
            "full_name": r.full_name,
            "date_of_birth": r.date_of_birth,
            "gender": r.gender,
            "citizen_id": r.citizen_id,
            "position": r.position,
            "qualification": r.qualification,
            "phone": r.phone,
            "email": r.email,
            "address": r.address,
            "start_date": r.start_date,
            "department_id": r.department_id,
            "employment_status": r.employment_status,
            "user_id": r.user_id or None,
            "version": r.version,
            "updated_at": r.updated_at,
        }

    def add(self, record: StaffRecord) -> None:
        try:
            with self._db.begin_nested():
                self._db.execute(
                    insert(staff).values(
                        id=record.id, school_id=record.school_id, created_at=record.created_at, **self._values(record)
                    )
                )
        except IntegrityError as exc:
            raise AlreadyExistsError("Mã cán bộ đã được dùng cho hồ sơ khác") from exc

    def get(self, staff_id: str) -> StaffRecord | None:
        row = self._db.execute(select(staff).where(staff.c.id == staff_id)).mappings().first()
        return _staff(row) if row else None

    def get_by_user(self, user_id: str) -> StaffRecord | None:
        if not user_id:
            return None
        row = self._db.execute(select(staff).where(staff.c.user_id == user_id)).mappings().first()
        return _staff(row) if row else None

    def for_school(self, school_id: str) -> list[StaffRecord]:
        rows = self._db.execute(select(staff).where(staff.c.school_id == school_id)).mappings()
        return [_staff(r) for r in rows]

    def update(self, record: StaffRecord, expected_version: int) -> bool:
        result = self._db.execute(
            update(staff)
            .where(staff.c.id == record.id, staff.c.version == expected_version)
            .values(**self._values(record))
        )
        return _rowcount(result) == 1

    def staff_ids_by_user(self, user_ids: Sequence[str]) -> dict[str, str]:
        if not user_ids:
            return {}
        rows = self._db.execute(select(staff.c.id, staff.c.user_id).where(staff.c.user_id.in_(list(user_ids))))
        return {r.user_id: r.id for r in rows}


class SqlAlchemyReminderRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def record(self, account_id: str, kind: str, at: datetime) -> None:
        result = self._db.execute(
            update(account_reminders)
            .where(account_reminders.c.account_id == account_id, account_reminders.c.kind == kind)
            .values(last_reminded_at=at)
        )
        if not _rowcount(result):
            self._db.execute(insert(account_reminders).values(account_id=account_id, kind=kind, last_reminded_at=at))

    def for_accounts(self, account_ids: Sequence[str]) -> dict[tuple[str, str], datetime]:
        if not account_ids:
            return {}
        rows = self._db.execute(select(account_reminders).where(account_reminders.c.account_id.in_(list(account_ids))))
        return {(r.account_id, r.kind): r.last_reminded_at for r in rows}


class SqlAlchemyAuditLog:
    """Inserts only; the migration also installs triggers that refuse UPDATE and DELETE."""

    def __init__(self, db: DbSession) -> None:
        self._db = db

    def append(self, entry: AuditEntry) -> None:
        self._db.execute(
            insert(audit_log).values(
                at=entry.at,
                actor=entry.actor[:100],
                action=entry.action[:50],
                outcome=entry.outcome[:50],
                school_id=entry.school_id,
                ip=entry.ip[:64],
                request_id=entry.request_id[:100],
                detail=entry.detail,
                target=entry.target[:100],
            )
        )

    def failures_from(self, ip: str, since: datetime, outcomes: Sequence[str]) -> list[datetime]:
        rows = self._db.execute(
            select(audit_log.c.at).where(
                audit_log.c.ip == ip,
                audit_log.c.at > since,
                audit_log.c.action == "login.failure",
                audit_log.c.outcome.in_(list(outcomes)),
            )
        )
        return [r.at for r in rows]

    def search(
        self,
        school_id: str,
        *,
        people: Sequence[str],
        action_prefix: str,
        since: datetime | None,
        until: datetime | None,
        before_id: int | None,
        limit: int,
    ) -> list[AuditRecord]:
        conditions = [audit_log.c.school_id == school_id]
        if people:
            conditions.append(or_(audit_log.c.actor.in_(list(people)), audit_log.c.target.in_(list(people))))
        if action_prefix:
            conditions.append(audit_log.c.action.like(_like(action_prefix)[1:], escape="\\"))
        if since is not None:
            conditions.append(audit_log.c.at >= since)
        if until is not None:
            conditions.append(audit_log.c.at < until)
        if before_id is not None:
            conditions.append(audit_log.c.id < before_id)
        stmt = (
            select(audit_log, accounts.c.username.label("actor_username"))
            .select_from(audit_log.outerjoin(accounts, accounts.c.id == audit_log.c.actor))
            .where(and_(*conditions))
            .order_by(audit_log.c.id.desc())
            .limit(limit)
        )
        out = []
        for row in self._db.execute(stmt).mappings():
            out.append(
                AuditRecord(
                    id=int(row["id"]),
                    entry=AuditEntry(
                        at=row["at"],
                        actor=row["actor"],
                        action=row["action"],
                        outcome=row["outcome"],
                        school_id=row["school_id"],
                        ip=row["ip"],
                        request_id=row["request_id"],
                        detail=dict(row["detail"] or {}),
                        target=row["target"],
                    ),
                    actor_username=row["actor_username"] or "",
                )
            )
        return out


def count_rows(db: DbSession, table: Any) -> int:
    """Row count of a table (tests and diagnostics)."""
    return int(db.execute(select(func.count()).select_from(table)).scalar() or 0)
