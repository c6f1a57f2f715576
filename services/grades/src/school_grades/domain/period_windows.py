"""Entry windows of the four assessment periods (domain-vn §2.3): each period is open for entry
from one day to another, set by the HT per school year; the configured defaults apply until then."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from school_grades.domain.errors import ValidationError
from school_grades.domain.programme import Period


@dataclass(frozen=True)
class Window:
    opens_on: date
    closes_on: date

    def contains(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on


def check_windows(windows: Mapping[Period, Window], year_start: date | None, year_end: date | None) -> None:
    """Refuse windows that are missing, inverted, out of period order or outside the school year,
    every problem at once under ``windows.<period>``."""
    problems: dict[str, str] = {}
    for period in Period:
        window = windows.get(period)
        name = f"windows.{period.value}"
        if window is None:
            problems[name] = f"Thiếu thời hạn nhập của kỳ {period.value}"
            continue
        if window.closes_on < window.opens_on:
            problems[name] = f"Kỳ {period.value}: ngày kết thúc phải sau hoặc bằng ngày bắt đầu"
        elif year_start and year_end and (window.opens_on < year_start or window.closes_on > year_end):
            problems[name] = (
                f"Kỳ {period.value}: thời hạn nhập phải nằm trong năm học ({year_start:%d/%m/%Y} – {year_end:%d/%m/%Y})"
            )
    order = [p for p in Period if p in windows]
    for earlier, later in zip(order, order[1:], strict=False):
        name = f"windows.{later.value}"
        if name not in problems and windows[later].opens_on < windows[earlier].opens_on:
            problems[name] = f"Kỳ {later.value} phải bắt đầu sau kỳ {earlier.value}"
    if problems:
        raise ValidationError("Thời hạn nhập chưa hợp lệ", problems)


def window_refusal(window: Window, today: date, period: Period) -> str | None:
    """Why a write is refused today (outside the window), or None."""
    if window.contains(today):
        return None
    return (
        f"Ngoài thời hạn nhập kỳ {period.value} ({window.opens_on:%d/%m/%Y} – {window.closes_on:%d/%m/%Y}); "
        "liên hệ Hiệu trưởng nếu cần điều chỉnh thời hạn"
    )
