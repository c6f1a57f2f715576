"""Attendance on a phone (375×667) in Debian's Chromium: the GVCN of 1A opens the day's sheet,
marks one pupil "Vắng có phép" and another "Vắng không phép" in a few taps, saves and sees the
counts; corrects a mark with a reason; and finds the marks on the monthly sheet. Nothing may
scroll sideways. Screenshots go to test-artifacts/browser/attendance-phone/."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack import DEMO_PASSWORD, Stack

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.integration]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PHONE = {"width": 375, "height": 667}
VIETNAM = dt.timezone(dt.timedelta(hours=7))
#: Only on a weekend: the demo pupils are enrolled on the day the stack seeds them, so no earlier
#: school day has pupils in 1A. That stack then counts every day of the week as a school day.
WEEKEND_CALENDAR = {"ATTENDANCE_NON_SCHOOL_WEEKDAYS": "none"}


def latest_school_day(today: dt.date, non_school: set[int]) -> dt.date:
    """The day the page opens on by default: today, or the most recent school day before it."""
    day = today
    while day.isoweekday() in non_school:
        day -= dt.timedelta(days=1)
    return day


@pytest.fixture(scope="module")
def attendance_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> Iterator[tuple[Stack, dt.date]]:
    today = dt.datetime.now(VIETNAM).date()
    if today.isoweekday() <= 5:
        # A weekday: the shared stack (default calendar: Saturday and Sunday off) opens on today.
        yield request.getfixturevalue("stack"), latest_school_day(today, {6, 7})
        return
    saved = {k: os.environ.get(k) for k in WEEKEND_CALENDAR}
    os.environ.update(WEEKEND_CALENDAR)
    own = Stack(tmp_path_factory.mktemp("attendance-stack"), artifacts / "stack-attendance.log")
    try:
        own.start()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        yield own, latest_school_day(today, set())
    finally:
        own.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (the CI script does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_gvcn_takes_attendance_on_a_phone(attendance_stack, browser, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    stack, day = attendance_stack
    shots = artifacts / "browser" / "attendance-phone"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PHONE, locale="vi-VN", has_touch=True, is_mobile=True)
    page = context.new_page()
    step = 0

    def snap(name: str) -> None:
        nonlocal step
        step += 1
        page.screenshot(path=str(shots / f"{step:02d}-{name}.png"), full_page=True)

    def no_sideways_scroll() -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width}px wide on a 375px phone"

    try:
        page.goto(stack.url + "/")
        page.get_by_test_id("username").fill("gvcn")
        page.get_by_test_id("password").fill(DEMO_PASSWORD)
        page.get_by_test_id("signin-submit").click()
        page.get_by_test_id("greeting").wait_for()

        page.get_by_test_id("nav-attendance").click()
        page.get_by_test_id("attendance-class-1A").click()
        page.get_by_test_id("attendance-form").wait_for()
        assert page.get_by_test_id("attendance-date").inner_text().startswith(day.strftime("%d/%m/%Y"))
        enrolled = int(page.get_by_test_id("count-enrolled").inner_text())
        assert enrolled >= 2  # the demo 1A
        no_sideways_scroll()
        snap("diem-danh-mo")

        rows = page.get_by_test_id("attendance-row")
        first, second = rows.nth(0), rows.nth(1)
        first_name, second_name = first.get_attribute("data-name"), second.get_attribute("data-name")
        first.get_by_text("Vắng P", exact=True).tap()
        first.get_by_test_id("note").fill("Ốm, mẹ đã báo")
        second.get_by_text("Vắng K", exact=True).tap()
        # The counts at the top follow the taps before anything is saved.
        assert page.get_by_test_id("count-excused").inner_text() == "1"
        assert page.get_by_test_id("count-unexcused").inner_text() == "1"
        if page.get_by_test_id("correction_reason").count():
            # The day was already recorded earlier in this run (e.g. by the authorization matrix).
            page.get_by_test_id("correction_reason").fill("Điểm danh lại trong kiểm thử")
        no_sideways_scroll()
        snap("diem-danh-da-cham")

        page.get_by_test_id("attendance-save").tap()
        page.get_by_test_id("attendance-saved").wait_for()
        assert page.get_by_test_id("count-present").inner_text() == str(enrolled - 2)
        assert page.get_by_test_id("count-excused").inner_text() == "1"
        assert page.get_by_test_id("count-unexcused").inner_text() == "1"
        assert page.get_by_test_id("attendance-row").nth(0).get_by_test_id("mark-excused").is_checked()
        no_sideways_scroll()
        snap("diem-danh-da-luu")

        # A correction: the unexcused absence was excused after all; the reason is required.
        page.get_by_test_id("attendance-row").nth(1).get_by_text("Vắng P", exact=True).tap()
        page.get_by_test_id("attendance-save").tap()
        page.get_by_test_id("correction_reason-error").wait_for()
        snap("sua-can-ly-do")
        page.get_by_test_id("correction_reason").fill("Phụ huynh gọi điện xin phép")
        page.get_by_test_id("attendance-save").tap()
        page.get_by_test_id("attendance-saved").wait_for()
        assert page.get_by_test_id("count-excused").inner_text() == "2"
        assert page.get_by_test_id("count-unexcused").inner_text() == "0"
        corrections = page.get_by_test_id("attendance-corrections").inner_text()
        assert "Phụ huynh gọi điện xin phép" in corrections
        assert str(second_name) in corrections
        no_sideways_scroll()
        snap("da-sua-co-ly-do")

        page.get_by_test_id("attendance-month-link").tap()
        page.get_by_test_id("month-grid").wait_for()
        for name in (first_name, second_name):
            cell = page.locator(f"[data-testid='month-row'][data-name='{name}'] [data-date='{day.isoformat()}']")
            assert cell.inner_text().strip() == "P"
        size = page.locator(f"[data-testid='day-size'][data-date='{day.isoformat()}']").inner_text()
        assert size == f"{enrolled - 2}/{enrolled}"
        snap("so-theo-doi-chuyen-can")
    except Exception:
        snap("loi")
        raise
    finally:
        context.close()
