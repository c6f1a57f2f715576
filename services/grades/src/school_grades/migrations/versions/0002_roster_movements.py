"""Roster movements: when and how a pupil left the class (transfer out, dropout), kept for history.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("roster") as batch:
        batch.add_column(sa.Column("left_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("left_status", sa.String(30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("roster") as batch:
        batch.drop_column("left_status")
        batch.drop_column("left_on")
