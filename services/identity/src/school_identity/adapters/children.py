"""The guardian-children repository: which students a parent account reaches (issue 4, records)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session as DbSession

from school_identity.adapters.tables_children import guardian_children


class SqlAlchemyChildrenRepository:
    def __init__(self, db: DbSession) -> None:
        self._db = db

    def link(self, *, account_id: str, student_id: str, school_id: str, student_code: str) -> None:
        """Record the link; a replayed event finds it already there."""
        exists = self._db.execute(
            select(guardian_children.c.student_id).where(
                guardian_children.c.account_id == account_id, guardian_children.c.student_id == student_id
            )
        ).first()
        if exists is None:
            self._db.execute(
                insert(guardian_children).values(
                    account_id=account_id,
                    student_id=student_id,
                    school_id=school_id,
                    student_code=student_code[:30],
                    linked_at=datetime.now(UTC),
                )
            )

    def unlink(self, *, account_id: str, student_id: str) -> None:
        self._db.execute(
            delete(guardian_children).where(
                guardian_children.c.account_id == account_id, guardian_children.c.student_id == student_id
            )
        )

    def for_account(self, account_id: str, school_id: str) -> list[str]:
        """Students of ``school_id`` linked to the account (another school's links never count)."""
        rows = self._db.execute(
            select(guardian_children.c.student_id)
            .where(guardian_children.c.account_id == account_id, guardian_children.c.school_id == school_id)
            .order_by(guardian_children.c.student_id)
        ).all()
        return [r[0] for r in rows]
