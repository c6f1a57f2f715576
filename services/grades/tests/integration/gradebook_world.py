"""A school for the grade book tests: year 2025-2026 (the shipped programme), class 4A with three
pupils (one who left in October), class 4B with one, a clock inside the CK1 entry window, and
stubs for GradebookService acting as a chosen teacher."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import grpc
from sqlalchemy import Engine, insert

from school.grades.v1 import gradebook_pb2_grpc
from school_grades.adapters.tables import roster
from school_grades.adapters.tables_gradebook import grade_classes, grade_years
from school_grades.domain.names import roster_sort_key
from schoolkit.context import Caller
from schoolkit.tokens import TokenIssuer

SCHOOL = "school-a"
YEAR = "y-2025"
CLASS_4A, CLASS_4B = "c-4a", "c-4b"
AN, BINH, CHAU, DUNG = "s-an", "s-binh", "s-chau", "s-dung"
READ, WRITE, PROGRAMME = "grades:score:read", "grades:score:write", "grades:programme:write"
TEACHER = frozenset({READ, WRITE})


# A whole-school scope counts in grades only with a leadership role (api/reach.py).
LEADERSHIP = ("HT",)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 12, 20, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam, CK1 window open

    def __call__(self) -> datetime:
        return self.now


def seed(engine: Engine) -> None:
    now = datetime(2025, 9, 5, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(grade_years).values(
                id=YEAR,
                school_id=SCHOOL,
                name="2025-2026",
                starts_on=date(2025, 9, 5),
                ends_on=date(2026, 5, 31),
                hk1_ends_on=date(2026, 1, 17),
                version=1,
                updated_at=now,
            )
        )
        for class_id, name in ((CLASS_4A, "4A"), (CLASS_4B, "4B")):
            conn.execute(
                insert(grade_classes).values(
                    id=class_id,
                    school_id=SCHOOL,
                    school_year_id=YEAR,
                    name=name,
                    grade_level=4,
                    version=1,
                    updated_at=now,
                )
            )
        pupils = (
            (AN, "Nguyễn Văn An", "HS0001", CLASS_4A, None),
            (BINH, "Trần Thị Bình", "HS0002", CLASS_4A, None),
            (CHAU, "Lê Minh Châu", "HS0003", CLASS_4A, date(2025, 10, 15)),
            (DUNG, "Phạm Dũng", "HS0004", CLASS_4B, None),
        )
        for student_id, full_name, code, class_id, left_on in pupils:
            conn.execute(
                insert(roster).values(
                    student_id=student_id,
                    school_id=SCHOOL,
                    class_id=class_id,
                    class_name="4A" if class_id == CLASS_4A else "4B",
                    student_code=code,
                    full_name=full_name,
                    name_sort_key=roster_sort_key(full_name),
                    date_of_birth=date(2016, 3, 1),
                    updated_at=now,
                    left_on=left_on,
                    left_status="CHUYEN_DI" if left_on else None,
                )
            )


@dataclass
class Book:
    """GradebookService as one caller: every call carries a fresh internal token."""

    stub: gradebook_pb2_grpc.GradebookServiceStub
    issuer: TokenIssuer
    caller: Caller

    def __getattr__(self, rpc: str) -> Callable[[Any], Any]:
        method = getattr(self.stub, rpc)

        def call(request: Any) -> Any:
            token = self.issuer.issue(self.caller, "grades")
            return method(request, metadata=[("authorization", f"Bearer {token}")], timeout=10)

        return call


def book_factory(port: int, issuer: TokenIssuer) -> Iterator[Callable[..., Book]]:
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = gradebook_pb2_grpc.GradebookServiceStub(channel)

    def make(
        name: str = "Cô Lan",
        scopes: frozenset[str] = frozenset({f"class_subject:{CLASS_4A}:TOAN"}),
        permissions: frozenset[str] = TEACHER,
        school: str = SCHOOL,
    ) -> Book:
        caller = Caller(
            roles=LEADERSHIP if "school" in scopes else (),
            subject=f"u-{name}",
            school_id=school,
            permissions=permissions,
            scopes=scopes,
            full_name=name,
        )
        return Book(stub, issuer, caller)

    yield make
    channel.close()
