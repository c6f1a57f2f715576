"""Steps the browser tests share."""

from __future__ import annotations

from typing import Any

from deploy.local.launch import DEMO_PASSWORD, demo_totp, spend_current_step


def sign_in_with_mfa(page: Any, url: str, username: str) -> None:
    """Sign in a demo account that must pass a second factor (the principal, the office...)."""
    page.goto(url + "/signin")
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(DEMO_PASSWORD)
    page.get_by_test_id("signin-submit").click()
    for _ in range(2):
        page.get_by_test_id("totp_code").fill(demo_totp(username))
        page.get_by_test_id("signin-mfa-submit").click()
        page.get_by_test_id("greeting").or_(page.get_by_test_id("totp_code-error")).first.wait_for()
        if page.get_by_test_id("greeting").count():
            return
        spend_current_step(username)  # each code works once: another sign-in used this step's
    page.get_by_test_id("greeting").wait_for()
