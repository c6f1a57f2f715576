"""School structure: semesters (học kỳ) of each year, a version on years and classes, a class room.

Existing years get HK I from their start to 17 January of their second calendar year and HK II
from the next day to their end (the built-in framework defaults, 18 and 17 teaching weeks capped
by each span); a year whose dates cannot hold that split keeps no semesters until it is edited.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = 36


def _weeks(start: date, end: date, wanted: int) -> int:
    return min(wanted, (end - start).days // 7 + 1)


def upgrade() -> None:
    with op.batch_alter_table("school_years") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))
    with op.batch_alter_table("classes") as batch:
        batch.add_column(sa.Column("room", sa.String(30), nullable=False, server_default=""))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))
    semesters = op.create_table(
        "semesters",
        sa.Column("school_year_id", sa.String(ID), nullable=False),
        sa.Column("term", sa.SmallInteger(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("teaching_weeks", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_year_id"], ["school_years.id"], name="fk_semesters_school_year_id_school_years"
        ),
        sa.PrimaryKeyConstraint("school_year_id", "term", name="pk_semesters"),
    )
    years = sa.table(
        "school_years", sa.column("id", sa.String), sa.column("start_date", sa.Date), sa.column("end_date", sa.Date)
    )
    rows = []
    for year_id, start, end in op.get_bind().execute(sa.select(years.c.id, years.c.start_date, years.c.end_date)):
        start_d = start if isinstance(start, date) else date.fromisoformat(str(start))
        end_d = end if isinstance(end, date) else date.fromisoformat(str(end))
        hk1_end = date(end_d.year, 1, 17)
        if not start_d < hk1_end < end_d:
            continue
        hk2_start = hk1_end + timedelta(days=1)
        rows += [
            {"school_year_id": year_id, "term": 1, "start_date": start_d, "end_date": hk1_end,
             "teaching_weeks": _weeks(start_d, hk1_end, 18)},
            {"school_year_id": year_id, "term": 2, "start_date": hk2_start, "end_date": end_d,
             "teaching_weeks": _weeks(hk2_start, end_d, 17)},
        ]  # fmt: skip
    if rows:
        op.bulk_insert(semesters, rows)


def downgrade() -> None:
    op.drop_table("semesters")
    with op.batch_alter_table("classes") as batch:
        batch.drop_column("version")
        batch.drop_column("room")
    with op.batch_alter_table("school_years") as batch:
        batch.drop_column("version")
