"""Grades' year results and principal's decisions in students: the consumer's handlers on real
databases, the roll-over over real gRPC taking them into account, and the whole path through a
real broker (grades' outbox → relay → students' consumer)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.message import DecodeError
from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import Session, sessionmaker

from school.grades.v1 import results_events_pb2
from school.students.v1 import movements_pb2, movements_pb2_grpc, students_pb2, students_pb2_grpc
from school_students.adapters.tables import inbox, outbox
from school_students.adapters.tables_grade_outcomes import grade_outcomes
from school_students.api.permissions import EVERY as ALL
from school_students.bootstrap import build
from school_students.config import load_settings
from school_students.events.inbound import CONSUMER_GROUP, HANDLERS, TOPIC, InvalidEventError
from schoolkit.context import Caller
from schoolkit.db import make_engine, make_session_factory, transaction
from schoolkit.events.cloudevents import CloudEvent
from schoolkit.events.consumer import Consumer
from schoolkit.events.outbox import record_event
from schoolkit.events.relay import Relay
from schoolkit.events.tables import outbox_table
from schoolkit.grpc_errors import field_violations
from schoolkit.grpc_server import start_server
from schoolkit.localbroker import LocalBroker
from schoolkit.testing import free_port, fresh_database
from schoolkit.tokens import TokenIssuer, TokenVerifier, load_public_key

pytestmark = pytest.mark.integration

SCHOOL = "school-a"
OLD = students_pb2.CreateSchoolYearRequest(name="2025-2026", start_date="2025-09-05", end_date="2026-05-31")
NEW = students_pb2.CreateSchoolYearRequest(name="2026-2027", start_date="2026-09-05", end_date="2027-05-31")


def result_event(student: str, year: str, result: str, *, version: int = 1, grade: int = 3) -> CloudEvent:
    message = results_events_pb2.YearResultComputed(
        school_id=SCHOOL,
        student_id=student,
        school_year_id=year,
        class_id="c-old",
        grade_level=grade,
        result=result,
        computed_result=result,
        completes_grade=result != "CHT",
        version=version,
    )
    return _wrap(message, student)


def decision_event(
    student: str, year: str, decision: str, *, version: int = 2, grade: int = 3, ref: str = "15/QĐ-THNT"
) -> CloudEvent:
    message = results_events_pb2.PromotionDecided(
        school_id=SCHOOL,
        student_id=student,
        school_year_id=year,
        class_id="c-old",
        grade_level=grade,
        decision=decision,
        basis="HIEU_TRUONG" if decision else "",
        decision_ref=ref if decision else "",
        decided_on="2026-06-20" if decision else "",
        version=version,
    )
    return _wrap(message, student)


def _wrap(message: Any, student: str) -> CloudEvent:
    event = CloudEvent(
        id=str(uuid.uuid4()),
        source=f"/schools/{SCHOOL}/grades",
        type=message.DESCRIPTOR.full_name,
        subject=student,
        data=message.SerializeToString(),
        extensions={"partitionkey": student},
    )
    return CloudEvent.from_headers(event.to_headers(), event.data)


def apply(sessions: sessionmaker[Session], *events: CloudEvent) -> None:
    """What the consumer does per event: one transaction around the handler."""
    for event in events:
        with transaction(sessions) as session:
            HANDLERS[event.type](session, event)


def outcome_rows(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r["student_id"]: dict(r) for r in conn.execute(select(grade_outcomes)).mappings()}


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    built = make_engine(migrated_url)
    yield built
    built.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


# -- the handlers -----------------------------------------------------------------------------------


def test_results_and_decisions_are_kept_newest_version_first(sessions: sessionmaker[Session], engine: Engine) -> None:
    apply(sessions, result_event("st-1", "y1", "CHT", version=1), decision_event("st-1", "y1", "O_LAI_LOP", version=2))
    apply(sessions, result_event("st-2", "y1", "HTT", version=1))
    rows = outcome_rows(engine)
    assert (rows["st-1"]["result"], rows["st-1"]["completes_grade"]) == ("CHT", False)
    assert (rows["st-1"]["decision"], rows["st-1"]["basis"], rows["st-1"]["decision_ref"]) == (
        "O_LAI_LOP",
        "HIEU_TRUONG",
        "15/QĐ-THNT",
    )
    assert str(rows["st-1"]["decided_on"]) == "2026-06-20"
    assert (rows["st-2"]["result"], rows["st-2"]["decision"]) == ("HTT", None)

    # A replay of an older decision does not bring it back; a newer one replaces it, and an empty
    # decision (withdrawn after a recompute) clears it.
    apply(sessions, decision_event("st-1", "y1", "LEN_LOP", version=1))
    assert outcome_rows(engine)["st-1"]["decision"] == "O_LAI_LOP"
    apply(sessions, decision_event("st-1", "y1", "LEN_LOP", version=3))
    assert outcome_rows(engine)["st-1"]["decision"] == "LEN_LOP"
    apply(sessions, decision_event("st-1", "y1", "", version=4))
    assert (outcome_rows(engine)["st-1"]["decision"], outcome_rows(engine)["st-1"]["decision_ref"]) == (None, "")


def test_events_breaking_the_contract_write_nothing(sessions: sessionmaker[Session], engine: Engine) -> None:
    good = decision_event("st-1", "y1", "LEN_LOP")
    with pytest.raises(DecodeError):
        apply(sessions, CloudEvent(id="e-1", source=good.source, type=good.type, data=b"\xff\xff\xff"))
    with pytest.raises(InvalidEventError):
        apply(sessions, decision_event("st-1", "y1", "LEN_LOP_2"))
    with pytest.raises(InvalidEventError):
        apply(sessions, decision_event("", "y1", "LEN_LOP"))
    with pytest.raises(InvalidEventError):
        apply(sessions, result_event("st-1", "y1", "GIOI"))
    with pytest.raises(InvalidEventError):
        apply(sessions, result_event("st-1", "y1", "HT", grade=0))
    assert outcome_rows(engine) == {}


# -- the roll-over ----------------------------------------------------------------------------------


class Client:
    def __init__(self, channel: grpc.Channel, issuer: TokenIssuer) -> None:
        self._stubs = [
            movements_pb2_grpc.MovementsServiceStub(channel),
            students_pb2_grpc.StudentsServiceStub(channel),
        ]
        self._issuer = issuer
        self._caller = Caller(subject="u-1", school_id=SCHOOL, permissions=frozenset(ALL), scopes=frozenset({"school"}))

    def __getattr__(self, rpc: str) -> Callable[[Any], Any]:
        method = next(getattr(s, rpc) for s in self._stubs if hasattr(s, rpc))

        def call(request: Any) -> Any:
            token = self._issuer.issue(self._caller, "students")
            return method(request, metadata=[("authorization", f"Bearer {token}")], timeout=10)

        return call


@pytest.fixture
def client(migrated_url: str, keypair: tuple[Path, Path], issuer: TokenIssuer) -> Iterator[Client]:
    container = build(load_settings({"DATABASE_URL": migrated_url}))
    server = start_server(
        register=container.registrations,
        verifier=TokenVerifier(load_public_key(keypair[1]), audience="students"),
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    yield Client(channel, issuer)
    channel.close()
    server.stop(0)
    container.engine.dispose()


def enrol(client: Client, class_id: str, name: str) -> str:
    request = students_pb2.EnrollStudentRequest(
        class_id=class_id, full_name=name, date_of_birth="2017-03-01", gender=students_pb2.GENDER_MALE
    )
    return str(client.EnrollStudent(request).student.student_id)


def where(client: Client, student_id: str) -> tuple[str, str]:
    """(class name or '', status) of a pupil after the roll-over."""
    found = client.GetMovementHistory(movements_pb2.GetMovementHistoryRequest(student_id=student_id))
    if not found.student.class_id:
        return "", found.status
    school_class = client.GetClass(students_pb2.GetClassRequest(class_id=found.student.class_id)).school_class
    return school_class.name, found.status


def test_roll_over_follows_the_principal_decisions(
    client: Client, sessions: sessionmaker[Session], engine: Engine
) -> None:
    old = client.CreateSchoolYear(OLD).school_year.school_year_id
    new = client.CreateSchoolYear(NEW).school_year.school_year_id
    c3 = client.CreateClass(students_pb2.CreateClassRequest(school_year_id=old, name="3A", grade_level=3)).school_class
    c5 = client.CreateClass(students_pb2.CreateClassRequest(school_year_id=old, name="5A", grade_level=5)).school_class
    kept_back = enrol(client, c3.class_id, "Nguyễn Văn An")  # CHT, the principal: ở lại lớp
    promoted = enrol(client, c3.class_id, "Trần Thị Bình")  # CHT, marked to repeat, the principal: lên lớp
    pending = enrol(client, c3.class_id, "Lê Văn Cường")  # CHT, no decision yet
    plain = enrol(client, c3.class_id, "Phạm Thị Dung")  # nothing from grades: today's rule
    finished = enrol(client, c5.class_id, "Đỗ Văn Em")  # grade 5 completes primary
    repeats_five = enrol(client, c5.class_id, "Vũ Thị Giang")  # grade 5, ở lại lớp
    client.MarkRepeat(movements_pb2.MarkRepeatRequest(student_id=promoted, repeat=True))
    apply(
        sessions,
        result_event(kept_back, old, "CHT"),
        decision_event(kept_back, old, "O_LAI_LOP"),
        result_event(promoted, old, "CHT"),
        decision_event(promoted, old, "LEN_LOP"),
        result_event(pending, old, "CHT"),
        result_event(finished, old, "HT", grade=5),
        decision_event(finished, old, "HOAN_THANH_CT_TIEU_HOC", grade=5, ref=""),
        result_event(repeats_five, old, "CHT", grade=5),
        decision_event(repeats_five, old, "O_LAI_LOP", grade=5),
    )
    with engine.connect() as conn:
        events_before = conn.execute(select(outbox.c.seq)).all()

    # A CHT pupil without the principal's decision stops the roll-over, named; nothing moves.
    request = movements_pb2.RollOverRequest(from_school_year_id=old, to_school_year_id=new)
    with pytest.raises(grpc.RpcError) as info:
        client.RollOver(request)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    message = field_violations(info.value)["repeater_student_ids"]
    assert "chưa có quyết định lên lớp hay ở lại lớp" in message
    assert "Lê Văn Cường" in message
    assert "Nguyễn Văn An" not in message
    assert where(client, pending) == ("3A", "DANG_HOC")
    with engine.connect() as conn:
        assert conn.execute(select(outbox.c.seq)).all() == events_before

    # Asking to keep back the pupil the principal promoted is refused too, naming her.
    with pytest.raises(grpc.RpcError) as info:
        client.RollOver(
            movements_pb2.RollOverRequest(
                from_school_year_id=old, to_school_year_id=new, repeater_student_ids=[promoted, pending]
            )
        )
    assert "Trần Thị Bình" in field_violations(info.value)["repeater_student_ids"]

    # The principal decides; the roll-over then follows every decision in one go.
    apply(sessions, decision_event(pending, old, "O_LAI_LOP", version=5))
    result = client.RollOver(request)
    summary = {c.from_class.class_name: c for c in result.classes}
    assert (summary["3A"].promoted, summary["3A"].repeated, summary["3A"].completed) == (2, 2, 0)
    assert (summary["5A"].promoted, summary["5A"].repeated, summary["5A"].completed) == (0, 1, 1)
    assert where(client, kept_back) == ("3A", "DANG_HOC")
    assert where(client, pending) == ("3A", "DANG_HOC")
    assert where(client, promoted) == ("4A", "DANG_HOC")
    assert where(client, plain) == ("4A", "DANG_HOC")
    assert where(client, finished) == ("", "HOAN_THANH_TIEU_HOC")
    assert where(client, repeats_five) == ("5A", "DANG_HOC")
    history = client.GetMovementHistory(movements_pb2.GetMovementHistoryRequest(student_id=kept_back))
    assert history.movements[-1].reason_code == "O_LAI_LOP"

    # Idempotent: a second run moves nobody.
    assert list(client.RollOver(request).classes) == []


def test_a_merge_takes_the_decision_to_the_kept_record(
    client: Client, sessions: sessionmaker[Session], engine: Engine
) -> None:
    old = client.CreateSchoolYear(OLD).school_year.school_year_id
    new = client.CreateSchoolYear(NEW).school_year.school_year_id
    c3 = client.CreateClass(students_pb2.CreateClassRequest(school_year_id=old, name="3A", grade_level=3)).school_class
    keep = enrol(client, c3.class_id, "Nguyễn Văn An")
    duplicate = enrol(client, c3.class_id, "Nguyễn Văn An")
    apply(sessions, result_event(duplicate, old, "CHT"), decision_event(duplicate, old, "O_LAI_LOP"))
    code = client.GetStudent(students_pb2.GetStudentRequest(student_id=duplicate)).student.student_code
    client.MergeStudents(
        movements_pb2.MergeStudentsRequest(
            surviving_student_id=keep, merged_student_id=duplicate, reason="Trùng hồ sơ", confirm_student_code=code
        )
    )
    assert set(outcome_rows(engine)) == {keep}
    client.RollOver(movements_pb2.RollOverRequest(from_school_year_id=old, to_school_year_id=new))
    assert where(client, keep) == ("3A", "DANG_HOC")


# -- through a real broker --------------------------------------------------------------------------


def test_decisions_published_by_grades_reach_the_students_database(
    migrated_url: str, engine: Engine, tmp_path: Path
) -> None:
    broker = LocalBroker(free_port(), log_path=tmp_path / "broker.log")
    broker.start()
    with fresh_database("sqlite", tmp_path, "gradesout") as grades_url:
        grades_md = MetaData()
        grades_outbox = outbox_table(grades_md)
        grades_engine = make_engine(grades_url)
        grades_md.create_all(grades_engine)
        relay = Relay(grades_engine, grades_outbox, bootstrap_servers=broker.bootstrap, topics=[TOPIC])
        consumer = Consumer(
            engine=engine,
            inbox=inbox,
            group=CONSUMER_GROUP,
            topics=[TOPIC],
            bootstrap_servers=broker.bootstrap,
            handlers=HANDLERS,
            max_poll_interval_ms=3000,
            session_timeout_ms=6000,
        )
        try:
            written = []
            with transaction(make_session_factory(grades_engine)) as session:
                for event in (
                    result_event("st-9", "y1", "CHT", version=1),
                    decision_event("st-9", "y1", "O_LAI_LOP", version=2),
                    result_event("st-8", "y1", "HTXS", version=1, grade=5),
                ):
                    message = (
                        results_events_pb2.YearResultComputed
                        if event.type.endswith("YearResultComputed")
                        else results_events_pb2.PromotionDecided
                    ).FromString(event.data)
                    written.append(
                        record_event(
                            session,
                            grades_outbox,
                            topic=TOPIC,
                            key=event.subject,
                            message=message,
                            service="grades",
                            school_id=SCHOOL,
                            subject=event.subject,
                        )
                    )
            deadline = time.monotonic() + 60
            while relay.publish_pending() == 0 and time.monotonic() < deadline:
                time.sleep(0.1)
            while time.monotonic() < deadline:
                consumer.poll_once(200)
                with engine.connect() as conn:
                    seen = {r[0] for r in conn.execute(select(inbox.c.event_id))}
                if set(written) <= seen:
                    break
            rows = outcome_rows(engine)
            assert (rows["st-9"]["result"], rows["st-9"]["decision"]) == ("CHT", "O_LAI_LOP")
            assert (rows["st-8"]["result"], rows["st-8"]["completes_grade"]) == ("HTXS", True)
        finally:
            consumer.close()
            relay.close()
            grades_engine.dispose()
            broker.stop()
