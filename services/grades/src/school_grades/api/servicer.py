"""GradesService servicer: checks the permission, scopes to the caller's school, maps messages."""

from __future__ import annotations

from collections.abc import Callable

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from school.grades.v1 import grades_pb2, grades_pb2_grpc
from school_grades.api import permissions as perm
from school_grades.app.queries import RosterQueries
from school_grades.domain.errors import DomainError, NotFoundError
from school_grades.domain.roster import RosterEntry
from schoolkit.context import Caller
from schoolkit.grpc_errors import ForbiddenError, InvalidInputError
from schoolkit.grpc_errors import NotFoundError as ServiceNotFoundError
from schoolkit.grpc_server import current_caller, require
from schoolkit.pagination import PageError

SERVICE_NAME = grades_pb2.DESCRIPTOR.services_by_name["GradesService"].full_name


def entry_message(entry: RosterEntry) -> grades_pb2.RosterEntry:
    updated = Timestamp()
    updated.FromDatetime(entry.updated_at)
    return grades_pb2.RosterEntry(
        student_id=entry.student_id,
        student_code=entry.student_code,
        full_name=entry.full_name,
        date_of_birth=entry.date_of_birth.isoformat(),
        class_id=entry.class_id or "",
        class_name=entry.class_name or "",
        updated_at=updated,
    )


# (school id, class id) → the class's (school year id, grade level), None when grades has not heard of it.
ClassPlace = Callable[[str, str], tuple[str, int] | None]


class GradesServicer(grades_pb2_grpc.GradesServiceServicer):
    def __init__(self, queries: RosterQueries, class_place: ClassPlace | None = None) -> None:
        self._queries = queries
        self._class_place = class_place

    def _reaches(self, caller: Caller, class_id: str) -> bool:
        """An assignment to the class, a school-wide duty, or (TTCM) a department covering its grade."""
        if caller.reaches_class(class_id):
            return True
        place = self._class_place(caller.school_id, class_id) if self._class_place and caller.visible_grades() else None
        return place is not None and caller.reaches_grade(*place)

    def register(self, server: grpc.Server) -> str:
        grades_pb2_grpc.add_GradesServiceServicer_to_server(self, server)
        return SERVICE_NAME

    def ListRoster(
        self, request: grades_pb2.ListRosterRequest, context: grpc.ServicerContext
    ) -> grades_pb2.ListRosterResponse:
        require(perm.ROSTER_READ)
        caller = current_caller()
        school_id = caller.school_id
        if request.class_id and not self._reaches(caller, request.class_id):
            # The object check: a teacher sees only the rosters of their assigned classes.
            raise ForbiddenError("Bạn không được phân công lớp này", {"class_id": "Bạn không được phân công lớp này"})
        try:
            page = self._queries.list_roster(school_id, request.class_id, request.page_size, request.page_token)
        except NotFoundError as err:
            raise ServiceNotFoundError(err.message, err.fields) from None
        except (DomainError, PageError) as err:  # the other refusals are bad request fields
            raise InvalidInputError(err.message, err.fields) from None
        return grades_pb2.ListRosterResponse(
            entries=[entry_message(e) for e in page.items], next_page_token=page.next_token
        )
