"""Read side of the grades context: the class roster, one page at a time."""

from __future__ import annotations

from school_grades.app.ports import RosterReader
from school_grades.domain.errors import NotFoundError, ValidationError
from school_grades.domain.roster import RosterEntry
from schoolkit.pagination import Page, invalid_token, make_page, page_request


class RosterQueries:
    def __init__(self, reader: RosterReader) -> None:
        self._reader = reader

    def list_roster(self, school_id: str, class_id: str, page_size: int, page_token: str) -> Page[RosterEntry]:
        """The class by Vietnamese name order. A class grades has not heard of is simply empty:
        the roster lags the register, so "unknown" cannot be told apart from "no students yet"."""
        class_id = class_id.strip()
        if not class_id:
            raise ValidationError("Thiếu lớp", {"class_id": "Vui lòng chọn lớp"})
        scope = f"roster:{class_id}"
        request = page_request(page_size, page_token, scope)
        with self._reader() as repo:
            rows = repo.list_class(school_id, class_id, request)
            # Another school's class is refused like an unknown id, never served as an empty list.
            if not rows and repo.class_belongs_elsewhere(school_id, class_id):
                raise NotFoundError("Không tìm thấy lớp", {"class_id": "Không tìm thấy lớp"})
        if rows is None:
            raise invalid_token()
        return make_page(rows, request, scope, lambda e: e.student_id)
