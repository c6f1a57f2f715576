"""Finding students through the gateway: the JSON search, the "Tìm học sinh" page and its menu entry."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient


def _school(client: FlaskClient, token: str) -> dict[str, Any]:
    h = {"X-CSRFToken": token}
    year = client.post(
        "/api/v1/school-years",
        json={"name": "2025-2026", "start_date": "2025-09-05", "end_date": "2026-05-31"},
        headers=h,
    ).json
    ids = {}
    for name in ("3A", "3B"):
        ids[name] = client.post(
            "/api/v1/classes", json={"school_year_id": year["id"], "name": name, "grade_level": 3}, headers=h
        ).json["id"]
    for class_name, full_name, code in [
        ("3A", "Nguyễn Văn An", "HS-AN"),
        ("3A", "Trần Thị Bình", ""),
        ("3B", "Nguyễn Thị Anh", ""),
        ("3B", "Lê Nguyên An", ""),
    ]:
        body = {"class_id": ids[class_name], "full_name": full_name, "date_of_birth": "2017-06-15", "gender": "male"}
        if code:
            body["student_code"] = code
        assert client.post("/api/v1/students", json=body, headers=h).status_code == 201
    return {"year": year["id"], **ids}


def test_api_finds_names_without_diacritics(client: FlaskClient, signed_in: str, upstreams) -> None:
    ids = _school(client, signed_in)
    answer = client.get("/api/v1/students/search?q=nguyen+an")
    assert answer.status_code == 200, answer.text
    body = answer.json
    assert [s["full_name"] for s in body["items"]] == ["Lê Nguyên An", "Nguyễn Văn An", "Nguyễn Thị Anh"]
    first = body["items"][1]
    assert (first["class_id"], first["class_name"], first["date_of_birth"]) == (ids["3A"], "3A", "2017-06-15")
    assert body["next_page_token"] == ""
    assert "SearchStudents" in upstreams.recorder.methods()

    by_code = client.get("/api/v1/students/search", query_string={"q": "HS-AN"}).json
    assert [s["full_name"] for s in by_code["items"]] == ["Nguyễn Văn An"]
    in_class = client.get("/api/v1/students/search", query_string={"q": "nguyen", "class_id": ids["3B"]}).json
    assert [s["full_name"] for s in in_class["items"]] == ["Lê Nguyên An", "Nguyễn Thị Anh"]


def test_api_pages_with_tokens(client: FlaskClient, signed_in: str) -> None:
    _school(client, signed_in)
    seen: list[str] = []
    token = ""
    while True:
        page = client.get("/api/v1/students/search", query_string={"q": "an", "page_size": 2, "page_token": token})
        assert page.status_code == 200, page.text
        seen += [s["full_name"] for s in page.json["items"]]
        token = page.json["next_page_token"]
        if not token:
            break
    # Substrings count: "an" is inside "Trần" too.
    assert seen == ["Lê Nguyên An", "Nguyễn Văn An", "Nguyễn Thị Anh", "Trần Thị Bình"]


def test_api_short_query_is_refused_with_the_field(client: FlaskClient, signed_in: str) -> None:
    answer = client.get("/api/v1/students/search?q=a")
    assert answer.status_code == 400
    assert "query" in str(answer.json) or "q" in str(answer.json)
    too_long = client.get("/api/v1/students/search", query_string={"q": "x" * 101})
    assert too_long.status_code in (400, 422)
    bad_size = client.get("/api/v1/students/search", query_string={"q": "an", "page_size": 0})
    assert bad_size.status_code in (400, 422)


def test_api_needs_the_permission(client: FlaskClient, browser, upstreams) -> None:
    browser.login(client, "vanphong")
    assert client.get("/api/v1/students/search?q=nguyen").status_code == 403
    assert client.get("/students/search?q=nguyen").status_code == 403
    assert 'data-testid="nav-student-search"' not in client.get("/").text
    assert "SearchStudents" not in upstreams.recorder.methods()


def test_search_page_in_vietnamese(client: FlaskClient, signed_in: str) -> None:
    _school(client, signed_in)
    home = client.get("/")
    assert 'data-testid="nav-student-search"' in home.text
    empty = client.get("/students/search")
    assert empty.status_code == 200
    assert "Tìm học sinh" in empty.text
    assert 'data-testid="student-search"' in empty.text
    assert 'data-testid="search-results"' not in empty.text

    found = client.get("/students/search", query_string={"q": "Nguyen Van An"})
    assert found.status_code == 200
    assert re.findall(r'data-testid="result-name">([^<]+)<', found.text) == ["Nguyễn Văn An"]
    assert 'data-testid="result-class">3A<' in found.text
    assert 'data-testid="result-dob">15/06/2017<' in found.text
    assert 'value="Nguyen Van An"' in found.text

    none = client.get("/students/search", query_string={"q": "khong co ai"})
    assert 'data-testid="no-results"' in none.text
    assert "Không tìm thấy học sinh nào phù hợp." in none.text

    short = client.get("/students/search", query_string={"q": "a"})
    assert short.status_code == 400
    assert 'data-testid="q-error"' in short.text
    assert "ít nhất 2 chữ cái" in short.text


def test_search_page_pagination_link_and_english(client: FlaskClient, signed_in: str, upstreams) -> None:
    ids = _school(client, signed_in)
    cls = client.post(
        "/api/v1/classes",
        json={"school_year_id": ids["year"], "name": "4A", "grade_level": 4, "max_size": 60},
        headers={"X-CSRFToken": signed_in},
    ).json["id"]
    for i in range(55):
        client.post(
            "/api/v1/students",
            json={"class_id": cls, "full_name": f"Phạm Minh Khoa {chr(65 + i % 26)}", "date_of_birth": "2017-01-01",
                  "gender": "male"},
            headers={"X-CSRFToken": signed_in},
        )  # fmt: skip
    first = client.get("/students/search", query_string={"q": "pham minh"})
    assert len(re.findall(r'data-testid="result-row"', first.text)) == 50
    link = re.search(r'data-testid="next-page" rel="next"', first.text)
    assert link
    href = re.search(r'href="([^"]+)" data-testid="next-page"', first.text)
    assert href
    assert "q=pham+minh" in href.group(1).replace("%20", "+")
    second = client.get(href.group(1).replace("&amp;", "&"))
    assert len(re.findall(r'data-testid="result-row"', second.text)) == 5

    english = client.get("/students/search?lang=en")
    assert "Find students" in english.text
    assert "Name or student code" in english.text
