"""Use cases on staff records (hồ sơ CBGVNV) and departments, including the Excel import and export.

The citizen id (CCCD) is shown only to holders of identity:staff:read_sensitive, never appears in
lists, events, audit rows or import reports, and is exported only to a stepped-up caller.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from school_identity.app.accounts import insert_account
from school_identity.app.commands import Actor, CreateAccount
from school_identity.app.common import entry, require, vn_today
from school_identity.app.deps import Deps
from school_identity.app.pagination import Page, page_request, slice_after
from school_identity.app.ports import UnitOfWork
from school_identity.app.staff_sheet import (
    COLUMNS,
    HEADER_OF,
    HEADERS,
    MAX_BYTES,
    MAX_ROWS,
    SHEET_NAME,
    TEXT_COLUMNS,
    RowError,
    header_positions,
    is_blank,
    read_row,
    record_row,
)
from school_identity.domain.departments import grade_levels_problem
from school_identity.domain.errors import (
    AccessDeniedError,
    AlreadyExistsError,
    ConflictError,
    InvalidValueError,
    NotFoundError,
    StepUpRequiredError,
)
from school_identity.domain.events import StaffCreated, StaffUpdated
from school_identity.domain.model import Department
from school_identity.domain.roles import ASSIGNMENT_WRITE, ROLE_INFO, STAFF_READ, STAFF_READ_SENSITIVE, parse_role
from school_identity.domain.staff import (
    StaffDraft,
    StaffRecord,
    apply_draft,
    email_problem,
    missing_fields,
    next_staff_code,
    normalise_draft,
    normalise_phone,
    phone_problem,
    staff_problems,
)
from school_identity.domain.text import clean_spaces, fold
from school_identity.domain.usernames import normalise_username, username_problem

DEPARTMENT_NAME_MIN, DEPARTMENT_NAME_MAX = 2, 100


@dataclass(frozen=True)
class StaffView:
    """A record as one caller may see it: the citizen id blanked unless ``show_citizen_id``."""

    record: StaffRecord
    missing: list[str]
    show_citizen_id: bool


def _view(record: StaffRecord, actor: Actor, *, in_list: bool = False) -> StaffView:
    return StaffView(
        record=record, missing=missing_fields(record), show_citizen_id=not in_list and actor.has(STAFF_READ_SENSITIVE)
    )


def parse_iso(value: str, field: str, unreadable: dict[str, str]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        unreadable[field] = "Ngày không hợp lệ (dạng YYYY-MM-DD)"
        return None


def _draft_of(record: StaffRecord) -> StaffDraft:
    return StaffDraft(
        staff_code=record.staff_code,
        full_name=record.full_name,
        date_of_birth=record.date_of_birth,
        gender=record.gender,
        citizen_id=record.citizen_id,
        position=record.position,
        qualification=record.qualification,
        phone=record.phone,
        email=record.email,
        address=record.address,
        start_date=record.start_date,
        department_id=record.department_id,
        employment_status=record.employment_status,
    )


def _school_checks(uow: UnitOfWork, school_id: str, record: StaffRecord) -> dict[str, str]:
    """Checks that need the school's other rows: department, unique code and citizen id."""
    problems: dict[str, str] = {}
    if record.department_id:
        department = uow.departments.get(record.department_id)
        if department is None or department.school_id != school_id:
            problems["department_id"] = "Tổ chuyên môn không tồn tại"
    others = [r for r in uow.staff.for_school(school_id) if r.id != record.id]
    if record.staff_code and any(r.staff_code.upper() == record.staff_code.upper() for r in others):
        problems["staff_code"] = "Mã cán bộ đã được dùng cho hồ sơ khác"
    if record.citizen_id and any(r.citizen_id == record.citizen_id for r in others):
        problems["citizen_id"] = "Số CCCD đã có trong một hồ sơ khác của trường"
    return problems


def _event_updated(record: StaffRecord) -> StaffUpdated:
    return StaffUpdated(
        staff_id=record.id,
        school_id=record.school_id,
        full_name=record.full_name,
        position=record.position,
        department_id=record.department_id,
        employment_status=record.employment_status,
    )


def _event_created(record: StaffRecord) -> StaffCreated:
    return StaffCreated(
        staff_id=record.id,
        school_id=record.school_id,
        full_name=record.full_name,
        position=record.position,
        department_id=record.department_id,
        user_id=record.user_id,
    )


def create_staff(
    actor: Actor, draft: StaffDraft, create_account_username: str, account_roles: list[str], deps: Deps
) -> tuple[StaffView, str]:
    """Add a record; with a username, also an account that must change its one-time code first."""
    now = deps.clock()
    clean = normalise_draft(draft)
    problems = staff_problems(clean, vn_today(now))
    username = normalise_username(create_account_username) if create_account_username.strip() else ""
    roles = tuple(dict.fromkeys(r.strip().upper() for r in account_roles if r.strip()))
    if username:
        if (msg := username_problem(username)) is not None:
            problems["create_account_username"] = msg
        unknown = [r for r in roles if parse_role(r) is None]
        yearly = [r for r in roles if (role := parse_role(r)) is not None and ROLE_INFO[role].year_scoped]
        if unknown:
            problems["account_roles"] = "Vai trò không tồn tại: " + ", ".join(unknown)
        elif yearly:
            problems["account_roles"] = (
                "Vai trò theo năm học (" + ", ".join(yearly) + ") được giao bằng phân công, không gắn vào tài khoản"
            )
    elif roles:
        problems["account_roles"] = "Chỉ gán vai trò khi tạo kèm tài khoản"
    if roles and not actor.has(ASSIGNMENT_WRITE):
        # Giving roles is the principal's decision, not the office's (no escalation through records).
        raise AccessDeniedError(ASSIGNMENT_WRITE)
    if problems:
        raise InvalidValueError(problems)
    code = deps.new_one_time_code() if username else ""
    code_hash = deps.hasher.hash(code) if username else ""
    with deps.uow() as uow:
        record = StaffRecord(
            id=deps.new_id(),
            school_id=actor.school_id,
            staff_code=clean.staff_code,
            full_name=clean.full_name,
            created_at=now,
            updated_at=now,
        )
        apply_draft(record, clean, keep_citizen_id_when_empty=False)
        if not record.staff_code:
            record.staff_code = next_staff_code([r.staff_code for r in uow.staff.for_school(actor.school_id)])
        school_problems = _school_checks(uow, actor.school_id, record)
        if school_problems:
            raise InvalidValueError(school_problems)
        if username:
            account = insert_account(
                uow,
                deps,
                CreateAccount(
                    school_id=actor.school_id,
                    username=username,
                    full_name=record.full_name,
                    password=code,
                    roles=roles,
                    actor=actor.user_id,
                    request_id=actor.request_id,
                    must_change_password=True,
                    password_expires_at=now + deps.rules.reset_code_lifetime,
                    check_password_policy=False,
                    allow_no_roles=True,
                ),
                code_hash,
            )
            record.user_id = account.id
        uow.staff.add(record)
        uow.audit.append(
            entry(
                deps,
                actor=actor.user_id,
                action="staff.created",
                school_id=actor.school_id,
                target=record.id,
                request_id=actor.request_id,
                detail={
                    "staff_code": record.staff_code,
                    "account_id": record.user_id,
                    "missing": missing_fields(record),
                },
            )
        )
        uow.record(_event_created(record))
        uow.commit()
    return _view(record, actor), code


def _merged_problems(record: StaffRecord, today: date) -> dict[str, str]:
    return staff_problems(_draft_of(record), today)


def update_staff(
    actor: Actor, staff_id: str, draft: StaffDraft, expected_version: int, deps: Deps, *, linked_user_id: str = ""
) -> StaffView:
    """Replace a record's editable fields; ConflictError when the version is stale.

    The linked account is set when it is created, never through the record (mass assignment):
    a ``linked_user_id`` other than the stored one is refused.
    """
    now = deps.clock()
    clean = normalise_draft(draft)
    problems = staff_problems(clean, vn_today(now))
    sensitive = actor.has(STAFF_READ_SENSITIVE)
    if clean.citizen_id and not sensitive:
        # Writing a value one may not read would be a blind overwrite: refused.
        raise AccessDeniedError(STAFF_READ_SENSITIVE)
    if problems:
        raise InvalidValueError(problems)
    with deps.uow() as uow:
        record = uow.staff.get(staff_id.strip()) if staff_id.strip() else None
        if record is None or record.school_id != actor.school_id:
            raise NotFoundError("Không tìm thấy hồ sơ cán bộ")
        if linked_user_id and linked_user_id != record.user_id:
            raise InvalidValueError({"user_id": "Không thể đổi tài khoản gắn với hồ sơ"})
        if record.version != expected_version:
            raise ConflictError()
        changed = apply_draft(record, clean, keep_citizen_id_when_empty=not sensitive)
        merged = _merged_problems(record, vn_today(now)) | _school_checks(uow, actor.school_id, record)
        if merged:
            raise InvalidValueError(merged)
        _store_update(uow, deps, actor, record, expected_version, changed, now)
        uow.commit()
    return _view(record, actor)


def _store_update(
    uow: UnitOfWork,
    deps: Deps,
    actor: Actor,
    record: StaffRecord,
    expected_version: int,
    changed: list[str],
    now: datetime,
    *,
    own_contact: bool = False,
) -> None:
    if not changed:
        return
    record.version = expected_version + 1
    record.updated_at = now
    if not uow.staff.update(record, expected_version):
        raise ConflictError()
    uow.audit.append(
        entry(
            deps,
            actor=actor.user_id,
            action="staff.updated",
            school_id=record.school_id,
            target=record.id,
            request_id=actor.request_id,
            detail={"fields": changed, "own_contact": own_contact},
        )
    )
    uow.record(_event_updated(record))


def update_own_contact(
    actor: Actor, phone: str, email: str, address: str, expected_version: int, deps: Deps
) -> StaffView:
    """The caller corrects the phone, email and address of their own record (and nothing else)."""
    now = deps.clock()
    clean_phone = normalise_phone(phone) if phone.strip() else ""
    clean_email = email.strip().lower()
    clean_address = clean_spaces(address)
    problems: dict[str, str] = {}
    if clean_phone and (msg := phone_problem(clean_phone)) is not None:
        problems["phone"] = msg
    if clean_email and (msg := email_problem(clean_email)) is not None:
        problems["email"] = msg
    if len(clean_address) > 300:
        problems["address"] = "Địa chỉ không được dài quá 300 ký tự"
    if problems:
        raise InvalidValueError(problems)
    with deps.uow() as uow:
        record = uow.staff.get_by_user(actor.user_id)
        if record is None or record.school_id != actor.school_id:
            raise NotFoundError("Tài khoản của bạn chưa gắn với hồ sơ cán bộ nào")
        if record.version != expected_version:
            raise ConflictError()
        changed = [
            name
            for name, value in (("phone", clean_phone), ("email", clean_email), ("address", clean_address))
            if getattr(record, name) != value
        ]
        record.phone, record.email, record.address = clean_phone, clean_email, clean_address
        _store_update(uow, deps, actor, record, expected_version, changed, now, own_contact=True)
        uow.commit()
    return _view(record, actor)


def get_staff(actor: Actor, staff_id: str, deps: Deps) -> StaffView:
    """One record; empty ``staff_id`` (or one's own id) needs no staff-reading permission."""
    with deps.uow(read_only=True) as uow:
        if not staff_id.strip():
            record = uow.staff.get_by_user(actor.user_id)
            if record is None or record.school_id != actor.school_id:
                raise NotFoundError("Tài khoản của bạn chưa gắn với hồ sơ cán bộ nào")
            return _view(record, actor)
        record = uow.staff.get(staff_id.strip())
    own = record is not None and record.user_id == actor.user_id and record.school_id == actor.school_id
    if not own:
        require(actor, STAFF_READ)
    if record is None or record.school_id != actor.school_id:
        raise NotFoundError("Không tìm thấy hồ sơ cán bộ")
    return _view(record, actor)


@dataclass(frozen=True)
class StaffList:
    page: Page[StaffView]
    total: int
    complete: int


def list_staff(
    actor: Actor, department_id: str, incomplete_only: bool, page_size: int, page_token: str, deps: Deps
) -> StaffList:
    """Records by name (citizen ids never included), with the school's completeness counts."""
    scope = f"staff:{actor.school_id}:{department_id.strip()}:{int(incomplete_only)}"
    request = page_request(page_size, page_token, scope)
    with deps.uow(read_only=True) as uow:
        records = uow.staff.for_school(actor.school_id)
    views = sorted(
        (_view(r, actor, in_list=True) for r in records), key=lambda v: (fold(v.record.full_name), v.record.id)
    )
    complete = sum(1 for v in views if not v.missing)
    chosen = [
        v
        for v in views
        if (not department_id.strip() or v.record.department_id == department_id.strip())
        and (not incomplete_only or v.missing)
    ]
    return StaffList(
        page=slice_after(chosen, request, scope, lambda v: v.record.id), total=len(views), complete=complete
    )


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    errors: list[RowError]


def import_staff(actor: Actor, workbook: bytes, dry_run: bool, deps: Deps) -> ImportResult:
    """Check every row of the template; write all of them in one transaction, or none."""
    if not workbook:
        raise InvalidValueError({"workbook": "Vui lòng chọn tệp Excel (.xlsx)"})
    if len(workbook) > MAX_BYTES:
        raise InvalidValueError({"workbook": "Tệp quá lớn (tối đa 5 MB)"})
    try:
        rows = deps.sheets.read(workbook, SHEET_NAME)
    except ValueError:
        raise InvalidValueError(
            {"workbook": f"Không đọc được tệp Excel, hoặc tệp không có trang tính «{SHEET_NAME}» theo mẫu"}
        ) from None
    if not rows:
        return _rejected(actor, deps, [RowError(1, HEADERS[0], "Tệp không có dòng tiêu đề")], dry_run)
    positions, header_errors = header_positions(rows[0])
    if header_errors:
        return _rejected(actor, deps, header_errors, dry_run)
    data = [(n, cells) for n, cells in enumerate(rows[1:], start=2) if not is_blank(cells)]
    if len(data) > MAX_ROWS:
        raise InvalidValueError({"workbook": f"Tệp có quá nhiều dòng (tối đa {MAX_ROWS})"})
    now = deps.clock()
    today = vn_today(now)
    with deps.uow(read_only=True) as uow:
        departments = {fold(d.name): d.id for d in uow.departments.for_school(actor.school_id)}
        existing = uow.staff.for_school(actor.school_id)
    by_code = {r.staff_code.upper(): r for r in existing}
    errors: list[RowError] = []
    plans: list[tuple[StaffRecord, bool, int, list[str]]] = []
    seen_codes: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    codes_in_use = [r.staff_code for r in existing]
    for number, cells in data:
        draft, row_errors = read_row(number, cells, positions, departments, today)
        errors += row_errors
        code = draft.staff_code.upper()
        if code:
            if code in seen_codes:
                errors.append(RowError(number, HEADER_OF["staff_code"], f"Mã cán bộ trùng với dòng {seen_codes[code]}"))
            seen_codes.setdefault(code, number)
        if draft.citizen_id:
            if draft.citizen_id in seen_ids:
                errors.append(
                    RowError(number, HEADER_OF["citizen_id"], f"Số CCCD trùng với dòng {seen_ids[draft.citizen_id]}")
                )
            seen_ids.setdefault(draft.citizen_id, number)
        if row_errors:
            continue
        current = by_code.get(code) if code else None
        if current is not None:
            record = dataclasses.replace(current)
            changed = apply_draft(record, draft, keep_citizen_id_when_empty=True)
            plans.append((record, False, current.version, changed))
        else:
            staff_code = draft.staff_code or next_staff_code(codes_in_use)
            codes_in_use.append(staff_code)
            record = StaffRecord(
                id=deps.new_id(), school_id=actor.school_id, staff_code=staff_code, full_name=draft.full_name
            )
            apply_draft(record, draft, keep_citizen_id_when_empty=False)
            record.created_at = record.updated_at = now
            plans.append((record, True, 0, []))
        # The merged record (a kept citizen id against a new birth date, say) must hold together too.
        for field, message in _merged_problems(record, today).items():
            if field in HEADER_OF:
                errors.append(RowError(number, HEADER_OF[field], message))
        if record.citizen_id and any(r.citizen_id == record.citizen_id and r.id != record.id for r in existing):
            errors.append(RowError(number, HEADER_OF["citizen_id"], "Số CCCD đã có trong một hồ sơ khác của trường"))
    errors.sort(key=lambda e: (e.row, HEADERS.index(e.column) if e.column in HEADERS else 0))
    if errors:
        return _rejected(actor, deps, errors, dry_run)
    if dry_run:
        return ImportResult(created=0, updated=0, errors=[])
    created = updated = 0
    with deps.uow() as uow:
        for record, is_new, version, changed in plans:
            if is_new:
                uow.staff.add(record)
                uow.record(_event_created(record))
                created += 1
            elif changed:
                record.version = version + 1
                record.updated_at = now
                if not uow.staff.update(record, version):
                    raise ConflictError("Hồ sơ đã được người khác sửa trong lúc nhập; vui lòng nhập lại tệp")
                uow.record(_event_updated(record))
                updated += 1
        uow.audit.append(
            entry(
                deps,
                actor=actor.user_id,
                action="staff.imported",
                school_id=actor.school_id,
                request_id=actor.request_id,
                detail={"rows": len(plans), "created": created, "updated": updated},
            )
        )
        uow.commit()
    return ImportResult(created=created, updated=updated, errors=[])


def _rejected(actor: Actor, deps: Deps, errors: list[RowError], dry_run: bool) -> ImportResult:
    with deps.uow() as uow:
        uow.audit.append(
            entry(
                deps,
                actor=actor.user_id,
                action="staff.imported",
                outcome="rejected",
                school_id=actor.school_id,
                request_id=actor.request_id,
                detail={"errors": len(errors), "dry_run": dry_run},
            )
        )
        uow.commit()
    return ImportResult(created=0, updated=0, errors=errors)


def export_staff(actor: Actor, include_sensitive: bool, deps: Deps) -> tuple[bytes, str]:
    """The school's records in the import template; citizen ids only to a stepped-up holder of the
    sensitive-read permission (the bulk-export step-up of quality bar S8). Every export is audited."""
    now = deps.clock()
    if include_sensitive:
        require(actor, STAFF_READ_SENSITIVE)
        if not actor.stepped_up(now):
            raise StepUpRequiredError()
    with deps.uow(read_only=True) as uow:
        records = sorted(uow.staff.for_school(actor.school_id), key=lambda r: (fold(r.full_name), r.id))
        names = {d.id: d.name for d in uow.departments.for_school(actor.school_id)}
    rows = [record_row(r, names, include_sensitive) for r in records]
    text = {i: True for i, (_, f) in enumerate(COLUMNS) if f in TEXT_COLUMNS}
    data = deps.sheets.write(SHEET_NAME, HEADERS, rows, text)
    with deps.uow() as uow:
        uow.audit.append(
            entry(
                deps,
                actor=actor.user_id,
                action="staff.exported",
                school_id=actor.school_id,
                request_id=actor.request_id,
                detail={"rows": len(rows), "include_sensitive": include_sensitive},
            )
        )
        uow.commit()
    return data, f"ho-so-cbgvnv-{vn_today(now).isoformat()}.xlsx"


def create_department(actor: Actor, name: str, deps: Deps) -> Department:
    clean = clean_spaces(name)
    if not DEPARTMENT_NAME_MIN <= len(clean) <= DEPARTMENT_NAME_MAX:
        raise InvalidValueError(
            {"name": f"Tên tổ chuyên môn dài từ {DEPARTMENT_NAME_MIN} đến {DEPARTMENT_NAME_MAX} ký tự"}
        )
    department = Department(id=deps.new_id(), school_id=actor.school_id, name=clean)
    with deps.uow() as uow:
        if any(fold(d.name) == fold(clean) for d in uow.departments.for_school(actor.school_id)):
            raise AlreadyExistsError("Tổ chuyên môn này đã có")
        uow.departments.add(department, fold(clean))
        uow.audit.append(
            entry(
                deps,
                actor=actor.user_id,
                action="department.created",
                school_id=actor.school_id,
                target=department.id,
                request_id=actor.request_id,
                detail={"name": clean},
            )
        )
        uow.commit()
    return department


def set_department_grades(actor: Actor, department_id: str, grade_levels: Sequence[int], deps: Deps) -> Department:
    """Replace the grade levels a department covers (its TTCM then reaches those classes at next sign-in
    or token refresh); another school's department is "not found"."""
    levels, problem = grade_levels_problem(grade_levels)
    if problem:
        raise InvalidValueError({"grade_levels": problem})
    with deps.uow() as uow:
        department = uow.departments.get(department_id.strip()) if department_id.strip() else None
        if department is None or department.school_id != actor.school_id:
            raise NotFoundError("Không tìm thấy tổ chuyên môn")
        uow.departments.set_grade_levels(department.id, levels)
        uow.audit.append(
            entry(
                deps,
                actor=actor.user_id,
                action="department.grades_set",
                school_id=actor.school_id,
                target=department.id,
                request_id=actor.request_id,
                detail={"before": list(department.grade_levels), "after": list(levels)},
            )
        )
        uow.commit()
    return dataclasses.replace(department, grade_levels=levels)


def list_departments(actor: Actor, deps: Deps) -> list[Department]:
    with deps.uow(read_only=True) as uow:
        return sorted(uow.departments.for_school(actor.school_id), key=lambda d: (fold(d.name), d.id))


def departments_by_name(actor: Actor, deps: Deps) -> Mapping[str, str]:
    return {fold(d.name): d.id for d in list_departments(actor, deps)}
