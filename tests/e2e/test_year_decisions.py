"""Year results to the roll-over across the real stack: grades computes the year results of a class
from its CN values, the principal keeps one pupil back, the events travel grades' outbox → relay →
broker → students' consumer, and the year-end roll-over in students follows them (the pupil kept
back repeats the grade, the others move up, grade 5 completes primary school).

The CN values are written straight into the grades database, as the grade book (another part of
issue 5, tested on its own) would store them; everything after that goes through the gateway."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from school_students.adapters.tables_grade_outcomes import grade_outcomes
from schoolkit.db import make_engine
from tests.results_seed import fill_cn, lock_cn, roster_ids
from tests.stack import Api, Stack, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

OLD = {"name": "2009-2010", "start_date": "2009-09-05", "end_date": "2010-05-31"}
NEW = {"name": "2010-2011", "start_date": "2010-09-05", "end_date": "2011-05-31"}


def _outcomes(stack: Stack) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{stack.var / 'students' / 'students.db'}")
    try:
        with engine.connect() as conn:
            return {r.student_id: r for r in conn.execute(select(grade_outcomes))}
    finally:
        engine.dispose()


def test_the_principal_decision_reaches_the_roll_over(stack: Stack, head: Api) -> None:
    api = head
    old = api.create("/api/v1/school-years", OLD)["id"]
    new = api.create("/api/v1/school-years", NEW)["id"]
    c3 = api.create("/api/v1/classes", {"school_year_id": old, "name": "3Q", "grade_level": 3})["id"]
    c5 = api.create("/api/v1/classes", {"school_year_id": old, "name": "5Q", "grade_level": 5})["id"]

    def enrol(class_id: str, name: str) -> str:
        body = {"class_id": class_id, "full_name": name, "date_of_birth": "2001-03-01", "gender": "male"}
        return str(api.create("/api/v1/students", body)["id"])

    kept, up = enrol(c3, "Quách Văn Lưu"), enrol(c3, "Quách Thị Lên")
    done = enrol(c5, "Quách Văn Xong")
    assert wait_until(lambda: roster_ids(api, c3) == {kept, up} and roster_ids(api, c5) == {done}, timeout_s=90), (
        stack.tail()
    )
    fill_cn(stack, c3, 3, {kept: 3, up: 8})
    fill_cn(stack, c5, 5, {done: 9})
    lock_cn(stack, c3)
    lock_cn(stack, c5)

    computed = api.post(f"/api/v1/classes/{c3}/year-results", {})
    assert computed.status_code == 200, computed.text
    results = {r["student_id"]: r for r in computed.json()["results"]}
    assert results[kept]["result"] == "CHT"
    assert "Toán = 3 (cần từ 5)" in results[kept]["explanation"][-1]
    assert results[up]["result"] == "HTT"
    assert api.post(f"/api/v1/classes/{c5}/year-results", {}).status_code == 200
    # Điều 11: a supplementary assessment first; the principal decides for a pupil who still fails it.
    today = dt.date.today().isoformat()
    assessed = api.post(
        f"/api/v1/students/{kept}/year-result/supplementary",
        {
            "assessed_on": today,
            "subjects": ["TOAN"],
            "outcome": "CHUA_HOAN_THANH",
            "expected_version": results[kept]["version"],
        },
    )
    assert assessed.status_code == 200, assessed.text
    decided = api.post(
        f"/api/v1/students/{kept}/year-result/decision",
        {
            "decision": "O_LAI_LOP",
            "decision_ref": "07/QĐ-E2E",
            "decided_on": today,
            "expected_version": assessed.json()["version"],
        },
    )
    assert decided.status_code == 200, decided.text

    # The decisions reach students through the bus.
    def arrived() -> bool:
        seen = _outcomes(stack)
        return (
            kept in seen
            and seen[kept].decision == "O_LAI_LOP"
            and seen.get(up) is not None
            and seen[up].decision == "LEN_LOP"
            and seen.get(done) is not None
            and seen[done].decision == "HOAN_THANH_CT_TIEU_HOC"
        )

    assert wait_until(arrived, timeout_s=90), stack.tail()

    rolled = api.post("/api/v1/roll-over", {"from_school_year_id": old, "to_school_year_id": new})
    assert rolled.status_code == 200, rolled.text
    summary = {c["from_class_name"]: c for c in rolled.json()["classes"]}
    assert (summary["3Q"]["promoted"], summary["3Q"]["repeated"]) == (1, 1)
    assert summary["5Q"]["completed"] == 1
    new_classes = {c["id"]: c["name"] for c in api.items("/api/v1/classes", school_year_id=new, page_size=100)}

    def placed(student_id: str) -> tuple[str, str]:
        history = api.get(f"/api/v1/students/{student_id}/movements").json()
        return new_classes.get(history["student"]["class_id"], ""), history["status"]

    assert placed(kept) == ("3Q", "DANG_HOC")
    assert placed(up) == ("4Q", "DANG_HOC")
    assert placed(done) == ("", "HOAN_THANH_TIEU_HOC")
