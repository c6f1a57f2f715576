"""Movements across the real stack: transfers in, a transfer out, a dropout and a class change
change class sizes in students at once and, through the event bus, the rosters grades serves —
every event applied, none lost, none applied twice."""

from __future__ import annotations

import datetime as dt

import pytest

from deploy.local.launch import current_school_year
from tests.stack import Api, Stack, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _year(api: Api) -> dict:
    years = api.get("/api/v1/school-years").json()["items"]
    return next(y for y in years if y["name"] == current_school_year()[0])


def _size(api: Api, class_id: str) -> int:
    return int(api.get(f"/api/v1/classes/{class_id}").json()["size"])


def _roster(api: Api, class_id: str) -> list[str]:
    return sorted(e["student_id"] for e in api.get(f"/api/v1/classes/{class_id}/roster").json()["items"])


def test_movements_change_class_size_and_the_grades_roster(stack: Stack, head: Api) -> None:
    api = head
    year = _year(api)
    # A date inside the school year that is not in the future (the demo year runs September–May).
    day = min(dt.date.today(), dt.date.fromisoformat(year["end_date"])).isoformat()
    x = api.create("/api/v1/classes", {"school_year_id": year["id"], "name": "4MV", "grade_level": 4, "max_size": 3})
    y = api.create("/api/v1/classes", {"school_year_id": year["id"], "name": "4MW", "grade_level": 4})

    pupils: dict[str, str] = {}
    for name in ("Đặng Thu Hà", "Vũ Minh Khôi", "Hoàng Gia Linh"):
        r = api.post(
            "/api/v1/movements/transfer-in",
            {
                "class_id": x["id"],
                "full_name": name,
                "date_of_birth": f"{int(year['start_date'][:4]) - 9}-04-04",
                "gender": "female",
                "effective_date": day,
                "reason_code": "CHUYEN_NOI_O",
                "from_school_name": "Trường Tiểu học Lê Lợi",
                "documents": ["HOC_BA", "TIEN_DO_VA_KET_QUA"],
                "earlier_results": "Tiếng Việt: T; Toán: H",
            },
        )
        assert r.status_code == 201, r.text
        pupils[name] = r.json()["student"]["id"]
    assert _size(api, x["id"]) == 3
    everyone = sorted(pupils.values())
    assert wait_until(lambda: _roster(api, x["id"]) == everyone, timeout_s=60), stack.tail()

    # The class is full: a fourth transfer in is refused, naming the class field in Vietnamese.
    full = api.post(
        "/api/v1/movements/transfer-in",
        {
            "class_id": x["id"],
            "full_name": "Trịnh Văn Nam",
            "date_of_birth": f"{int(year['start_date'][:4]) - 9}-04-04",
            "gender": "male",
            "effective_date": day,
            "reason_code": "CHUYEN_NOI_O",
            "from_school_name": "Trường Tiểu học Lê Lợi",
        },
    )
    assert full.status_code == 409, full.text
    assert "đủ sĩ số" in full.json()["error"]["fields"]["class_id"]

    leaving, dropping, moving = pupils["Đặng Thu Hà"], pupils["Vũ Minh Khôi"], pupils["Hoàng Gia Linh"]
    r = api.post(
        f"/api/v1/students/{leaving}/transfer-out",
        {
            "effective_date": day,
            "reason_code": "CHUYEN_NOI_O",
            "to_school_name": "Trường Tiểu học Kim Đồng",
            "application_received_on": day,
            "receiving_school_agreed": True,
            "handed_over_on": day,
            "documents": ["DON_XIN_CHUYEN_TRUONG", "HOC_BA", "TIEN_DO_VA_KET_QUA"],
        },
    )
    assert r.status_code == 201, r.text
    assert _size(api, x["id"]) == 2
    r = api.post(f"/api/v1/students/{dropping}/dropout", {"effective_date": day, "reason_code": "KHONG_RO"})
    assert r.status_code == 201, r.text
    assert _size(api, x["id"]) == 1
    again = api.post(f"/api/v1/students/{dropping}/dropout", {"effective_date": day, "reason_code": "KHONG_RO"})
    assert again.status_code == 409
    assert "đã rời trường" in again.json()["error"]["fields"]["student_id"]
    assert wait_until(lambda: _roster(api, x["id"]) == [moving], timeout_s=60), stack.tail()

    r = api.post(
        f"/api/v1/students/{moving}/class-change",
        {"effective_date": day, "reason_code": "CAN_BANG_SI_SO", "class_id": y["id"]},
    )
    assert r.status_code == 201, r.text
    assert (_size(api, x["id"]), _size(api, y["id"])) == (0, 1)
    assert wait_until(lambda: _roster(api, y["id"]) == [moving] and _roster(api, x["id"]) == [], timeout_s=60)

    # Back to the class left (every class of the demo year keeps a pupil: other tests rely on it).
    back = api.post(
        f"/api/v1/students/{dropping}/return", {"effective_date": day, "reason_code": "TRO_LAI", "class_id": x["id"]}
    )
    assert back.status_code == 201, back.text
    assert _size(api, x["id"]) == 1
    assert wait_until(lambda: _roster(api, x["id"]) == [dropping], timeout_s=60), stack.tail()

    report = api.get("/api/v1/movements/report", school_year_id=year["id"], period_from=day, period_to=day).json()
    rows = {row["class_name"]: row["counts"] for row in report["classes"]}
    assert rows["4MV"] == {
        "start": 0,
        "transfers_in": 3,
        "other_in": 1,
        "transfers_out": 1,
        "dropouts": 1,
        "other_out": 1,
        "end": 1,
    }
    assert (rows["4MW"]["other_in"], rows["4MW"]["end"]) == (1, 1)
    history = api.get(f"/api/v1/students/{leaving}/movements").json()
    assert history["status"] == "CHUYEN_DI"
    assert history["movements"][-1]["other_school_name"] == "Trường Tiểu học Kim Đồng"
