"""A class at the end of the year in a real grades database, for the gateway's records tests:
every CN value a pupil is assessed on (T, 10 where tested) and the periods locked by the HT, so
the year results can be computed and the records signed (signed records come after the lock)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from school_grades.adapters.tables_gradebook import cells, period_locks
from school_grades.domain.programme import Period, load_programme
from schoolkit.db import transaction


def fill_cn(sessions: Any, school_id: str, class_id: str, year_id: str, grade: int, pupils: Iterable[str]) -> None:
    programme = load_programme("2025-2026")
    tested = programme.tested(grade, Period.CN)
    values = [(s.code, "SUBJECT") for s in programme.subjects_of(grade, with_electives=False)]
    values += [(code, "ITEM") for code in programme.items]
    with transaction(sessions) as session:
        for student_id in pupils:
            session.execute(cells.delete().where(cells.c.student_id == student_id, cells.c.period == "CN"))
            session.execute(
                cells.insert(),
                [
                    {
                        "school_id": school_id,
                        "class_id": class_id,
                        "student_id": student_id,
                        "school_year_id": year_id,
                        "period": "CN",
                        "item_code": code,
                        "kind": kind,
                        "level": "T",
                        "score": 10 if code in tested else None,
                        "comment": "Làm tính nhanh, chính xác" if code == "TOAN" else "",
                        "version": 1,
                        "updated_by": "u-gv",
                        "updated_at": datetime(2026, 5, 20, tzinfo=UTC),
                    }
                    for code, kind in values
                ],
            )


def lock(sessions: Any, school_id: str, class_id: str, *periods: str) -> None:
    with transaction(sessions) as session:
        for period in periods:
            session.execute(
                period_locks.insert().values(
                    school_id=school_id,
                    class_id=class_id,
                    period=period,
                    locked=True,
                    locked_at=datetime(2026, 5, 28, tzinfo=UTC),
                    locked_by="u-ht",
                    version=1,
                )
            )
