"""The grade book through the whole stack (issue 5, points 2–3): the demo GVBM (Ngoại ngữ 1 in 2A and
3A) writes their own subject and nothing else through the gateway; the GVCN of 1A (Tiếng Việt and
Toán there, and the homeroom) saves the plain form that works without JavaScript, sees a refused
score named on its cell, and the sheet's JSON shows the saved cells with their versions."""

from __future__ import annotations

import json

import pytest

from deploy.local.launch import current_school_year
from tests.stack import Api, Stack, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def demo_year(api: Api) -> dict:
    """The demo's school year (other tests of the run add years of their own)."""
    name = current_school_year()[0]
    return next(y for y in api.items("/api/v1/school-years", page_size=200) if y["name"] == name)


def class_ids(api: Api) -> dict[str, str]:
    year_id = demo_year(api)["id"]
    return {c["name"]: c["id"] for c in api.items("/api/v1/classes", page_size=200, school_year_id=year_id)}


def sheet(api: Api, class_id: str, period: str, subject: str) -> dict:
    r = api.get(f"/api/v1/classes/{class_id}/gradebook", period=period, subject=subject)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def teachers(stack: Stack, head: Api) -> dict[str, Api]:
    clients = {}
    for name in ("gvbm", "gvcn"):
        api = Api(stack.url)
        assert api.login(name).status_code == 200
        clients[name] = api
    ids = class_ids(head)
    # Grades learns the demo classes from students' events a moment after the seed.
    wait_until(lambda: clients["gvcn"].get(f"/api/v1/classes/{ids['1A']}/gradebook").status_code == 200, 60, 1)
    return clients


def open_windows(stack: Stack, head: Api) -> None:
    """The HT opens every period's entry window over the whole demo year, so writes are due today."""
    year = demo_year(head)
    form = {"year": year["id"]}
    for period in ("GK1", "CK1", "GK2", "CN"):
        form[f"opens-{period}"] = "/".join(reversed(year["start_date"].split("-")))
        form[f"closes-{period}"] = "/".join(reversed(year["end_date"].split("-")))
    r = head.http.post(f"{stack.url}/gradebook/settings/windows", data=form, headers={"X-CSRFToken": head.csrf})
    assert r.status_code == 200, r.text
    assert 'data-testid="settings-saved"' in r.text


def test_a_gvbm_writes_only_their_own_class_and_subject_through_the_gateway(
    stack: Stack, head: Api, teachers: dict
) -> None:
    gvbm, ids = teachers["gvbm"], class_ids(head)
    open_windows(stack, head)
    own = sheet(gvbm, ids["2A"], "GK1", "NGOAI_NGU_1")
    assert own["may_write"], own["write_refusal"]
    pupil = own["rows"][0]["student_id"]
    version = own["rows"][0]["cells"][0]["version"]
    level = "H" if own["rows"][0]["cells"][0]["level"] == "T" else "T"  # a change, also on a rerun
    saved = gvbm.post(
        f"/api/v1/classes/{ids['2A']}/gradebook",
        {"period": "GK1", "subject_code": "NGOAI_NGU_1",
         "cells": [{"student_id": pupil, "level": level, "expected_version": version}]},
    )  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert [(c["student_id"], c["level"], c["version"]) for c in saved.json()["saved"]] == [(pupil, level, version + 1)]
    landed = sheet(gvbm, ids["2A"], "GK1", "NGOAI_NGU_1")["rows"][0]["cells"][0]
    assert (landed["level"], landed["version"]) == (level, version + 1)
    music = sheet(gvbm, ids["2A"], "GK1", "AM_NHAC")
    assert not music["may_write"]
    assert "Âm nhạc" in music["write_refusal"]
    body = {
        "period": "GK1",
        "subject_code": "AM_NHAC",
        "cells": [{"student_id": pupil, "level": "T", "expected_version": 0}],
    }
    refused = gvbm.post(f"/api/v1/classes/{ids['2A']}/gradebook", body)
    assert refused.status_code == 403, refused.text
    other_class = gvbm.post(f"/api/v1/classes/{ids['1A']}/gradebook", {**body, "subject_code": "NGOAI_NGU_1"})
    assert other_class.status_code == 403
    other_pupil = head.items(f"/api/v1/classes/{ids['4A']}/students")[0]["id"]
    smuggled = {**body, "subject_code": "NGOAI_NGU_1", "cells": [{**body["cells"][0], "student_id": other_pupil}]}
    answer = gvbm.post(f"/api/v1/classes/{ids['2A']}/gradebook", smuggled)
    assert answer.status_code in (400, 409), answer.text  # a pupil of another class: refused, never written
    after = sheet(head, ids["4A"], "GK1", "NGOAI_NGU_1")
    assert all(r["cells"][0]["version"] == 0 for r in after["rows"])


def test_the_form_without_javascript_saves_and_names_a_refused_cell(stack: Stack, head: Api, teachers: dict) -> None:
    gvcn, ids = teachers["gvcn"], class_ids(head)
    # CN's window open over the whole year, so the test is due and the window open today.
    open_windows(stack, head)
    before = sheet(gvcn, ids["1A"], "CN", "TIENG_VIET")
    assert before["may_write"], before["write_refusal"]
    assert before["columns"][0]["tested"]
    first, second = before["rows"][0], before["rows"][1]

    def fields(row: dict, level: str, score: str) -> dict[str, str]:
        ident = f"{row['student_id']}~TIENG_VIET"
        cell = row["cells"][0]
        return {
            f"o-{ident}": json.dumps([cell["level"], str(cell["score"] or ""), cell["comment"]]),
            f"v-{ident}": str(cell["version"]),
            f"level-{ident}": level,
            f"score-{ident}": score,
            f"comment-{ident}": cell["comment"],
        }

    url = f"{stack.url}/classes/{ids['1A']}/gradebook?period=CN&subject=TIENG_VIET"
    post = {**fields(first, "T", "11"), **fields(second, "h", "7")}
    bad = gvcn.http.post(url, data=post, headers={"X-CSRFToken": gvcn.csrf})
    assert bad.status_code == 400
    assert 'data-testid="cell-error"' in bad.text
    assert "cao nhất là 10" in bad.text
    assert first["full_name"] in bad.text
    assert sheet(gvcn, ids["1A"], "CN", "TIENG_VIET")["rows"][1]["cells"][0]["version"] == second["cells"][0]["version"]
    post = {**fields(first, "T", "10"), **fields(second, "h", "7")}
    good = gvcn.http.post(url, data=post, headers={"X-CSRFToken": gvcn.csrf}, allow_redirects=False)
    assert good.status_code == 303, good.text
    assert "saved=2" in good.headers["Location"]
    after = sheet(gvcn, ids["1A"], "CN", "TIENG_VIET")
    cells = [(r["cells"][0]["level"], r["cells"][0]["score"]) for r in after["rows"][:2]]
    assert cells == [("T", 10), ("H", 7)]
    assert after["rows"][0]["cells"][0]["version"] == first["cells"][0]["version"] + 1
    assert after["rows"][0]["cells"][0]["updated_by_name"]


def test_the_head_teacher_downloads_and_uploads_the_year_programme(stack: Stack, head: Api) -> None:
    year = demo_year(head)
    page = head.get("/gradebook/settings", year=year["id"])
    assert page.status_code == 200
    assert 'data-testid="programme-download"' in page.text
    shipped = head.get("/gradebook/settings/programme.json", year=year["id"])
    assert shipped.status_code == 200
    body = shipped.json()
    assert body["school_year"] == year["name"]  # a year without its own file: the shipped one, renamed
    body["tests"]["5"]["CK1"].remove("KHOA_HOC")
    upload = {"year": year["id"], "expected_version": "0"}
    files = {"programme": ("chuong-trinh.json", json.dumps(body, ensure_ascii=False).encode(), "application/json")}
    r = head.http.post(
        f"{stack.url}/gradebook/settings/programme", data=upload, files=files, headers={"X-CSRFToken": head.csrf}
    )
    assert r.status_code == 200, r.text
    assert 'data-testid="settings-saved"' in r.text
    stored = head.get("/gradebook/settings/programme.json", year=year["id"]).json()
    assert "KHOA_HOC" not in stored["tests"]["5"]["CK1"]
    # A stale copy (read before that upload) is refused, and so is a file of another year.
    again = head.http.post(
        f"{stack.url}/gradebook/settings/programme", data=upload, files=files, headers={"X-CSRFToken": head.csrf}
    )
    assert again.status_code == 400
    assert 'data-testid="programme-error"' in again.text
    body["school_year"] = "2099-2100"
    files = {"programme": ("x.json", json.dumps(body).encode(), "application/json")}
    other = head.http.post(
        f"{stack.url}/gradebook/settings/programme",
        data={**upload, "expected_version": "1"},
        files=files,
        headers={"X-CSRFToken": head.csrf},
    )
    assert other.status_code == 400
    assert "2099-2100" in other.text
    # Put the shipped programme back for the other tests of the run.
    files = {"programme": ("x.json", shipped.content, "application/json")}
    back = head.http.post(
        f"{stack.url}/gradebook/settings/programme",
        data={**upload, "expected_version": "1"},
        files=files,
        headers={"X-CSRFToken": head.csrf},
    )
    assert back.status_code == 200
