"""The grade book's save requests: the first answer to each idempotency key (SaveCells retries).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gradebook_requests",
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("student_ids", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "actor", "idempotency_key", name="pk_gradebook_requests"),
    )


def downgrade() -> None:
    op.drop_table("gradebook_requests")
