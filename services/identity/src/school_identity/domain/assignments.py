"""Rules for granting an assignment (phân công): which scope a role needs, and its dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from school_identity.domain.model import SchoolClass, SchoolYear
from school_identity.domain.roles import ROLE_INFO, Role, ScopeKind

_SUBJECT = re.compile(r"^[A-Z][A-Z0-9_]{1,29}$")


@dataclass(frozen=True)
class GrantRequest:
    """What a grant asks for, after the ids were looked up (None = unknown or not given)."""

    role: Role
    school_year: SchoolYear | None
    school_year_id: str
    department_known: bool
    department_id: str
    school_class: SchoolClass | None
    class_id: str
    subject_code: str
    starts_on: date | None
    ends_on: date | None
    # Whether the caller wrote something unreadable into the date fields.
    unreadable: dict[str, str]


@dataclass(frozen=True)
class GrantPlan:
    scope_kind: ScopeKind
    starts_on: date
    ends_on: date | None


def plan_grant(req: GrantRequest, today: date) -> tuple[GrantPlan | None, dict[str, str]]:
    """The scope and dates of a valid grant, or the problems (Vietnamese, per field).

    Year-scoped roles need a known school year and end with it (ends_on defaults to the year's
    last day and may not pass it); account-level roles take no year and run until ended.
    """
    info = ROLE_INFO[req.role]
    problems = dict(req.unreadable)
    if req.role is Role.CMHS:
        problems["role"] = "Vai trò Cha mẹ học sinh gắn với tài khoản phụ huynh, không phân công theo năm học"
        return None, problems
    year = req.school_year
    if info.year_scoped:
        if not req.school_year_id:
            problems["school_year_id"] = "Vai trò này được phân công theo năm học: vui lòng chọn năm học"
        elif year is None:
            problems["school_year_id"] = "Năm học không tồn tại (hoặc chưa được đồng bộ từ phân hệ học sinh)"
    elif req.school_year_id:
        problems["school_year_id"] = "Vai trò này gắn với tài khoản, không theo năm học: bỏ trống năm học"
    kind = info.scope_kind
    if kind is ScopeKind.DEPARTMENT:
        if not req.department_id:
            problems["department_id"] = "Vui lòng chọn tổ chuyên môn"
        elif not req.department_known:
            problems["department_id"] = "Tổ chuyên môn không tồn tại"
    elif req.department_id:
        problems["department_id"] = "Vai trò này không gắn với tổ chuyên môn"
    if kind in (ScopeKind.CLASS, ScopeKind.CLASS_SUBJECT):
        if not req.class_id:
            problems["class_id"] = "Vui lòng chọn lớp"
        elif req.school_class is None:
            problems["class_id"] = "Lớp không tồn tại (hoặc chưa được đồng bộ từ phân hệ học sinh)"
        elif year is not None and req.school_class.school_year_id != year.id:
            problems["class_id"] = "Lớp không thuộc năm học đã chọn"
    elif req.class_id:
        problems["class_id"] = "Vai trò này không gắn với lớp"
    if kind is ScopeKind.CLASS_SUBJECT:
        if not req.subject_code:
            problems["subject_code"] = "Vui lòng chọn môn học"
        elif not _SUBJECT.match(req.subject_code):
            problems["subject_code"] = "Mã môn học gồm chữ in hoa không dấu, số và dấu _, ví dụ TOAN, TIENG_VIET"
    elif req.subject_code:
        problems["subject_code"] = "Vai trò này không gắn với môn học"
    if problems:
        return None, problems
    starts_on = req.starts_on or (max(today, year.start_date) if year else today)
    ends_on = req.ends_on or (year.end_date if year else None)
    if year is not None:
        if starts_on < year.start_date or starts_on > year.end_date:
            problems["starts_on"] = "Ngày bắt đầu phải nằm trong năm học"
        if ends_on is not None and ends_on > year.end_date:
            problems["ends_on"] = "Phân công kết thúc cùng năm học: ngày kết thúc không được sau ngày cuối năm học"
        if year.end_date < today:
            problems["school_year_id"] = "Năm học đã kết thúc"
    if ends_on is not None and ends_on < starts_on:
        problems["ends_on"] = "Ngày kết thúc phải từ ngày bắt đầu trở đi"
    if ends_on is not None and ends_on < today and "ends_on" not in problems:
        problems["ends_on"] = "Ngày kết thúc đã qua"
    if problems:
        return None, problems
    return GrantPlan(scope_kind=kind, starts_on=starts_on, ends_on=ends_on), {}
