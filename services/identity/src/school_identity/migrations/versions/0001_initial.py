"""Initial schema: schools, accounts, sessions, append-only audit log and the event outbox.

Revision ID: 0001
Revises:
Create Date: 2026-01-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from schoolkit.events.tables import outbox_table

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The schema is spelled out here rather than imported from the adapters, so later changes to the
# application's table definitions cannot silently rewrite history.
AUDIT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)

PG_APPEND_ONLY = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "schools",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.UniqueConstraint("code", name="uq_schools_code"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("school_id", sa.String(36), sa.ForeignKey("schools.id", name="fk_accounts_school"), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_login_at", TZ, nullable=True),
        sa.Column("password_changed_at", TZ, nullable=False),
        sa.UniqueConstraint("username", name="uq_accounts_username"),
    )
    op.create_index("ix_accounts_school_id", "accounts", ["school_id"])
    op.create_table(
        "sessions",
        # SHA-256 (hex) of the opaque session id; the raw id is never stored.
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "account_id", sa.String(36), sa.ForeignKey("accounts.id", name="fk_sessions_account"), nullable=False
        ),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
    )
    op.create_index("ix_sessions_account_id", "sessions", ["account_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", AUDIT_ID, primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("outcome", sa.String(50), nullable=False),
        sa.Column("school_id", sa.String(36), nullable=True),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(100), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "at"])
    outbox_table(sa.MetaData()).create(op.get_bind())

    # Append-only in the database itself (quality bar S9): the application cannot update or
    # delete audit rows even through a bug or an injected statement.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY)
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def downgrade() -> None:
    outbox_table(sa.MetaData()).drop(op.get_bind())
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("sessions")
    op.drop_table("accounts")
    op.drop_table("schools")
