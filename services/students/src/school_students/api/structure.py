"""StudentsService RPCs of the school structure (GetSchoolYear, UpdateSchoolYear, UpdateClass).

A mixin of StudentsServicer: the RPCs belong to the same gRPC service, the code to this area.
"""

from __future__ import annotations

import grpc

from school.students.v1 import students_pb2
from school_students.api import permissions as perm
from school_students.api.errors import domain_errors
from school_students.app.structure import StructureUseCases, UpdateClass, UpdateSchoolYear
from school_students.domain.structure import SemesterInput
from school_students.events.outbound import class_message, year_message
from schoolkit.grpc_errors import ForbiddenError
from schoolkit.grpc_server import current_caller, require


def semester_input(message: students_pb2.Semester) -> SemesterInput:
    return SemesterInput(message.start_date, message.end_date, message.teaching_weeks)


def _authorise(permission: str) -> str:
    require(permission)
    return current_caller().school_id


class StructureRpcs:
    """Mixed into StudentsServicer, which sets ``_structure``."""

    _structure: StructureUseCases

    def GetSchoolYear(
        self, request: students_pb2.GetSchoolYearRequest, context: grpc.ServicerContext
    ) -> students_pb2.GetSchoolYearResponse:
        school_id = _authorise(perm.SCHOOL_YEAR_READ)
        with domain_errors():
            year = self._structure.get_school_year(school_id, request.school_year_id)
        return students_pb2.GetSchoolYearResponse(school_year=year_message(year))

    def UpdateSchoolYear(
        self, request: students_pb2.UpdateSchoolYearRequest, context: grpc.ServicerContext
    ) -> students_pb2.UpdateSchoolYearResponse:
        school_id = _authorise(perm.SCHOOL_YEAR_WRITE)
        with domain_errors():
            year = self._structure.update_school_year(
                UpdateSchoolYear(
                    school_id=school_id,
                    school_year_id=request.school_year_id,
                    expected_version=request.expected_version,
                    start_date=request.start_date,
                    end_date=request.end_date,
                    hk1=semester_input(request.hk1),
                    hk2=semester_input(request.hk2),
                )
            )
        return students_pb2.UpdateSchoolYearResponse(school_year=year_message(year))

    def UpdateClass(
        self, request: students_pb2.UpdateClassRequest, context: grpc.ServicerContext
    ) -> students_pb2.UpdateClassResponse:
        school_id = _authorise(perm.CLASS_WRITE)
        # The object check: a holder of class:write whose duties are per class reaches only those.
        if request.class_id and not current_caller().reaches_class(request.class_id):
            raise ForbiddenError("Bạn không được phân công lớp này", {"class_id": "Bạn không được phân công lớp này"})
        with domain_errors():
            school_class = self._structure.update_class(
                UpdateClass(
                    school_id=school_id,
                    class_id=request.class_id,
                    expected_version=request.expected_version,
                    name=request.name,
                    room=request.room,
                    max_size=request.max_size,
                )
            )
        return students_pb2.UpdateClassResponse(school_class=class_message(school_class))
