"""gRPC servicer for school.identity.v1.StaffService (staff records, departments, Excel import/export)."""

from __future__ import annotations

import grpc

from school.identity.v1 import staff_pb2, staff_pb2_grpc
from school_identity.api.base import BaseServicer, iso, timestamp
from school_identity.api.permissions import STAFF
from school_identity.app import staff
from school_identity.app.staff import StaffView, parse_iso
from school_identity.domain.model import Department
from school_identity.domain.staff import StaffDraft

STATUS_TO_PROTO = {
    "ACTIVE": staff_pb2.EMPLOYMENT_STATUS_ACTIVE,
    "ON_LEAVE": staff_pb2.EMPLOYMENT_STATUS_ON_LEAVE,
    "TRANSFERRED": staff_pb2.EMPLOYMENT_STATUS_TRANSFERRED,
    "LEFT": staff_pb2.EMPLOYMENT_STATUS_LEFT,
}
STATUS_FROM_PROTO = {v: k for k, v in STATUS_TO_PROTO.items()}


def record_message(view: StaffView) -> staff_pb2.StaffRecord:
    r = view.record
    return staff_pb2.StaffRecord(
        staff_id=r.id,
        staff_code=r.staff_code,
        full_name=r.full_name,
        date_of_birth=iso(r.date_of_birth),
        gender=r.gender,
        # Field-level protection (quality bar S3): only holders of identity:staff:read_sensitive.
        citizen_id=r.citizen_id if view.show_citizen_id else "",
        position=r.position,
        qualification=r.qualification,
        phone=r.phone,
        email=r.email,
        address=r.address,
        start_date=iso(r.start_date),
        department_id=r.department_id,
        employment_status=STATUS_TO_PROTO.get(r.employment_status, staff_pb2.EMPLOYMENT_STATUS_UNSPECIFIED),
        user_id=r.user_id,
        missing_fields=view.missing,
        version=r.version,
        updated_at=timestamp(r.updated_at),
    )


def draft_of(record: staff_pb2.StaffRecord) -> StaffDraft:
    """The editable fields of a request's record (ids, version and computed fields are not)."""
    unreadable: dict[str, str] = {}
    return StaffDraft(
        staff_code=record.staff_code,
        full_name=record.full_name,
        date_of_birth=parse_iso(record.date_of_birth, "date_of_birth", unreadable),
        gender=record.gender,
        citizen_id=record.citizen_id,
        position=record.position,
        qualification=record.qualification,
        phone=record.phone,
        email=record.email,
        address=record.address,
        start_date=parse_iso(record.start_date, "start_date", unreadable),
        department_id=record.department_id,
        employment_status=STATUS_FROM_PROTO.get(record.employment_status, ""),
        unreadable=unreadable,
    )


class StaffServicer(BaseServicer, staff_pb2_grpc.StaffServiceServicer):
    SERVICE_NAME = STAFF

    def register(self, server: grpc.Server) -> str:
        staff_pb2_grpc.add_StaffServiceServicer_to_server(self, server)
        return STAFF

    def CreateStaff(
        self, request: staff_pb2.CreateStaffRequest, context: grpc.ServicerContext
    ) -> staff_pb2.CreateStaffResponse:
        actor = self._require("CreateStaff")
        with self._translated("CreateStaff", context):
            view, code = staff.create_staff(
                actor,
                draft_of(request.record),
                request.create_account_username,
                list(request.account_roles),
                self._deps,
            )
        return staff_pb2.CreateStaffResponse(record=record_message(view), one_time_code=code)

    def UpdateStaff(
        self, request: staff_pb2.UpdateStaffRequest, context: grpc.ServicerContext
    ) -> staff_pb2.UpdateStaffResponse:
        actor = self._require("UpdateStaff")
        record = request.record
        with self._translated("UpdateStaff", context):
            view = staff.update_staff(
                actor, record.staff_id, draft_of(record), int(record.version), self._deps, linked_user_id=record.user_id
            )
        return staff_pb2.UpdateStaffResponse(record=record_message(view))

    def UpdateOwnContact(
        self, request: staff_pb2.UpdateOwnContactRequest, context: grpc.ServicerContext
    ) -> staff_pb2.UpdateOwnContactResponse:
        actor = self._require("UpdateOwnContact")
        with self._translated("UpdateOwnContact", context):
            view = staff.update_own_contact(
                actor, request.phone, request.email, request.address, int(request.expected_version), self._deps
            )
        return staff_pb2.UpdateOwnContactResponse(record=record_message(view))

    def GetStaff(self, request: staff_pb2.GetStaffRequest, context: grpc.ServicerContext) -> staff_pb2.GetStaffResponse:
        actor = self._require("GetStaff")
        with self._translated("GetStaff", context):
            view = staff.get_staff(actor, request.staff_id, self._deps)
        return staff_pb2.GetStaffResponse(record=record_message(view))

    def ListStaff(
        self, request: staff_pb2.ListStaffRequest, context: grpc.ServicerContext
    ) -> staff_pb2.ListStaffResponse:
        actor = self._require("ListStaff")
        with self._translated("ListStaff", context):
            result = staff.list_staff(
                actor, request.department_id, request.incomplete_only, request.page_size, request.page_token, self._deps
            )
        return staff_pb2.ListStaffResponse(
            records=[record_message(v) for v in result.page.items],
            next_page_token=result.page.next_token,
            total=result.total,
            complete=result.complete,
        )

    def ImportStaff(
        self, request: staff_pb2.ImportStaffRequest, context: grpc.ServicerContext
    ) -> staff_pb2.ImportStaffResponse:
        actor = self._require("ImportStaff")
        with self._translated("ImportStaff", context):
            result = staff.import_staff(actor, request.workbook, request.dry_run, self._deps)
        return staff_pb2.ImportStaffResponse(
            created=result.created,
            updated=result.updated,
            errors=[staff_pb2.RowError(row=e.row, column=e.column, message=e.message) for e in result.errors],
        )

    def ExportStaff(
        self, request: staff_pb2.ExportStaffRequest, context: grpc.ServicerContext
    ) -> staff_pb2.ExportStaffResponse:
        actor = self._require("ExportStaff")
        with self._translated("ExportStaff", context):
            data, filename = staff.export_staff(actor, request.include_sensitive, self._deps)
        return staff_pb2.ExportStaffResponse(workbook=data, filename=filename)

    def CreateDepartment(
        self, request: staff_pb2.CreateDepartmentRequest, context: grpc.ServicerContext
    ) -> staff_pb2.CreateDepartmentResponse:
        actor = self._require("CreateDepartment")
        with self._translated("CreateDepartment", context):
            department = staff.create_department(actor, request.name, self._deps)
        return staff_pb2.CreateDepartmentResponse(department=department_message(department))

    def ListDepartments(
        self, request: staff_pb2.ListDepartmentsRequest, context: grpc.ServicerContext
    ) -> staff_pb2.ListDepartmentsResponse:
        actor = self._require("ListDepartments")
        with self._translated("ListDepartments", context):
            found = staff.list_departments(actor, self._deps)
        return staff_pb2.ListDepartmentsResponse(departments=[department_message(d) for d in found])

    def SetDepartmentGrades(
        self, request: staff_pb2.SetDepartmentGradesRequest, context: grpc.ServicerContext
    ) -> staff_pb2.SetDepartmentGradesResponse:
        actor = self._require("SetDepartmentGrades")
        with self._translated("SetDepartmentGrades", context):
            department = staff.set_department_grades(
                actor, request.department_id, list(request.grade_levels), self._deps
            )
        return staff_pb2.SetDepartmentGradesResponse(department=department_message(department))


def department_message(department: Department) -> staff_pb2.Department:
    return staff_pb2.Department(
        department_id=department.id, name=department.name, grade_levels=list(department.grade_levels)
    )
