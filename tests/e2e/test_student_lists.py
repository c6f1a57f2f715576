"""Student lists in Excel through the whole system: the template, an import with one bad row that
writes nothing, a good import that reaches grades' roster through events, the page in Vietnamese,
and an export behind a step-up that reads back as the same list."""

from __future__ import annotations

import io
import uuid

import pytest
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]

from school_students.app.student_sheet import HEADERS
from tests.stack import Api, Stack, demo_totp, spend_current_step, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def workbook(rows: list[dict[str, object]]) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "HocSinh"
    ws.append(list(HEADERS))
    for values in rows:
        ws.append([values.get(h) for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fresh_year(api: Api) -> tuple[str, dict[str, str]]:
    """A year of its own, so the import never meets other tests' pupils. The pupils are born in 2019
    and must be 5 to 14 when it starts: 2027 to 2033 (the demo's year is the current one)."""
    for _ in range(30):
        start = 2027 + uuid.uuid4().int % 7
        r = api.post(
            "/api/v1/school-years",
            {"name": f"{start}-{start + 1}", "start_date": f"{start}-09-05", "end_date": f"{start + 1}-05-31"},
        )
        if r.status_code != 409:
            break
    assert r.status_code == 201, r.text
    year = r.json()
    classes = {}
    for name in ("1A", "1B"):
        made = api.create(
            "/api/v1/classes", {"school_year_id": year["id"], "name": name, "grade_level": 1, "max_size": 35}
        )
        classes[name] = made["id"]
    return year["id"], classes


def upload(api: Api, year_id: str, data: bytes, dry_run: bool = False) -> dict:
    r = api.http.post(
        f"{api.base}/api/v1/students/import",
        params={"dry_run": str(dry_run).lower()},
        data={"school_year_id": year_id},
        files={"workbook": ("danh-sach.xlsx", data, "application/octet-stream")},
        headers={"X-CSRFToken": api.csrf},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_template_download(head: Api) -> None:
    r = head.get("/api/v1/students/import-template")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames[:2] == ["HocSinh", "HuongDan"]
    assert [c.value for c in book["HocSinh"][1]] == list(HEADERS)


def test_one_bad_row_writes_nothing_then_the_corrected_file_reaches_grades(head: Api) -> None:
    year_id, classes = fresh_year(head)
    rows: list[dict[str, object]] = [
        {"Họ và tên": "Đinh Văn Khôi", "Ngày sinh (dd/mm/yyyy)": "03/04/2019", "Giới tính (Nam/Nữ)": "Nam", "Lớp": "1A",
         "Họ tên mẹ": "Đinh Thị Hạnh", "Điện thoại mẹ": "0912000111"},
        {"Họ và tên": "Mạc Thị Lụa", "Ngày sinh (dd/mm/yyyy)": "12/12/2019", "Giới tính (Nam/Nữ)": "Nữ", "Lớp": "1B",
         "Số định danh cá nhân": "00131901234"},
        {"Họ và tên": "Kha Minh Tuệ", "Ngày sinh (dd/mm/yyyy)": "30/02/2019", "Giới tính (Nam/Nữ)": "Nam", "Lớp": "1B"},
    ]  # fmt: skip
    refused = upload(head, year_id, workbook(rows))
    assert refused["written"] is False
    assert refused["created"] == 0
    assert [(e["row"], e["column"]) for e in refused["errors"]] == [
        (3, "Số định danh cá nhân"),
        (4, "Ngày sinh (dd/mm/yyyy)"),
    ]
    assert "12 chữ số" in refused["errors"][0]["message"]
    for class_id in classes.values():
        assert head.items(f"/api/v1/classes/{class_id}/students") == []

    rows[1]["Số định danh cá nhân"] = "001319012345"
    rows[2]["Ngày sinh (dd/mm/yyyy)"] = "28/02/2019"
    checked = upload(head, year_id, workbook(rows), dry_run=True)
    assert (checked["written"], checked["errors"], checked["rows"]) == (False, [], 3)
    done = upload(head, year_id, workbook(rows))
    assert (done["written"], done["created"]) == (True, 3)
    assert head.get(f"/api/v1/classes/{classes['1B']}").json()["size"] == 2

    def roster_names() -> set[str]:
        names: set[str] = set()
        for class_id in classes.values():
            names |= {e["full_name"] for e in head.items(f"/api/v1/classes/{class_id}/roster")}
        return names

    wait_until(lambda: len(roster_names()) == 3, timeout_s=60)
    assert roster_names() == {"Đinh Văn Khôi", "Mạc Thị Lụa", "Kha Minh Tuệ"}


def test_export_needs_a_step_up_for_sensitive_columns_and_reads_back(stack: Stack, head: Api) -> None:
    year_id, classes = fresh_year(head)
    rows: list[dict[str, object]] = [
        {"Họ và tên": "Lò Văn Pằn", "Ngày sinh (dd/mm/yyyy)": "01/01/2019", "Giới tính (Nam/Nữ)": "Nam", "Lớp": "1A",
         "Dân tộc": "Thái", "Số định danh cá nhân": "014219000777", "Họ tên cha": "Lò Văn Ún",
         "Điện thoại cha": "0977000222"},
    ]  # fmt: skip
    assert upload(head, year_id, workbook(rows))["created"] == 1
    body = {"class_id": classes["1A"], "include_sensitive": True}
    refused = head.post("/api/v1/students/export", body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "step_up_required"

    spend_current_step("hieutruong")
    stepped = head.post("/api/v1/auth/step-up", {"totp_code": demo_totp("hieutruong")})
    assert stepped.status_code == 200, stepped.text
    r = head.post("/api/v1/students/export", body)
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content))["HocSinh"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 2
    exported = dict(zip(HEADERS, values[1], strict=True))
    assert exported["Họ và tên"] == "Lò Văn Pằn"
    assert exported["Dân tộc"] == "Thái"
    assert exported["Số định danh cá nhân"] == "014219000777"
    assert exported["Điện thoại cha"] == "0977000222"


def test_the_import_page_is_vietnamese_and_names_the_row(head: Api) -> None:
    year_id, _ = fresh_year(head)
    page = head.get("/students/import")
    assert page.status_code == 200
    assert "Nhập danh sách học sinh từ Excel" in page.text
    data = workbook([{"Họ và tên": "Vi Thị Mơ", "Ngày sinh (dd/mm/yyyy)": "2019-13-01", "Giới tính (Nam/Nữ)": "Nữ",
                      "Lớp": "1A"}])  # fmt: skip
    r = head.http.post(
        f"{head.base}/students/import",
        data={"csrf_token": head.csrf, "school_year_id": year_id, "class_id": "", "action": "import"},
        files={"workbook": ("ds.xlsx", data, "application/octet-stream")},
        headers={"X-CSRFToken": head.csrf},
        timeout=60,
    )
    assert r.status_code == 400
    assert "Chưa ghi dữ liệu nào: tệp có 1 lỗi" in r.text
    assert 'data-testid="import-error"><td>2</td><td>Ngày sinh (dd/mm/yyyy)</td>' in r.text
