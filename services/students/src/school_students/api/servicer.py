"""StudentsService servicer: checks the permission, scopes to the caller's school, maps messages."""

from __future__ import annotations

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from school.students.v1 import students_pb2, students_pb2_grpc
from school_students.api import permissions as perm
from school_students.api.errors import domain_errors
from school_students.api.structure import StructureRpcs, semester_input
from school_students.app.commands import CreateClass, CreateSchoolYear, EnrollStudent, UpdateStudent
from school_students.app.structure import StructureUseCases
from school_students.app.use_cases import StudentsUseCases
from school_students.domain.errors import NotFoundError
from school_students.domain.student import Gender
from school_students.events.outbound import class_message, student_message, year_message
from schoolkit.grpc_errors import ForbiddenError
from schoolkit.grpc_server import current_caller, require
from schoolkit.pagination import MAX_PAGE_SIZE

SERVICE_NAME = students_pb2.DESCRIPTOR.services_by_name["StudentsService"].full_name
# Unknown enum numbers (a newer client) are treated like UNSPECIFIED: refused with a field message.
GENDER_FROM_PROTO = {students_pb2.GENDER_MALE: Gender.MALE, students_pb2.GENDER_FEMALE: Gender.FEMALE}


def authorise(permission: str) -> str:
    """Refuse unless the caller holds ``permission``; return the caller's school (the tenant)."""
    require(permission)
    return current_caller().school_id


def ensure_class_in_scope(class_id: str) -> None:
    """The object check: a teacher reaches only the classes of their assignments.

    An empty ``class_id`` means "every class the caller reaches" (search, alerts) and passes; the
    object check of a student is ensure_student_in_scope.
    """
    if class_id and not current_caller().reaches_class(class_id):
        raise ForbiddenError("Bạn không được phân công lớp này", {"class_id": "Bạn không được phân công lớp này"})


def ensure_student_in_scope(class_id: str) -> None:
    """The object check of a student through their current class (``class_id``). A student in no
    class (left the school, or placed nowhere yet) belongs to no teacher's assignment: only a
    school-wide duty reaches them."""
    caller = current_caller()
    if not class_id and not caller.school_wide:
        message = "Học sinh không thuộc lớp nào bạn được phân công"
        raise ForbiddenError(message, {"student_id": message})
    ensure_class_in_scope(class_id)


class StudentsServicer(StructureRpcs, students_pb2_grpc.StudentsServiceServicer):
    """One method per RPC; all rules live in the use cases."""

    def __init__(self, use_cases: StudentsUseCases, structure: StructureUseCases) -> None:
        self._uc = use_cases
        self._structure = structure

    def register(self, server: grpc.Server) -> str:
        students_pb2_grpc.add_StudentsServiceServicer_to_server(self, server)
        return SERVICE_NAME

    def CreateSchoolYear(
        self, request: students_pb2.CreateSchoolYearRequest, context: grpc.ServicerContext
    ) -> students_pb2.CreateSchoolYearResponse:
        school_id = authorise(perm.SCHOOL_YEAR_WRITE)
        with domain_errors():
            year = self._uc.create_school_year(
                CreateSchoolYear(
                    school_id,
                    request.name,
                    request.start_date,
                    request.end_date,
                    hk1=semester_input(request.hk1),
                    hk2=semester_input(request.hk2),
                )
            )
        return students_pb2.CreateSchoolYearResponse(school_year=year_message(year))

    def ListSchoolYears(
        self, request: students_pb2.ListSchoolYearsRequest, context: grpc.ServicerContext
    ) -> students_pb2.ListSchoolYearsResponse:
        school_id = authorise(perm.SCHOOL_YEAR_READ)
        with domain_errors():
            page = self._uc.list_school_years(school_id, request.page_size, request.page_token)
        return students_pb2.ListSchoolYearsResponse(
            school_years=[year_message(y) for y in page.items], next_page_token=page.next_token
        )

    def CreateClass(
        self, request: students_pb2.CreateClassRequest, context: grpc.ServicerContext
    ) -> students_pb2.CreateClassResponse:
        school_id = authorise(perm.CLASS_WRITE)
        with domain_errors():
            school_class = self._uc.create_class(
                CreateClass(
                    school_id,
                    request.school_year_id,
                    request.name,
                    request.grade_level,
                    request.max_size,
                    room=request.room,
                )
            )
        return students_pb2.CreateClassResponse(school_class=class_message(school_class))

    def _readable_class(self, school_id: str, class_id: str) -> None:
        """The object check of a class read: ensure_class_in_scope, or (a TTCM) a department that
        covers the class's grade in its year. Only reads use it: grade scopes give no write duty."""
        caller = current_caller()
        if not class_id or caller.reaches_class(class_id) or not caller.visible_grades():
            ensure_class_in_scope(class_id)
            return
        with domain_errors():
            school_class = self._uc.get_class(school_id, class_id)
        if not caller.reaches_grade(school_class.school_year_id, school_class.grade_level):
            ensure_class_in_scope(class_id)

    def _readable_class_ids(self, school_id: str, year_id: str) -> frozenset[str] | None:
        """visible_class_ids plus the classes of the grades a TTCM's department covers."""
        caller = current_caller()
        only = caller.visible_class_ids()
        grades = caller.visible_grades()
        if only is None or not grades:
            return only
        extra: set[str] = set()
        for year in {y for y, _ in grades if not year_id.strip() or y == year_id.strip()}:
            try:
                # A school has a few dozen classes a year: one page of the largest size holds them.
                found = self._uc.list_classes(school_id, year, MAX_PAGE_SIZE, "")
            except NotFoundError:  # a year of the token this school does not have: it reaches nothing
                continue
            extra.update(c.id for c in found.items if (year, c.grade_level) in grades)
        return only | extra

    def ListClasses(
        self, request: students_pb2.ListClassesRequest, context: grpc.ServicerContext
    ) -> students_pb2.ListClassesResponse:
        school_id = authorise(perm.CLASS_READ)
        only = self._readable_class_ids(school_id, request.school_year_id)
        with domain_errors():
            page = self._uc.list_classes(
                school_id, request.school_year_id, request.page_size, request.page_token, only_class_ids=only
            )
        return students_pb2.ListClassesResponse(
            classes=[class_message(c) for c in page.items], next_page_token=page.next_token
        )

    def GetClass(
        self, request: students_pb2.GetClassRequest, context: grpc.ServicerContext
    ) -> students_pb2.GetClassResponse:
        school_id = authorise(perm.CLASS_READ)
        self._readable_class(school_id, request.class_id)
        with domain_errors():
            school_class = self._uc.get_class(school_id, request.class_id)
        return students_pb2.GetClassResponse(school_class=class_message(school_class))

    def EnrollStudent(
        self, request: students_pb2.EnrollStudentRequest, context: grpc.ServicerContext
    ) -> students_pb2.EnrollStudentResponse:
        school_id = authorise(perm.STUDENT_WRITE)
        ensure_class_in_scope(request.class_id)
        with domain_errors():
            student = self._uc.enroll_student(
                EnrollStudent(
                    school_id=school_id,
                    class_id=request.class_id,
                    full_name=request.full_name,
                    date_of_birth=request.date_of_birth,
                    gender=GENDER_FROM_PROTO.get(request.gender),
                    student_code=request.student_code,
                    idempotency_key=request.idempotency_key,
                )
            )
        return students_pb2.EnrollStudentResponse(student=student_message(student))

    def UpdateStudent(
        self, request: students_pb2.UpdateStudentRequest, context: grpc.ServicerContext
    ) -> students_pb2.UpdateStudentResponse:
        school_id = authorise(perm.STUDENT_WRITE)
        with domain_errors():
            ensure_student_in_scope(self._uc.get_student(school_id, request.student_id).class_id)
            student = self._uc.update_student(
                UpdateStudent(
                    school_id=school_id,
                    student_id=request.student_id,
                    expected_version=request.expected_version,
                    full_name=request.full_name,
                    date_of_birth=request.date_of_birth,
                    gender=GENDER_FROM_PROTO.get(request.gender),
                )
            )
        return students_pb2.UpdateStudentResponse(student=student_message(student))

    def GetStudent(
        self, request: students_pb2.GetStudentRequest, context: grpc.ServicerContext
    ) -> students_pb2.GetStudentResponse:
        school_id = authorise(perm.STUDENT_READ)
        with domain_errors():
            student = self._uc.get_student(school_id, request.student_id)
        if not current_caller().reaches_student(student.id):  # a parent reads their own child
            ensure_student_in_scope(student.class_id)
        return students_pb2.GetStudentResponse(student=student_message(student))

    def ListStudents(
        self, request: students_pb2.ListStudentsRequest, context: grpc.ServicerContext
    ) -> students_pb2.ListStudentsResponse:
        school_id = authorise(perm.STUDENT_READ)
        self._readable_class(school_id, request.class_id)
        with domain_errors():
            page = self._uc.list_students(school_id, request.class_id, request.page_size, request.page_token)
        response = students_pb2.ListStudentsResponse(
            students=[student_message(s) for s in page.items], next_page_token=page.next_token
        )
        if page.as_of is not None:
            stamp = Timestamp()
            stamp.FromDatetime(page.as_of)
            response.as_of.CopyFrom(stamp)
        return response

    def SearchStudents(
        self, request: students_pb2.SearchStudentsRequest, context: grpc.ServicerContext
    ) -> students_pb2.SearchStudentsResponse:
        school_id = authorise(perm.STUDENT_READ)
        ensure_class_in_scope(request.class_id)
        with domain_errors():
            page = self._uc.search_students(
                school_id,
                request.query,
                request.class_id,
                request.school_year_id,
                request.page_size,
                request.page_token,
                only_class_ids=current_caller().visible_class_ids(),
            )
        return students_pb2.SearchStudentsResponse(
            students=[student_message(s) for s in page.items], next_page_token=page.next_token
        )
