"""StudentRecordsService servicer: permission and object checks, and which fields a caller sees.

Sensitive fields (family, citizen ID, religion, addresses, policy, disability, IEP) go only to a
caller holding students:student:read_sensitive who reaches the student as homeroom teacher of
their class or school-wide, and to the student's own parent (scope "child:<student id>"). The
citizen ID is given in full only to holders of read_sensitive; a parent sees its last 4 digits.
"""

from __future__ import annotations

from collections.abc import Mapping

import grpc

from school.students.v1 import records_pb2, records_pb2_grpc
from school_students.api import permissions as perm
from school_students.api.errors import domain_errors
from school_students.api.servicer import GENDER_FROM_PROTO
from school_students.app.records import RecordView, StudentRecordsUseCases, UpdateStudentRecord
from school_students.domain.completeness import REQUIRABLE_FIELDS
from school_students.domain.guardian import Guardian, GuardianInput
from school_students.domain.record import Address, AddressInput, RecordInput, StudentRecord, mask_citizen_id
from school_students.domain.student import Student
from school_students.events.outbound import class_message, student_message
from schoolkit.context import Caller
from schoolkit.grpc_errors import ForbiddenError
from schoolkit.grpc_server import current_caller, require

SERVICE_NAME = records_pb2.DESCRIPTOR.services_by_name["StudentRecordsService"].full_name
_NOT_ASSIGNED = "Bạn không được phân công lớp của học sinh này"
_NOT_SENSITIVE = "Bạn không được xem hồ sơ đầy đủ của học sinh này"


def reaches(caller: Caller, student: Student) -> bool:
    """The object check of a read: a class the caller is assigned to, or their own child."""
    if caller.reaches_student(student.id):
        return True
    # A parent alone has no class scope, so this reaches no other student.
    return caller.reaches_class(student.class_id)


def sees_sensitive(caller: Caller, student: Student) -> bool:
    if caller.reaches_student(student.id):
        return True
    return caller.has(perm.STUDENT_READ_SENSITIVE) and caller.is_homeroom_of(student.class_id)


def _forbidden(message: str = _NOT_ASSIGNED) -> ForbiddenError:
    return ForbiddenError(message, {"student_id": message})


def address_message(address: Address) -> records_pb2.Address:
    return records_pb2.Address(province_code=address.province_code, commune=address.commune, detail=address.detail)


def record_fields_message(
    record: StudentRecord, *, sensitive: bool, full_citizen_id: bool
) -> records_pb2.StudentRecordFields:
    message = records_pb2.StudentRecordFields(
        csdl_id=record.csdl_id,
        ethnicity=record.ethnicity,
        nationality=record.nationality,
        place_of_birth=record.place_of_birth,
    )
    if sensitive:
        message.citizen_id = record.citizen_id if full_citizen_id else mask_citizen_id(record.citizen_id)
        message.religion = record.religion
        message.permanent_address.CopyFrom(address_message(record.permanent_address))
        message.current_address.CopyFrom(address_message(record.current_address))
        message.policy_categories.extend(record.policy_categories)
        message.disability_type = record.disability_type
        message.has_iep = record.has_iep
    return message


def guardian_message(guardian: Guardian) -> records_pb2.Guardian:
    d = guardian.details
    return records_pb2.Guardian(
        guardian_id=guardian.id,
        full_name=d.full_name,
        relation=d.relation,
        phone=d.phone,
        birth_year=d.birth_year,
        occupation=d.occupation,
        email=d.email,
        address=d.address,
        parent_account_id=guardian.parent_account_id,
        version=guardian.version,
    )


def guardian_input(message: records_pb2.GuardianInput) -> GuardianInput:
    return GuardianInput(
        full_name=message.full_name,
        relation=message.relation,
        phone=message.phone,
        birth_year=message.birth_year,
        occupation=message.occupation,
        email=message.email,
        address=message.address,
    )


def _address_input(message: records_pb2.Address) -> AddressInput:
    return AddressInput(message.province_code, message.commune, message.detail)


class StudentRecordsServicer(records_pb2_grpc.StudentRecordsServiceServicer):
    """One method per RPC; the rules live in StudentRecordsUseCases."""

    def __init__(self, use_cases: StudentRecordsUseCases) -> None:
        self._uc = use_cases

    def register(self, server: grpc.Server) -> str:
        records_pb2_grpc.add_StudentRecordsServiceServicer_to_server(self, server)
        return SERVICE_NAME

    # -- helpers --------------------------------------------------------------------------------

    def _reachable(self, school_id: str, student_id: str) -> Student:
        with domain_errors():
            student = self._uc.student(school_id, student_id)
        if not reaches(current_caller(), student):
            raise _forbidden()
        return student

    def _editable(self, school_id: str, student_id: str) -> Student:
        """The object check of an edit: the class (homeroom or school-wide) and the sensitive view."""
        student = self._reachable(school_id, student_id)
        caller = current_caller()
        if caller.reaches_student(student.id) and not caller.is_homeroom_of(student.class_id):
            raise _forbidden("Phụ huynh không sửa hồ sơ trên hệ thống; hãy liên hệ giáo viên chủ nhiệm")
        if not sees_sensitive(caller, student):
            raise _forbidden(_NOT_SENSITIVE)
        return student

    def _edit(self, permission: str, student_id: str) -> str:
        """The checks of every edit RPC (permission, then the student); the caller's school id."""
        require(permission)
        school_id = current_caller().school_id
        self._editable(school_id, student_id)
        return school_id

    def _view_message(self, view: RecordView) -> records_pb2.GetStudentRecordResponse:
        caller = current_caller()
        sensitive = sees_sensitive(caller, view.student)
        response = records_pb2.GetStudentRecordResponse(
            student=student_message(view.student),
            record=record_fields_message(
                view.record, sensitive=sensitive, full_citizen_id=caller.has(perm.STUDENT_READ_SENSITIVE)
            ),
            sensitive_visible=sensitive,
            editable=(
                caller.has(perm.STUDENT_WRITE)
                and caller.has(perm.STUDENT_READ_SENSITIVE)
                and caller.is_homeroom_of(view.student.class_id)
            ),
        )
        for entry in view.history:
            response.enrolments.add(
                class_id=entry.class_id,
                class_name=entry.class_name,
                grade_level=entry.grade_level,
                school_year_id=entry.school_year_id,
                school_year_name=entry.school_year_name,
                enrolled_on=entry.enrolled_on.isoformat(),
                left_on=entry.left_on.isoformat() if entry.left_on else "",
            )
        if sensitive:
            response.guardians.extend(guardian_message(g) for g in view.guardians)
            response.missing_fields.extend(view.missing)
        return response

    # -- RPCs -----------------------------------------------------------------------------------

    def GetStudentRecord(
        self, request: records_pb2.GetStudentRecordRequest, context: grpc.ServicerContext
    ) -> records_pb2.GetStudentRecordResponse:
        require(perm.STUDENT_READ)
        school_id = current_caller().school_id
        self._reachable(school_id, request.student_id)
        with domain_errors():
            view = self._uc.get_record(school_id, request.student_id)
        return self._view_message(view)

    def UpdateStudentRecord(
        self, request: records_pb2.UpdateStudentRecordRequest, context: grpc.ServicerContext
    ) -> records_pb2.UpdateStudentRecordResponse:
        school_id = self._edit(perm.STUDENT_WRITE, request.student_id)
        r = request.record
        raw = RecordInput(
            full_name=request.full_name,
            date_of_birth=request.date_of_birth,
            gender=GENDER_FROM_PROTO.get(request.gender),
            csdl_id=r.csdl_id,
            citizen_id=r.citizen_id,
            ethnicity=r.ethnicity,
            religion=r.religion,
            nationality=r.nationality,
            place_of_birth=r.place_of_birth,
            permanent_address=_address_input(r.permanent_address),
            current_address=_address_input(r.current_address),
            policy_categories=list(r.policy_categories),
            disability_type=r.disability_type,
            has_iep=r.has_iep,
        )
        with domain_errors():
            view = self._uc.update_record(
                UpdateStudentRecord(school_id, request.student_id, request.expected_version, raw)
            )
        return records_pb2.UpdateStudentRecordResponse(record=self._view_message(view))

    def AddGuardian(
        self, request: records_pb2.AddGuardianRequest, context: grpc.ServicerContext
    ) -> records_pb2.AddGuardianResponse:
        school_id = self._edit(perm.STUDENT_WRITE, request.student_id)
        caller = current_caller()
        with domain_errors():
            guardian = self._uc.add_guardian(
                school_id,
                request.student_id,
                guardian_input(request.guardian),
                request.guardian_id,
                edits_student=lambda child: caller.is_homeroom_of(child.class_id) and sees_sensitive(caller, child),
                may_link_accounts=caller.has(perm.GUARDIAN_LINK),
            )
        return records_pb2.AddGuardianResponse(guardian=guardian_message(guardian))

    def UpdateGuardian(
        self, request: records_pb2.UpdateGuardianRequest, context: grpc.ServicerContext
    ) -> records_pb2.UpdateGuardianResponse:
        school_id = self._edit(perm.STUDENT_WRITE, request.student_id)
        with domain_errors():
            guardian = self._uc.update_guardian(
                school_id,
                request.student_id,
                request.guardian_id,
                request.expected_version,
                guardian_input(request.guardian),
            )
        return records_pb2.UpdateGuardianResponse(guardian=guardian_message(guardian))

    def RemoveGuardian(
        self, request: records_pb2.RemoveGuardianRequest, context: grpc.ServicerContext
    ) -> records_pb2.RemoveGuardianResponse:
        school_id = self._edit(perm.STUDENT_WRITE, request.student_id)
        with domain_errors():
            self._uc.remove_guardian(school_id, request.student_id, request.guardian_id)
        return records_pb2.RemoveGuardianResponse()

    def LinkGuardianAccount(
        self, request: records_pb2.LinkGuardianAccountRequest, context: grpc.ServicerContext
    ) -> records_pb2.LinkGuardianAccountResponse:
        school_id = self._edit(perm.GUARDIAN_LINK, request.student_id)
        with domain_errors():
            guardian = self._uc.link_account(
                school_id, request.student_id, request.guardian_id, request.parent_account_id
            )
        return records_pb2.LinkGuardianAccountResponse(guardian=guardian_message(guardian))

    def UnlinkGuardianAccount(
        self, request: records_pb2.UnlinkGuardianAccountRequest, context: grpc.ServicerContext
    ) -> records_pb2.UnlinkGuardianAccountResponse:
        school_id = self._edit(perm.GUARDIAN_LINK, request.student_id)
        with domain_errors():
            self._uc.unlink_account(school_id, request.student_id, request.guardian_id)
        return records_pb2.UnlinkGuardianAccountResponse()

    def GetClassCompleteness(
        self, request: records_pb2.GetClassCompletenessRequest, context: grpc.ServicerContext
    ) -> records_pb2.GetClassCompletenessResponse:
        require(perm.STUDENT_READ)
        caller = current_caller()
        class_id = request.class_id.strip()
        if class_id and not caller.is_homeroom_of(class_id):
            message = "Chỉ giáo viên chủ nhiệm lớp và cán bộ quản lý được rà soát hồ sơ lớp này"
            raise ForbiddenError(message, {"class_id": message})
        with domain_errors():
            result = self._uc.class_completeness(caller.school_id, class_id)
        response = records_pb2.GetClassCompletenessResponse(
            school_class=class_message(result.school_class),
            total=result.summary.total,
            complete=result.summary.complete,
            percent=result.summary.percent,
            required_fields=list(self._uc.required_fields),
        )
        for gap in result.students:
            response.students.add(
                student_id=gap.student.id,
                student_code=gap.student.student_code,
                full_name=gap.student.full_name,
                date_of_birth=gap.student.date_of_birth.isoformat(),
                missing_fields=gap.missing,
            )
        return response

    def GetSchoolCompleteness(
        self, request: records_pb2.GetSchoolCompletenessRequest, context: grpc.ServicerContext
    ) -> records_pb2.GetSchoolCompletenessResponse:
        require(perm.STUDENT_READ)
        caller = current_caller()
        if not caller.school_wide:
            message = "Chỉ cán bộ quản lý được xem rà soát hồ sơ toàn trường"
            raise ForbiddenError(message, {"school_year_id": message})
        with domain_errors():
            rows = self._uc.school_completeness(caller.school_id, request.school_year_id)
        response = records_pb2.GetSchoolCompletenessResponse()
        for row in rows:
            response.classes.add(
                class_id=row.school_class.class_id,
                class_name=row.school_class.name,
                grade_level=row.school_class.grade_level,
                total=row.summary.total,
                complete=row.summary.complete,
                percent=row.summary.percent,
            )
        response.total = sum(r.summary.total for r in rows)
        response.complete = sum(r.summary.complete for r in rows)
        response.percent = 100 if response.total == 0 else response.complete * 100 // response.total
        return response

    def ListMyChildren(
        self, request: records_pb2.ListMyChildrenRequest, context: grpc.ServicerContext
    ) -> records_pb2.ListMyChildrenResponse:
        require(perm.STUDENT_READ)
        caller = current_caller()
        with domain_errors():
            children = self._uc.students_by_ids(caller.school_id, caller.child_student_ids())
        return records_pb2.ListMyChildrenResponse(students=[student_message(s) for s in children])

    def GetRecordReference(
        self, request: records_pb2.GetRecordReferenceRequest, context: grpc.ServicerContext
    ) -> records_pb2.GetRecordReferenceResponse:
        require(perm.STUDENT_READ)
        ref = self._uc.reference

        def entries(table: Mapping[str, str]) -> list[records_pb2.ReferenceEntry]:
            return [records_pb2.ReferenceEntry(code=c, name=n) for c, n in table.items()]

        return records_pb2.GetRecordReferenceResponse(
            ethnic_groups=entries(ref.ethnic_groups),
            provinces=entries(ref.provinces),
            policy_categories=entries(ref.policy_categories),
            disability_types=entries(ref.disability_types),
            guardian_relations=entries(ref.guardian_relations),
            requirable_fields=entries(REQUIRABLE_FIELDS),
        )
