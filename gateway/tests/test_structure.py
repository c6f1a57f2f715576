"""School structure through the gateway: years with semesters (pages with dd/mm/yyyy, JSON API), editing a
year and a class with versions, classes by grade with room and homeroom teacher (GVCN from identity)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient

from school.identity.v1 import access_pb2
from school.students.v1 import students_pb2


@pytest.fixture
def structure(upstreams) -> dict[str, str]:
    """A year with its semesters, two classes of grade 3 and one of grade 1, and a GVCN of 3A."""
    year = students_pb2.SchoolYear(
        school_year_id="y-2025", name="2025-2026", start_date="2025-09-05", end_date="2026-05-31", version=1
    )
    year.semesters.add(term=1, start_date="2025-09-05", end_date="2026-01-17", teaching_weeks=18)
    year.semesters.add(term=2, start_date="2026-01-18", end_date="2026-05-31", teaching_weeks=17)
    upstreams.students.years["y-2025"] = year
    for class_id, name, grade, room, size in [
        ("c-3a", "3A", 3, "P.203", 2),
        ("c-3b", "3B", 3, "", 0),
        ("c-1a", "1A", 1, "P.101", 0),
    ]:
        upstreams.students.classes[class_id] = students_pb2.SchoolClass(
            class_id=class_id,
            school_year_id="y-2025",
            name=name,
            grade_level=grade,
            max_size=35,
            size=size,
            room=room,
            version=1,
        )
    today = dt.date.today()
    upstreams.access.assignments.append(
        access_pb2.Assignment(
            assignment_id="a-gvcn-3a",
            user_id="u-gvcn",
            full_name="Phạm Thu Hà",
            role="GVCN",
            school_year_id="y-2025",
            scope_kind=access_pb2.SCOPE_KIND_CLASS,
            class_id="c-3a",
            starts_on=(today - dt.timedelta(days=30)).isoformat(),
            ends_on=(today + dt.timedelta(days=200)).isoformat(),
            granted_by="u-ht",
        )
    )
    return {"year": "y-2025", "3A": "c-3a", "3B": "c-3b", "1A": "c-1a"}


# --- JSON API ----------------------------------------------------------------------------------------------


def test_api_reads_a_year_with_its_semesters(client: FlaskClient, signed_in: str, structure) -> None:
    answer = client.get(f"/api/v1/school-years/{structure['year']}")
    assert answer.status_code == 200, answer.text
    body = answer.json
    assert (body["name"], body["version"]) == ("2025-2026", 1)
    assert body["semesters"] == [
        {"term": 1, "start_date": "2025-09-05", "end_date": "2026-01-17", "teaching_weeks": 18},
        {"term": 2, "start_date": "2026-01-18", "end_date": "2026-05-31", "teaching_weeks": 17},
    ]
    listed = client.get("/api/v1/school-years").json["items"]
    assert listed[0]["semesters"][1]["start_date"] == "2026-01-18"
    assert client.get("/api/v1/school-years/no-such-year").status_code == 404


def test_api_edits_a_year_with_a_version(client: FlaskClient, signed_in: str, structure, upstreams) -> None:
    h = {"X-CSRFToken": signed_in}
    body = {
        "version": 1,
        "start_date": "2025-09-05",
        "end_date": "2026-05-29",
        "hk1": {"start_date": "2025-09-05", "end_date": "2026-01-16", "teaching_weeks": 18},
        "hk2": {"start_date": "2026-01-17", "end_date": "2026-05-29", "teaching_weeks": 17},
    }
    answer = client.put(f"/api/v1/school-years/{structure['year']}", json=body, headers=h)
    assert answer.status_code == 200, answer.text
    assert (answer.json["end_date"], answer.json["version"]) == ("2026-05-29", 2)
    assert answer.json["semesters"][1]["start_date"] == "2026-01-17"
    assert upstreams.students.years["y-2025"].end_date == "2026-05-29"
    stale = client.put(f"/api/v1/school-years/{structure['year']}", json=body, headers=h)
    assert stale.status_code == 409
    assert (stale.json["error"]["code"], stale.json["error"]["message"]) == (
        "conflict",
        "Năm học đã được người khác sửa",
    )


def test_api_refuses_bad_year_edits_naming_the_field(client: FlaskClient, signed_in: str, structure) -> None:
    h = {"X-CSRFToken": signed_in}
    url = f"/api/v1/school-years/{structure['year']}"
    swapped = client.put(url, json={"version": 1, "start_date": "2026-05-31", "end_date": "2025-09-05"}, headers=h)
    assert swapped.status_code == 400
    assert "end_date" in swapped.json["error"]["fields"]
    bad_semester = client.put(
        url,
        json={"version": 1, "start_date": "2025-09-05", "end_date": "2026-05-31", "hk1": {"start_date": "x"}},
        headers=h,
    )
    assert bad_semester.status_code == 400
    fields = bad_semester.json["error"]["fields"]
    assert {"hk1.start_date", "hk1.end_date"} <= set(fields)
    overlap = {
        "version": 1,
        "start_date": "2025-09-05",
        "end_date": "2026-05-31",
        "hk1": {"start_date": "2025-09-05", "end_date": "2026-01-17"},
        "hk2": {"start_date": "2026-01-10", "end_date": "2026-05-31"},
    }
    refused = client.put(url, json=overlap, headers=h)
    assert refused.status_code == 400
    assert refused.json["error"]["fields"]["hk2.start_date"] == "Học kỳ II phải bắt đầu sau khi học kỳ I kết thúc"
    assert client.put(url, json={"start_date": "2025-09-05", "end_date": "2026-05-31"}, headers=h).status_code == 400


def test_api_edits_a_class(client: FlaskClient, signed_in: str, structure, upstreams) -> None:
    h = {"X-CSRFToken": signed_in}
    url = f"/api/v1/classes/{structure['3A']}"
    answer = client.put(url, json={"version": 1, "name": "3A1", "room": "P.204", "max_size": 30}, headers=h)
    assert answer.status_code == 200, answer.text
    assert (answer.json["name"], answer.json["room"], answer.json["max_size"], answer.json["version"]) == (
        "3A1",
        "P.204",
        30,
        2,
    )
    below = client.put(url, json={"version": 2, "name": "3A1", "max_size": 1}, headers=h)
    assert below.status_code == 400
    assert "sĩ số hiện tại (2 học sinh)" in below.json["error"]["fields"]["max_size"]
    duplicate = client.put(url, json={"version": 2, "name": "3B", "max_size": 30}, headers=h)
    assert duplicate.status_code == 409
    assert duplicate.json["error"]["fields"] == {"name": "Lớp 3B đã tồn tại"}
    too_big = client.put(url, json={"version": 2, "name": "3A1", "max_size": 61, "room": "x" * 31}, headers=h)
    assert too_big.status_code == 400
    assert set(too_big.json["error"]["fields"]) == {"max_size", "room"}
    assert (
        client.put("/api/v1/classes/no-such", json={"version": 1, "name": "X", "max_size": 30}, headers=h).status_code
        == 404
    )


def test_api_class_shows_its_homeroom_teacher(client: FlaskClient, signed_in: str, structure) -> None:
    body = client.get(f"/api/v1/classes/{structure['3A']}").json
    assert (body["room"], body["homeroom_teachers"]) == ("P.203", ["Phạm Thu Hà"])
    assert client.get(f"/api/v1/classes/{structure['3B']}").json["homeroom_teachers"] == []


def test_api_edits_need_the_write_permissions(client: FlaskClient, browser, structure, upstreams) -> None:
    token = browser.login(client, "gvbm")
    h = {"X-CSRFToken": token}
    assert client.put(f"/api/v1/classes/{structure['3A']}", json={}, headers=h).status_code == 403
    assert client.put(f"/api/v1/school-years/{structure['year']}", json={}, headers=h).status_code == 403
    assert "UpdateClass" not in upstreams.recorder.methods()
    assert "UpdateSchoolYear" not in upstreams.recorder.methods()


# --- Pages -------------------------------------------------------------------------------------------------


def test_years_page_shows_semesters_and_creates_with_vietnamese_dates(
    client: FlaskClient, browser, signed_in: str, structure, upstreams
) -> None:
    page = client.get("/school-years")
    assert page.status_code == 200
    assert 'data-testid="semester-1">05/09/2025 – 17/01/2026 (18 tuần thực học)<' in page.text
    assert "Học kỳ II" in page.text
    made = client.post(
        "/school-years",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "name": "2026-2027",
            "start_date": "05/09/2026",
            "end_date": "31/05/2027",
        },
        follow_redirects=True,
    )
    assert "Đã tạo năm học." in made.text
    [created] = [y for y in upstreams.students.years.values() if y.name == "2026-2027"]
    assert (created.start_date, created.end_date) == ("2026-09-05", "2027-05-31")
    half = client.post(
        "/school-years",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "name": "2027-2028",
            "start_date": "05/09/2027",
            "end_date": "31/02/2028",
            "hk1_start_date": "05/09/2027",
        },
    )
    assert half.status_code == 400
    assert 'data-testid="end_date-error">Ngày không hợp lệ (định dạng dd/mm/yyyy)<' in half.text
    for missing in ("hk1_end_date", "hk2_start_date", "hk2_end_date"):
        assert f'data-testid="{missing}-error"' in half.text


def test_year_edit_page(client: FlaskClient, browser, signed_in: str, structure, upstreams) -> None:
    page = client.get(f"/school-years/{structure['year']}")
    assert page.status_code == 200
    assert "Năm học 2025-2026" in page.text
    assert 'id="hk1_end_date" name="hk1_end_date" type="text" value="17/01/2026"' in page.text
    form = {
        "csrf_token": browser.form_csrf(page.text),
        "version": "1",
        "start_date": "05/09/2025",
        "end_date": "31/05/2026",
        "hk1_start_date": "05/09/2025",
        "hk1_end_date": "17/01/2026",
        "hk1_teaching_weeks": "18",
        "hk2_start_date": "10/01/2026",
        "hk2_end_date": "31/05/2026",
        "hk2_teaching_weeks": "17",
    }
    refused = client.post(f"/school-years/{structure['year']}", data=form)
    assert refused.status_code == 400
    assert 'data-testid="hk2_start_date-error">Học kỳ II phải bắt đầu sau khi học kỳ I kết thúc<' in refused.text
    form["hk2_start_date"] = "18/01/2026"
    form["end_date"] = "29/05/2026"
    form["hk2_end_date"] = "29/05/2026"
    saved = client.post(f"/school-years/{structure['year']}", data=form, follow_redirects=True)
    assert saved.status_code == 200
    assert "Đã lưu năm học." in saved.text
    assert 'data-testid="year-end">29/05/2026<' in saved.text
    stale = client.post(f"/school-years/{structure['year']}", data=form)
    assert stale.status_code == 400
    assert "Năm học đã được người khác sửa" in stale.text
    assert client.get("/school-years/no-such-year").status_code == 404


def test_classes_page_groups_by_grade_with_room_and_homeroom_teacher(
    client: FlaskClient, signed_in: str, structure
) -> None:
    page = client.get("/classes", query_string={"school_year_id": structure["year"]})
    assert page.status_code == 200
    assert re.findall(r'data-testid="grade-heading">([^<]+)<', page.text) == ["Khối 1", "Khối 3"]
    assert 'data-testid="class-homeroom">Phạm Thu Hà<' in page.text
    assert 'data-testid="class-room">P.203<' in page.text
    assert 'data-testid="class-size">2/35<' in page.text
    detail = client.get(f"/classes/{structure['3A']}")
    assert 'data-testid="class-homeroom">Phạm Thu Hà<' in detail.text
    assert 'data-testid="class-edit-link"' in detail.text


def test_class_edit_page(client: FlaskClient, browser, signed_in: str, structure, upstreams) -> None:
    page = client.get(f"/classes/{structure['3A']}/edit")
    assert page.status_code == 200
    assert "Sửa lớp 3A" in page.text
    form = {"csrf_token": browser.form_csrf(page.text), "version": "1", "name": "3A", "room": "P.9", "max_size": "1"}
    below = client.post(f"/classes/{structure['3A']}/edit", data=form)
    assert below.status_code == 400
    assert "Sĩ số tối đa không được nhỏ hơn sĩ số hiện tại (2 học sinh)" in below.text
    form["max_size"] = "30"
    form["name"] = "3 Hoa Mai"
    saved = client.post(f"/classes/{structure['3A']}/edit", data=form, follow_redirects=True)
    assert "Đã lưu lớp." in saved.text
    assert 'data-testid="class-title">Lớp 3 Hoa Mai<' in saved.text
    assert 'data-testid="class-room">P.9<' in saved.text
    assert upstreams.students.classes["c-3a"].version == 2


def test_homeroom_column_is_left_out_for_callers_without_assignment_read(
    client: FlaskClient, browser, structure, upstreams
) -> None:
    browser.login(client, "gvbm")
    page = client.get("/classes", query_string={"school_year_id": structure["year"]})
    assert page.status_code == 200
    assert 'data-testid="class-homeroom"' not in page.text
    assert 'data-testid="class-room">P.203<' in page.text
    assert 'data-testid="class-edit"' not in page.text
    assert "ListAssignments" not in upstreams.recorder.methods()
    assert client.get(f"/classes/{structure['3A']}/edit").status_code == 403


def test_out_of_range_numbers_are_refused_not_crashing(client: FlaskClient, signed_in: str, structure) -> None:
    h = {"X-CSRFToken": signed_in}
    huge = 2**70
    year = client.put(
        f"/api/v1/school-years/{structure['year']}",
        json={"version": huge, "start_date": "2025-09-05", "end_date": "2026-05-31"},
        headers=h,
    )
    assert year.status_code == 400
    assert "version" in year.json["error"]["fields"]
    cls = client.put(
        f"/api/v1/classes/{structure['3A']}", json={"version": huge, "name": "3A", "max_size": 30}, headers=h
    )
    assert cls.status_code == 400
    assert "version" in cls.json["error"]["fields"]


def test_teaching_weeks_without_semester_dates_ask_for_the_dates(
    client: FlaskClient, browser, signed_in: str, structure
) -> None:
    page = client.get("/school-years")
    answer = client.post(
        "/school-years",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "name": "2026-2027",
            "start_date": "05/09/2026",
            "end_date": "31/05/2027",
            "hk1_teaching_weeks": "18",
        },
    )
    assert answer.status_code == 400
    assert 'data-testid="hk1_start_date-error"' in answer.text


def test_pages_have_english_entries(client: FlaskClient, signed_in: str, structure) -> None:
    years = client.get("/school-years?lang=en")
    assert "Semester 1" in years.text
    assert "18 teaching weeks" in years.text
    edit = client.get(f"/classes/{structure['3A']}/edit?lang=en")
    assert "Edit class 3A" in edit.text
    assert "Homeroom teacher" in edit.text
    back = client.get("/school-years?lang=vi")
    assert "Học kỳ I" in back.text


def test_taken_names_name_the_field(client: FlaskClient, browser, signed_in: str, structure) -> None:
    h = {"X-CSRFToken": signed_in}
    body = {"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"}
    year = client.post("/api/v1/school-years", json=body, headers=h)
    assert year.status_code == 409
    assert year.json["error"]["fields"] == {"name": "Năm học 2025-2026 đã tồn tại"}
    cls = client.post("/api/v1/classes", json={"school_year_id": "y-2025", "name": "3A", "grade_level": 3}, headers=h)
    assert cls.status_code == 409
    assert "3A" in cls.json["error"]["fields"]["name"]
    page = client.get("/classes")
    form = client.post(
        "/classes",
        data={"csrf_token": browser.form_csrf(page.text), "school_year_id": "y-2025", "name": "3A", "grade_level": "3"},
    )
    assert form.status_code == 400
    assert 'data-testid="name-error">Lớp 3A đã tồn tại trong năm học<' in form.text
