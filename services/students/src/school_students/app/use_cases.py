"""Use cases of the students context: each runs in one unit of work and emits its event there."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from school_students.app.commands import CreateClass, CreateSchoolYear, EnrollStudent, UpdateStudent
from school_students.app.ports import Clock, DuplicateKeyError, StudentSearch, UnitOfWork, UnitOfWorkFactory
from school_students.domain import events
from school_students.domain.clock import school_day
from school_students.domain.errors import ConcurrencyError, DuplicateError, FieldErrors, NotFoundError, ValidationError
from school_students.domain.names import SEARCH_MIN_LETTERS, normalise_name, search_words
from school_students.domain.school_class import SchoolClass, ensure_room, validate_class
from school_students.domain.school_year import SchoolYear, validate_school_year
from school_students.domain.structure import ClassLimits, SemesterDefaults, check_room, plan_semesters
from school_students.domain.student import Student, generated_code, validate_details, validate_student_code
from schoolkit.pagination import Page, invalid_token, make_page, page_request

IDEMPOTENCY_KEY_MAX_LENGTH = 100
T = TypeVar("T")


def _class_not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy lớp", {"class_id": "Không tìm thấy lớp"})


def _student_not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy học sinh", {"student_id": "Không tìm thấy học sinh"})


def _year_not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy năm học", {"school_year_id": "Không tìm thấy năm học"})


@dataclass(frozen=True)
class StudentsPage(Page[Student]):
    """A class list page; ``as_of`` is when its most recently enrolled student joined."""

    as_of: datetime | None = None


class StudentsUseCases:
    """The students context's application service; the API layer calls one method per RPC."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        default_class_size: int,
        *,
        semester_defaults: SemesterDefaults | None = None,
        class_limits: ClassLimits | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._default_class_size = default_class_size
        self._semester_defaults = semester_defaults or SemesterDefaults()
        self._class_limits = class_limits or ClassLimits(default_class_size, default_class_size)

    # -- school years ---------------------------------------------------------------------------

    def create_school_year(self, cmd: CreateSchoolYear) -> SchoolYear:
        errors = FieldErrors()
        try:
            spec = validate_school_year(cmd.name, cmd.start_date, cmd.end_date)
        except ValidationError as exc:
            errors.errors.update(exc.fields)
            spec = None
        start = spec.start_date if spec else None
        end = spec.end_date if spec else None
        terms = plan_semesters(errors, start, end, cmd.hk1, cmd.hk2, self._semester_defaults)
        errors.raise_if_any("Thông tin năm học không hợp lệ")
        assert spec is not None  # every problem was reported above
        assert terms is not None

        def run(uow: UnitOfWork) -> SchoolYear:
            if uow.school_years.name_taken(cmd.school_id, spec.name):
                raise self._year_duplicate(spec.name)
            year = uow.school_years.add(cmd.school_id, spec, terms)
            uow.emit(cmd.school_id, events.SchoolYearCreated(year))
            return year

        return self._write(run, duplicate=lambda: self._year_duplicate(spec.name))

    def _year_duplicate(self, name: str) -> DuplicateError:
        # The message names the year too: HTTP 409 answers carry the message, not the field list.
        return DuplicateError(f"Năm học {name} đã tồn tại", {"name": f"Năm học {name} đã tồn tại"})

    def list_school_years(self, school_id: str, page_size: int, page_token: str) -> Page[SchoolYear]:
        scope = "school_years"
        request = page_request(page_size, page_token, scope)
        with self._uow(True) as uow:
            rows = uow.school_years.list(school_id, request)
        if rows is None:
            raise invalid_token()
        return make_page(rows, request, scope, lambda y: y.id)

    # -- classes --------------------------------------------------------------------------------

    def create_class(self, cmd: CreateClass) -> SchoolClass:
        errors = FieldErrors()
        if not cmd.school_year_id.strip():
            errors.add("school_year_id", "Vui lòng chọn năm học")
        room = check_room(errors, cmd.room)
        try:
            spec = validate_class(
                cmd.name,
                cmd.grade_level,
                cmd.max_size,
                self._class_limits.default_max_size,
                limit=self._class_limits.max_size_limit,
            )
        except ValidationError as exc:
            errors.errors.update({k: v for k, v in exc.fields.items() if k not in errors.errors})
        errors.raise_if_any("Thông tin lớp không hợp lệ")
        spec = replace(spec, room=room)

        def run(uow: UnitOfWork) -> SchoolClass:
            year = uow.school_years.get(cmd.school_id, cmd.school_year_id.strip())
            if year is None:
                raise _year_not_found()
            if uow.classes.name_taken(cmd.school_id, year.id, spec.name):
                raise self._class_duplicate(spec.name, year.name)
            school_class = uow.classes.add(cmd.school_id, year.id, spec)
            uow.emit(cmd.school_id, events.ClassCreated(school_class))
            return school_class

        return self._write(run, duplicate=lambda: self._class_duplicate(spec.name, ""))

    def _class_duplicate(self, name: str, year_name: str) -> DuplicateError:
        where = f" trong năm học {year_name}" if year_name else ""
        return DuplicateError(f"Lớp {name} đã tồn tại{where}", {"name": f"Lớp {name} đã tồn tại{where}"})

    def get_class(self, school_id: str, class_id: str) -> SchoolClass:
        with self._uow(True) as uow:
            found = uow.classes.get(school_id, class_id.strip()) if class_id.strip() else None
        if found is None:
            raise _class_not_found()
        return found

    def list_classes(
        self,
        school_id: str,
        year_id: str,
        page_size: int,
        page_token: str,
        only_class_ids: frozenset[str] | None = None,
    ) -> Page[SchoolClass]:
        """A page of classes; ``only_class_ids`` limits it to a teacher's assigned classes."""
        scope = f"classes:{year_id.strip()}"
        request = page_request(page_size, page_token, scope)
        with self._uow(True) as uow:
            if year_id.strip() and uow.school_years.get(school_id, year_id.strip()) is None:
                raise _year_not_found()
            rows = uow.classes.list(school_id, year_id.strip(), request, only_class_ids)
        if rows is None:
            raise invalid_token()
        return make_page(rows, request, scope, lambda c: c.id)

    # -- students -------------------------------------------------------------------------------

    def enroll_student(self, cmd: EnrollStudent) -> Student:
        errors = FieldErrors()
        key = cmd.idempotency_key.strip()
        if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
            errors.add("idempotency_key", f"Khóa chống gửi trùng tối đa {IDEMPOTENCY_KEY_MAX_LENGTH} ký tự")
        code = validate_student_code(errors, cmd.student_code)
        class_id = cmd.class_id.strip()
        if not class_id:
            errors.add("class_id", "Vui lòng chọn lớp")
        fingerprint = _fingerprint(cmd)
        today = school_day(self._clock())

        def run(uow: UnitOfWork) -> Student:
            if key:
                replayed = self._replay(uow, cmd.school_id, key, fingerprint)
                if replayed is not None:
                    return replayed
            school_class = uow.classes.get(cmd.school_id, class_id, for_update=True) if class_id else None
            if class_id and school_class is None and not errors:
                raise _class_not_found()
            year = uow.school_years.get(cmd.school_id, school_class.school_year_id) if school_class else None
            details = validate_details(
                errors,
                full_name=cmd.full_name,
                date_of_birth=cmd.date_of_birth,
                gender=cmd.gender,
                today=today,
                school_year_start=year.start_date if year else None,
            )
            errors.raise_if_any("Thông tin học sinh không hợp lệ")
            # Both were reported above when missing, so these only inform the type checker.
            assert school_class is not None
            assert details is not None
            ensure_room(school_class)
            student_code = code or self._assign_code(uow, cmd.school_id)
            if code and uow.students.code_taken(cmd.school_id, code):
                raise _code_duplicate(code)
            student = uow.students.add(cmd.school_id, student_code, details)
            uow.students.enrol(student.id, school_class, today)
            if key:
                uow.idempotency.remember(cmd.school_id, key, fingerprint, student.id)
            student = replace(student, class_id=school_class.id)
            uow.emit(cmd.school_id, events.StudentEnrolled(student, school_class, today))
            return student

        # A unique violation means a concurrent request took the code or the idempotency key
        # first; running once more answers from what it stored (replay) or names the field.
        return self._write(run, duplicate=lambda: _code_duplicate(code), retry=True)

    def _replay(self, uow: UnitOfWork, school_id: str, key: str, fingerprint: str) -> Student | None:
        stored = uow.idempotency.find(school_id, key)
        if stored is None:
            return None
        if stored[0] != fingerprint:
            raise ValidationError(
                "Khóa chống gửi trùng đã dùng cho yêu cầu khác",
                {"idempotency_key": "Khóa chống gửi trùng này đã được dùng cho một học sinh khác"},
            )
        student = uow.students.get(school_id, stored[1])
        if student is None:  # the key row references the student, so this means a broken database
            raise RuntimeError(f"idempotency key {key!r} points to a missing student")
        return student

    def _assign_code(self, uow: UnitOfWork, school_id: str) -> str:
        # The school may also type codes by hand, so a generated code can already be taken.
        while True:
            code = generated_code(uow.students.next_code_number(school_id))
            if not uow.students.code_taken(school_id, code):
                return code

    def update_student(self, cmd: UpdateStudent) -> Student:
        errors = FieldErrors()
        student_id = cmd.student_id.strip()
        if not student_id:
            raise ValidationError("Thiếu mã học sinh", {"student_id": "Vui lòng chọn học sinh"})
        if cmd.expected_version <= 0:
            errors.add("expected_version", "Thiếu phiên bản hồ sơ: hãy tải lại hồ sơ trước khi sửa")
        today = school_day(self._clock())

        def run(uow: UnitOfWork) -> Student:
            student = uow.students.get(cmd.school_id, student_id)
            if student is None:
                raise _student_not_found()
            year_start = None
            if student.class_id:
                school_class = uow.classes.get(cmd.school_id, student.class_id)
                year = uow.school_years.get(cmd.school_id, school_class.school_year_id) if school_class else None
                year_start = year.start_date if year else None
            details = validate_details(
                errors,
                full_name=cmd.full_name,
                date_of_birth=cmd.date_of_birth,
                gender=cmd.gender,
                today=today,
                school_year_start=year_start,
            )
            errors.raise_if_any("Thông tin học sinh không hợp lệ")
            assert details is not None  # every problem was reported above
            if student.version != cmd.expected_version:
                raise _stale(student.version)
            if details == student.details:
                return student  # nothing changed: no new version, no event
            updated = uow.students.update_details(student, details, cmd.expected_version)
            if updated is None:
                raise _stale(student.version)
            uow.emit(cmd.school_id, events.StudentDetailsChanged(updated))
            return updated

        return self._write(run, duplicate=_student_not_found)

    def get_student(self, school_id: str, student_id: str) -> Student:
        with self._uow(True) as uow:
            found = uow.students.get(school_id, student_id.strip()) if student_id.strip() else None
        if found is None:
            raise _student_not_found()
        return found

    def list_students(self, school_id: str, class_id: str, page_size: int, page_token: str) -> StudentsPage:
        if not class_id.strip():
            raise ValidationError("Thiếu lớp", {"class_id": "Vui lòng chọn lớp"})
        scope = f"students:{class_id.strip()}"
        request = page_request(page_size, page_token, scope)
        with self._uow(True) as uow:
            if uow.classes.get(school_id, class_id.strip()) is None:
                raise _class_not_found()
            rows = uow.students.list_in_class(school_id, class_id.strip(), request)
        if rows is None:
            raise invalid_token()
        page = make_page(rows, request, scope, lambda row: row[0].id)
        as_of = max((enrolled for _, enrolled in page.items), default=None)
        return StudentsPage(items=[s for s, _ in page.items], next_token=page.next_token, as_of=as_of)

    def search_students(
        self,
        school_id: str,
        query: str,
        class_id: str,
        school_year_id: str,
        page_size: int,
        page_token: str,
        only_class_ids: frozenset[str] | None = None,
    ) -> Page[Student]:
        """Students whose folded name holds every folded query word, or whose code is the query.

        ``only_class_ids`` (not None) limits the search to a teacher's assigned classes.
        """
        words = search_words(query)
        class_id, school_year_id = class_id.strip(), school_year_id.strip()
        if len("".join(words)) < SEARCH_MIN_LETTERS and not class_id:
            raise ValidationError(
                "Từ khóa tìm kiếm quá ngắn",
                {"query": f"Vui lòng nhập ít nhất {SEARCH_MIN_LETTERS} chữ cái của tên hoặc mã học sinh"},
            )
        search = StudentSearch(
            words=tuple(words),
            code=query.strip(),
            class_id=class_id,
            school_year_id=school_year_id,
            only_class_ids=only_class_ids,
        )
        # The token seals a digest of the search, never the typed name (tokens end up in URLs).
        digest = hashlib.sha256(
            json.dumps([words, search.code, class_id, school_year_id], ensure_ascii=False).encode()
        ).hexdigest()[:16]
        scope = f"search:{digest}"
        request = page_request(page_size, page_token, scope)
        with self._uow(True) as uow:
            if class_id and uow.classes.get(school_id, class_id) is None:
                raise _class_not_found()
            if school_year_id and uow.school_years.get(school_id, school_year_id) is None:
                raise _year_not_found()
            rows = uow.students.search(school_id, search, request)
        if rows is None:
            raise invalid_token()
        return make_page(rows, request, scope, lambda s: s.id)

    # -- plumbing -------------------------------------------------------------------------------

    def _write(self, run: Callable[[UnitOfWork], T], *, duplicate: Callable[[], Exception], retry: bool = False) -> T:
        attempts = 2 if retry else 1
        for attempt in range(attempts):
            try:
                with self._uow(False) as uow:
                    return run(uow)
            except DuplicateKeyError:
                if attempt + 1 == attempts:
                    raise duplicate() from None
        raise AssertionError("unreachable: the loop returns or raises")


def _code_duplicate(code: str) -> DuplicateError:
    return DuplicateError("Mã học sinh đã tồn tại", {"student_code": f"Mã học sinh {code} đã tồn tại"})


def _stale(version: int) -> ConcurrencyError:
    return ConcurrencyError(
        "Hồ sơ học sinh đã được người khác sửa",
        {"expected_version": f"Hồ sơ đã được sửa (phiên bản hiện tại {version}); hãy tải lại rồi sửa lại"},
    )


def _fingerprint(cmd: EnrollStudent) -> str:
    """What makes two EnrollStudent requests "the same" for the idempotency check."""
    body = [cmd.class_id.strip(), normalise_name(cmd.full_name), cmd.date_of_birth.strip()]
    body += [cmd.gender.value if cmd.gender else "", cmd.student_code.strip()]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()
