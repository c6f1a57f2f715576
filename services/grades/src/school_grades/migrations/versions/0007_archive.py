"""Records archive (issue 5 point 7): the chain of archived, signed học bạ and class summary files.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_entries",
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("school_year_id", sa.String(36), nullable=False),
        sa.Column("school_year", sa.String(20), nullable=False),
        sa.Column("period", sa.String(4), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("class_id", sa.String(36), nullable=False),
        sa.Column("student_id", sa.String(36), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("previous_link", sa.String(64), nullable=False),
        sa.Column("link", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("signer", sa.String(300), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_by", sa.String(36), nullable=False),
        sa.Column("archived_by_name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "sequence", name="pk_archive_entries"),
        sa.UniqueConstraint("school_id", "name", name="uq_archive_entries_school_id_name"),
        sa.UniqueConstraint(
            "school_id",
            "school_year_id",
            "period",
            "kind",
            "class_id",
            "student_id",
            "version",
            name="uq_archive_entries_document_version",
        ),
    )
    op.create_index(
        "ix_archive_entries_school_id_class_id_sequence", "archive_entries", ["school_id", "class_id", "sequence"]
    )


def downgrade() -> None:
    op.drop_index("ix_archive_entries_school_id_class_id_sequence", table_name="archive_entries")
    op.drop_table("archive_entries")
