"""StaffService over real gRPC: records, completeness, the citizen id's field-level protection (S3),
own contact fields, optimistic concurrency, departments, and the Excel import and export."""

from __future__ import annotations

import io
from typing import Any

import grpc
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from school.identity.v1 import events_pb2, identity_pb2, staff_pb2
from school_identity.adapters.tables import staff as staff_table
from school_identity.app.staff_sheet import HEADERS
from school_identity.domain.roles import permissions_for
from schoolkit.grpc_errors import field_violations

from .conftest import Identity

pytestmark = pytest.mark.integration

CCCD = "001188014562"


def rpc_error(call: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value


def full_record(department_id: str, **kw: Any) -> staff_pb2.StaffRecord:
    base: dict[str, Any] = {
        "full_name": "Phạm Thị Lan Anh",
        "date_of_birth": "1988-05-17",
        "gender": "female",
        "citizen_id": CCCD,
        "position": "GV",
        "qualification": "Đại học Sư phạm Tiểu học",
        "phone": "0912 345 604",
        "email": "LanAnh@thtrungvuong.edu.vn",
        "address": "27 Phố Huế, Hà Nội",
        "start_date": "2012-08-20",
        "department_id": department_id,
        "employment_status": staff_pb2.EMPLOYMENT_STATUS_ACTIVE,
    }
    base.update(kw)
    return staff_pb2.StaffRecord(**base)


@pytest.fixture
def office(identity: Identity) -> dict[str, Any]:
    vp = identity.create("vanphong", "VP")
    ht = identity.create("hieutruong", "HT")
    md = identity.as_account(vp)
    departments = {
        name: identity.staff.CreateDepartment(
            staff_pb2.CreateDepartmentRequest(name=name), metadata=md, timeout=10
        ).department.department_id
        for name in ("Tổ 1", "Tổ 3", "Tổ 4-5")
    }
    return {"vp": vp, "ht": ht, "md": md, "departments": departments}


def test_create_with_an_account_get_and_hide_the_citizen_id(identity: Identity, office: dict[str, Any]) -> None:
    dep = office["departments"]["Tổ 3"]
    created = identity.staff.CreateStaff(
        staff_pb2.CreateStaffRequest(record=full_record(dep), create_account_username="lananh"),
        metadata=office["md"],
        timeout=10,
    )
    record = created.record
    assert record.staff_code == "CB0001"
    assert (record.phone, record.email, record.citizen_id) == ("0912345604", "lananh@thtrungvuong.edu.vn", CCCD)
    assert list(record.missing_fields) == []
    assert record.version == 1
    assert len(created.one_time_code) == 12
    # The new account must change the one-time code at its first sign-in.
    first = identity.login("lananh", created.one_time_code)
    assert first.outcome == identity_pb2.LOGIN_OUTCOME_PASSWORD_CHANGE_REQUIRED
    events = identity.outbox()
    staff_event = next(r for r in events if r["event_type"].endswith("StaffCreated"))
    payload = events_pb2.StaffCreated.FromString(staff_event["payload"])
    assert payload.user_id == record.user_id
    assert payload.department_id == dep
    for row in events:
        for secret in (CCCD.encode(), b"0912345604", b"lananh@", created.one_time_code.encode()):
            assert secret not in row["payload"]
    assert CCCD not in repr(identity.audit())

    # Field-level protection (S3): the citizen id only for identity:staff:read_sensitive holders.
    pht = identity.create("phohieutruong", "PHT")
    got = identity.staff.GetStaff(
        staff_pb2.GetStaffRequest(staff_id=record.staff_id), metadata=identity.as_account(pht), timeout=10
    ).record
    assert got.citizen_id == ""
    assert got.full_name == "Phạm Thị Lan Anh"
    listed = identity.staff.ListStaff(staff_pb2.ListStaffRequest(), metadata=office["md"], timeout=10)
    assert [r.citizen_id for r in listed.records] == [""]  # never in lists, even for the office
    sensitive = identity.staff.GetStaff(
        staff_pb2.GetStaffRequest(staff_id=record.staff_id), metadata=office["md"], timeout=10
    ).record
    assert sensitive.citizen_id == CCCD


def test_a_person_reads_their_own_record_and_corrects_their_contact(identity: Identity, office: dict[str, Any]) -> None:
    gv = identity.create("lananh", "GVCN")
    other = identity.create("gvbm", "GVBM")
    created = identity.staff.CreateStaff(
        staff_pb2.CreateStaffRequest(record=full_record(office["departments"]["Tổ 3"])),
        metadata=office["md"],
        timeout=10,
    ).record
    # Link the record to the account as CreateStaff would have (the test account already exists).
    from sqlalchemy import update

    with identity.container.engine.begin() as conn:
        conn.execute(update(staff_table).where(staff_table.c.id == created.staff_id).values(user_id=gv.id))
    me = identity.as_account(gv)
    own = identity.staff.GetStaff(staff_pb2.GetStaffRequest(), metadata=me, timeout=10).record
    assert own.staff_id == created.staff_id
    assert own.citizen_id == ""
    by_id = identity.staff.GetStaff(staff_pb2.GetStaffRequest(staff_id=created.staff_id), metadata=me, timeout=10)
    assert by_id.record.staff_id == created.staff_id  # own record by id needs no staff:read either
    assert "identity:staff:read" not in permissions_for(["GVBM"])
    err = rpc_error(
        lambda: identity.staff.GetStaff(
            staff_pb2.GetStaffRequest(staff_id=created.staff_id), metadata=identity.as_account(other), timeout=10
        )
    )
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    updated = identity.staff.UpdateOwnContact(
        staff_pb2.UpdateOwnContactRequest(
            phone="0987654321", email="anh@example.vn", address="Số 5 Ngõ Huế", expected_version=own.version
        ),
        metadata=me,
        timeout=10,
    ).record
    assert (updated.phone, updated.version) == ("0987654321", 2)
    stale = rpc_error(
        lambda: identity.staff.UpdateOwnContact(
            staff_pb2.UpdateOwnContactRequest(phone="0987654322", expected_version=own.version), metadata=me, timeout=10
        )
    )
    assert stale.code() == grpc.StatusCode.ABORTED
    nobody = rpc_error(
        lambda: identity.staff.UpdateOwnContact(
            staff_pb2.UpdateOwnContactRequest(phone="0987654322", expected_version=1),
            metadata=identity.as_account(other),
            timeout=10,
        )
    )
    assert nobody.code() == grpc.StatusCode.NOT_FOUND


def test_update_validates_keeps_hidden_citizen_ids_and_detects_conflicts(
    identity: Identity, office: dict[str, Any]
) -> None:
    dep = office["departments"]["Tổ 1"]
    record = identity.staff.CreateStaff(
        staff_pb2.CreateStaffRequest(record=full_record(dep)), metadata=office["md"], timeout=10
    ).record
    bad = rpc_error(
        lambda: identity.staff.UpdateStaff(
            staff_pb2.UpdateStaffRequest(
                record=full_record(dep, staff_id=record.staff_id, version=1, citizen_id="001288014562", phone="123")
            ),
            metadata=office["md"],
            timeout=10,
        )
    )
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(bad)) == {"citizen_id", "phone"}
    assert CCCD[:6] not in bad.details()
    # A writer without the sensitive capability sends an empty citizen id: the stored one stays.
    writer = frozenset({"identity:staff:write", "identity:staff:read", "identity:me:read"})
    blind = identity.as_account(office["vp"], permissions=writer)
    ok = identity.staff.UpdateStaff(
        staff_pb2.UpdateStaffRequest(
            record=full_record(dep, staff_id=record.staff_id, version=1, citizen_id="", qualification="Thạc sĩ")
        ),
        metadata=blind,
        timeout=10,
    ).record
    assert (ok.version, ok.qualification, ok.citizen_id) == (2, "Thạc sĩ", "")
    with identity.container.engine.connect() as conn:
        assert conn.execute(select(staff_table.c.citizen_id)).scalar_one() == CCCD
    # …and cannot overwrite it blindly.
    denied = rpc_error(
        lambda: identity.staff.UpdateStaff(
            staff_pb2.UpdateStaffRequest(record=full_record(dep, staff_id=record.staff_id, version=2)),
            metadata=blind,
            timeout=10,
        )
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    stale = rpc_error(
        lambda: identity.staff.UpdateStaff(
            staff_pb2.UpdateStaffRequest(record=full_record(dep, staff_id=record.staff_id, version=1)),
            metadata=office["md"],
            timeout=10,
        )
    )
    assert stale.code() == grpc.StatusCode.ABORTED
    hijack = rpc_error(
        lambda: identity.staff.UpdateStaff(
            staff_pb2.UpdateStaffRequest(
                record=full_record(dep, staff_id=record.staff_id, version=2, user_id=office["ht"].id)
            ),
            metadata=office["md"],
            timeout=10,
        )
    )
    assert set(field_violations(hijack)) == {"user_id"}
    assert identity.event_types().count("StaffUpdated") == 1


def test_completeness_counts_and_the_incomplete_filter(identity: Identity, office: dict[str, Any]) -> None:
    deps = office["departments"]
    md = office["md"]
    identity.staff.CreateStaff(staff_pb2.CreateStaffRequest(record=full_record(deps["Tổ 1"])), metadata=md)
    identity.staff.CreateStaff(
        staff_pb2.CreateStaffRequest(
            record=staff_pb2.StaffRecord(
                full_name="Bùi Thị Ngọc Ánh", position="NV", employment_status=staff_pb2.EMPLOYMENT_STATUS_ACTIVE
            )
        ),
        metadata=md,
    )
    identity.staff.CreateStaff(
        staff_pb2.CreateStaffRequest(
            record=full_record("", full_name="Nguyễn Thị Thu Hà", position="HT", citizen_id="001174003851",
                               date_of_birth="1974-03-12")
        ),
        metadata=md,
    )  # fmt: skip
    listed = identity.staff.ListStaff(staff_pb2.ListStaffRequest(), metadata=md, timeout=10)
    assert (listed.total, listed.complete) == (3, 2)
    assert [r.full_name for r in listed.records] == ["Bùi Thị Ngọc Ánh", "Nguyễn Thị Thu Hà", "Phạm Thị Lan Anh"]
    incomplete = identity.staff.ListStaff(staff_pb2.ListStaffRequest(incomplete_only=True), metadata=md, timeout=10)
    assert [r.full_name for r in incomplete.records] == ["Bùi Thị Ngọc Ánh"]
    assert list(incomplete.records[0].missing_fields) == [
        "date_of_birth",
        "gender",
        "citizen_id",
        "qualification",
        "phone",
        "start_date",
        "department_id",
    ]
    by_dep = identity.staff.ListStaff(staff_pb2.ListStaffRequest(department_id=deps["Tổ 1"]), metadata=md, timeout=10)
    assert [r.full_name for r in by_dep.records] == ["Phạm Thị Lan Anh"]
    first = identity.staff.ListStaff(staff_pb2.ListStaffRequest(page_size=2), metadata=md, timeout=10)
    rest = identity.staff.ListStaff(
        staff_pb2.ListStaffRequest(page_size=2, page_token=first.next_page_token), metadata=md, timeout=10
    )
    assert len(first.records) + len(rest.records) == 3
    assert rest.next_page_token == ""


def test_departments_are_unique_per_school(identity: Identity, office: dict[str, Any]) -> None:
    err = rpc_error(
        lambda: identity.staff.CreateDepartment(staff_pb2.CreateDepartmentRequest(name="tổ 1"), metadata=office["md"])
    )
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    names = identity.staff.ListDepartments(staff_pb2.ListDepartmentsRequest(), metadata=office["md"]).departments
    assert [d.name for d in names] == ["Tổ 1", "Tổ 3", "Tổ 4-5"]


def test_the_office_cannot_hand_out_roles_with_an_account(identity: Identity, office: dict[str, Any]) -> None:
    err = rpc_error(
        lambda: identity.staff.CreateStaff(
            staff_pb2.CreateStaffRequest(
                record=full_record(office["departments"]["Tổ 1"]), create_account_username="moi", account_roles=["QTHT"]
            ),
            metadata=office["md"],
        )
    )
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    yearly = rpc_error(
        lambda: identity.staff.CreateStaff(
            staff_pb2.CreateStaffRequest(
                record=full_record(office["departments"]["Tổ 1"]), create_account_username="moi", account_roles=["GVCN"]
            ),
            metadata=identity.as_account(office["ht"]),
        )
    )
    assert set(field_violations(yearly)) == {"account_roles"}


def workbook(rows: list[list[Any]], sheet: str = "CBGVNV") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(HEADERS))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    ["", "Trần Văn Minh", "25/09/1978", "Nam", "036078005127", "Phó Hiệu trưởng", "Đại học Sư phạm",
     "0912345602", "", "45 Hàng Bài", "16/08/2010", "", "Đang công tác"],
    ["GV07", "Lê Thị Hồng Nhung", "03/11/1982", "Nữ", 34182002745, "Giáo viên", "Đại học Sư phạm Tiểu học",
     912345603, "nhung@thtrungvuong.edu.vn", "", "05/09/2006", "Tổ 1", "Đang công tác"],
]  # fmt: skip


def staff_count(identity: Identity) -> int:
    with identity.container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(staff_table)).scalar_one())


def test_import_with_one_bad_row_writes_nothing_and_says_where(identity: Identity, office: dict[str, Any]) -> None:
    bad = ["GV09", "Hoàng Đức Thắng", "29/01/1990", "Nam", "030190007318", "Giáo viên", "ĐH", "0912345605",
           "thang@", "", "17/08/2015", "Tổ 9", "Đang công tác"]  # fmt: skip
    reply = identity.staff.ImportStaff(
        staff_pb2.ImportStaffRequest(workbook=workbook([*GOOD, bad])), metadata=office["md"], timeout=30
    )
    assert (reply.created, reply.updated) == (0, 0)
    assert [(e.row, e.column) for e in reply.errors] == [
        (4, "Số CCCD"),
        (4, "Email"),
        (4, "Tổ chuyên môn"),
    ]
    assert all("030190007318" not in e.message for e in reply.errors)
    assert staff_count(identity) == 0
    rejected = [r for r in identity.audit() if r["action"] == "staff.imported"]
    assert rejected[-1]["outcome"] == "rejected"


def test_import_dry_run_then_import_then_update_by_code(identity: Identity, office: dict[str, Any]) -> None:
    md = office["md"]
    dry = identity.staff.ImportStaff(staff_pb2.ImportStaffRequest(workbook=workbook(GOOD), dry_run=True), metadata=md)
    assert (dry.created, dry.updated, list(dry.errors)) == (0, 0, [])
    assert staff_count(identity) == 0
    done = identity.staff.ImportStaff(staff_pb2.ImportStaffRequest(workbook=workbook(GOOD)), metadata=md, timeout=30)
    assert (done.created, done.updated, list(done.errors)) == (2, 0, [])
    listed = identity.staff.ListStaff(staff_pb2.ListStaffRequest(), metadata=md).records
    codes = {r.full_name: r.staff_code for r in listed}
    assert codes == {"Lê Thị Hồng Nhung": "GV07", "Trần Văn Minh": "CB0001"}
    nhung = next(r for r in listed if r.staff_code == "GV07")
    assert (nhung.phone, nhung.department_id) == ("0912345603", office["departments"]["Tổ 1"])
    # Matched by Mã cán bộ: the row updates; an empty citizen id keeps the stored one.
    again = [row[:] for row in GOOD[1:]]
    again[0][4] = ""
    again[0][6] = "Thạc sĩ Giáo dục học"
    updated = identity.staff.ImportStaff(staff_pb2.ImportStaffRequest(workbook=workbook(again)), metadata=md)
    assert (updated.created, updated.updated) == (0, 1)
    got = identity.staff.GetStaff(staff_pb2.GetStaffRequest(staff_id=nhung.staff_id), metadata=md).record
    assert (got.qualification, got.citizen_id, got.version) == ("Thạc sĩ Giáo dục học", "034182002745", 2)
    assert identity.event_types().count("StaffCreated") == 2
    assert identity.event_types().count("StaffUpdated") == 1


def test_import_refuses_foreign_files(identity: Identity, office: dict[str, Any]) -> None:
    for data in (b"not a workbook", workbook(GOOD, sheet="Sheet1")):
        err = rpc_error(
            lambda data=data: identity.staff.ImportStaff(
                staff_pb2.ImportStaffRequest(workbook=data), metadata=office["md"]
            )
        )
        assert set(field_violations(err)) == {"workbook"}
    dup = identity.staff.ImportStaff(
        staff_pb2.ImportStaffRequest(workbook=workbook([GOOD[1], GOOD[1]])), metadata=office["md"]
    )
    assert {(e.row, e.column) for e in dup.errors} == {(3, "Mã cán bộ"), (3, "Số CCCD")}


def test_export_round_trips_and_citizen_ids_need_a_step_up(identity: Identity, office: dict[str, Any]) -> None:
    md = office["md"]
    identity.staff.ImportStaff(staff_pb2.ImportStaffRequest(workbook=workbook(GOOD)), metadata=md, timeout=30)
    plain = identity.staff.ExportStaff(staff_pb2.ExportStaffRequest(), metadata=md, timeout=30)
    assert plain.filename.startswith("ho-so-cbgvnv-")
    assert plain.filename.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(plain.workbook))["CBGVNV"].iter_rows(values_only=True))
    assert list(rows[0]) == list(HEADERS)
    assert {r[HEADERS.index("Số CCCD")] for r in rows[1:]} == {None}
    # Round trip: the exported file imports back as updates that change nothing.
    back = identity.staff.ImportStaff(staff_pb2.ImportStaffRequest(workbook=plain.workbook), metadata=md, timeout=30)
    assert (back.created, back.updated, list(back.errors)) == (0, 0, [])

    not_stepped = rpc_error(
        lambda: identity.staff.ExportStaff(staff_pb2.ExportStaffRequest(include_sensitive=True), metadata=md)
    )
    assert not_stepped.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert field_violations(not_stepped) == {"step_up": "required"}
    no_capability = frozenset(permissions_for(["VP"]) - {"identity:staff:read_sensitive"})
    denied = rpc_error(
        lambda: identity.staff.ExportStaff(
            staff_pb2.ExportStaffRequest(include_sensitive=True),
            metadata=identity.as_account(office["vp"], permissions=no_capability, stepped_up=True),
        )
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    full = identity.staff.ExportStaff(
        staff_pb2.ExportStaffRequest(include_sensitive=True),
        metadata=identity.as_account(office["vp"], stepped_up=True),
        timeout=30,
    )
    rows = list(load_workbook(io.BytesIO(full.workbook))["CBGVNV"].iter_rows(values_only=True))
    assert {r[HEADERS.index("Số CCCD")] for r in rows[1:]} == {"036078005127", "034182002745"}
    exports = [r for r in identity.audit() if r["action"] == "staff.exported"]
    assert [r["detail"]["include_sensitive"] for r in exports] == [False, True]
    assert "036078005127" not in repr(identity.audit())
