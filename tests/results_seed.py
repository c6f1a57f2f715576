"""End-of-year (CN) values written straight into a running stack's grades database, as the grade
book would store them: the e2e and browser tests of the year results start from a filled CN."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from school_grades.adapters.tables_gradebook import cells, grade_classes, period_locks
from school_grades.domain.programme import Period, load_programme
from schoolkit.db import make_engine
from tests.stack import Api, Stack


def roster_ids(api: Api, class_id: str) -> set[str]:
    return {e["student_id"] for e in api.get(f"/api/v1/classes/{class_id}/roster").json()["items"]}


def lock_cn(stack: Stack, class_id: str) -> None:
    """CN of the class locked: year results are computed only from a locked CN."""
    set_lock(stack, class_id, "CN", True)


def fill_cn(
    stack: Stack, class_id: str, grade: int, pupils: dict[str, int], levels: dict[str, str] | None = None
) -> None:
    """Every CN value of each pupil: T everywhere (or ``levels[code]``), the given score on every test."""
    programme = load_programme()
    engine = make_engine(f"sqlite:///{stack.var / 'grades' / 'grades.db'}")
    try:
        with engine.begin() as conn:
            row = conn.execute(select(grade_classes).where(grade_classes.c.id == class_id)).one()
            tested = programme.tested(grade, Period.CN)
            values = [(s.code, "SUBJECT") for s in programme.subjects_of(grade, with_electives=False)]
            values += [(code, "ITEM") for code in programme.items]
            for student_id, score in pupils.items():
                for item, kind in values:
                    conn.execute(
                        insert(cells).values(
                            school_id=row.school_id,
                            class_id=class_id,
                            student_id=student_id,
                            school_year_id=row.school_year_id,
                            period="CN",
                            item_code=item,
                            kind=kind,
                            level=(levels or {}).get(item, "T"),
                            score=score if item in tested else None,
                            comment="",
                            version=1,
                            updated_by="test",
                            updated_by_name="",
                            updated_at=dt.datetime.now(dt.UTC),
                        )
                    )
    finally:
        engine.dispose()


def set_lock(stack: Stack, class_id: str, period: str, locked: bool) -> None:
    """The HT's lock of a class's period, written straight into the grades database (the lock page
    itself is tested in tests/e2e/test_grade_checks.py); ``locked=False`` removes it again."""
    engine = make_engine(f"sqlite:///{stack.var / 'grades' / 'grades.db'}")
    try:
        with engine.begin() as conn:
            school_id = conn.execute(
                select(grade_classes.c.school_id).where(grade_classes.c.id == class_id)
            ).scalar_one()
            conn.execute(
                period_locks.delete().where(period_locks.c.class_id == class_id, period_locks.c.period == period)
            )
            if locked:
                conn.execute(
                    insert(period_locks).values(
                        school_id=school_id,
                        class_id=class_id,
                        period=period,
                        locked=True,
                        locked_at=dt.datetime.now(dt.UTC),
                        locked_by="test",
                        version=1,
                    )
                )
    finally:
        engine.dispose()
