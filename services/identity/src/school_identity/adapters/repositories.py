"""SQLAlchemy repositories for schools, accounts, sessions and the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from school_identity.adapters.tables import accounts, audit_log, schools, sessions
from school_identity.domain.errors import UsernameTakenError
from school_identity.domain.model import Account, AuditEntry, School, Session


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
    )


def _session(row: RowMapping) -> Session:
    return Session(
        key=row["id"],
        account_id=row["account_id"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
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

    def add(self, account: Account) -> None:
        values: dict[str, Any] = {
            "id": account.id,
            "school_id": account.school_id,
            "username": account.username,
            "full_name": account.full_name,
            "password_hash": account.password_hash,
            "roles": list(account.roles),
            "is_active": account.is_active,
            "created_at": account.created_at,
            "last_login_at": account.last_login_at,
            "password_changed_at": account.password_changed_at,
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
        self._db.execute(
            update(accounts)
            .where(accounts.c.id == account.id)
            .values(
                full_name=account.full_name,
                password_hash=account.password_hash,
                roles=list(account.roles),
                is_active=account.is_active,
                last_login_at=account.last_login_at,
                password_changed_at=account.password_changed_at,
            )
        )


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
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def revoke_all_for(self, account_id: str, at: datetime) -> int:
        result = self._db.execute(
            update(sessions)
            .where(sessions.c.account_id == account_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class SqlAlchemyAuditLog:
    """Inserts only; the migration also installs triggers that refuse UPDATE and DELETE."""

    def __init__(self, db: DbSession) -> None:
        self._db = db

    def append(self, entry: AuditEntry) -> None:
        self._db.execute(
            insert(audit_log).values(
                at=entry.at,
                actor=entry.actor[:100],
                action=entry.action,
                outcome=entry.outcome,
                school_id=entry.school_id,
                ip=entry.ip[:64],
                request_id=entry.request_id[:100],
                detail=entry.detail,
            )
        )
