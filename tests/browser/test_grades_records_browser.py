"""Học bạ & lưu trữ in Debian's Chromium: the principal downloads a class's học bạ (one PDF for the
whole class, Vietnamese names intact), signs and archives the class at year end from the class's
page, sees the archived files with their hashes, and checks the archive chain on the school's
archive page. Screenshots (and page 1 of the PDF as PNG) in test-artifacts/browser/records/."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.browser_pages import sign_in_with_mfa
from tests.results_seed import fill_cn, roster_ids, set_lock
from tests.stack import Api, Stack, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.integration]

PUPILS = ("Đặng Thị Ánh Tuyết", "Đặng Quốc Việt")


def _sign_in_principal(page, url: str) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_mfa(page, url, "hieutruong")


def test_principal_downloads_archives_and_checks_the_chain(stack: Stack, head: Api, browser, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    shots = artifacts / "browser" / "records"
    shots.mkdir(parents=True, exist_ok=True)

    # A past year of its own, so no other test's data moves: a grade-3 class with two pupils.
    year = head.create(
        "/api/v1/school-years", {"name": "2013-2014", "start_date": "2013-09-05", "end_date": "2014-05-31"}
    )
    klass = head.create("/api/v1/classes", {"school_year_id": year["id"], "name": "3R", "grade_level": 3})["id"]
    pupils = {}
    for name in PUPILS:
        body = {"class_id": klass, "full_name": name, "date_of_birth": "2005-03-01", "gender": "female"}
        pupils[name] = head.create("/api/v1/students", body)["id"]
    assert wait_until(lambda: roster_ids(head, klass) == set(pupils.values()), timeout_s=90), stack.tail()
    fill_cn(stack, klass, 3, dict.fromkeys(pupils.values(), 10))
    # The year's end as the principal finds it: CN locked after the checks, the year results computed.
    set_lock(stack, klass, "CN", True)
    computed = head.post(f"/api/v1/classes/{klass}/year-results", {})
    assert computed.status_code == 200, computed.text

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    try:
        _sign_in_principal(page, stack.url)
        page.goto(f"{stack.url}/classes/{klass}")
        page.get_by_test_id("records-link").click()  # from the class's page
        page.get_by_test_id("records-title").wait_for()
        assert "Học bạ & lưu trữ" in page.get_by_test_id("records-title").inner_text()
        page.screenshot(path=str(shots / "01-lop.png"), full_page=True)

        with page.expect_download() as info:
            page.get_by_test_id("hoc-ba-class").click()
        pdf = Path(info.value.path()).read_bytes()
        text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())
        assert all(name in text for name in PUPILS)
        (shots / "hoc-ba-3R.pdf").write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(shots / "hoc-ba-3R.pdf"), str(shots / "hoc-ba")],
            check=True,
        )

        page.get_by_test_id("period").last.select_option("CN")
        page.get_by_test_id("archive-submit").click()
        page.get_by_test_id("archived-notice").wait_for()
        assert "Đã ký số và lưu trữ 3 tệp." in page.get_by_test_id("archived-notice").inner_text()
        hashes = [h.inner_text() for h in page.get_by_test_id("archive-sha256").all()]
        assert len(hashes) == 3
        assert all(len(h) == 64 for h in hashes)
        page.screenshot(path=str(shots / "02-da-luu-tru.png"), full_page=True)

        page.goto(f"{stack.url}/records/archive")
        page.get_by_test_id("verify-submit").click()
        page.get_by_test_id("verify-ok").wait_for()
        assert "Chuỗi lưu trữ toàn vẹn" in page.get_by_test_id("verify-ok").inner_text()
        page.screenshot(path=str(shots / "03-kiem-tra-chuoi.png"), full_page=True)
    finally:
        context.close()
