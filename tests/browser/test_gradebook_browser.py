"""The grade book grid in Debian's Chromium against the whole system: the GVCN of 1A (who also teaches
Toán there) opens the CK1 sheet of Toán, pastes a block copied from a spreadsheet (tab-separated
rows), types levels and scores from the keyboard (Tab and the arrow keys move), saves with Ctrl+S;
a second editor who opened the sheet before that save changes the same cell and is shown the
conflict on the cell (the other value, who and when) with their own value kept, then saves again
on purpose. The page also fits a phone. Screenshots go to test-artifacts/browser/gradebook/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deploy.local.launch import current_school_year
from tests.stack import DEMO_PASSWORD, Api, Stack, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.integration]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 667}
VIETNAM = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (the CI script does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def class_1a(stack: Stack, head: Api) -> str:
    """1A's id, after the HT opened the CK1 entry window around today (the test is due there)."""
    # The demo's year and its 1A (other tests of the run add years and classes of their own).
    year = next(y for y in head.items("/api/v1/school-years", page_size=200) if y["name"] == current_school_year()[0])
    classes = head.items("/api/v1/classes", page_size=200, school_year_id=year["id"])
    class_id = next(c["id"] for c in classes if c["name"] == "1A")
    today = dt.datetime.now(VIETNAM).date()
    starts, ends = dt.date.fromisoformat(year["start_date"]), dt.date.fromisoformat(year["end_date"])
    opens, closes = max(starts, today - dt.timedelta(days=1)), min(ends, today + dt.timedelta(days=20))
    form = {"year": year["id"]}
    for period in ("GK1", "CK1", "GK2", "CN"):
        form[f"opens-{period}"] = f"{opens:%d/%m/%Y}" if period == "CK1" else f"{starts:%d/%m/%Y}"
        form[f"closes-{period}"] = f"{closes:%d/%m/%Y}" if period == "CK1" else f"{ends:%d/%m/%Y}"

    def saved() -> bool:
        # Grades learns the year from students' events a moment after the demo was seeded.
        r = head.http.post(
            f"{stack.url}/gradebook/settings/windows",
            data=form,
            headers={"X-CSRFToken": head.csrf},
            allow_redirects=False,
            timeout=15,
        )
        return r.status_code == 303

    wait_until(saved, timeout_s=60, interval_s=1)
    return class_id


def sign_in(browser: Any, stack: Stack, username: str, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    page.goto(stack.url + "/")
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(DEMO_PASSWORD)
    page.get_by_test_id("signin-submit").click()
    page.get_by_test_id("greeting").wait_for()
    return page


def test_keyboard_paste_save_and_a_conflict_for_the_second_editor(  # type: ignore[no-untyped-def]
    stack: Stack, class_1a: str, browser, artifacts: Path
) -> None:
    shots = artifacts / "browser" / "gradebook"
    shots.mkdir(parents=True, exist_ok=True)
    grid_url = f"{stack.url}/classes/{class_1a}/gradebook?period=CK1&subject=TOAN"
    first = sign_in(browser, stack, "gvcn", DESKTOP)
    second = sign_in(browser, stack, "gvcn", DESKTOP)  # the same teacher on a second device
    try:
        # The menu leads to the grade book and the class.
        first.get_by_test_id("nav-gradebook").click()
        first.get_by_test_id("gradebook-classes").wait_for()
        first.goto(grid_url)
        first.get_by_test_id("gradebook-grid").wait_for()
        second.goto(grid_url)
        second.get_by_test_id("gradebook-grid").wait_for()
        assert "Toán" in first.get_by_test_id("gradebook-state").inner_text()
        rows = first.get_by_test_id("gradebook-row")
        assert rows.count() >= 2
        levels, scores = first.get_by_test_id("level"), first.get_by_test_id("score")
        comments = first.get_by_test_id("comment")

        # Paste a two-row block copied from a spreadsheet into the first level cell.
        levels.nth(0).focus()
        first.evaluate(
            """(text) => {
                const data = new DataTransfer();
                data.setData("text/plain", text);
                const paste = new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true});
                document.activeElement.dispatchEvent(paste);
            }""",
            "C\t5\tCần luyện thêm phép cộng\r\nh\t7\tTiến bộ\r\n",
        )
        assert [levels.nth(i).input_value() for i in (0, 1)] == ["C", "H"]
        assert [scores.nth(i).input_value() for i in (0, 1)] == ["5", "7"]
        assert comments.nth(1).input_value() == "Tiến bộ"

        # Then type over the first row from the keyboard: level, Tab to the score, arrows to move.
        levels.nth(0).click()
        first.keyboard.press("Control+A")
        first.keyboard.type("t")
        assert levels.nth(0).input_value() == "T"  # capitals, whatever was typed
        first.keyboard.press("Tab")
        first.keyboard.press("Control+A")
        first.keyboard.type("9")
        first.keyboard.press("ArrowDown")  # the score of the second pupil
        first.keyboard.press("Control+A")
        first.keyboard.type("8")
        first.keyboard.press("ArrowLeft")  # back to the second pupil's level
        assert first.evaluate("document.activeElement.getAttribute('data-field')") == "level"
        first.keyboard.press("Control+A")
        first.keyboard.type("t")
        first.screenshot(path=str(shots / "01-typed.png"), full_page=True)

        # A score of 0 is refused on the cell, naming the pupil; nothing is saved.
        scores.nth(0).fill("0")
        first.keyboard.press("Control+s")
        error = first.get_by_test_id("cell-error").first
        error.wait_for()
        assert "không cho điểm 0" in error.inner_text()
        name = rows.nth(0).get_attribute("data-name")
        assert name
        assert name in error.inner_text()
        scores.nth(0).fill("9")
        first.keyboard.press("Control+s")
        wait_until(lambda: "Đã lưu 2 ô" in first.get_by_test_id("gb-status").inner_text(), timeout_s=15)
        first.screenshot(path=str(shots / "02-saved.png"), full_page=True)
        assert first.get_by_test_id("cell-error").count() == 0

        # The second editor opened the sheet before that save; they put H on the first pupil.
        second_levels = second.get_by_test_id("level")
        assert second_levels.nth(0).input_value() in ("", "T", "H", "C")
        second_levels.nth(0).fill("H")
        second.get_by_test_id("gb-save").click()
        conflict = second.get_by_test_id("cell-conflict").first
        conflict.wait_for()
        text = conflict.inner_text()
        assert "T 9" in text
        assert "giá trị của bạn vẫn được giữ" in text
        assert second_levels.nth(0).input_value() == "H"  # nothing lost: their change stays
        assert second.get_by_test_id("score").nth(0).input_value() == "9"  # the field they left takes the new value
        assert "người khác sửa" in second.get_by_test_id("gb-status").inner_text()
        second.screenshot(path=str(shots / "03-conflict.png"), full_page=True)
        # Having seen it, they keep their value: saving again overwrites on purpose.
        second.get_by_test_id("gb-save").click()
        wait_until(lambda: "Đã lưu 1 ô" in second.get_by_test_id("gb-status").inner_text(), timeout_s=15)
        assert second.get_by_test_id("cell-conflict").count() == 0

        # The first editor reloads and sees the final value and its history.
        first.goto(grid_url)
        assert first.get_by_test_id("level").nth(0).input_value() == "H"
        first.get_by_test_id("history-link").nth(0).click()
        changes = first.get_by_test_id("history-change")
        changes.first.wait_for()
        assert changes.count() >= 4  # level, score, comment by the first save, then the level again
    finally:
        first.context.close()
        second.context.close()


def test_the_grid_fits_a_phone(stack: Stack, class_1a: str, browser, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    page = sign_in(browser, stack, "gvcn", PHONE)
    try:
        page.goto(f"{stack.url}/classes/{class_1a}/gradebook?period=CK1&subject=TOAN")
        page.get_by_test_id("gradebook-grid").wait_for()
        # The table scrolls inside its frame; the page itself never scrolls sideways.
        width = page.evaluate("document.documentElement.scrollWidth")
        widest = page.evaluate(
            """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 376)
                 .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)
"""
        )
        assert width <= PHONE["width"], f"the grade book is {width}px wide on a 375px phone: {widest}"
        page.get_by_test_id("level").nth(1).focus()
        page.keyboard.press("Control+A")  # the cell may hold a level already (one character at most)
        page.keyboard.type("c")
        assert page.get_by_test_id("level").nth(1).input_value() == "C"
        page.screenshot(path=str(artifacts / "browser" / "gradebook" / "04-phone.png"), full_page=True)
    finally:
        page.context.close()


def test_the_qualities_sheet_takes_d_for_dat(stack: Stack, class_1a: str, browser, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    page = sign_in(browser, stack, "gvcn", DESKTOP)
    try:
        page.goto(f"{stack.url}/classes/{class_1a}/gradebook?period=CK1&subject=PC_NL")
        page.get_by_test_id("gradebook-grid").wait_for()
        levels = page.get_by_test_id("level")
        assert levels.count() >= 30  # 15 qualities and competencies for each pupil
        levels.nth(0).focus()
        page.keyboard.press("Control+A")
        page.keyboard.type("d")  # no Vietnamese keyboard needed for Đạt
        assert levels.nth(0).input_value() == "Đ"
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Control+A")
        page.keyboard.type("x")
        page.keyboard.press("Control+s")
        error = page.get_by_test_id("cell-error").first
        error.wait_for()
        assert "Tốt" in error.inner_text()
        assert "Cần cố gắng" in error.inner_text()
        levels.nth(1).fill("T")
        page.keyboard.press("Control+s")
        wait_until(lambda: "Đã lưu 2 ô" in page.get_by_test_id("gb-status").inner_text(), timeout_s=15)
        page.screenshot(path=str(artifacts / "browser" / "gradebook" / "05-qualities.png"), full_page=True)
    finally:
        page.context.close()
