"""School structure through the whole stack (issue 4, point 1): a year created without semester dates
gets the configured HK I/HK II split, an edited year and a renamed class are visible through the
gateway's pages and API, and the class list shows the homeroom teacher from identity's assignments."""

from __future__ import annotations

import re
import uuid

import pytest

from deploy.local.launch import current_school_year
from tests.stack import Api, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def put(api: Api, path: str, body: dict) -> object:
    return api.http.put(api.base + path, json=body, headers={"X-CSRFToken": api.csrf}, timeout=15)


def test_edited_year_and_renamed_class_are_visible_through_the_gateway(head: Api) -> None:
    api = head
    # A far-future year so the demo year stays as seeded for the other tests.
    first = 2080 + uuid.uuid4().int % 15
    name = f"{first}-{first + 1}"
    made = api.post(
        "/api/v1/school-years", {"name": name, "start_date": f"{first}-09-05", "end_date": f"{first + 1}-05-31"}
    )
    assert made.status_code == 201, made.text
    year = made.json()
    assert [(s["term"], s["end_date"]) for s in year["semesters"]] == [
        (1, f"{first + 1}-01-17"),
        (2, f"{first + 1}-05-31"),
    ]
    assert [s["teaching_weeks"] for s in year["semesters"]] == [18, 17]

    edit = {
        "version": year["version"],
        "start_date": f"{first}-09-05",
        "end_date": f"{first + 1}-05-29",
        "hk1": {"start_date": f"{first}-09-05", "end_date": f"{first + 1}-01-16", "teaching_weeks": 18},
        "hk2": {"start_date": f"{first + 1}-01-17", "end_date": f"{first + 1}-05-29", "teaching_weeks": 17},
    }
    edited = put(api, f"/api/v1/school-years/{year['id']}", edit)
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == year["version"] + 1
    overlap = {**edit, "version": edited.json()["version"], "hk2": {**edit["hk2"], "start_date": f"{first + 1}-01-10"}}
    refused = put(api, f"/api/v1/school-years/{year['id']}", overlap)
    assert refused.status_code == 400
    assert "Học kỳ II phải bắt đầu sau khi học kỳ I kết thúc" in refused.json()["error"]["fields"]["hk2.start_date"]

    page = api.get(f"/school-years/{year['id']}")
    assert page.status_code == 200
    assert f'data-testid="year-end">29/05/{first + 1}<' in page.text
    assert f'data-testid="semester-2">17/01/{first + 1} – 29/05/{first + 1} (17 tuần thực học)<' in page.text

    # A class of that year, renamed with a room; the size limit is capped by the configured 35.
    cls = api.post("/api/v1/classes", {"school_year_id": year["id"], "name": "3S", "grade_level": 3})
    assert cls.status_code == 201, cls.text
    body = cls.json()
    too_big = put(api, f"/api/v1/classes/{body['id']}", {"version": 1, "name": "3S", "max_size": 36})
    assert too_big.status_code == 400
    assert too_big.json()["error"]["fields"]["max_size"] == "Sĩ số tối đa phải từ 1 đến 35"
    renamed = put(
        api, f"/api/v1/classes/{body['id']}", {"version": 1, "name": "3 Sao Mai", "room": "P.301", "max_size": 30}
    )
    assert renamed.status_code == 200, renamed.text
    listing = api.get("/classes", school_year_id=year["id"])
    assert 'data-testid="class-link">3 Sao Mai<' in listing.text
    assert 'data-testid="class-room">P.301<' in listing.text
    assert 'data-testid="class-size">0/30<' in listing.text

    # The homeroom teacher comes from identity's assignments: once identity has the class (from
    # students' events), a GVCN assignment shows on the class list next to the new name.
    account = next(a for a in api.items("/api/v1/accounts", page_size=200) if a["username"] == "gvcn")
    grant = {"user_id": account["id"], "role": "GVCN", "school_year_id": year["id"], "class_id": body["id"]}
    assert wait_until(lambda: api.post("/api/v1/assignments", grant).ok, timeout_s=60), "GVCN grant refused"
    shown = api.get("/classes", school_year_id=year["id"]).text
    assert re.search(
        r'class-link">3 Sao Mai<.*?data-testid="class-homeroom">' + re.escape(account["full_name"]) + "<", shown, re.S
    )


def test_class_list_shows_the_homeroom_teacher_of_the_demo_class(head: Api) -> None:
    years = head.get("/api/v1/school-years").json()["items"]
    year = next(y for y in years if y["name"] == current_school_year()[0])
    page = head.get("/classes", school_year_id=year["id"])
    assert page.status_code == 200
    rows = re.findall(r'data-testid="class-link">([^<]+)<.*?data-testid="class-homeroom">([^<]*)<', page.text, re.S)
    homeroom = dict(rows)
    assert homeroom["1A"] not in ("", "—")
    assert homeroom["2A"] == "—"
