"""StudentListsService over real gRPC: Excel import (all rows or none) and export, on every database kind."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from sqlalchemy import Engine, select

from school.students.v1 import events_pb2, lists_pb2, lists_pb2_grpc, students_pb2
from school_students.adapters.tables import outbox
from school_students.api import permissions as perm
from school_students.app.student_sheet import HEADERS
from school_students.bootstrap import Container
from schoolkit.context import Caller
from schoolkit.grpc_errors import field_violations
from schoolkit.grpc_server import GrpcServer, start_server
from schoolkit.testing import free_port
from schoolkit.tokens import TokenIssuer, TokenVerifier, load_public_key

pytestmark = pytest.mark.integration

SCHOOL = "school-a"
FATHER = {"Họ tên cha": "Nguyễn Văn Bình", "Điện thoại cha": "0912345678"}
MOTHER = {"Họ tên mẹ": "Lê Thị Hoa", "Điện thoại mẹ": "0987654321"}
YEAR = students_pb2.CreateSchoolYearRequest(name="2026-2027", start_date="2026-09-05", end_date="2027-05-31")


class Client:
    """Both services of the students process, called as one chosen caller."""

    def __init__(self, channel: grpc.Channel, issuer: TokenIssuer, caller: Caller) -> None:
        from school.students.v1 import students_pb2_grpc

        self.lists = lists_pb2_grpc.StudentListsServiceStub(channel)
        self.students = students_pb2_grpc.StudentsServiceStub(channel)
        self._issuer = issuer
        self.caller = caller

    def call(self, method: Callable[..., Any], request: Any) -> Any:
        token = self._issuer.issue(self.caller, "students")
        return method(request, metadata=[("authorization", f"Bearer {token}")], timeout=60)


@pytest.fixture
def lists_server(container: Container, keypair: Any) -> Iterator[GrpcServer]:
    verifier = TokenVerifier(load_public_key(keypair[1]), audience="students")
    gs = start_server(
        register=container.registrations,
        verifier=verifier,
        bind=f"127.0.0.1:{free_port()}",
        readiness=container.ready,
    )
    yield gs
    gs.stop(0)


@pytest.fixture
def client_for(lists_server: GrpcServer, issuer: TokenIssuer) -> Iterator[Callable[..., Client]]:
    channel = grpc.insecure_channel(f"127.0.0.1:{lists_server.port}")

    def make(
        permissions: frozenset[str] = frozenset(perm.ALL),
        scopes: frozenset[str] = frozenset({"school"}),
        stepped_up: bool = False,
    ) -> Client:
        caller = Caller(
            subject="u-office",
            school_id=SCHOOL,
            permissions=permissions,
            scopes=scopes,
            stepped_up_until=int(time.time()) + 300 if stepped_up else 0,
        )
        return Client(channel, issuer, caller)

    yield make
    channel.close()


@pytest.fixture
def office(client_for: Callable[..., Client]) -> Client:
    return client_for()


def make_year(c: Client, classes: dict[str, int]) -> tuple[str, dict[str, str]]:
    year = c.call(c.students.CreateSchoolYear, YEAR).school_year
    ids = {}
    for name, max_size in classes.items():
        made = c.call(
            c.students.CreateClass,
            students_pb2.CreateClassRequest(
                school_year_id=year.school_year_id, name=name, grade_level=int(name[0]), max_size=max_size
            ),
        ).school_class
        ids[name] = made.class_id
    return year.school_year_id, ids


def book(rows: list[dict[str, Any]], headers: tuple[str, ...] | list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "HocSinh"
    ws.append(list(headers))
    for values in rows:
        ws.append([values.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pupil(name: str, dob: str = "05/09/2019", gender: str = "Nam", cls: str = "1A", **extra: Any) -> dict[str, Any]:
    return {"Họ và tên": name, "Ngày sinh (dd/mm/yyyy)": dob, "Giới tính (Nam/Nữ)": gender, "Lớp": cls, **extra}


def import_(c: Client, year_id: str, data: bytes, class_id: str = "", dry_run: bool = False) -> Any:
    return c.call(
        c.lists.ImportStudents,
        lists_pb2.ImportStudentsRequest(school_year_id=year_id, class_id=class_id, workbook=data, dry_run=dry_run),
    )


def enrolled_events(engine: Engine) -> list[events_pb2.StudentEnrolled]:
    with engine.connect() as conn:
        rows = conn.execute(select(outbox).order_by(outbox.c.seq)).mappings().all()
    found = []
    for row in rows:
        if row["event_type"] == "school.students.v1.StudentEnrolled":
            found.append(events_pb2.StudentEnrolled.FromString(row["payload"]))
    return found


def class_list(c: Client, class_id: str) -> list[str]:
    answer = c.call(c.students.ListStudents, students_pb2.ListStudentsRequest(class_id=class_id, page_size=200))
    return [s.full_name for s in answer.students]


def test_a_school_list_is_imported_into_the_classes_it_names(office: Client, engine: Engine) -> None:
    year_id, ids = make_year(office, {"1A": 35, "2A": 35})
    data = book(
        [
            pupil(
                "Nguyễn Văn An",
                **{
                    "Số định danh cá nhân": "001219012345",
                    "Họ tên cha": "Nguyễn Văn Bình",
                    "Điện thoại cha": "0912345678",
                    "Dân tộc": "Kinh",
                },
            ),
            pupil(
                "Trần Thị Bích", "14/03/2018", "Nữ", "2A", **{"Họ tên mẹ": "Lê Thị Hoa", "Điện thoại mẹ": "0987654321"}
            ),
            # A sibling of the first pupil: the same father, stored once.
            pupil(
                "Nguyễn Thị Cúc",
                "02/02/2018",
                "Nữ",
                "2A",
                **{"Họ tên cha": "Nguyễn Văn Bình", "Điện thoại cha": "0912345678"},
            ),
        ]
    )
    checked = import_(office, year_id, data, dry_run=True)
    assert (checked.created, checked.rows, list(checked.errors)) == (0, 3, [])
    assert class_list(office, ids["1A"]) == []
    assert [(c.class_name, c.added, c.size_after) for c in checked.classes] == [("1A", 1, 1), ("2A", 2, 2)]

    done = import_(office, year_id, data)
    assert (done.created, list(done.errors)) == (3, [])
    assert class_list(office, ids["1A"]) == ["Nguyễn Văn An"]
    assert class_list(office, ids["2A"]) == ["Trần Thị Bích", "Nguyễn Thị Cúc"]
    got = office.call(office.students.GetClass, students_pb2.GetClassRequest(class_id=ids["2A"])).school_class
    assert got.size == 2
    events = enrolled_events(engine)
    assert sorted(e.student.full_name for e in events) == ["Nguyễn Thị Cúc", "Nguyễn Văn An", "Trần Thị Bích"]
    assert {e.class_name for e in events} == {"1A", "2A"}
    # Events carry no family or identity numbers.
    assert all("0912345678" not in str(e) and "001219012345" not in str(e) for e in events)


def test_one_bad_row_writes_nothing_and_names_row_column_and_reason(
    office: Client, counts: Callable[[], dict[str, int]]
) -> None:
    year_id, ids = make_year(office, {"1A": 35})
    before = counts()
    data = book(
        [
            pupil("Nguyễn Văn An"),
            pupil("Trần Thị Bích", "31/02/2019", "Nữ"),
            pupil("Lê Văn Cường", **{"Số định danh cá nhân": "0012190"}),
            pupil("Phạm Thị Dung", gender="Nữ", cls="9Z"),
        ]
    )
    answer = import_(office, year_id, data)
    assert answer.created == 0
    problems = [(e.row, e.column) for e in answer.errors]
    assert problems == [(3, "Ngày sinh (dd/mm/yyyy)"), (4, "Số định danh cá nhân"), (5, "Lớp")]
    assert "dd/mm/yyyy" in answer.errors[0].message
    assert "12 chữ số" in answer.errors[1].message
    assert "9Z" in answer.errors[2].message
    assert counts() == before
    assert class_list(office, ids["1A"]) == []


def test_a_class_over_its_size_limit_and_a_file_imported_twice_are_refused(
    office: Client, counts: Callable[[], dict[str, int]]
) -> None:
    year_id, _ = make_year(office, {"1A": 2})
    first = book([pupil("Nguyễn Văn An"), pupil("Trần Văn Bảo", "06/06/2019")])
    assert import_(office, year_id, first).created == 2
    before = counts()
    again = import_(office, year_id, first)
    assert again.created == 0
    assert {(e.row, e.column) for e in again.errors} >= {(2, "Họ và tên"), (3, "Họ và tên")}
    assert any("đã được nhập" in e.message for e in again.errors)
    # The class is full: a third pupil is refused on its row.
    more = import_(office, year_id, book([pupil("Lê Văn Cường", "07/07/2019")]))
    assert [(e.row, e.column) for e in more.errors] == [(2, "Lớp")]
    assert "sĩ số tối đa 2" in more.errors[0].message
    assert counts() == before


def test_duplicates_inside_the_file_are_named(office: Client) -> None:
    year_id, _ = make_year(office, {"1A": 35})
    data = book(
        [
            pupil("Nguyễn Văn An", **{"Mã học sinh": "TV001", "Mã định danh học sinh (CSDL ngành)": "0101000001"}),
            pupil("Trần Văn Bảo", "06/06/2019", **{"Mã học sinh": "TV001"}),
            pupil("Lê Văn Cường", "07/07/2019", **{"Mã định danh học sinh (CSDL ngành)": "0101000001"}),
        ]
    )
    answer = import_(office, year_id, data)
    assert [(e.row, e.column, e.message) for e in answer.errors] == [
        (3, "Mã học sinh", "Mã học sinh trùng với dòng 2"),
        (4, "Mã định danh học sinh (CSDL ngành)", "Mã định danh học sinh (CSDL ngành) trùng với dòng 2"),
    ]


def test_a_chosen_class_takes_every_row_and_a_csdl_layout_is_understood(office: Client) -> None:
    _, ids = make_year(office, {"3A": 35, "3B": 35})
    headers = ["STT", "Mã định danh học sinh", "Họ tên học sinh", "Ngày sinh", "Giới tính", "Dân tộc"]
    data = book(
        [
            {"STT": 1, "Mã định danh học sinh": "0100000123", "Họ tên học sinh": "Hà Minh Đức",
             "Ngày sinh": "10/10/2017", "Giới tính": "Nam", "Dân tộc": "Tày"},
        ],
        headers,
    )  # fmt: skip
    done = import_(office, "", data, class_id=ids["3B"])
    assert (done.created, list(done.errors)) == (1, [])
    assert class_list(office, ids["3B"]) == ["Hà Minh Đức"]


def test_bad_files_and_choices_are_refused_with_a_field(office: Client) -> None:
    year_id, _ = make_year(office, {"1A": 35})
    for request, field in [
        (lists_pb2.ImportStudentsRequest(school_year_id=year_id, workbook=b"PK\x03\x04 not really"), "workbook"),
        (lists_pb2.ImportStudentsRequest(school_year_id=year_id, workbook=b""), "workbook"),
        (lists_pb2.ImportStudentsRequest(workbook=book([pupil("Nguyễn Văn An")])), "school_year_id"),
    ]:
        with pytest.raises(grpc.RpcError) as info:
            office.call(office.lists.ImportStudents, request)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in field_violations(info.value)
    missing = import_(office, year_id, book([{"Họ và tên": "Nguyễn Văn An"}], ["Họ và tên"]))
    assert [(e.row, e.column) for e in missing.errors] == [
        (1, "Ngày sinh (dd/mm/yyyy)"),
        (1, "Giới tính (Nam/Nữ)"),
        (1, "Lớp"),
    ]


def test_sensitive_columns_need_the_permission(client_for: Callable[..., Client], office: Client) -> None:
    year_id, _ = make_year(office, {"1A": 35})
    plain = client_for(permissions=frozenset(perm.ALL) - {perm.STUDENT_READ_SENSITIVE})
    answer = import_(plain, year_id, book([pupil("Nguyễn Văn An", **{"Họ tên cha": "Nguyễn Văn Bình"})]))
    assert [(e.row, e.column) for e in answer.errors] == [(2, "Họ tên cha")]
    assert "quyền" in answer.errors[0].message


def test_export_round_trips_and_guards_sensitive_and_whole_school_lists(
    client_for: Callable[..., Client], office: Client
) -> None:
    year_id, ids = make_year(office, {"1A": 35, "2A": 35})
    rows = [
        pupil("Nguyễn Văn An", **{"Số định danh cá nhân": "001219012345", "Họ tên mẹ": "Lê Thị Hoa",
                                  "Điện thoại mẹ": "0987654321"}),
        pupil("Trần Thị Bích", "14/03/2018", "Nữ", "2A"),
    ]  # fmt: skip
    assert import_(office, year_id, book(rows)).created == 2

    # A class list without sensitive columns needs no step-up.
    plain = office.call(office.lists.ExportStudents, lists_pb2.ExportStudentsRequest(class_id=ids["1A"]))
    sheet = load_workbook(io.BytesIO(plain.workbook))["HocSinh"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == list(HEADERS)
    assert values[1][HEADERS.index("Họ và tên")] == "Nguyễn Văn An"
    assert values[1][HEADERS.index("Số định danh cá nhân")] in (None, "")
    assert plain.students == 1

    for request in (
        lists_pb2.ExportStudentsRequest(class_id=ids["1A"], include_sensitive=True),
        lists_pb2.ExportStudentsRequest(school_year_id=year_id),
    ):
        with pytest.raises(grpc.RpcError) as info:
            office.call(office.lists.ExportStudents, request)
        assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert field_violations(info.value) == {"step_up": "required"}

    stepped = client_for(stepped_up=True)
    full = stepped.call(
        stepped.lists.ExportStudents, lists_pb2.ExportStudentsRequest(school_year_id=year_id, include_sensitive=True)
    )
    assert full.students == 2
    # The exported file is a valid import file for another year: the same rows come back.
    sheet = load_workbook(io.BytesIO(full.workbook))["HocSinh"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[1][HEADERS.index("Số định danh cá nhân")] == "001219012345"
    assert values[1][HEADERS.index("Điện thoại mẹ")] == "0987654321"
    assert values[2][HEADERS.index("Lớp")] == "2A"


def test_a_homeroom_teacher_exports_only_their_class(client_for: Callable[..., Client], office: Client) -> None:
    year_id, ids = make_year(office, {"1A": 35, "2A": 35})
    assert import_(office, year_id, book([pupil("Nguyễn Văn An"), pupil("Trần Thị Bích", cls="2A")])).created == 2
    gvcn = client_for(
        permissions=frozenset({perm.STUDENT_READ, perm.STUDENT_EXPORT}), scopes=frozenset({f"class:{ids['1A']}"})
    )
    own = gvcn.call(gvcn.lists.ExportStudents, lists_pb2.ExportStudentsRequest(class_id=ids["1A"]))
    assert own.students == 1
    with pytest.raises(grpc.RpcError) as info:
        gvcn.call(gvcn.lists.ExportStudents, lists_pb2.ExportStudentsRequest(class_id=ids["2A"]))
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as info:
        gvcn.call(gvcn.lists.ImportStudents, lists_pb2.ImportStudentsRequest(class_id=ids["1A"], workbook=b"x"))
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_only_a_shared_phone_makes_two_rows_one_guardian(office: Client, engine: Engine) -> None:
    from sqlalchemy import func

    from school_students.adapters.tables_records import guardians

    year_id, _ = make_year(office, {"1A": 35})
    rows = [
        # Two different families whose fathers share a common name and left the phone empty.
        pupil("Nguyễn Văn An", **{"Họ tên cha": "Nguyễn Văn Hùng"}),
        pupil("Trần Văn Bảo", "06/06/2019", **{"Họ tên cha": "Nguyễn Văn Hùng"}),
        # Siblings: the same mother with the same phone is one guardian.
        pupil("Lê Văn Cường", "07/07/2019", **MOTHER),
        pupil("Lê Thị Dung", "08/08/2019", "Nữ", **MOTHER),
    ]
    assert import_(office, year_id, book(rows)).created == 4
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(guardians)).scalar_one() == 3


def test_a_subject_teacher_may_not_export_or_import_family_data(
    client_for: Callable[..., Client], office: Client
) -> None:
    year_id, ids = make_year(office, {"1A": 35, "2A": 35})
    assert import_(office, year_id, book([pupil("Nguyễn Văn An", cls="2A")])).created == 1
    # Homeroom teacher of 1A who also teaches a subject in 2A, holding the sensitive permission.
    teacher = client_for(
        permissions=frozenset(perm.ALL),
        scopes=frozenset({f"class:{ids['1A']}", f"class_subject:{ids['2A']}:TIN_HOC"}),
        stepped_up=True,
    )
    names_only = teacher.call(teacher.lists.ExportStudents, lists_pb2.ExportStudentsRequest(class_id=ids["2A"]))
    assert names_only.students == 1
    with pytest.raises(grpc.RpcError) as info:
        teacher.call(
            teacher.lists.ExportStudents,
            lists_pb2.ExportStudentsRequest(class_id=ids["2A"], include_sensitive=True),
        )
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "include_sensitive" in field_violations(info.value)
    refused = import_(teacher, "", book([pupil("Trần Văn Bảo", **{"Họ tên cha": "Trần Văn Cao"})]), class_id=ids["2A"])
    assert [(e.row, e.column) for e in refused.errors] == [(2, "Họ tên cha")]
    own = import_(teacher, "", book([pupil("Trần Văn Bảo", **{"Họ tên cha": "Trần Văn Cao"})]), class_id=ids["1A"])
    assert own.created == 1


def test_a_citizen_id_already_on_record_is_refused(office: Client) -> None:
    year_id, _ = make_year(office, {"1A": 35})
    first = [pupil("Nguyễn Văn An", **{"Số định danh cá nhân": "001219012345"})]
    assert import_(office, year_id, book(first)).created == 1
    # The same child typed again with another birth date: caught by the citizen id alone.
    again = import_(
        office, year_id, book([pupil("Nguyễn Văn An", "06/09/2019", **{"Số định danh cá nhân": "001219012345"})])
    )
    assert [(e.row, e.column) for e in again.errors] == [(2, "Số định danh cá nhân")]
    assert "đã có trong hồ sơ" in again.errors[0].message
