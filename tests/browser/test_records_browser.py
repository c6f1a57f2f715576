"""The student record in Debian's Chromium at desktop and phone (375 px) sizes: the homeroom
teacher reviews 1A, opens a pupil's record and gets a Vietnamese message for a bad citizen ID;
the demo parent opens "Con của tôi" and their child's record. Screenshots in test-artifacts/browser/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local.launch import current_school_year
from tests.stack import DEMO_PASSWORD, Stack

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.integration]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (the CI script does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _sign_in(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/signin")
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(DEMO_PASSWORD)
    page.get_by_test_id("signin-submit").click()
    page.get_by_test_id("greeting").wait_for()


def _fits(page, device: str) -> None:  # type: ignore[no-untyped-def]
    if device == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS["phone"]["width"], f"page is {width}px wide on a phone"


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_record_review_and_parent_pages(stack: Stack, browser, artifacts: Path, device: str) -> None:  # type: ignore[no-untyped-def]
    shots = artifacts / "browser" / f"records-{device}"
    shots.mkdir(parents=True, exist_ok=True)
    step = 0

    def snap(page, name: str) -> None:  # type: ignore[no-untyped-def]
        nonlocal step
        step += 1
        page.screenshot(path=str(shots / f"{step:02d}-{name}.png"), full_page=True)

    teacher = browser.new_context(viewport=VIEWPORTS[device], locale="vi-VN")
    page = teacher.new_page()
    try:
        _sign_in(page, stack.url, "gvcn")
        # Other tests of the session may have opened later years: pick the demo year.
        page.goto(stack.url + "/classes")
        page.get_by_test_id("filter-year").select_option(label=current_school_year()[0])
        page.get_by_test_id("filter-submit").click()
        page.get_by_test_id("class-link").filter(has_text="1A").first.click()
        page.get_by_test_id("record-review-link").click()
        page.get_by_test_id("review-title").wait_for()
        assert "Rà soát hồ sơ đầu năm" in page.get_by_test_id("review-title").inner_text()
        snap(page, "ra-soat-lop")
        _fits(page, device)
        page.get_by_test_id("review-link").first.click()
        page.get_by_test_id("record-title").wait_for()
        assert "Hồ sơ học sinh" in page.get_by_test_id("record-title").inner_text()
        snap(page, "ho-so")
        _fits(page, device)
        page.get_by_test_id("citizen_id").fill("12345")
        page.get_by_test_id("record-submit").click()
        page.get_by_test_id("citizen_id-error").wait_for()
        assert "12 chữ số" in page.get_by_test_id("citizen_id-error").inner_text()
        snap(page, "ho-so-loi")
        _fits(page, device)
    except Exception:
        snap(page, "loi-gv")
        raise
    finally:
        teacher.close()

    parent = browser.new_context(viewport=VIEWPORTS[device], locale="vi-VN")
    page = parent.new_page()
    try:
        _sign_in(page, stack.url, "phuhuynh")
        page.goto(stack.url + "/my-children")
        deadline = time.monotonic() + 60
        while page.get_by_test_id("child").count() == 0:
            assert time.monotonic() < deadline, "the demo parent never saw their child"
            time.sleep(1)
            page.reload()
        snap(page, "con-cua-toi")
        _fits(page, device)
        page.get_by_test_id("child-link").first.click()
        page.get_by_test_id("record-guardians").wait_for()
        assert "Lê Thị Hạnh" in page.get_by_test_id("record-guardians").inner_text()
        assert page.get_by_test_id("record-form").count() == 0
        snap(page, "ho-so-cua-con")
        _fits(page, device)
    except Exception:
        snap(page, "loi-phu-huynh")
        raise
    finally:
        parent.close()
