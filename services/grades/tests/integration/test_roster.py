"""Roster handlers on real databases, served by GradesService.ListRoster over real gRPC."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest
from google.protobuf.message import DecodeError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from school.grades.v1 import grades_pb2
from school_grades.adapters.tables import roster, roster_changes
from school_grades.domain.roster import InvalidEventError
from school_grades.events.inbound import HANDLERS
from schoolkit.db import transaction
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.grpc_errors import field_violations

pytestmark = pytest.mark.integration


def apply(sessions: sessionmaker[Session], *events: CloudEvent) -> None:
    """What the consumer does per event: one transaction around the handler."""
    for event in events:
        with transaction(sessions) as session:
            HANDLERS[event.type](session, event)


def names(api: Any, class_id: str, page_size: int = 0) -> list[str]:
    out: list[str] = []
    token = ""
    while True:
        page = api.ListRoster(grades_pb2.ListRosterRequest(class_id=class_id, page_size=page_size, page_token=token))
        out += [e.full_name for e in page.entries]
        token = page.next_page_token
        if not token:
            return out


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_enrolments_become_a_sorted_roster(
    sessions: sessionmaker[Session], api_for: Callable[..., Any], events: Any
) -> None:
    apply(
        sessions,
        events.enrolled("st-1", "Trần Văn Bình", "c1", code="HS000001"),
        events.enrolled("st-2", "Nguyễn Văn An", "c1", code="HS000002"),
        events.enrolled("st-3", "Lê Thị An", "c1", code="HS000003"),
        events.enrolled("st-4", "Phạm Anh", "c2", class_name="3C"),
        events.enrolled("st-5", "Lò Thị Ánh", "c9", school_id="school-b"),
    )
    api = api_for()
    assert names(api, "c1") == ["Lê Thị An", "Nguyễn Văn An", "Trần Văn Bình"]
    assert names(api, "c1", page_size=2) == ["Lê Thị An", "Nguyễn Văn An", "Trần Văn Bình"]
    first = api.ListRoster(grades_pb2.ListRosterRequest(class_id="c1")).entries[0]
    assert (first.student_id, first.student_code, first.date_of_birth) == ("st-3", "HS000003", "2017-03-01")
    assert (first.class_id, first.class_name) == ("c1", "3B")
    assert first.updated_at.seconds > 0
    assert names(api, "c2") == ["Phạm Anh"]


def test_details_change_renames_and_reorders(
    sessions: sessionmaker[Session], api_for: Callable[..., Any], events: Any
) -> None:
    apply(sessions, events.enrolled("st-1", "Lê Thị An", "c1"), events.enrolled("st-2", "Lê Thị Bình", "c1"))
    apply(sessions, events.details_changed("st-1", "Lê Thị Cúc", class_id="c1"))
    assert names(api_for(), "c1") == ["Lê Thị Bình", "Lê Thị Cúc"]


def test_details_before_enrolment_waits_for_the_class(
    sessions: sessionmaker[Session], api_for: Callable[..., Any], events: Any
) -> None:
    enrolled = events.enrolled("st-1", "Lê Thị An", "c1", seq=5)
    renamed = events.details_changed("st-1", "Lê Thị Ánh", class_id="c1", seq=9)
    apply(sessions, renamed)
    assert names(api_for(), "c1") == []
    apply(sessions, enrolled)
    assert names(api_for(), "c1") == ["Lê Thị Ánh"]


def test_handler_is_safe_to_run_twice(sessions: sessionmaker[Session], engine: Engine, events: Any) -> None:
    event = events.enrolled("st-1", "Lê Thị An", "c1")
    apply(sessions, event, event)
    assert count(engine, roster) == 1
    assert count(engine, roster_changes) == 1


def test_change_log_records_application_order(sessions: sessionmaker[Session], engine: Engine, events: Any) -> None:
    batch = [
        events.enrolled("st-1", "Lê Thị An", "c1"),
        events.enrolled("st-2", "Lê Thị Bình", "c1"),
        events.details_changed("st-1", "Lê Thị Ánh"),
    ]
    apply(sessions, *batch)
    with engine.connect() as conn:
        rows = conn.execute(select(roster_changes).order_by(roster_changes.c.id)).mappings().all()
    assert [r["event_id"] for r in rows] == [e.id for e in batch]
    assert [r["student_id"] for r in rows] == ["st-1", "st-2", "st-1"]
    assert [r["event_type"] for r in rows] == [e.type for e in batch]
    assert [r["event_seq"] for r in rows] == [1, 2, 3]


def test_poison_events_write_nothing(sessions: sessionmaker[Session], engine: Engine, events: Any) -> None:
    good = events.enrolled("st-1", "Lê Thị An", "c1")
    garbage = CloudEvent(id="e-1", source=good.source, type=good.type, data=b"\xff\xff\xff")
    with pytest.raises(DecodeError):
        apply(sessions, garbage)
    with pytest.raises(InvalidEventError):
        apply(sessions, events.enrolled("", "Lê Thị An", "c1"))
    with pytest.raises(InvalidEventError):
        apply(sessions, events.enrolled("st-1", "Lê Thị An", ""))
    assert count(engine, roster) == 0
    assert count(engine, roster_changes) == 0


def test_tenant_permission_and_input_checks(
    sessions: sessionmaker[Session], api_for: Callable[..., Any], events: Any
) -> None:
    apply(sessions, events.enrolled("st-1", "Lê Thị An", "c1"))
    with pytest.raises(grpc.RpcError) as info:
        api_for(school_id="school-b").ListRoster(grades_pb2.ListRosterRequest(class_id="c1"))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as info:
        api_for(permissions=frozenset({"students:student:read"})).ListRoster(
            grades_pb2.ListRosterRequest(class_id="c1")
        )
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as info:
        api_for().ListRoster(grades_pb2.ListRosterRequest())
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(info.value) == {"class_id": "Vui lòng chọn lớp"}
    with pytest.raises(grpc.RpcError) as info:
        api_for().ListRoster(grades_pb2.ListRosterRequest(class_id="c1", page_token="bogus"))
    assert field_violations(info.value) == {"page_token": "Mã trang không hợp lệ hoặc đã hết hạn"}


@pytest.mark.parametrize("scope", ["class:c1", "class_subject:c1:TIENG_ANH"])
def test_teacher_sees_only_assigned_class_roster(
    sessions: sessionmaker[Session], api_for: Callable[..., Any], events: Any, scope: str
) -> None:
    apply(sessions, events.enrolled("st-1", "Lê Thị An", "c1"), events.enrolled("st-2", "Phạm Anh", "c2"))
    teacher = api_for(scopes=frozenset({scope}))
    assert names(teacher, "c1") == ["Lê Thị An"]
    with pytest.raises(grpc.RpcError) as info:
        teacher.ListRoster(grades_pb2.ListRosterRequest(class_id="c2"))
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert names(api_for(scopes=frozenset({"school"})), "c2") == ["Phạm Anh"]


def test_another_schools_class_is_not_found(
    sessions: sessionmaker[Session], api_for: Callable[..., Any], events: Any
) -> None:
    apply(sessions, events.enrolled("st-9", "Lò Thị Ánh", "c9", school_id="school-b"))
    with pytest.raises(grpc.RpcError) as info:
        api_for(scopes=frozenset({"school"})).ListRoster(grades_pb2.ListRosterRequest(class_id="c9"))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert names(api_for(school_id="school-b"), "c9") == ["Lò Thị Ánh"]
