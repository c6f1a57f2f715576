"""Checks and locking over a real database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set),
through the use cases and over a real gRPC server: who has not entered what, locking with the
checks and separation of duties, a missing end-of-year score blocking the lock, unlocking with a
reason, the lock log and the events written with each change."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import grpc
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from school.grades.v1 import checks_events_pb2, checks_pb2, checks_pb2_grpc
from school_grades.adapters.checks_repository import checks_store_factory, is_locked, reason_required
from school_grades.adapters.tables import outbox, roster
from school_grades.adapters.tables_gradebook import (
    cell_changes,
    cells,
    grade_classes,
    grade_years,
    lock_log,
    period_locks,
)
from school_grades.api.permissions import CHECK_READ, PERIOD_LOCK
from school_grades.app.checks import Actor, ChecksUseCases, ForbiddenError
from school_grades.bootstrap import Container
from school_grades.domain.errors import NotFoundError, ValidationError
from school_grades.domain.locking import LockRefusedError
from school_grades.domain.programme import Period, load_programme
from schoolkit.context import Caller
from schoolkit.db import transaction
from schoolkit.grpc_errors import field_violations
from schoolkit.grpc_server import GrpcServer
from schoolkit.tokens import TokenIssuer

# A whole-school scope counts in grades only with a leadership role (api/reach.py).
LEADERSHIP = ("HT",)
pytestmark = pytest.mark.integration

SCHOOL = "school-a"
YEAR = "y1"
NOW = datetime(2026, 5, 25, 8, 0, tzinfo=UTC)
PROGRAMME = load_programme("2025-2026")
REASON = "Sửa điểm Toán của em An do nhập nhầm"
CLASSES = {"c4a": ("4A", 4), "c4b": ("4B", 4), "c1a": ("1A", 1)}
PUPILS = {
    "c4a": [("s-an", "HS001", "Nguyễn Văn An"), ("s-binh", "HS002", "Trần Thị Bình")],
    "c4b": [("s-chi", "HS003", "Lê Minh Chi"), ("s-dung", "HS004", "Phạm Văn Dũng")],
    "c1a": [("s-em", "HS005", "Hoàng Thị Em")],
}


def seed(sessions: sessionmaker[Session]) -> None:
    """One year with three classes and their pupils; a left pupil in 4A who must not count."""
    with transaction(sessions) as s:
        s.execute(
            insert(grade_years).values(
                id=YEAR,
                school_id=SCHOOL,
                name="2025-2026",
                starts_on=date(2025, 9, 5),
                ends_on=date(2026, 5, 31),
                hk1_ends_on=date(2026, 1, 17),
                version=1,
                updated_at=NOW,
            )
        )
        for class_id, (name, grade) in CLASSES.items():
            s.execute(
                insert(grade_classes).values(
                    id=class_id,
                    school_id=SCHOOL,
                    school_year_id=YEAR,
                    name=name,
                    grade_level=grade,
                    version=1,
                    updated_at=NOW,
                )
            )
            for student_id, code, full_name in [
                *PUPILS[class_id],
                *([("s-left", "HS009", "Đã Chuyển Đi")] if class_id == "c4a" else []),
            ]:
                s.execute(
                    insert(roster).values(
                        student_id=student_id,
                        school_id=SCHOOL,
                        class_id=class_id,
                        class_name=name,
                        student_code=code,
                        full_name=full_name,
                        name_sort_key=full_name.lower(),
                        date_of_birth=date(2016, 1, 1),
                        updated_at=NOW,
                        left_on=date(2025, 12, 1) if student_id == "s-left" else None,
                        left_status="CHUYEN_DI" if student_id == "s-left" else None,
                    )
                )


def fill(
    sessions: sessionmaker[Session],
    class_id: str,
    period: Period,
    *,
    skip: frozenset[tuple[str, str]] = frozenset(),
    by: str = "u-gv",
    by_name: str = "Lê Thị Hoa",
) -> None:
    """Every cell of the class's pupils in ``period``, as the grade book would store them;
    ``skip`` leaves out (student id, code) or (student id, "score:" + code)."""
    grade = CLASSES[class_id][1]
    tested = PROGRAMME.tested(grade, period)
    with transaction(sessions) as s:
        for student_id, _, _ in PUPILS[class_id]:
            codes = [(sub.code, "SUBJECT") for sub in PROGRAMME.subjects_of(grade, with_electives=False)]
            for code, kind in [*codes, *((c, "ITEM") for c in PROGRAMME.items)]:
                if (student_id, code) in skip:
                    continue
                has_score = kind == "SUBJECT" and code in tested and (student_id, "score:" + code) not in skip
                s.execute(
                    insert(cells).values(
                        school_id=SCHOOL,
                        class_id=class_id,
                        student_id=student_id,
                        school_year_id=YEAR,
                        period=period.value,
                        item_code=code,
                        kind=kind,
                        level="T" if kind == "SUBJECT" else "Đ",
                        score=9 if has_score else None,
                        comment="",
                        version=1,
                        updated_by=by,
                        updated_by_name=by_name,
                        updated_at=NOW,
                    )
                )


def changed_by(sessions: sessionmaker[Session], class_id: str, period: Period, who: str) -> None:
    with transaction(sessions) as s:
        s.execute(
            insert(cell_changes).values(
                school_id=SCHOOL,
                class_id=class_id,
                student_id=PUPILS[class_id][0][0],
                school_year_id=YEAR,
                period=period.value,
                item_code="TOAN",
                field="score",
                old_value="8",
                new_value="9",
                changed_by=who,
                changed_by_name="Nguyễn Thị Thu Hà",
                changed_at=NOW,
            )
        )


def actor(
    user_id: str = "u-ht",
    scopes: frozenset[str] = frozenset({"school"}),
    permissions: frozenset[str] = frozenset({CHECK_READ, PERIOD_LOCK}),
) -> Actor:
    caller = Caller(
        roles=LEADERSHIP if "school" in scopes else (),
        subject=user_id,
        school_id=SCHOOL,
        full_name="Nguyễn Thị Thu Hà",
        scopes=scopes,
        permissions=permissions,
    )
    return Actor(
        user_id=caller.subject,
        name=caller.full_name,
        school_id=SCHOOL,
        reaches=lambda c: caller.reaches_class_in(c.class_id, c.school_year_id, c.grade_level),
        can_lock=caller.has(PERIOD_LOCK),
    )


HT = actor()
TTCM_GRADE_1 = actor("u-ttcm", frozenset({"department:d1", f"grade:{YEAR}:1"}), frozenset({CHECK_READ}))


def use_cases(sessions: sessionmaker[Session], separation_of_duties: bool = True) -> ChecksUseCases:
    return ChecksUseCases(checks_store_factory(sessions), separation_of_duties=separation_of_duties, clock=lambda: NOW)


def count(sessions: sessionmaker[Session], table: Any) -> int:
    with transaction(sessions) as s:
        return int(s.execute(select(func.count()).select_from(table)).scalar_one())


def outbox_events(sessions: sessionmaker[Session]) -> list[tuple[str, bytes]]:
    with transaction(sessions) as s:
        return [(r.event_type, r.payload) for r in s.execute(select(outbox).order_by(outbox.c.seq)).all()]


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    seed(sessions)
    return sessions


# --- Checks --------------------------------------------------------------------------------------------


def test_the_checks_count_what_is_missing_per_class_and_drill_down(seeded: sessionmaker[Session]) -> None:
    fill(seeded, "c4a", Period.GK1)
    fill(seeded, "c4b", Period.GK1, skip=frozenset({("s-chi", "score:TOAN"), ("s-dung", "AM_NHAC")}))
    uc = use_cases(seeded)
    listed = {c.school_class.name: c for c in uc.list_class_checks(HT, YEAR, "GK1").classes}
    assert list(listed) == ["1A", "4A", "4B"]
    assert (listed["4A"].pupils, listed["4A"].missing_levels, listed["4A"].missing_scores) == (2, 0, 0)
    assert (listed["4B"].missing_levels, listed["4B"].missing_scores) == (1, 1)
    assert listed["1A"].missing_levels == listed["1A"].expected  # nothing entered yet
    detail = uc.class_check(HT, "c4b", "gk1")
    assert [(g.student_name, g.item_code, g.missing.value) for g in detail.gaps] == [
        ("Lê Minh Chi", "TOAN", "SCORE"),
        ("Phạm Văn Dũng", "AM_NHAC", "LEVEL"),
    ]
    toan = next(s for s in detail.subjects if s.group == "TOAN")
    assert (toan.expected, toan.missing_scores, toan.entered_by) == (4, 1, "Lê Thị Hoa")


def test_a_head_of_department_sees_only_the_departments_grades(seeded: sessionmaker[Session]) -> None:
    uc = use_cases(seeded)
    assert [c.school_class.name for c in uc.list_class_checks(TTCM_GRADE_1, "", "GK1").classes] == ["1A"]
    assert uc.class_check(TTCM_GRADE_1, "c1a", "GK1").summary.pupils == 1
    with pytest.raises(ForbiddenError):
        uc.class_check(TTCM_GRADE_1, "c4a", "GK1")
    with pytest.raises(NotFoundError):
        uc.class_check(HT, "c-of-another-school", "GK1")
    with pytest.raises(ValidationError) as bad:
        uc.list_class_checks(HT, YEAR, "HK3")
    assert bad.value.fields == {"period": "Kỳ đánh giá phải là GK1, CK1, GK2 hoặc CN"}


# --- Locking -------------------------------------------------------------------------------------------


def test_a_complete_class_is_locked_logged_and_evented(seeded: sessionmaker[Session]) -> None:
    fill(seeded, "c4a", Period.GK1)
    uc = use_cases(seeded)
    summary = uc.lock(HT, "c4a", "GK1")
    assert summary.lock.locked
    assert summary.lock.locked_by_name == "Nguyễn Thị Thu Hà"
    with transaction(seeded) as s:
        assert is_locked(s, "c4a", "GK1")
        assert not is_locked(s, "c4a", "CK1")
        assert not reason_required(s, "c4a", "GK1")
        log = s.execute(select(lock_log)).all()
    assert [(r.action, r.actor, r.reason) for r in log] == [("LOCK", "u-ht", None)]
    [(kind, payload)] = outbox_events(seeded)
    assert kind == "school.grades.v1.PeriodLocked"
    event = checks_events_pb2.PeriodLocked.FromString(payload)
    assert (event.class_id, event.class_name, event.period, event.school_year_name) == ("c4a", "4A", "GK1", "2025-2026")
    assert event.locked_by == "u-ht"
    with pytest.raises(LockRefusedError) as again:
        uc.lock(HT, "c4a", "GK1")
    assert again.value.fields == {"period": "Kỳ đánh giá này đã được khóa"}
    assert count(seeded, lock_log) == 1


def test_whoever_changed_a_cell_may_not_lock_it(seeded: sessionmaker[Session]) -> None:
    fill(seeded, "c4a", Period.GK1)
    changed_by(seeded, "c4a", Period.GK1, "u-ht")
    with pytest.raises(LockRefusedError) as refused:
        use_cases(seeded).lock(HT, "c4a", "GK1")
    assert "phân tách nhiệm vụ" in refused.value.fields["period"]
    assert count(seeded, period_locks) == count(seeded, lock_log) == count(seeded, outbox) == 0
    # The last writer of a cell counts too, even without a history row.
    with pytest.raises(LockRefusedError):
        use_cases(seeded).lock(actor("u-gv"), "c4a", "GK1")
    # With separation of duties off (configuration), the same person may lock.
    assert use_cases(seeded, separation_of_duties=False).lock(HT, "c4a", "GK1").lock.locked


def test_a_missing_end_of_year_score_blocks_the_lock(seeded: sessionmaker[Session]) -> None:
    fill(seeded, "c4a", Period.CN, skip=frozenset({("s-an", "score:TOAN"), ("s-binh", "DAO_DUC")}))
    with pytest.raises(LockRefusedError) as refused:
        use_cases(seeded).lock(HT, "c4a", "CN")
    assert refused.value.fields == {
        "HS001.final_scores.TOAN": "Nguyễn Văn An: Chưa có điểm kiểm tra cuối năm môn Toán",
        "HS002.subject_levels.DAO_DUC": "Trần Thị Bình: Chưa có mức đạt được cuối năm của Đạo đức",
    }
    assert count(seeded, period_locks) == count(seeded, lock_log) == count(seeded, outbox) == 0


def test_unlock_needs_a_reason_and_is_logged(seeded: sessionmaker[Session]) -> None:
    fill(seeded, "c4a", Period.GK1)
    uc = use_cases(seeded)
    with pytest.raises(ValidationError) as not_locked:
        uc.unlock(HT, "c4a", "GK1", REASON)
    assert not_locked.value.fields == {"period": "Kỳ đánh giá này của lớp chưa khóa"}
    uc.lock(HT, "c4a", "GK1")
    with pytest.raises(ValidationError) as short:
        uc.unlock(HT, "c4a", "GK1", "  nhầm  ")
    assert short.value.fields == {"reason": "Hãy ghi lý do (ít nhất 10 ký tự)"}
    with transaction(seeded) as s:
        assert is_locked(s, "c4a", "GK1")  # the refused unlock changed nothing
    summary = uc.unlock(HT, "c4a", "GK1", f"  {REASON}  ")
    assert not summary.lock.locked
    with transaction(seeded) as s:
        assert not is_locked(s, "c4a", "GK1")
        assert reason_required(s, "c4a", "GK1")  # every change from now on is a correction
    log = uc.lock_log(HT, YEAR)
    assert [(e.action, e.class_name, e.reason) for e in log] == [("UNLOCK", "4A", REASON), ("LOCK", "4A", "")]
    kinds = [k for k, _ in outbox_events(seeded)]
    assert kinds == ["school.grades.v1.PeriodLocked", "school.grades.v1.PeriodUnlocked"]
    unlocked = checks_events_pb2.PeriodUnlocked.FromString(outbox_events(seeded)[1][1])
    assert REASON not in unlocked.SerializeToString().decode("utf-8", "ignore")  # no free text on the bus
    # Locked again after the correction.
    assert uc.lock(HT, "c4a", "GK1").lock.locked


def test_locking_a_grade_locks_each_complete_class_and_says_why_others_stay_open(
    seeded: sessionmaker[Session],
) -> None:
    fill(seeded, "c4a", Period.GK1)
    fill(seeded, "c4b", Period.GK1, skip=frozenset({("s-chi", "score:TOAN")}))
    uc = use_cases(seeded)
    outcomes = {o.school_class.name: o for o in uc.lock_many(HT, YEAR, "GK1", 4)}
    assert outcomes["4A"].outcome == "LOCKED"
    assert outcomes["4B"].outcome == "REFUSED"
    assert outcomes["4B"].reasons == {"HS003.scores.TOAN": "Lê Minh Chi: chưa có điểm kiểm tra Toán"}
    assert "1A" not in outcomes
    again = {o.school_class.name: o.outcome for o in uc.lock_many(HT, YEAR, "GK1")}
    assert again == {"1A": "REFUSED", "4A": "ALREADY_LOCKED", "4B": "REFUSED"}


def test_only_a_lock_holder_who_reaches_the_class_may_lock(seeded: sessionmaker[Session]) -> None:
    fill(seeded, "c1a", Period.GK1)
    uc = use_cases(seeded)
    with pytest.raises(ForbiddenError):
        uc.lock(TTCM_GRADE_1, "c1a", "GK1")  # reaches the class, but holds no grades:period:lock
    with pytest.raises(ForbiddenError):
        uc.lock(actor("u-x", frozenset({"class:c4a"})), "c1a", "GK1")  # holds it, but the class is not theirs
    assert count(seeded, period_locks) == 0


# --- Over gRPC -----------------------------------------------------------------------------------------


class Stubs:
    def __init__(self, channel: grpc.Channel, issuer: TokenIssuer, caller: Caller) -> None:
        self._checks = checks_pb2_grpc.CheckServiceStub(channel)
        self._locks = checks_pb2_grpc.LockServiceStub(channel)
        self._issuer = issuer
        self._caller = caller

    def __getattr__(self, rpc: str) -> Callable[[Any], Any]:
        stub = self._checks if hasattr(self._checks, rpc) else self._locks
        method = getattr(stub, rpc)

        def call(request: Any) -> Any:
            token = self._issuer.issue(self._caller, "grades")
            return method(request, metadata=[("authorization", f"Bearer {token}")], timeout=10)

        return call


@pytest.fixture
def rpc(server: GrpcServer, issuer: TokenIssuer, container: Container) -> Iterator[Callable[..., Stubs]]:
    seed(container.sessions)
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")

    def make(user_id: str, scopes: frozenset[str], permissions: frozenset[str]) -> Stubs:
        caller = Caller(
            roles=LEADERSHIP if "school" in scopes else (),
            subject=user_id,
            school_id=SCHOOL,
            full_name="Người Gọi",
            scopes=scopes,
            permissions=permissions,
        )
        return Stubs(channel, issuer, caller)

    yield make
    channel.close()


def rpc_error(call: Callable[[], Any]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value


def test_checks_and_locks_over_grpc(rpc: Callable[..., Stubs], container: Container) -> None:
    fill(container.sessions, "c4a", Period.GK1)
    fill(container.sessions, "c4a", Period.CN, skip=frozenset({("s-an", "score:TOAN")}))
    ht = rpc("u-ht", frozenset({"school"}), frozenset({CHECK_READ, PERIOD_LOCK}))
    ttcm = rpc("u-ttcm", frozenset({"department:d1", f"grade:{YEAR}:4"}), frozenset({CHECK_READ}))

    listed = ttcm.ListClassChecks(checks_pb2.ListClassChecksRequest(school_year_id=YEAR, period="GK1"))
    assert [c.class_name for c in listed.classes] == ["4A", "4B"]
    detail = ttcm.GetClassCheck(checks_pb2.GetClassCheckRequest(class_id="c4b", period="GK1"))
    assert detail.summary.missing_levels == detail.summary.expected - detail.summary.missing_scores
    assert detail.missing[0].full_name == "Lê Minh Chi"
    denied = rpc_error(lambda: ttcm.GetClassCheck(checks_pb2.GetClassCheckRequest(class_id="c1a", period="GK1")))
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    no_lock = rpc_error(lambda: ttcm.LockPeriod(checks_pb2.LockPeriodRequest(class_id="c4a", period="GK1")))
    assert no_lock.code() == grpc.StatusCode.PERMISSION_DENIED

    cn = rpc_error(lambda: ht.LockPeriod(checks_pb2.LockPeriodRequest(class_id="c4a", period="CN")))
    assert cn.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert field_violations(cn) == {"HS001.final_scores.TOAN": "Nguyễn Văn An: Chưa có điểm kiểm tra cuối năm môn Toán"}

    locked = ht.LockPeriod(checks_pb2.LockPeriodRequest(class_id="c4a", period="GK1")).summary
    assert locked.locked
    assert locked.locked_by_name == "Người Gọi"
    short = rpc_error(
        lambda: ht.UnlockPeriod(checks_pb2.UnlockPeriodRequest(class_id="c4a", period="GK1", reason="ngắn"))
    )
    assert short.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(short) == {"reason": "Hãy ghi lý do (ít nhất 10 ký tự)"}
    opened = ht.UnlockPeriod(checks_pb2.UnlockPeriodRequest(class_id="c4a", period="GK1", reason=REASON)).summary
    assert not opened.locked
    many = ht.LockMany(checks_pb2.LockManyRequest(school_year_id=YEAR, period="GK1", grade_level=4))
    assert {o.class_name: o.outcome for o in many.outcomes} == {"4A": "LOCKED", "4B": "REFUSED"}
    log = ttcm.ListLockLog(checks_pb2.ListLockLogRequest(school_year_id=YEAR))
    assert [(e.action, e.reason) for e in log.entries] == [("LOCK", ""), ("UNLOCK", REASON), ("LOCK", "")]
    bad = rpc_error(lambda: ht.ListClassChecks(checks_pb2.ListClassChecksRequest(school_year_id=YEAR, period="X")))
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(bad) == {"period": "Kỳ đánh giá phải là GK1, CK1, GK2 hoặc CN"}
    unknown = rpc_error(
        lambda: ht.ListClassChecks(checks_pb2.ListClassChecksRequest(school_year_id="nope", period="GK1"))
    )
    assert unknown.code() == grpc.StatusCode.NOT_FOUND


def test_a_head_of_department_reads_the_rosters_of_the_departments_grades(
    seeded: sessionmaker[Session], api_for: Callable[..., Any]
) -> None:
    from school.grades.v1 import grades_pb2

    ttcm = api_for(scopes=frozenset({"department:d1", f"grade:{YEAR}:4"}))
    listed = ttcm.ListRoster(grades_pb2.ListRosterRequest(class_id="c4a"))
    assert [e.full_name for e in listed.entries] == ["Nguyễn Văn An", "Trần Thị Bình"]
    for class_id in ("c1a", "unknown-class"):  # another grade; a class grades never heard of
        denied = rpc_error(lambda c=class_id: ttcm.ListRoster(grades_pb2.ListRosterRequest(class_id=c)))
        assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    last_year = api_for(scopes=frozenset({"department:d1", "grade:y0:4"}))
    assert rpc_error(lambda: last_year.ListRoster(grades_pb2.ListRosterRequest(class_id="c4a"))).code() == (
        grpc.StatusCode.PERMISSION_DENIED
    )


def test_before_any_year_arrives_the_checks_are_empty_not_an_error(sessions: sessionmaker[Session]) -> None:
    uc = use_cases(sessions)
    found = uc.list_class_checks(HT, "", "GK1")
    assert (found.year, found.years, found.classes) == (None, [], [])
    assert uc.lock_many(HT, "", "GK1") == []
    assert uc.lock_log(HT, "") == []
    with pytest.raises(NotFoundError):
        uc.list_class_checks(HT, "y-unknown", "GK1")
