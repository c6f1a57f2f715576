""" "Hồ sơ CBGVNV": list with completeness, the citizen id only with the capability (S3), dd/mm/yyyy forms,
field errors from identity, Excel import (row errors, dry run, all-or-nothing), export behind step-up, departments."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from flask.testing import FlaskClient

CITIZEN_ID = "001075012345"  # the principal's own record in the fake


def workbook(rows: list[list[str]], padding: int = 0) -> bytes:
    """The fake identity's stand-in for an .xlsx: a ZIP container holding rows.csv (and padding, uncompressed)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["Mã cán bộ", "Họ và tên", "Điện thoại"])
    writer.writerows(rows)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("rows.csv", text.getvalue())
        if padding:
            book.writestr("padding.bin", b"\0" * padding, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


# --- List -------------------------------------------------------------------------------------------------------


def test_list_shows_completeness_and_the_school_wide_share(client: FlaskClient, browser) -> None:
    browser.login(client, "vanphong")
    page = client.get("/staff")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Hồ sơ CBGVNV</h1>" in html
    assert 'data-testid="staff-share" data-complete="1" data-total="3"' in html
    assert "1/3 hồ sơ đã đầy đủ (33%)." in html
    badges = re.findall(r'data-testid="completeness" data-complete="(true|false)"', html)
    assert sorted(badges) == ["false", "false", "true"]
    assert "Thiếu 1 mục" in html  # the subject teacher has no phone yet
    assert 'title="Số điện thoại"' in html
    assert 'data-testid="nav-staff"' in html


def test_list_filters_by_department_and_incomplete(client: FlaskClient, browser) -> None:
    browser.login(client, "vanphong")
    only_3 = client.get("/staff?department_id=d-3").text
    assert re.findall(r'data-testid="staff-row" data-id="([^"]+)"', only_3) == ["s-gvbm"]
    incomplete = client.get("/staff?incomplete=1").text
    assert sorted(re.findall(r'data-testid="staff-row" data-id="([^"]+)"', incomplete)) == ["s-gvbm", "s-vp"]
    assert 'id="filter-incomplete" data-testid="filter-incomplete" checked' in incomplete


def test_list_api(client: FlaskClient, browser) -> None:
    browser.login(client, "vanphong")
    body = client.get("/api/v1/staff?incomplete_only=true").json
    assert body["total"] == 3
    assert body["complete"] == 1
    assert {r["id"] for r in body["items"]} == {"s-gvbm", "s-vp"}
    assert all("citizen_id" not in r for r in body["items"])


@pytest.mark.parametrize("username", ["hieutruong", "vanphong"])
def test_lists_never_carry_citizen_ids(client: FlaskClient, browser, upstreams, username: str) -> None:
    upstreams.staff.leak_sensitive = True  # even if the service got it wrong
    browser.login(client, username)
    assert CITIZEN_ID not in client.get("/staff").text
    assert CITIZEN_ID not in client.get("/api/v1/staff").text


# --- S3: the citizen id ----------------------------------------------------------------------------------------


def test_citizen_id_is_hidden_without_the_capability(client: FlaskClient, browser, upstreams) -> None:
    upstreams.staff.leak_sensitive = True  # a service mistake must not reach the office
    token = browser.login(client, "vanphong")
    page = client.get("/staff/s-ht")
    assert page.status_code == 200
    assert CITIZEN_ID not in page.text
    assert 'id="citizen_id"' not in page.text  # no input either
    api = client.get("/api/v1/staff/s-ht")
    assert "citizen_id" not in api.json
    assert CITIZEN_ID not in api.text
    # Nor may the office write one (mass assignment through the API or a hand-made form).
    refused = client.post(
        "/api/v1/staff",
        json={"full_name": "Lê Thị Mới", "citizen_id": "001190054321"},
        headers={"X-CSRFToken": token},
    )
    assert refused.status_code == 403
    assert refused.json["error"]["fields"] == {"citizen_id": "Bạn không được nhập số CCCD."}
    form = client.post(
        "/staff/new",
        data={"csrf_token": browser.form_csrf(page.text), "full_name": "Lê Thị Mới", "citizen_id": "001190054321"},
    )
    assert form.status_code == 403
    assert "CreateStaff" not in upstreams.recorder.methods()


def test_citizen_id_is_shown_to_the_principal(client: FlaskClient, browser) -> None:
    browser.login(client)
    page = client.get("/staff/s-ht")
    assert f'id="citizen_id" name="citizen_id" type="text" value="{CITIZEN_ID}"' in page.text
    assert client.get("/api/v1/staff/s-ht").json["citizen_id"] == CITIZEN_ID


@pytest.mark.parametrize("field", ["school_id", "user_id", "role", "missing_fields"])
def test_mass_assignment_is_refused(client: FlaskClient, browser, upstreams, field: str) -> None:
    token = browser.login(client)
    response = client.post(
        "/api/v1/staff", json={"full_name": "Lê Thị Mới", field: "x"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400
    assert field in response.json["error"]["fields"]
    assert "CreateStaff" not in upstreams.recorder.methods()


# --- Create and edit ----------------------------------------------------------------------------------------------


def test_create_with_every_field_dates_as_dd_mm_yyyy(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    form = client.get("/staff/new")
    assert form.status_code == 200
    for name in (
        "full_name",
        "staff_code",
        "date_of_birth",
        "gender",
        "citizen_id",
        "position",
        "qualification",
        "phone",
        "email",
        "address",
        "start_date",
        "department_id",
        "employment_status",
        "create_account_username",
    ):
        assert f'id="{name}"' in form.text, name
    assert 'placeholder="dd/mm/yyyy"' in form.text
    created = client.post(
        "/staff/new",
        data={
            "csrf_token": browser.form_csrf(form.text),
            "full_name": "Lê Thị Hồng",
            "staff_code": "GV020",
            "date_of_birth": "05/09/1992",
            "gender": "female",
            "citizen_id": "001192000111",
            "position": "GV",
            "qualification": "Đại học Sư phạm Tiểu học",
            "phone": "0912333444",
            "email": "hong@truong.edu.vn",
            "address": "5 Lê Lợi",
            "start_date": "01/09/2020",
            "department_id": "d-45",
            "employment_status": "active",
            "create_account_username": "hong.le",
        },
    )
    # A sign-in account was made too: its one-time code is shown in this answer only.
    assert created.status_code == 201
    code = re.search(r'data-testid="one-time-code">([^<]+)<', created.text)
    assert code
    assert upstreams.identity.accounts["hong.le"].password == code.group(1)
    [record] = [r for r in upstreams.staff.records.values() if r.staff_code == "GV020"]
    assert (record.date_of_birth, record.start_date) == ("1992-09-05", "2020-09-01")
    assert record.citizen_id == "001192000111"
    assert list(record.missing_fields) == []
    shown = client.get(f"/staff/{record.staff_id}").text
    assert 'value="05/09/1992"' in shown
    assert 'data-testid="completeness" data-complete="true"' in shown


def test_form_errors_from_the_gateway_and_from_identity(client: FlaskClient, browser) -> None:
    browser.login(client)
    form = client.get("/staff/new")
    token = browser.form_csrf(form.text)
    local = client.post(
        "/staff/new",
        data={
            "csrf_token": token,
            "full_name": "Lê Thị Hồng",
            "date_of_birth": "1992-09-05",
            "citizen_id": "001092000111",
            "gender": "female",
            "phone": "12",
        },
    )
    assert local.status_code == 400
    assert 'data-testid="date_of_birth-error">Ngày không hợp lệ (định dạng dd/mm/yyyy)<' in local.text
    assert 'data-testid="phone-error">Vui lòng nhập số di động 10 chữ số bắt đầu bằng 0<' in local.text
    mismatch = client.post(
        "/staff/new",
        data={
            "csrf_token": token,
            "full_name": "Lê Thị Hồng",
            "date_of_birth": "05/09/1992",
            "gender": "male",
            "citizen_id": "001192000111",
        },
    )
    assert 'data-testid="citizen_id-error">Số CCCD không khớp với ngày sinh hoặc giới tính<' in mismatch.text
    # identity's BadRequest names "record.full_name": shown next to the full name field.
    remote = client.post("/staff/new", data={"csrf_token": token, "full_name": "Hồng", "employment_status": "active"})
    assert remote.status_code == 400
    assert 'data-testid="full_name-error">Họ và tên phải có ít nhất hai từ<' in remote.text
    assert 'value="Hồng"' in remote.text  # what was typed stays


def test_edit_keeps_the_version_and_reports_conflicts(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client, "vanphong")
    page = client.get("/staff/s-gvbm")
    assert 'name="version" value="3"' in page.text
    data = {
        "csrf_token": browser.form_csrf(page.text),
        "version": "3",
        "full_name": "Trần Thị Bích",
        "staff_code": "GV012",
        "date_of_birth": "15/07/1990",
        "gender": "female",
        "position": "GV",
        "phone": "0912777888",
        "department_id": "d-3",
        "employment_status": "active",
    }
    saved = client.post("/staff/s-gvbm", data=data)
    assert saved.status_code == 303
    record = upstreams.staff.records["s-gvbm"]
    assert record.phone == "0912777888"
    assert record.citizen_id == "001190054321"  # the office cannot see it, and saving did not wipe it
    again = client.post("/staff/s-gvbm", data=data)  # the same, stale version
    assert again.status_code == 400
    assert "Hồ sơ vừa được người khác sửa. Hãy tải lại trang." in again.text


def test_update_api(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client)
    body = {"full_name": "Trần Thị Bích", "date_of_birth": "1990-07-15", "version": 3, "phone": "0912777888"}
    response = client.put("/api/v1/staff/s-gvbm", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.text
    assert response.json["version"] == 4
    stale = client.put("/api/v1/staff/s-gvbm", json=body, headers={"X-CSRFToken": token})
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "conflict"


def test_reader_without_write_sees_no_form(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    upstreams.identity.accounts["gvbm"].permissions = frozenset({"identity:me:read", "identity:staff:read"})
    other = client.application.test_client()
    browser.login(other, "gvbm")
    page = other.get("/staff/s-ht")
    assert page.status_code == 200
    assert 'id="staff-form"' not in page.text
    assert 'data-testid="staff-facts"' in page.text
    assert CITIZEN_ID not in page.text
    assert other.get("/staff/new").status_code == 403


# --- Excel import ------------------------------------------------------------------------------------------------


def test_import_shows_a_row_by_row_error_table_and_writes_nothing(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client, "vanphong")
    page = client.get("/staff/import")
    assert 'enctype="multipart/form-data"' in page.text
    before = dict(upstreams.staff.records)
    response = client.post(
        "/staff/import",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "action": "import",
            "workbook": (io.BytesIO(workbook([["GV030", "Ngô Văn Tám", "0912"], ["GV031", "Tám", ""]])), "hs.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert '<th scope="col">Dòng</th><th scope="col">Cột</th><th scope="col">Lỗi</th>' in response.text
    rows = re.findall(
        r'<tr data-testid="import-error"><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>', response.text
    )
    assert rows == [("2", "Điện thoại", "Số điện thoại không hợp lệ"), ("3", "Họ và tên", "Họ và tên phải có hai từ")]
    assert "Chưa ghi dữ liệu nào: tệp có 2 lỗi." in response.text
    assert upstreams.staff.records == before


def test_import_check_then_import(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client, "vanphong")
    page = client.get("/staff/import")
    book = workbook([["GV030", "Ngô Văn Tám", "0912000333"], ["GV012", "Trần Thị Bích", "0912000444"]])
    checked = client.post(
        "/staff/import",
        data={"csrf_token": browser.form_csrf(page.text), "action": "check", "workbook": (io.BytesIO(book), "a.xlsx")},
        content_type="multipart/form-data",
    )
    assert checked.status_code == 200
    assert 'data-testid="import-checked"' in checked.text
    assert upstreams.staff.imports[-1].dry_run is True
    assert len(upstreams.staff.records) == 3
    done = client.post(
        "/staff/import",
        data={"csrf_token": browser.form_csrf(page.text), "action": "import", "workbook": (io.BytesIO(book), "a.xlsx")},
        content_type="multipart/form-data",
    )
    assert "Đã nhập: 1 hồ sơ mới, 1 hồ sơ được cập nhật." in done.text
    assert len(upstreams.staff.records) == 4


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"plain text", "a.xlsx", "Vui lòng chọn tệp Excel (.xlsx)"),
        (b"PK\x03\x04zip", "a.csv", "Vui lòng chọn tệp Excel (.xlsx)"),
        (b"", "a.xlsx", "Tệp trống"),
    ],
)
def test_import_refuses_what_is_not_a_workbook(
    client: FlaskClient, browser, upstreams, content: bytes, name: str, message: str
) -> None:
    browser.login(client, "vanphong")
    page = client.get("/staff/import")
    response = client.post(
        "/staff/import",
        data={"csrf_token": browser.form_csrf(page.text), "workbook": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in response.text
    assert "ImportStaff" not in upstreams.recorder.methods()


def test_import_accepts_files_over_a_megabyte_but_not_over_five(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client, "vanphong")
    big = workbook([["GV030", "Ngô Văn Tám", "0912000333"]], padding=2 * 1024 * 1024)
    ok = client.post(
        "/api/v1/staff/import?dry_run=true",
        data={"workbook": (io.BytesIO(big), "big.xlsx")},
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 200, ok.text
    assert ok.json == {"dry_run": True, "written": False, "created": 0, "updated": 0, "errors": []}
    huge = b"PK\x03\x04" + b"\0" * (6 * 1024 * 1024)
    too_big = client.post(
        "/api/v1/staff/import",
        data={"workbook": (io.BytesIO(huge), "huge.xlsx")},
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",
    )
    assert too_big.status_code == 413
    # Elsewhere the 1 MB limit stands.
    assert (
        client.post("/api/v1/staff", data=b"x" * (2 * 1024 * 1024), headers={"X-CSRFToken": token}).status_code == 413
    )


def test_import_api_reports_row_errors(client: FlaskClient, browser) -> None:
    token = browser.login(client, "vanphong")
    response = client.post(
        "/api/v1/staff/import",
        data={"workbook": (io.BytesIO(workbook([["GV030", "Tám", ""]])), "a.xlsx")},
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert response.json["written"] is False
    assert response.json["errors"] == [{"row": 2, "column": "Họ và tên", "message": "Họ và tên phải có hai từ"}]


# --- Export ----------------------------------------------------------------------------------------------------------


def test_export_without_citizen_ids_downloads_at_once(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client, "vanphong")
    page = client.get("/staff/export")
    assert 'id="include_sensitive"' not in page.text  # the office may not include them
    response = client.post("/staff/export", data={"csrf_token": browser.form_csrf(page.text)})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.data.startswith(b"PK")
    assert "attachment" in response.headers["Content-Disposition"]
    assert "2026.xlsx" in response.headers["Content-Disposition"]
    assert "/" not in response.headers["Content-Disposition"].split("filename=")[1]
    assert upstreams.staff.exports[-1].include_sensitive is False


def test_export_with_citizen_ids_needs_a_step_up(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client)
    page = client.get("/staff/export")
    assert 'id="include_sensitive"' in page.text
    response = client.post("/staff/export", data={"csrf_token": browser.form_csrf(page.text), "include_sensitive": "1"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/step-up?next=/staff/export?sensitive%3D1"
    assert "ExportStaff" not in upstreams.recorder.methods()
    step = client.get(response.headers["Location"])
    back = client.post(
        "/step-up",
        data={
            "csrf_token": browser.form_csrf(step.text),
            "totp_code": browser.code(),
            "next": "/staff/export?sensitive=1",
        },
    )
    assert back.headers["Location"] == "/staff/export?sensitive=1"
    again = client.get(back.headers["Location"])
    assert 'data-testid="include-sensitive" checked' in again.text
    download = client.post(
        "/staff/export", data={"csrf_token": browser.form_csrf(again.text), "include_sensitive": "1"}
    )
    assert download.status_code == 200
    assert upstreams.staff.exports[-1].include_sensitive is True


def test_export_api_with_citizen_ids_needs_a_step_up(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client)
    h = {"X-CSRFToken": token}
    refused = client.post("/api/v1/staff/export", json={"include_sensitive": True}, headers=h)
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "step_up_required"
    assert "ExportStaff" not in upstreams.recorder.methods()
    browser.step_up(client, token)
    allowed = client.post("/api/v1/staff/export", json={"include_sensitive": True}, headers=h)
    assert allowed.status_code == 200
    office = client.application.test_client()
    office_token = browser.login(office, "vanphong")
    denied = office.post(
        "/api/v1/staff/export", json={"include_sensitive": True}, headers={"X-CSRFToken": office_token}
    )
    assert denied.status_code == 403
    assert denied.json["error"]["code"] == "permission_denied"


# --- Departments ----------------------------------------------------------------------------------------------------


def test_departments_list_and_create(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client, "vanphong")
    page = client.get("/departments")
    assert "Tổ 4-5" in page.text
    created = client.post(
        "/departments", data={"csrf_token": browser.form_csrf(page.text), "name": "Tổ Tiếng Anh"}, follow_redirects=True
    )
    assert "Đã tạo tổ chuyên môn." in created.text
    assert "Tổ Tiếng Anh" in created.text
    taken = client.post("/departments", data={"csrf_token": browser.form_csrf(page.text), "name": "Tổ 3"})
    assert taken.status_code == 400
    assert "Tổ Tổ 3 đã tồn tại" in taken.text
    api = client.post("/api/v1/departments", json={"name": "Tổ 1"}, headers={"X-CSRFToken": token})
    assert api.status_code == 201
    assert api.json["name"] == "Tổ 1"
    names = [d["name"] for d in client.get("/api/v1/departments").json["items"]]
    assert "Tổ 1" in names


def test_department_grade_levels_set_from_the_page_and_the_api(client: FlaskClient, browser, upstreams) -> None:
    token = browser.login(client, "vanphong")
    page = client.get("/departments")
    assert "Khối 4, 5" in page.text  # Tổ 4-5 covers grades 4 and 5
    assert "tổ trưởng của tổ này chưa theo dõi lớp nào" in page.text  # the others cover none yet
    saved = client.post(
        "/departments/d-3/grade-levels",
        data={"csrf_token": browser.form_csrf(page.text), "grade_levels": ["3", "2"]},
        follow_redirects=True,
    )
    assert "Đã lưu các khối lớp của tổ chuyên môn." in saved.text
    assert upstreams.staff.department_grades["d-3"] == [2, 3]
    bad = client.post(
        "/departments/d-3/grade-levels", data={"csrf_token": browser.form_csrf(page.text), "grade_levels": ["7"]}
    )
    assert bad.status_code == 400
    assert "Khối lớp phải từ 1 đến 5." in bad.text
    assert upstreams.staff.department_grades["d-3"] == [2, 3]  # nothing changed
    missing = client.post(
        "/departments/d-x/grade-levels", data={"csrf_token": browser.form_csrf(page.text), "grade_levels": ["1"]}
    )
    assert missing.status_code == 400
    assert "Không tìm thấy" in missing.text
    api = client.put(
        "/api/v1/departments/d-bgh/grade-levels", json={"grade_levels": [1]}, headers={"X-CSRFToken": token}
    )
    assert api.status_code == 200
    assert api.json == {"id": "d-bgh", "name": "Ban giám hiệu", "grade_levels": [1]}
    refused = client.put(
        "/api/v1/departments/d-bgh/grade-levels", json={"grade_levels": [0]}, headers={"X-CSRFToken": token}
    )
    assert refused.status_code == 400
    assert refused.json["error"]["fields"] == {"grade_levels.0": "Khối lớp phải từ 1 đến 5."}
    listed = {d["id"]: d["grade_levels"] for d in client.get("/api/v1/departments").json["items"]}
    assert listed == {"d-bgh": [1], "d-3": [2, 3], "d-45": [4, 5]}


def test_staff_pages_in_english(client: FlaskClient, browser) -> None:
    browser.login(client)
    html = client.get("/staff?lang=en").text
    assert "<h1>Staff records</h1>" in html
    assert "1 of 3 records complete (33%)." in html
    assert "<h1>Import staff records from Excel</h1>" in client.get("/staff/import").text


def test_home_page_shows_how_many_records_are_complete(client: FlaskClient, browser) -> None:
    browser.login(client, "vanphong")
    card = re.search(r'data-testid="card-staff-complete">(.*?)</li>', client.get("/").text, re.S)
    assert card
    assert '<span class="value">1/3</span>' in card.group(1)
    assert "Hồ sơ CBGVNV đầy đủ" in card.group(1)
