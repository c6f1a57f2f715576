"""Tables of the records archive (issue 5 point 7): one row per archived, signed file in the school's hash chain."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, UniqueConstraint

from school_grades.adapters.tables import ID, SCHOOL_ID, metadata

HASH = 64  # hex SHA-256

# Append-only: an entry is never updated or deleted; a corrected document is a new version.
archive_entries = Table(
    "archive_entries",
    metadata,
    Column("school_id", String(SCHOOL_ID), primary_key=True),
    Column("sequence", Integer, primary_key=True, autoincrement=False),  # 1, 2, 3 ... per school
    Column("school_year_id", String(ID), nullable=False),
    Column("school_year", String(20), nullable=False),  # "2025-2026", part of the link hash
    Column("period", String(4), nullable=False),
    Column("kind", String(20), nullable=False),  # HOC_BA | BANG_TONG_HOP
    Column("class_id", String(ID), nullable=False),
    Column("student_id", String(ID), nullable=False, server_default=""),  # "" for a class document
    Column("version", Integer, nullable=False),
    Column("name", String(300), nullable=False),  # the file's name in the archive
    Column("file_sha256", String(HASH), nullable=False),
    Column("previous_link", String(HASH), nullable=False),
    Column("link", String(HASH), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("signer", String(300), nullable=False),  # the signing certificate's subject
    Column("archived_at", DateTime(timezone=True), nullable=False),
    Column("archived_by", String(ID), nullable=False),
    Column("archived_by_name", String(100), nullable=False),
    UniqueConstraint("school_id", "name"),
    # Two archives of one document can never both become the same version.
    UniqueConstraint(
        "school_id",
        "school_year_id",
        "period",
        "kind",
        "class_id",
        "student_id",
        "version",
        name="uq_archive_entries_document_version",
    ),
    Index(None, "school_id", "class_id", "sequence"),
)
