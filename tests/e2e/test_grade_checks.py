"""TTCM reach and the grade-book checks through the whole stack (issue 5 points 5–6): the office gives
the demo's "Tổ 1" grade 1, the head of department (TTCM) signs in and reads the checks and the
classes of grade 1 only; the principal's lock of the end-of-year period of 1A is refused because
nothing is entered yet, naming a pupil and the missing end-of-year result. The department's grades
are cleared again at the end, so the demo TTCM reaches no class for the other tests (matrix)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.stack import Api, Stack, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def put(api: Api, path: str, body: dict) -> requests.Response:
    return api.http.put(api.base + path, json=body, headers={"X-CSRFToken": api.csrf}, timeout=15)


@pytest.fixture
def department_covers_grade_1(stack: Stack) -> Iterator[str]:
    office = Api(stack.url)
    assert office.login("vanphong").status_code == 200
    department = next(d for d in office.items("/api/v1/departments") if d["name"] == "Tổ 1")
    saved = put(office, f"/api/v1/departments/{department['id']}/grade-levels", {"grade_levels": [1]})
    assert saved.status_code == 200, saved.text
    try:
        yield department["id"]
    finally:
        put(office, f"/api/v1/departments/{department['id']}/grade-levels", {"grade_levels": []})


def test_a_head_of_department_checks_the_departments_grade_and_a_lock_is_refused(
    stack: Stack, head: Api, department_covers_grade_1: str
) -> None:
    ttcm = Api(stack.url)
    assert ttcm.login("totruong").status_code == 200
    me = ttcm.get("/api/v1/me").json()["principal"]
    year_scopes = [s for s in me["scopes"] if s.startswith("grade:")]
    assert len(year_scopes) == 1
    assert year_scopes[0].endswith(":1")

    # The grades service learns the demo classes from students' events: wait until it has them.
    checks = wait_until(lambda: ttcm.get("/api/v1/grade-checks", period="CN").json()["items"] or None, 60)
    assert [c["class_name"] for c in checks] == ["1A"]
    one_a = checks[0]
    assert one_a["missing"] > 0
    assert not one_a["locked"]

    classes = {c["name"]: c["id"] for c in head.items("/api/v1/classes", school_year_id=one_a["school_year_id"])}
    assert [c["name"] for c in ttcm.items("/api/v1/classes", school_year_id=one_a["school_year_id"])] == ["1A"]
    assert ttcm.get(f"/api/v1/classes/{classes['1A']}/students").status_code == 200
    assert ttcm.get(f"/api/v1/classes/{classes['4A']}/students").status_code == 403
    assert ttcm.get(f"/api/v1/classes/{classes['1A']}/grade-checks", period="CN").status_code == 200
    assert ttcm.get(f"/api/v1/classes/{classes['4A']}/grade-checks", period="CN").status_code == 403
    page = ttcm.get("/grades/checks", period="CN")
    assert page.status_code == 200
    assert "Kiểm tra sổ điểm" in page.text
    assert ttcm.get("/grades/locks").status_code == 403  # reads the checks, does not lock

    refused = head.post(f"/api/v1/classes/{classes['1A']}/period-lock", {"period": "CN"})
    assert refused.status_code == 409, refused.text
    reasons = refused.json()["error"]["fields"]
    assert any("Chưa có mức đạt được cuối năm" in m for m in reasons.values())
    after = head.get(f"/api/v1/classes/{classes['1A']}/grade-checks", period="CN").json()
    assert not after["summary"]["locked"]
