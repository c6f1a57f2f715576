"""Request validation: 400 with a Vietnamese message per field, and no upstream call for bad input."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

GOOD = {"class_id": "c-1", "full_name": "Phan Thị Kiều Oanh", "date_of_birth": "2017-06-15", "gender": "female"}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"full_name": ""}, "full_name", "Không được để trống"),
        ({"full_name": "   "}, "full_name", "Không được để trống"),
        ({"full_name": None}, "full_name", "Không được để trống"),
        ({"date_of_birth": "2020-13-45"}, "date_of_birth", "Ngày không hợp lệ (định dạng YYYY-MM-DD)"),
        ({"date_of_birth": "15/06/2017"}, "date_of_birth", "Ngày không hợp lệ (định dạng YYYY-MM-DD)"),
        ({"date_of_birth": "20170615"}, "date_of_birth", "Ngày không hợp lệ (định dạng YYYY-MM-DD)"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "Ngày không được ở tương lai"),
        ({"class_id": None}, "class_id", "Không được để trống"),
        ({"gender": "other"}, "gender", "Chọn Nam hoặc Nữ"),
        ({"role": "HT"}, "role", "Trường không được hỗ trợ"),
        ({"school_id": "another"}, "school_id", "Trường không được hỗ trợ"),
    ],
)
def test_bad_student_is_400_naming_the_field_without_upstream_call(
    client: FlaskClient, signed_in: str, upstreams, change: dict, field: str, message: str
) -> None:
    body = {**GOOD, **change}
    response = client.post("/api/v1/students", json=body, headers={"X-CSRFToken": signed_in})
    assert response.status_code == 400, response.text
    error = response.json["error"]
    assert error["code"] == "invalid_argument"
    assert error["fields"][field] == message
    assert error["message"].startswith("Vui lòng kiểm tra lại:")
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert upstreams.recorder.methods() == []


def test_missing_fields_are_each_named(client: FlaskClient, signed_in: str, upstreams) -> None:
    response = client.post("/api/v1/students", json={}, headers={"X-CSRFToken": signed_in})
    assert response.status_code == 400
    error = response.json["error"]
    assert error["fields"] == {
        "class_id": "Trường này là bắt buộc",
        "full_name": "Trường này là bắt buộc",
        "date_of_birth": "Trường này là bắt buộc",
        "gender": "Trường này là bắt buộc",
    }
    # The top message names the fields in words.
    for label in ("Lớp", "Họ và tên", "Ngày sinh", "Giới tính"):
        assert label in error["message"]
    assert upstreams.recorder.methods() == []


def test_body_that_is_not_json_object(client: FlaskClient, signed_in: str, upstreams) -> None:
    response = client.post("/api/v1/students", json=["x"], headers={"X-CSRFToken": signed_in})
    assert response.status_code == 400
    assert response.json["error"]["fields"]
    assert upstreams.recorder.methods() == []


def test_query_parameters_are_validated(client: FlaskClient, signed_in: str, upstreams) -> None:
    response = client.get("/api/v1/classes?page_size=0")
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"page_size": "Phải từ 1 đến 200"}
    assert client.get("/api/v1/classes?page_size=abc").json["error"]["fields"]["page_size"] == "Phải là số nguyên"
    assert upstreams.recorder.methods() == []


def test_messages_follow_the_language(client: FlaskClient, signed_in: str) -> None:
    response = client.post(
        "/api/v1/students?lang=en", json={**GOOD, "full_name": ""}, headers={"X-CSRFToken": signed_in}
    )
    assert response.json["error"]["fields"]["full_name"] == "Must not be empty."


def test_school_year_rules(client: FlaskClient, signed_in: str, upstreams) -> None:
    bad = {"name": "2025-2027", "start_date": "2026-05-31", "end_date": "2025-09-05"}
    response = client.post("/api/v1/school-years", json=bad, headers={"X-CSRFToken": signed_in})
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {
        "end_date": "Ngày kết thúc phải sau ngày bắt đầu",
        "name": "Năm sau phải liền kề năm trước, ví dụ 2025-2026",
    }
    assert upstreams.recorder.methods() == []


def test_upstream_field_errors_are_passed_on(client: FlaskClient, signed_in: str, upstreams) -> None:
    year = client.post(
        "/api/v1/school-years",
        json={"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"},
        headers={"X-CSRFToken": signed_in},
    ).json
    cls = client.post(
        "/api/v1/classes",
        json={"school_year_id": year["id"], "name": "1A", "grade_level": 1},
        headers={"X-CSRFToken": signed_in},
    ).json
    # The fake service insists on two words; the gateway passes its Vietnamese field message on.
    response = client.post(
        "/api/v1/students",
        json={**GOOD, "class_id": cls["id"], "full_name": "Oanh"},
        headers={"X-CSRFToken": signed_in},
    )
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"full_name": "Họ và tên phải có ít nhất hai từ"}


def test_unknown_class_is_reported_on_the_class_field(client: FlaskClient, signed_in: str) -> None:
    body = {**GOOD, "class_id": "00000000-0000-4000-8000-000000000000"}
    response = client.post("/api/v1/students", json=body, headers={"X-CSRFToken": signed_in})
    assert response.status_code == 404
    assert response.json["error"]["fields"] == {"class_id": "Lớp không tồn tại"}


def test_enrol_form_re_renders_with_vietnamese_errors(client: FlaskClient, signed_in: str, browser, upstreams) -> None:
    year = client.post(
        "/api/v1/school-years",
        json={"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"},
        headers={"X-CSRFToken": signed_in},
    ).json
    cls = client.post(
        "/api/v1/classes",
        json={"school_year_id": year["id"], "name": "1A", "grade_level": 1},
        headers={"X-CSRFToken": signed_in},
    ).json
    page = client.get(f"/classes/{cls['id']}")
    upstreams.recorder.clear()
    response = client.post(
        f"/classes/{cls['id']}",
        data={
            "csrf_token": browser.form_csrf(page.text),
            "full_name": "",
            "date_of_birth": "2020-13-45",
            "gender": "male",
        },
    )
    assert response.status_code == 400
    html = response.text
    assert 'id="full_name-error"' in html
    assert "Trường này là bắt buộc" in html
    assert 'id="date_of_birth-error"' in html
    assert "Ngày không hợp lệ (định dạng YYYY-MM-DD)" in html
    assert 'aria-invalid="true"' in html
    assert 'value="2020-13-45"' in html  # what was typed stays in the form
    assert "EnrollStudent" not in upstreams.recorder.methods()


def test_malformed_json_is_400_in_vietnamese(client: FlaskClient, signed_in: str, upstreams) -> None:
    response = client.post(
        "/api/v1/students", data="{not json", content_type="application/json", headers={"X-CSRFToken": signed_in}
    )
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"_schema": "Nội dung JSON không hợp lệ"}
    assert response.json["error"]["message"] == "Vui lòng kiểm tra lại: Nội dung yêu cầu."
    assert upstreams.recorder.methods() == []


def test_oversized_body_is_413(client: FlaskClient, signed_in: str, upstreams) -> None:
    response = client.post(
        "/api/v1/students",
        data=b"x" * (2 * 1024 * 1024),
        content_type="application/json",
        headers={"X-CSRFToken": signed_in},
    )
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert upstreams.recorder.methods() == []
