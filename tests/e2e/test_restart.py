"""Stop and start the whole system as a person would (Ctrl-C, `make run` again): data kept in
SQLite survives, the in-memory broker comes back empty, the relays replay the outboxes, and the
grades consumer applies each event exactly once (its effect log has no duplicates)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from deploy.local.launch import current_school_year
from tests.stack import Api, Stack, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _enrol(api: Api, class_id: str, name: str) -> str:
    r = api.post(
        "/api/v1/students", {"class_id": class_id, "full_name": name, "date_of_birth": "2018-02-03", "gender": "male"}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _roster_ids(api: Api, class_id: str) -> list[str]:
    return [e["student_id"] for e in api.get(f"/api/v1/classes/{class_id}/roster").json()["items"]]


def test_restart_keeps_data_and_replays_events(tmp_path: Path, artifacts: Path) -> None:
    stack = Stack(tmp_path / "var", artifacts / "restart-stack.log")
    stack.start()
    try:
        api = Api(stack.url)
        assert api.login("hieutruong").status_code == 200
        year = next(y for y in api.get("/api/v1/school-years").json()["items"] if y["name"] == current_school_year()[0])
        cls = api.post("/api/v1/classes", {"school_year_id": year["id"], "name": "2R", "grade_level": 2}).json()
        first = _enrol(api, cls["id"], "Mai Xuân Trường")
        assert wait_until(lambda: _roster_ids(api, cls["id"]) == [first], timeout_s=60)
    finally:
        assert stack.stop() == 0, stack.tail()

    stack.start()
    try:
        api = Api(stack.url)
        assert api.login("hieutruong").status_code == 200
        names = [s["full_name"] for s in api.get(f"/api/v1/classes/{cls['id']}/students").json()["items"]]
        assert names == ["Mai Xuân Trường"]
        second = _enrol(api, cls["id"], "Lâm Quốc Việt")
        # The new event can only be applied once the relay has rebuilt the topic after the wipe.
        assert wait_until(lambda: sorted(_roster_ids(api, cls["id"])) == sorted([first, second]), timeout_s=90)
    finally:
        assert stack.stop() == 0, stack.tail()

    with sqlite3.connect(stack.var / "grades" / "grades.db") as db:
        total, distinct = db.execute("SELECT COUNT(*), COUNT(DISTINCT event_id) FROM roster_changes").fetchone()
    assert total == distinct, "an event was applied twice after the replay"
    # Demo seed (10 pupils) + 2 here, every one enrolled exactly once.
    with sqlite3.connect(stack.var / "students" / "students.db") as db:
        (enrolled,) = db.execute("SELECT COUNT(*) FROM students").fetchone()
    assert distinct >= enrolled == 12
