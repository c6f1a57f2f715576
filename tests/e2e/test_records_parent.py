"""The whole system: a guardian linked to a parent account in students reaches identity through
the event bus, and the parent then reads that child's record, and only that child's (issue 4)."""

from __future__ import annotations

import pytest

from deploy.local.launch import current_school_year
from tests.stack import Api, Stack, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _children(parent: Api) -> list[str]:
    r = parent.get("/api/v1/my-children")
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


def test_parent_link_travels_through_identity(stack: Stack, head: Api) -> None:
    years = head.get("/api/v1/school-years").json()["items"]
    year = next(y for y in years if y["name"] == current_school_year()[0])
    classes = {c["name"]: c["id"] for c in head.get("/api/v1/classes", school_year_id=year["id"]).json()["items"]}
    pupil = head.get(f"/api/v1/classes/{classes['2A']}/students").json()["items"][0]
    stranger = head.get(f"/api/v1/classes/{classes['4A']}/students").json()["items"][0]
    parent_id = next(a["id"] for a in head.items("/api/v1/accounts", page_size=200) if a["username"] == "phuhuynh")

    parent = Api(stack.url)
    assert parent.login("phuhuynh").status_code == 200
    # The demo seed linked phuhuynh to a pupil of 1A already.
    seeded = wait_until(lambda: _children(parent), timeout_s=60)
    assert seeded, "the seeded GuardianLinked never reached identity"
    assert pupil["id"] not in seeded

    father = head.create(
        f"/api/v1/students/{pupil['id']}/guardians",
        {"full_name": "Lê Văn Hùng", "relation": "CHA", "phone": "0987654321"},
    )
    r = head.http.put(
        f"{stack.url}/api/v1/students/{pupil['id']}/guardians/{father['id']}/account",
        json={"parent_account_id": parent_id},
        headers={"X-CSRFToken": head.csrf},
        timeout=15,
    )
    assert r.status_code == 200, r.text

    assert wait_until(lambda: pupil["id"] in _children(parent), timeout_s=60), "GuardianLinked not applied"
    record = parent.get(f"/api/v1/students/{pupil['id']}/record")
    assert record.status_code == 200, record.text
    assert record.json()["sensitive_visible"] is True
    assert [g["full_name"] for g in record.json()["guardians"]] == ["Lê Văn Hùng"]
    page = parent.get(f"/students/{pupil['id']}/record")
    assert page.status_code == 200
    assert "Hồ sơ học sinh" in page.text
    assert parent.get(f"/api/v1/students/{stranger['id']}/record").status_code == 403
    assert parent.get(f"/api/v1/classes/{classes['2A']}/students").status_code == 403

    r = head.http.delete(
        f"{stack.url}/api/v1/students/{pupil['id']}/guardians/{father['id']}/account",
        headers={"X-CSRFToken": head.csrf},
        timeout=15,
    )
    assert r.status_code == 204, r.text
    assert wait_until(lambda: pupil["id"] not in _children(parent), timeout_s=60), "GuardianUnlinked not applied"
    assert wait_until(lambda: parent.get(f"/api/v1/students/{pupil['id']}/record").status_code == 403, timeout_s=10)
