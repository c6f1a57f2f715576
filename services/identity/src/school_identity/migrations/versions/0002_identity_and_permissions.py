"""Identity and permissions: sign-in steps, MFA, throttling, role permissions per school, assignments,
school-year projections, departments, staff records, reminders, audit targets, and the inbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-02
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from schoolkit.events.tables import inbox_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
FALSE = sa.false()


def _fold(text: str) -> str:
    """Diacritics-free lower case (the application's domain.text.fold at the time of writing)."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).replace("đ", "d").replace("Đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def upgrade() -> None:
    # Plain ADD COLUMN (no batch rebuild): on SQLite a rebuilt audit_log would lose its triggers.
    op.add_column("accounts", sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=FALSE))
    op.add_column("accounts", sa.Column("password_expires_at", TZ, nullable=True))
    op.add_column("accounts", sa.Column("search_text", sa.String(300), nullable=False, server_default=""))
    bind = op.get_bind()
    accounts = sa.table(
        "accounts", sa.column("id"), sa.column("username"), sa.column("full_name"), sa.column("search_text")
    )
    for row in bind.execute(sa.select(accounts.c.id, accounts.c.username, accounts.c.full_name)).all():
        bind.execute(
            accounts.update()
            .where(accounts.c.id == row.id)
            .values(search_text=f"{row.username} {_fold(row.full_name)}")
        )

    op.add_column("sessions", sa.Column("mfa_verified", sa.Boolean, nullable=False, server_default=FALSE))
    op.add_column("sessions", sa.Column("stepped_up_until", TZ, nullable=True))

    op.add_column("audit_log", sa.Column("target", sa.String(100), nullable=False, server_default=""))
    # Per-address throttling counts recent sign-in failures straight from the audit log.
    op.create_index("ix_audit_log_ip_at", "audit_log", ["ip", "at"])
    op.create_index("ix_audit_log_school_id_id", "audit_log", ["school_id", "id"])
    op.create_index("ix_audit_log_target", "audit_log", ["target", "at"])

    op.create_table(
        "mfa_factors",
        sa.Column(
            "account_id", sa.String(36), sa.ForeignKey("accounts.id", name="fk_mfa_factors_account"), primary_key=True
        ),
        sa.Column("secret_encrypted", sa.Text, nullable=True),
        sa.Column("pending_secret_encrypted", sa.Text, nullable=True),
        sa.Column("enrolled_at", TZ, nullable=True),
        sa.Column("last_used_step", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "recovery_codes",
        sa.Column(
            "account_id", sa.String(36), sa.ForeignKey("accounts.id", name="fk_recovery_codes_account"), nullable=False
        ),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("used_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("account_id", "code_hash", name="pk_recovery_codes"),
    )
    op.create_table(
        "login_challenges",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "account_id",
            sa.String(36),
            sa.ForeignKey("accounts.id", name="fk_login_challenges_account"),
            nullable=False,
        ),
        sa.Column("steps", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("new_password_hash", sa.String(255), nullable=True),
        sa.Column("pending_secret_encrypted", sa.Text, nullable=True),
        sa.Column("enrolled_step", sa.BigInteger, nullable=True),
        sa.Column("mfa_verified", sa.Boolean, nullable=False, server_default=FALSE),
    )
    op.create_index("ix_login_challenges_account_id", "login_challenges", ["account_id"])
    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", TZ, nullable=True),
        sa.Column("locked_until", TZ, nullable=True),
    )
    op.create_index("ix_login_throttle_last_failure_at", "login_throttle", ["last_failure_at"])
    op.create_table(
        "role_permissions",
        sa.Column(
            "school_id", sa.String(36), sa.ForeignKey("schools.id", name="fk_role_permissions_school"), nullable=False
        ),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("permissions", sa.JSON, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("school_id", "role", name="pk_role_permissions"),
    )
    op.create_table(
        "school_years",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
    )
    op.create_index("ix_school_years_school_id", "school_years", ["school_id"])
    op.create_table(
        "classes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), nullable=False),
        sa.Column("school_year_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("grade_level", sa.Integer, nullable=False),
    )
    op.create_index("ix_classes_school_year_id", "classes", ["school_year_id"])
    op.create_table(
        "departments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "school_id", sa.String(36), sa.ForeignKey("schools.id", name="fk_departments_school"), nullable=False
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.UniqueConstraint("school_id", "name_key", name="uq_departments_name"),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "school_id", sa.String(36), sa.ForeignKey("schools.id", name="fk_assignments_school"), nullable=False
        ),
        sa.Column(
            "account_id", sa.String(36), sa.ForeignKey("accounts.id", name="fk_assignments_account"), nullable=False
        ),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("school_year_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("scope_kind", sa.String(20), nullable=False),
        sa.Column("department_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("class_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("subject_code", sa.String(30), nullable=False, server_default=""),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=True),
        sa.Column("granted_by", sa.String(100), nullable=False),
        sa.Column("granted_at", TZ, nullable=False),
        sa.Column("ended_at", TZ, nullable=True),
        sa.Column("ended_by", sa.String(100), nullable=False, server_default=""),
    )
    op.create_index("ix_assignments_school_id", "assignments", ["school_id"])
    op.create_index("ix_assignments_account_id", "assignments", ["account_id"])
    op.create_table(
        "staff",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("schools.id", name="fk_staff_school"), nullable=False),
        sa.Column("staff_code", sa.String(20), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=True),
        sa.Column("gender", sa.String(10), nullable=False, server_default=""),
        sa.Column("citizen_id", sa.String(12), nullable=False, server_default=""),
        sa.Column("position", sa.String(10), nullable=False, server_default=""),
        sa.Column("qualification", sa.String(200), nullable=False, server_default=""),
        sa.Column("phone", sa.String(20), nullable=False, server_default=""),
        sa.Column("email", sa.String(254), nullable=False, server_default=""),
        sa.Column("address", sa.String(300), nullable=False, server_default=""),
        sa.Column("start_date", sa.Date, nullable=True),
        sa.Column("department_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("employment_status", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("accounts.id", name="fk_staff_account"), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("school_id", "staff_code", name="uq_staff_code"),
        sa.UniqueConstraint("user_id", name="uq_staff_user_id"),
    )
    op.create_index("ix_staff_school_id", "staff", ["school_id"])
    op.create_table(
        "account_reminders",
        sa.Column(
            "account_id",
            sa.String(36),
            sa.ForeignKey("accounts.id", name="fk_account_reminders_account"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("last_reminded_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "kind", name="pk_account_reminders"),
    )
    inbox_table(sa.MetaData()).create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    inbox_table(sa.MetaData()).drop(bind)
    for table in (
        "account_reminders",
        "staff",
        "assignments",
        "departments",
        "classes",
        "school_years",
        "role_permissions",
        "login_throttle",
        "login_challenges",
        "recovery_codes",
        "mfa_factors",
    ):
        op.drop_table(table)
    for index in ("ix_audit_log_target", "ix_audit_log_school_id_id", "ix_audit_log_ip_at"):
        op.drop_index(index, table_name="audit_log")
    # SQLite ≥ 3.35 drops columns in place, so audit_log keeps its append-only triggers.
    op.drop_column("audit_log", "target")
    op.drop_column("sessions", "stepped_up_until")
    op.drop_column("sessions", "mfa_verified")
    op.drop_column("accounts", "search_text")
    op.drop_column("accounts", "password_expires_at")
    op.drop_column("accounts", "must_change_password")
