"""Kết quả cuối năm in Debian's Chromium: the principal computes a class's year results, reads why
a pupil with 9s and 10s is only "Hoàn thành", types the decision for a pupil kept back with a
dd/mm/yyyy date (a wrong date is refused on its field first), and opens the class summary sheet.
Screenshots in test-artifacts/browser/results/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.browser_pages import sign_in_with_mfa
from tests.results_seed import fill_cn, lock_cn, roster_ids
from tests.stack import Api, Stack, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.integration]


def _sign_in_principal(page, url: str) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_mfa(page, url, "hieutruong")


def test_principal_reads_the_explanation_and_records_a_decision(
    stack: Stack, head: Api, browser, artifacts: Path
) -> None:  # type: ignore[no-untyped-def]
    shots = artifacts / "browser" / "results"
    shots.mkdir(parents=True, exist_ok=True)
    step = 0

    def snap(page, name: str) -> None:  # type: ignore[no-untyped-def]
        nonlocal step
        step += 1
        page.screenshot(path=str(shots / f"{step:02d}-{name}.png"), full_page=True)

    # A past year of its own, so no other test's data moves: a grade-4 class with three pupils.
    year = head.create(
        "/api/v1/school-years", {"name": "2012-2013", "start_date": "2012-09-05", "end_date": "2013-05-31"}
    )
    klass = head.create("/api/v1/classes", {"school_year_id": year["id"], "name": "4R", "grade_level": 4})["id"]
    pupils = {}
    for name in ("Bùi Minh Châu", "Bùi Văn Đạt", "Bùi Thị Hoa"):
        body = {"class_id": klass, "full_name": name, "date_of_birth": "2003-03-01", "gender": "female"}
        pupils[name] = head.create("/api/v1/students", body)["id"]
    assert wait_until(lambda: roster_ids(head, klass) == set(pupils.values()), timeout_s=90), stack.tail()
    fill_cn(stack, klass, 4, {pupils["Bùi Minh Châu"]: 10})
    fill_cn(stack, klass, 4, {pupils["Bùi Thị Hoa"]: 9}, levels={"AM_NHAC": "H"})
    fill_cn(stack, klass, 4, {pupils["Bùi Văn Đạt"]: 3})
    lock_cn(stack, klass)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        _sign_in_principal(page, stack.url)
        page.goto(f"{stack.url}/classes/{klass}/year-results")
        page.get_by_test_id("results-title").wait_for()
        assert "Kết quả cuối năm" in page.get_by_test_id("results-title").inner_text()
        snap(page, "chua-tinh")
        page.get_by_test_id("compute").click()
        page.get_by_test_id("results-table").wait_for()
        rows = {row.get_by_test_id("result-name").inner_text(): row for row in page.get_by_test_id("result-row").all()}
        hoa = rows["Bùi Thị Hoa"]
        assert hoa.get_by_test_id("result-level").inner_text() == "Hoàn thành"
        assert (
            "Không đạt Hoàn thành tốt vì: Nghệ thuật (Âm nhạc) = H"
            in hoa.get_by_test_id("result-explanation").inner_text()
        )
        assert rows["Bùi Minh Châu"].get_by_test_id("result-award").inner_text() == "Học sinh Xuất sắc"
        snap(page, "ket-qua-lop")

        rows["Bùi Văn Đạt"].get_by_test_id("result-name").click()
        page.get_by_test_id("decision-form").wait_for()
        assert (
            "Chờ quyết định lên lớp hay ở lại lớp của hiệu trưởng" in page.get_by_test_id("result-status").inner_text()
        )
        today = dt.date.today()
        # The GVCN's supplementary assessment comes first (here the principal records it too).
        page.get_by_test_id("assessed_on").fill(today.strftime("%d/%m/%Y"))
        page.get_by_test_id("subject-TOAN").check()
        page.get_by_test_id("outcome").select_option("CHUA_HOAN_THANH")
        page.get_by_test_id("supplementary-submit").click()
        page.get_by_test_id("supplementary-list").wait_for()
        page.get_by_test_id("decision").select_option("O_LAI_LOP")
        page.get_by_test_id("decision_ref").fill("21/QĐ-THTV")
        page.get_by_test_id("decided_on").fill(today.isoformat())  # not the Vietnamese way: refused
        page.get_by_test_id("decision-submit").click()
        page.get_by_test_id("decided_on-error").wait_for()
        snap(page, "ngay-sai")
        page.get_by_test_id("decided_on").fill(today.strftime("%d/%m/%Y"))
        page.get_by_test_id("decision-submit").click()
        page.get_by_test_id("result-card").wait_for()
        status = page.get_by_test_id("result-status").inner_text()
        assert (
            f"Quyết định của hiệu trưởng số 21/QĐ-THTV ngày {today:%d/%m/%Y}: Chưa được lên lớp (ở lại lớp)" in status
        )
        snap(page, "quyet-dinh")

        page.goto(f"{stack.url}/classes/{klass}/summary?period=CN")
        page.get_by_test_id("summary-table").wait_for()
        assert "Tổng hợp kết quả" in page.get_by_test_id("summary-title").inner_text()
        names = [n.inner_text() for n in page.get_by_test_id("summary-name").all()]
        # The roster's Vietnamese order (by given name), never by results.
        assert names == ["Bùi Minh Châu", "Bùi Văn Đạt", "Bùi Thị Hoa"]
        snap(page, "tong-hop")
    finally:
        context.close()
