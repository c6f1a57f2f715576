"""Disabling an account ends every open session of that person within 5 seconds (S7), through
the gateway's short per-worker session cache included; re-enabling does not bring old sessions back."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.stack import Api, Stack

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

PASSWORD = "Học-bạ-số-an-toàn-2026"
SESSION_CACHE_SECONDS = 2  # the gateway's default: how long a worker trusts a validated session


def new_teacher(head: Api, stack: Stack) -> tuple[str, str]:
    """A fresh staff account taken through its first sign-in; returns (username, account id)."""
    username = f"gvtam{uuid.uuid4().hex[:6]}"
    r = head.post("/api/v1/staff", {"full_name": "Đinh Thị Tâm", "create_account_username": username})
    assert r.status_code == 201, r.text
    created = r.json()
    first = Api(stack.url)
    r = first.login(username, created["one_time_code"])
    assert r.json()["outcome"] == "password_change_required", r.text
    r = first.post("/api/v1/auth/continue", {"new_password": PASSWORD})
    assert r.json()["outcome"] == "signed_in", r.text
    return username, created["record"]["user_id"]


def statuses(stack: Stack, cookie_sets: list[dict[str, str]], rounds: int = 8) -> set[int]:
    """Replay each browser's original cookie several times, so every gateway worker answers."""
    return {
        requests.get(stack.url + "/api/v1/me", cookies=cookies, timeout=10).status_code
        for cookies in cookie_sets
        for _ in range(rounds)
    }


def test_disable_ends_open_sessions_within_five_seconds(head: Api, stack: Stack) -> None:
    username, user_id = new_teacher(head, stack)
    browsers = [Api(stack.url) for _ in range(2)]
    for b in browsers:
        assert b.login(username, PASSWORD).json()["outcome"] == "signed_in"
    cookie_sets = [b.http.cookies.get_dict() for b in browsers]
    # Every worker now holds the session in its cache.
    assert statuses(stack, cookie_sets) == {200}

    r = head.post(f"/api/v1/accounts/{user_id}/active", {"active": False, "reason": "Nghỉ việc từ hôm nay"})
    assert r.status_code == 200, r.text
    disabled_at = time.monotonic()

    time.sleep(SESSION_CACHE_SECONDS + 0.5)
    assert statuses(stack, cookie_sets) == {401}, "a session outlived the disable"
    assert time.monotonic() - disabled_at < 5
    assert Api(stack.url).login(username, PASSWORD).status_code == 401

    r = head.post(f"/api/v1/accounts/{user_id}/active", {"active": True, "reason": "Quay lại công tác"})
    assert r.status_code == 200, r.text
    assert statuses(stack, cookie_sets) == {401}, "a revoked session came back after re-enabling"
    assert Api(stack.url).login(username, PASSWORD).json()["outcome"] == "signed_in"
