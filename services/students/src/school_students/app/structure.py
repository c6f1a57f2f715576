"""School-structure use cases: reading and editing a school year (dates, semesters) and a class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from school_students.app.ports import DuplicateKeyError, UnitOfWork, UnitOfWorkFactory
from school_students.domain import events
from school_students.domain.errors import ConcurrencyError, DuplicateError, FieldErrors, NotFoundError, ValidationError
from school_students.domain.school_class import SchoolClass
from school_students.domain.school_year import SchoolYear, validate_school_year
from school_students.domain.structure import (
    NO_SEMESTER,
    ClassLimits,
    Semester,
    SemesterDefaults,
    SemesterInput,
    check_semesters,
    check_year_covers_activity,
    default_semesters,
    read_semesters,
    validate_class_changes,
)

T = TypeVar("T")


@dataclass(frozen=True)
class UpdateSchoolYear:
    school_id: str
    school_year_id: str
    expected_version: int
    start_date: str
    end_date: str
    # Both empty: keep the stored semesters (they must still fit the new dates).
    hk1: SemesterInput = NO_SEMESTER
    hk2: SemesterInput = NO_SEMESTER


@dataclass(frozen=True)
class UpdateClass:
    school_id: str
    class_id: str
    expected_version: int
    name: str
    room: str
    max_size: int


def _year_not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy năm học", {"school_year_id": "Không tìm thấy năm học"})


def _class_not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy lớp", {"class_id": "Không tìm thấy lớp"})


def _stale(what: str, version: int) -> ConcurrencyError:
    return ConcurrencyError(
        f"{what} đã được người khác sửa",
        {"expected_version": f"{what} đã được sửa (phiên bản hiện tại {version}); hãy tải lại rồi sửa lại"},
    )


def _missing_version(errors: FieldErrors, expected_version: int) -> None:
    if expected_version <= 0:
        errors.add("expected_version", "Thiếu phiên bản: hãy tải lại trang trước khi sửa")


class StructureUseCases:
    """Editing the school structure; each write runs in one unit of work with its event."""

    def __init__(self, uow: UnitOfWorkFactory, semester_defaults: SemesterDefaults, class_limits: ClassLimits) -> None:
        self._uow = uow
        self._defaults = semester_defaults
        self._limits = class_limits

    # -- school years ---------------------------------------------------------------------------

    def get_school_year(self, school_id: str, year_id: str) -> SchoolYear:
        with self._uow(True) as uow:
            found = uow.school_years.get(school_id, year_id.strip()) if year_id.strip() else None
        if found is None:
            raise _year_not_found()
        return found

    def update_school_year(self, cmd: UpdateSchoolYear) -> SchoolYear:
        year_id = cmd.school_year_id.strip()
        if not year_id:
            raise ValidationError("Thiếu năm học", {"school_year_id": "Vui lòng chọn năm học"})
        errors = FieldErrors()
        _missing_version(errors, cmd.expected_version)
        given = not (cmd.hk1.empty and cmd.hk2.empty)
        new_terms = read_semesters(errors, cmd.hk1, cmd.hk2) if given else None

        def run(uow: UnitOfWork) -> SchoolYear:
            year = uow.school_years.get(cmd.school_id, year_id)
            if year is None:
                raise _year_not_found()
            start = end = None
            try:
                # The name is the year's natural key and stays: the new dates must still fit it.
                spec = validate_school_year(year.name, cmd.start_date, cmd.end_date)
                start, end = spec.start_date, spec.end_date
            except ValidationError as exc:
                errors.errors.update({k: v for k, v in exc.fields.items() if k not in errors.errors})
            terms: tuple[Semester, ...] | None = new_terms
            if not given:
                terms = year.semesters if len(year.semesters) == 2 else None
                if terms is None and start and end:  # a year stored before semesters existed
                    terms = default_semesters(start, end, self._defaults)
            if start and end:
                if terms is not None and len(terms) == 2:
                    check_semesters(errors, start, end, (terms[0], terms[1]))
                elif not given:
                    errors.add("hk1.start_date", "Hãy nhập ngày của hai học kỳ")
                check_year_covers_activity(errors, end, uow.school_years.last_activity(cmd.school_id, year.id))
            errors.raise_if_any("Thông tin năm học không hợp lệ")
            assert start is not None  # every problem was reported above
            assert end is not None
            assert terms is not None
            if year.version != cmd.expected_version:
                raise _stale("Năm học", year.version)
            if (start, end, tuple(terms)) == (year.start_date, year.end_date, year.semesters):
                return year  # nothing changed: no new version, no event
            updated = uow.school_years.update(year, start, end, terms, cmd.expected_version)
            if updated is None:
                raise _stale("Năm học", year.version)
            uow.emit(cmd.school_id, events.SchoolYearUpdated(updated))
            return updated

        return self._write(run, duplicate=_year_not_found)

    # -- classes --------------------------------------------------------------------------------

    def update_class(self, cmd: UpdateClass) -> SchoolClass:
        class_id = cmd.class_id.strip()
        if not class_id:
            raise ValidationError("Thiếu lớp", {"class_id": "Vui lòng chọn lớp"})
        errors = FieldErrors()
        _missing_version(errors, cmd.expected_version)

        def run(uow: UnitOfWork) -> SchoolClass:
            # Locked: an enrolment racing this edit cannot slip past the new size limit.
            school_class = uow.classes.get(cmd.school_id, class_id, for_update=True)
            if school_class is None:
                raise _class_not_found()
            try:
                changes = validate_class_changes(
                    cmd.name,
                    cmd.room,
                    cmd.max_size,
                    current_size=school_class.size,
                    current_max_size=school_class.max_size,
                    limits=self._limits,
                )
            except ValidationError as exc:
                errors.errors.update({k: v for k, v in exc.fields.items() if k not in errors.errors})
                changes = None
            errors.raise_if_any("Thông tin lớp không hợp lệ")
            assert changes is not None
            if school_class.version != cmd.expected_version:
                raise _stale("Lớp", school_class.version)
            current = (school_class.name, school_class.room, school_class.max_size)
            if (changes.name, changes.room, changes.max_size) == current:
                return school_class
            year = uow.school_years.get(cmd.school_id, school_class.school_year_id)
            year_name = year.name if year else ""
            if changes.name != school_class.name and uow.classes.name_taken(
                cmd.school_id, school_class.school_year_id, changes.name
            ):
                raise _class_duplicate(changes.name, year_name)
            updated = uow.classes.update(school_class, changes, cmd.expected_version)
            if updated is None:
                raise _stale("Lớp", school_class.version)
            uow.emit(cmd.school_id, events.ClassUpdated(updated, school_class.name, year_name))
            return updated

        return self._write(run, duplicate=lambda: _class_duplicate(cmd.name.strip(), ""))

    # -- plumbing -------------------------------------------------------------------------------

    def _write(self, run: Callable[[UnitOfWork], T], *, duplicate: Callable[[], Exception]) -> T:
        try:
            with self._uow(False) as uow:
                return run(uow)
        except DuplicateKeyError:
            raise duplicate() from None


def _class_duplicate(name: str, year_name: str) -> DuplicateError:
    where = f" trong năm học {year_name}" if year_name else ""
    text = f"Lớp {name} đã tồn tại{where}"
    return DuplicateError(text, {"name": text})
