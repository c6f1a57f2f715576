"""The whole system, started as `make run` starts it: sign in, create a class and a student over
HTTP, and see the student in the roster that grades serves (proving the event path)."""

from __future__ import annotations

import pytest
import requests

from deploy.local.launch import current_school_year
from tests.stack import Api, Stack, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def demo_year(api: Api) -> dict:
    """The seeded year (other tests in the session may add later years)."""
    years = api.get("/api/v1/school-years").json()["items"]
    matches = [y for y in years if y["name"] == current_school_year()[0]]
    assert len(matches) == 1, years
    return matches[0]


def test_sign_in_page_is_vietnamese(stack: Stack) -> None:
    r = requests.get(stack.url + "/", timeout=10, allow_redirects=True)
    assert r.status_code == 200
    assert 'lang="vi"' in r.text
    assert "Đăng nhập" in r.text


def test_readyz_reports_every_service_serving(stack: Stack) -> None:
    r = requests.get(stack.url + "/readyz", timeout=10)
    assert r.status_code == 200
    body = r.json()
    text = str(body)
    for svc in ("identity", "students", "grades"):
        assert svc in text
    assert "NOT_SERVING" not in text


def test_demo_seed_is_visible(head: Api) -> None:
    api = head
    year = demo_year(api)
    classes = api.get("/api/v1/classes", school_year_id=year["id"]).json()["items"]
    assert {c["name"] for c in classes} >= {"1A", "2A", "3A", "4A", "5A"}


def test_wrong_password_is_refused(stack: Stack) -> None:
    api = Api(stack.url)
    r = api.login("hieutruong", "sai-mat-khau")
    assert r.status_code == 401
    assert "request_id" in r.json()["error"]


def test_class_and_student_reach_grades_roster(stack: Stack, head: Api) -> None:
    api = head
    year = demo_year(api)
    r = api.post("/api/v1/classes", {"school_year_id": year["id"], "name": "3E2E", "grade_level": 3})
    assert r.status_code == 201, r.text
    cls = r.json()
    r = api.post(
        "/api/v1/students",
        {"class_id": cls["id"], "full_name": "Phan Thị Kiều Oanh", "date_of_birth": "2017-06-15", "gender": "female"},
    )
    assert r.status_code == 201, r.text
    student = r.json()

    register = api.get(f"/api/v1/classes/{cls['id']}/students").json()["items"]
    assert [s["id"] for s in register] == [student["id"]]

    def roster() -> list[dict]:
        return api.get(f"/api/v1/classes/{cls['id']}/roster").json()["items"]

    entries = wait_until(roster, timeout_s=60)
    assert entries, f"student never reached the grades roster; stack log:\n{stack.tail()}"
    assert [(e["student_id"], e["full_name"]) for e in entries] == [(student["id"], "Phan Thị Kiều Oanh")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_name": "", "date_of_birth": "2017-06-15", "gender": "male"}, "full_name"),
        ({"full_name": "Lý Văn Tâm", "date_of_birth": "15/06/2017x", "gender": "male"}, "date_of_birth"),
        (
            {"full_name": "Lý Văn Tâm", "date_of_birth": "2017-06-15", "gender": "male", "unknown_class": True},
            "class_id",
        ),
    ],
)
def test_bad_input_names_field_in_vietnamese_and_writes_nothing(head: Api, body: dict, field: str) -> None:
    api = head
    year = demo_year(api)
    cls = next(c for c in api.get("/api/v1/classes", school_year_id=year["id"]).json()["items"] if c["name"] == "1A")
    before = api.get(f"/api/v1/classes/{cls['id']}/students").json()["items"]
    payload = dict(body)
    unknown = payload.pop("unknown_class", False)
    payload["class_id"] = "00000000-0000-4000-8000-000000000000" if unknown else cls["id"]
    r = api.post("/api/v1/students", payload)
    assert 400 <= r.status_code < 500, r.text
    error = r.json()["error"]
    assert field in error.get("fields", {}), error
    message = error["fields"][field]
    assert any(ch in message for ch in "ăâđêôơưáàảãạéèíóòúùýớờứừ"), f"not Vietnamese: {message}"
    after = api.get(f"/api/v1/classes/{cls['id']}/students").json()["items"]
    assert after == before


def test_sign_out_revokes_the_session(stack: Stack) -> None:
    api = Api(stack.url)
    assert api.login("gvcn").status_code == 200
    assert api.get("/api/v1/me").status_code == 200
    cookies = api.http.cookies.copy()
    assert api.post("/api/v1/auth/logout", {}).status_code in (200, 204)

    # Another gateway worker may hold the session in its short cache (SESSION_CACHE_SECONDS);
    # the bar is revocation everywhere within 5 seconds.
    def replay_refused() -> bool:
        return requests.get(stack.url + "/api/v1/me", cookies=cookies, timeout=10).status_code == 401

    assert wait_until(replay_refused, timeout_s=5)
