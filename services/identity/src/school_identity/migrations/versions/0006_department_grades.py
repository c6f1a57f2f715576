"""Departments (tổ chuyên môn) cover grade levels, so a TTCM reaches the classes of those grades
(issue 5: the head of department checks the grade book of the department's classes).

Revision ID: 0006_department_grades
Revises: 0005 (0005_grades_permissions.py)
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_department_grades"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A JSON list of ints; existing departments cover no grade until the principal sets them.
    with op.batch_alter_table("departments") as batch:
        batch.add_column(sa.Column("grade_levels", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("departments") as batch:
        batch.drop_column("grade_levels")
