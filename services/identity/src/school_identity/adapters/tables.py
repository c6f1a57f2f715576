"""Identity's tables as SQLAlchemy Core metadata (the migrations create them; this reads and writes)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from schoolkit.events.tables import inbox_table, outbox_table


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite hands back naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

schools = Table(
    "schools",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("code", String(50), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("schools.id"), nullable=False, index=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime, nullable=True),
    Column("password_changed_at", UTCDateTime, nullable=False),
    Column("must_change_password", Boolean, nullable=False, default=False),
    Column("password_expires_at", UTCDateTime, nullable=True),
    # Username and name without diacritics, for diacritics-insensitive search.
    Column("search_text", String(300), nullable=False, default=""),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("mfa_verified", Boolean, nullable=False, default=False),
    Column("stepped_up_until", UTCDateTime, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(50), nullable=False),
    Column("outcome", String(50), nullable=False),
    Column("school_id", String(36), nullable=True),
    Column("ip", String(64), nullable=False),
    Column("request_id", String(100), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("target", String(100), nullable=False, default=""),
)

mfa_factors = Table(
    "mfa_factors",
    metadata,
    Column("account_id", String(36), ForeignKey("accounts.id"), primary_key=True),
    # Fernet tokens (AES-128-CBC + HMAC-SHA256) of the base32 secrets; never stored in clear.
    Column("secret_encrypted", Text, nullable=True),
    Column("pending_secret_encrypted", Text, nullable=True),
    Column("enrolled_at", UTCDateTime, nullable=True),
    Column("last_used_step", BigInteger, nullable=True),
)

recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    PrimaryKeyConstraint("account_id", "code_hash", name="pk_recovery_codes"),
)

login_challenges = Table(
    "login_challenges",
    metadata,
    # SHA-256 of the opaque challenge id, like sessions.
    Column("id", String(64), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("steps", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("new_password_hash", String(255), nullable=True),
    Column("pending_secret_encrypted", Text, nullable=True),
    Column("enrolled_step", BigInteger, nullable=True),
    Column("mfa_verified", Boolean, nullable=False, default=False),
)

login_throttle = Table(
    "login_throttle",
    metadata,
    # The normalised name typed at sign-in, whether or not an account has it.
    Column("username", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=True, index=True),
    Column("locked_until", UTCDateTime, nullable=True),
)

role_permissions = Table(
    "role_permissions",
    metadata,
    Column("school_id", String(36), ForeignKey("schools.id"), nullable=False),
    Column("role", String(10), nullable=False),
    Column("permissions", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(100), nullable=False),
    PrimaryKeyConstraint("school_id", "role", name="pk_role_permissions"),
)

school_years = Table(
    "school_years",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False, index=True),
    Column("name", String(50), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
)

classes = Table(
    "classes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), nullable=False),
    Column("school_year_id", String(36), nullable=False, index=True),
    Column("name", String(20), nullable=False),
    Column("grade_level", Integer, nullable=False),
)

departments = Table(
    "departments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("schools.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("name_key", String(100), nullable=False),
    # Grade levels (khối 1..5) the department covers, ascending: its TTCM reaches those classes.
    Column("grade_levels", JSON, nullable=False, default=list, server_default="[]"),
    UniqueConstraint("school_id", "name_key", name="uq_departments_name"),
)

assignments = Table(
    "assignments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("schools.id"), nullable=False, index=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False, index=True),
    Column("role", String(10), nullable=False),
    Column("school_year_id", String(36), nullable=False, default=""),
    Column("scope_kind", String(20), nullable=False),
    Column("department_id", String(36), nullable=False, default=""),
    Column("class_id", String(36), nullable=False, default=""),
    Column("subject_code", String(30), nullable=False, default=""),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=True),
    Column("granted_by", String(100), nullable=False),
    Column("granted_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("ended_by", String(100), nullable=False, default=""),
)

staff = Table(
    "staff",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("school_id", String(36), ForeignKey("schools.id"), nullable=False, index=True),
    Column("staff_code", String(20), nullable=False),
    Column("full_name", String(200), nullable=False),
    Column("date_of_birth", Date, nullable=True),
    Column("gender", String(10), nullable=False, default=""),
    Column("citizen_id", String(12), nullable=False, default=""),
    Column("position", String(10), nullable=False, default=""),
    Column("qualification", String(200), nullable=False, default=""),
    Column("phone", String(20), nullable=False, default=""),
    Column("email", String(254), nullable=False, default=""),
    Column("address", String(300), nullable=False, default=""),
    Column("start_date", Date, nullable=True),
    Column("department_id", String(36), nullable=False, default=""),
    Column("employment_status", String(20), nullable=False),
    Column("user_id", String(36), ForeignKey("accounts.id"), nullable=True, unique=True),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("school_id", "staff_code", name="uq_staff_code"),
)

account_reminders = Table(
    "account_reminders",
    metadata,
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("last_reminded_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("account_id", "kind", name="pk_account_reminders"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

# Guardian links (issue 4, records) share ``metadata``: importing them here registers them
# wherever the schema is used (migrations check, tests).
from school_identity.adapters import tables_children  # noqa: E402, F401
