"""Use cases on the append-only audit log: filter and page through it, export it (HT, stepped up)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from school_identity.app.commands import Actor
from school_identity.app.common import VN_TZ, entry, vn_day_start, vn_today
from school_identity.app.deps import Deps
from school_identity.app.pagination import Page, encode_token, page_request
from school_identity.app.ports import UnitOfWork
from school_identity.domain.errors import InvalidValueError, StepUpRequiredError
from school_identity.domain.model import AuditRecord
from school_identity.domain.usernames import normalise_username

EXPORT_MAX_ROWS = 50_000
SUCCESS_OUTCOMES = frozenset({"ok", "rehashed"})
EXPORT_HEADERS = (
    "STT",
    "Thời gian (giờ Việt Nam)",
    "Người thực hiện",
    "Tên đăng nhập",
    "Hành động",
    "Kết quả",
    "Đối tượng",
    "Địa chỉ IP",
    "Mã yêu cầu",
    "Chi tiết",
)


@dataclass(frozen=True)
class AuditFilter:
    person: str = ""
    action: str = ""
    from_date: str = ""
    to_date: str = ""


@dataclass(frozen=True)
class _Query:
    people: list[str]
    action: str
    since: datetime | None
    until: datetime | None
    scope: str


def outcome_text(outcome: str) -> str:
    """success or failure, as the contract shows it (the stored reason goes into the detail)."""
    return "success" if outcome in SUCCESS_OUTCOMES else "failure"


def detail_text(record: AuditRecord) -> str:
    detail = dict(record.entry.detail)
    if record.entry.outcome not in SUCCESS_OUTCOMES:
        detail.setdefault("reason", record.entry.outcome)
    return json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else ""


def _day(value: str, field: str, problems: dict[str, str]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        problems[field] = "Ngày không hợp lệ (dạng YYYY-MM-DD)"
        return None


def _query(uow: UnitOfWork, actor: Actor, f: AuditFilter) -> _Query | None:
    """Resolve the filters; None when the person named does not exist (nothing can match)."""
    problems: dict[str, str] = {}
    start = _day(f.from_date, "from_date", problems)
    end = _day(f.to_date, "to_date", problems)
    if start and end and end < start:
        problems["to_date"] = "Ngày kết thúc phải từ ngày bắt đầu trở đi"
    action = f.action.strip()
    if len(action) > 50:
        problems["action"] = "Tên hành động quá dài"
    if problems:
        raise InvalidValueError(problems)
    people: list[str] = []
    person = f.person.strip()
    if person:
        account = uow.accounts.get(person) or uow.accounts.get_by_username(normalise_username(person))
        if account is None or account.school_id != actor.school_id:
            return None
        people = [account.id]
    return _Query(
        people=people,
        action=action,
        since=vn_day_start(start) if start else None,
        until=vn_day_start(end + timedelta(days=1)) if end else None,
        scope=f"audit:{actor.school_id}:{','.join(people)}:{action}:{f.from_date.strip()}:{f.to_date.strip()}",
    )


def list_audit_events(actor: Actor, f: AuditFilter, page_size: int, page_token: str, deps: Deps) -> Page[AuditRecord]:
    """The school's audit entries, newest first, filtered by person, action prefix and VN dates."""
    with deps.uow(read_only=True) as uow:
        query = _query(uow, actor, f)
        scope = query.scope if query else f"audit:{actor.school_id}:none"
        request = page_request(page_size, page_token, scope)
        if query is None:
            return Page(items=[], next_token="")
        if request.after is not None and not request.after.isdigit():
            raise InvalidValueError({"page_token": "Mã trang không hợp lệ hoặc đã hết hạn"})
        rows = uow.audit.search(
            actor.school_id,
            people=query.people,
            action_prefix=query.action,
            since=query.since,
            until=query.until,
            before_id=int(request.after) if request.after else None,
            limit=request.size + 1,
        )
    if len(rows) <= request.size:
        return Page(items=rows, next_token="")
    items = rows[: request.size]
    return Page(items=items, next_token=encode_token(scope, str(items[-1].id)))


def export_audit_events(actor: Actor, f: AuditFilter, deps: Deps) -> tuple[bytes, str]:
    """The filtered log as .xlsx for a stepped-up caller; the export itself is audited."""
    now = deps.clock()
    if not actor.stepped_up(now):
        raise StepUpRequiredError()
    with deps.uow(read_only=True) as uow:
        query = _query(uow, actor, f)
        rows = (
            uow.audit.search(
                actor.school_id,
                people=query.people,
                action_prefix=query.action,
                since=query.since,
                until=query.until,
                before_id=None,
                limit=EXPORT_MAX_ROWS,
            )
            if query
            else []
        )
    cells = [
        [
            str(r.id),
            r.entry.at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S"),
            r.entry.actor,
            r.actor_username,
            r.entry.action,
            outcome_text(r.entry.outcome),
            r.entry.target,
            r.entry.ip,
            r.entry.request_id,
            detail_text(r),
        ]
        for r in rows
    ]
    data = deps.sheets.write("NhatKy", EXPORT_HEADERS, cells, {})
    with deps.uow() as uow:
        uow.audit.append(
            entry(
                deps,
                actor=actor.user_id,
                action="audit.exported",
                school_id=actor.school_id,
                request_id=actor.request_id,
                detail={"rows": len(cells), "filter": {k: v for k, v in f.__dict__.items() if v}},
            )
        )
        uow.commit()
    return data, f"nhat-ky-{vn_today(now).isoformat()}.xlsx"
