"""StudentListsService servicer: Excel template, import and export of student lists."""

from __future__ import annotations

import time

import grpc

from school.students.v1 import lists_pb2, lists_pb2_grpc
from school_students.api import permissions as perm
from school_students.api.errors import domain_errors
from school_students.api.servicer import authorise, ensure_class_in_scope
from school_students.app.student_lists import ExportStudents, ImportStudents, StudentListsUseCases
from schoolkit.grpc_errors import ForbiddenError, PreconditionFailedError
from schoolkit.grpc_server import current_caller

SERVICE_NAME = lists_pb2.DESCRIPTOR.services_by_name["StudentListsService"].full_name
STEP_UP_FIELD = "step_up"


def _require_step_up(reason: str) -> None:
    # The gateway sends the person through the step-up page and retries (quality bar S8).
    if current_caller().stepped_up_until <= time.time():
        raise PreconditionFailedError(reason, {STEP_UP_FIELD: "required"})


class StudentListsServicer(lists_pb2_grpc.StudentListsServiceServicer):
    def __init__(self, use_cases: StudentListsUseCases) -> None:
        self._uc = use_cases

    def register(self, server: grpc.Server) -> str:
        lists_pb2_grpc.add_StudentListsServiceServicer_to_server(self, server)
        return SERVICE_NAME

    def GetImportTemplate(
        self, request: lists_pb2.GetImportTemplateRequest, context: grpc.ServicerContext
    ) -> lists_pb2.GetImportTemplateResponse:
        authorise(perm.STUDENT_IMPORT)
        data, filename = self._uc.template()
        return lists_pb2.GetImportTemplateResponse(workbook=data, filename=filename)

    def ImportStudents(
        self, request: lists_pb2.ImportStudentsRequest, context: grpc.ServicerContext
    ) -> lists_pb2.ImportStudentsResponse:
        school_id = authorise(perm.STUDENT_IMPORT)
        caller = current_caller()
        if request.class_id:
            ensure_class_in_scope(request.class_id)
        with domain_errors():
            result = self._uc.import_students(
                ImportStudents(
                    school_id=school_id,
                    school_year_id=request.school_year_id,
                    class_id=request.class_id,
                    workbook=request.workbook,
                    dry_run=request.dry_run,
                    # Family and identity columns: only for whom keeps the class as a whole (homeroom
                    # of the chosen class, or a school-wide duty), as on the record page.
                    may_write_sensitive=caller.has(perm.STUDENT_READ_SENSITIVE)
                    and caller.is_homeroom_of(request.class_id),
                    reaches_class=caller.reaches_class,
                )
            )
        return lists_pb2.ImportStudentsResponse(
            created=result.created,
            rows=result.rows,
            errors=[lists_pb2.SheetRowError(row=e.row, column=e.column, message=e.message) for e in result.errors],
            classes=[
                lists_pb2.ClassCount(
                    class_id=c.class_id, class_name=c.class_name, added=c.added, size_after=c.size_after
                )
                for c in result.classes
            ],
        )

    def ExportStudents(
        self, request: lists_pb2.ExportStudentsRequest, context: grpc.ServicerContext
    ) -> lists_pb2.ExportStudentsResponse:
        school_id = authorise(perm.STUDENT_EXPORT)
        caller = current_caller()
        if request.class_id:
            ensure_class_in_scope(request.class_id)
        if request.include_sensitive:
            # A subject taught in a class is not enough: only its homeroom teacher or a school-wide
            # duty sees the family, identity and policy data (the record page's rule).
            if not caller.has(perm.STUDENT_READ_SENSITIVE) or not caller.is_homeroom_of(request.class_id):
                message = "Bạn không được xuất thông tin nhạy cảm của học sinh"
                raise ForbiddenError(message, {"include_sensitive": message})
            _require_step_up("Xuất thông tin nhạy cảm cần xác thực lại")
        elif not request.class_id and caller.school_wide:
            _require_step_up("Xuất danh sách toàn trường cần xác thực lại")
        with domain_errors():
            result = self._uc.export_students(
                ExportStudents(
                    school_id=school_id,
                    school_year_id=request.school_year_id,
                    class_id=request.class_id,
                    include_sensitive=request.include_sensitive,
                    visible_class_ids=caller.visible_class_ids(),
                )
            )
        return lists_pb2.ExportStudentsResponse(
            workbook=result.workbook, filename=result.filename, students=result.students
        )
