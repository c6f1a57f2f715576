"""Fixtures shared by identity's unit and integration tests: a clock the test moves by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


class FakeClock:
    """Stands still until told to advance, so expiry boundaries can be hit exactly."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 1, 5, 7, 30, tzinfo=UTC))
