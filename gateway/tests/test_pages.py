"""The server-rendered pages, driven like a browser: sign in → year → class → enrol → roster."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def _ids(html: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}" data-id="([^"]+)"', html)


def test_the_whole_slice_through_pages(client: FlaskClient, browser, upstreams) -> None:
    # Anonymous visit: to the sign-in page, in Vietnamese.
    start = client.get("/", follow_redirects=True)
    assert "<title>Đăng nhập — Trường Tiểu học Trung Vương</title>" in start.text
    step = client.post(
        "/signin",
        data={"csrf_token": browser.form_csrf(start.text), "username": "hieutruong", "password": "TrungVuong@2026"},
        follow_redirects=True,
    )
    assert "<title>Nhập mã xác thực — Trường Tiểu học Trung Vương</title>" in step.text
    signed = client.post(
        "/signin/mfa",
        data={"csrf_token": browser.form_csrf(step.text), "totp_code": browser.code()},
        follow_redirects=True,
    )
    assert 'data-testid="greeting"' in signed.text
    assert 'data-testid="card-classes"' in signed.text

    # School year.
    years = client.get("/school-years")
    assert "Chưa có năm học nào." in years.text
    created = client.post(
        "/school-years",
        data={
            "csrf_token": browser.form_csrf(years.text),
            "name": "2025-2026",
            "start_date": "2025-09-05",
            "end_date": "2026-05-31",
        },
        follow_redirects=True,
    )
    assert "Đã tạo năm học." in created.text
    assert "05/09/2025" in created.text
    assert "31/05/2026" in created.text
    [year_id] = _ids(created.text, "school-year-row")

    # Class.
    classes = client.get("/classes")
    made = client.post(
        "/classes",
        data={
            "csrf_token": browser.form_csrf(classes.text),
            "school_year_id": year_id,
            "name": "3A",
            "grade_level": "3",
            "max_size": "",
        },
        follow_redirects=True,
    )
    assert "Đã tạo lớp." in made.text
    assert 'data-testid="class-size">0/35<' in made.text
    [class_id] = _ids(made.text, "class-row")

    # Class page and enrolment.
    page = client.get(f"/classes/{class_id}")
    assert "Lớp 3A" in page.text
    assert "Lớp chưa có học sinh nào." in page.text
    assert 'id="roster-link"' in page.text
    enrolled = client.post(
        f"/classes/{class_id}",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "idempotency_key": "k-1",
            "full_name": "  Phan Thị   Kiều Oanh ",
            "date_of_birth": "2017-06-15",
            "gender": "female",
        },
        follow_redirects=True,
    )
    assert "Đã tiếp nhận học sinh vào lớp." in enrolled.text
    assert 'data-testid="student-name">Phan Thị Kiều Oanh<' in enrolled.text
    assert 'data-testid="student-dob">15/06/2017<' in enrolled.text
    assert "<td>Nữ</td>" in enrolled.text
    assert 'data-testid="class-size">1/35<' in enrolled.text

    # Roster from grades: this is what proves the event path in the real system.
    roster = client.get(f"/classes/{class_id}/roster")
    assert "Danh sách lớp (sổ điểm)" in roster.text
    assert 'data-testid="roster-name">Phan Thị Kiều Oanh<' in roster.text
    assert "15/06/2017" in roster.text
    assert "ListRoster" in upstreams.recorder.methods()


def test_a_double_submitted_enrol_form_enrols_once(client: FlaskClient, signed_in: str, browser, upstreams) -> None:
    h = {"X-CSRFToken": signed_in}
    year = client.post(
        "/api/v1/school-years",
        json={"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"},
        headers=h,
    ).json
    cls = client.post(
        "/api/v1/classes", json={"school_year_id": year["id"], "name": "1A", "grade_level": 1}, headers=h
    ).json
    page = client.get(f"/classes/{cls['id']}")
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.text)
    assert key
    form = {
        "csrf_token": browser.form_csrf(page.text),
        "idempotency_key": key.group(1),
        "full_name": "Lê Minh An",
        "date_of_birth": "2019-01-02",
        "gender": "male",
    }
    assert client.post(f"/classes/{cls['id']}", data=form).status_code == 303
    assert client.post(f"/classes/{cls['id']}", data=form).status_code == 303
    assert len(upstreams.students.students) == 1


def test_enrol_into_unknown_class_is_a_404_page(client: FlaskClient, signed_in: str, browser) -> None:
    page = client.get("/")
    response = client.post(
        "/classes/no-such-class",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "full_name": "Lê Minh An",
            "date_of_birth": "2019-01-02",
            "gender": "male",
        },
    )
    assert response.status_code == 404
    assert "Lớp không tồn tại" in response.text


def test_layout_is_accessible_and_phone_ready(client: FlaskClient, signed_in: str) -> None:
    html = client.get("/school-years").text
    assert '<html lang="vi">' in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    # Every visible input has a label pointing at it.
    inputs = re.findall(r'<input id="([^"]+)"', html)
    assert inputs
    for input_id in inputs:
        assert f'<label for="{input_id}">' in html
    assert 'aria-current="page"' in html  # the menu marks where the user is
    css = client.get("/static/css/app.css")
    assert css.status_code == 200
    assert "@media" in css.text


def test_sign_out_is_a_post_form_with_csrf(client: FlaskClient, signed_in: str) -> None:
    html = client.get("/").text
    form = re.search(r'<form method="post" action="/signout"[^>]*>\s*<input type="hidden" name="csrf_token"', html)
    assert form


def test_dashboard_survives_a_students_outage(client: FlaskClient, signed_in: str, upstreams) -> None:
    import grpc

    upstreams.students.fail_with = grpc.StatusCode.INTERNAL
    page = client.get("/")
    assert page.status_code == 200
    assert 'data-testid="dashboard-incomplete"' in page.text
