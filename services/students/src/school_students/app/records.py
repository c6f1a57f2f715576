"""Use cases of the student record: the record, guardians, parent accounts, history, completeness.

The caller's view (which fields they may see) is decided by the API layer; these use cases
return the whole record and never log its values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from school_students.app.ports import Clock, DuplicateKeyError, UnitOfWork, UnitOfWorkFactory
from school_students.app.records_ports import ClassSummary, EnrolmentEntry
from school_students.domain import events
from school_students.domain.clock import school_day
from school_students.domain.completeness import Completeness, missing_fields
from school_students.domain.errors import ConcurrencyError, DuplicateError, FieldErrors, NotFoundError, ValidationError
from school_students.domain.guardian import Guardian, GuardianInput, validate_guardian
from school_students.domain.record import RecordInput, StudentRecord, changed_fields, validate_record
from school_students.domain.reference import ReferenceData
from school_students.domain.school_class import SchoolClass
from school_students.domain.student import Student
from school_students.domain.student import StudentDetails as StudentDetailsType

ACCOUNT_ID_MAX_LENGTH = 64
BASIC_FIELDS = ("full_name", "date_of_birth", "gender")
T = TypeVar("T")


@dataclass(frozen=True)
class RecordView:
    """Everything the record page shows about one student."""

    student: Student
    record: StudentRecord
    guardians: list[Guardian]
    history: list[EnrolmentEntry]
    missing: list[str]


@dataclass(frozen=True)
class StudentGap:
    """One student of a completeness list and the required fields their record lacks."""

    student: Student
    missing: list[str]


@dataclass(frozen=True)
class ClassCompleteness:
    school_class: SchoolClass
    students: list[StudentGap]
    summary: Completeness


@dataclass(frozen=True)
class ClassSummaryCompleteness:
    school_class: ClassSummary
    summary: Completeness


@dataclass(frozen=True)
class UpdateStudentRecord:
    school_id: str
    student_id: str
    expected_version: int
    record: RecordInput


def _student_not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy học sinh", {"student_id": "Không tìm thấy học sinh"})


def _guardian_not_found() -> NotFoundError:
    return NotFoundError(
        "Không tìm thấy người giám hộ", {"guardian_id": "Không tìm thấy người giám hộ của học sinh này"}
    )


def _csdl_duplicate(csdl_id: str) -> DuplicateError:
    message = f"Mã định danh học sinh {csdl_id} đã có ở một học sinh khác của trường"
    return DuplicateError("Mã định danh học sinh (CSDL ngành) đã tồn tại", {"csdl_id": message})


def _stale(version: int, field: str = "expected_version") -> ConcurrencyError:
    return ConcurrencyError(
        "Hồ sơ đã được người khác sửa",
        {field: f"Hồ sơ đã được sửa (phiên bản hiện tại {version}); hãy tải lại rồi sửa lại"},
    )


class StudentRecordsUseCases:
    """The student record's application service; StudentRecordsServicer calls one method per RPC."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, reference: ReferenceData, required_fields: Sequence[str]
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.reference = reference
        self.required_fields = tuple(required_fields)

    # -- reading --------------------------------------------------------------------------------

    def student(self, school_id: str, student_id: str) -> Student:
        """The student (for the caller's object check before anything else is read)."""
        with self._uow(True) as uow:
            found = uow.students.get(school_id, student_id.strip()) if student_id.strip() else None
        if found is None:
            raise _student_not_found()
        return found

    def get_record(self, school_id: str, student_id: str) -> RecordView:
        with self._uow(True) as uow:
            return self._view(uow, school_id, student_id.strip())

    def _view(self, uow: UnitOfWork, school_id: str, student_id: str) -> RecordView:
        student = uow.students.get(school_id, student_id) if student_id else None
        if student is None:
            raise _student_not_found()
        record = uow.records.get(school_id, student)
        guardians = uow.guardians.of_student(school_id, student.id)
        missing = missing_fields(record, [g.details for g in guardians], self.required_fields)
        return RecordView(student, record, guardians, uow.records.history(school_id, student.id), missing)

    def students_by_ids(self, school_id: str, student_ids: Iterable[str]) -> list[Student]:
        """The students of the school among ``student_ids`` (a parent's children), by name."""
        with self._uow(True) as uow:
            found = [uow.students.get(school_id, i) for i in sorted(student_ids)]
        return sorted((s for s in found if s is not None), key=lambda s: (s.full_name, s.id))

    # -- the record -----------------------------------------------------------------------------

    def update_record(self, cmd: UpdateStudentRecord) -> RecordView:
        student_id = cmd.student_id.strip()
        if not student_id:
            raise ValidationError("Thiếu học sinh", {"student_id": "Vui lòng chọn học sinh"})
        if cmd.expected_version <= 0:
            raise ValidationError(
                "Thiếu phiên bản hồ sơ",
                {"expected_version": "Thiếu phiên bản hồ sơ: hãy tải lại hồ sơ trước khi sửa"},
            )
        today = school_day(self._clock())

        def run(uow: UnitOfWork) -> RecordView:
            student = uow.students.get(cmd.school_id, student_id)
            if student is None:
                raise _student_not_found()
            year_start = None
            if student.class_id:
                school_class = uow.classes.get(cmd.school_id, student.class_id)
                year = uow.school_years.get(cmd.school_id, school_class.school_year_id) if school_class else None
                year_start = year.start_date if year else None
            record = validate_record(cmd.record, reference=self.reference, today=today, school_year_start=year_start)
            if record.csdl_id and uow.records.csdl_id_taken(cmd.school_id, record.csdl_id, student.id):
                raise _csdl_duplicate(record.csdl_id)
            if record.citizen_id and uow.records.citizen_id_taken(cmd.school_id, record.citizen_id, student.id):
                message = "Số định danh cá nhân này đã có trong hồ sơ một học sinh khác của trường"
                raise DuplicateError(message, {"citizen_id": message})
            if student.version != cmd.expected_version:
                raise _stale(student.version)
            before = uow.records.get(cmd.school_id, student)
            changed = changed_fields(before, record)
            if not changed:
                return self._view(uow, cmd.school_id, student.id)
            updated = uow.students.update_details(student, _details(record), cmd.expected_version)
            if updated is None:
                raise _stale(student.version)
            uow.records.save(cmd.school_id, student.id, record)
            if any(name in BASIC_FIELDS for name in changed):
                uow.emit(cmd.school_id, events.StudentDetailsChanged(updated))
            uow.emit(cmd.school_id, events.StudentRecordChanged(updated, tuple(changed)))
            return self._view(uow, cmd.school_id, student.id)

        return self._write(run, duplicate=lambda: _csdl_duplicate(cmd.record.csdl_id.strip()))

    # -- guardians ------------------------------------------------------------------------------

    def add_guardian(
        self,
        school_id: str,
        student_id: str,
        raw: GuardianInput,
        guardian_id: str = "",
        *,
        edits_student: Callable[[Student], bool] = lambda _student: False,
        may_link_accounts: bool = False,
    ) -> Guardian:
        """Add a new guardian, or attach an existing one (a sibling's parent) by ``guardian_id``.

        Attaching shares the guardian's contacts and, when the guardian signs in as a parent, that
        account's reach: so the caller must be able to edit the record of a child the guardian
        already has (``edits_student``), and an account-holding guardian needs the permission to
        link parent accounts (``may_link_accounts``).
        """
        today = school_day(self._clock())
        errors = FieldErrors()
        guardian_id = guardian_id.strip()
        if guardian_id:
            relation = raw.relation.strip().upper()
            if not relation:
                errors.add("guardian.relation", "Vui lòng chọn quan hệ với học sinh")
            elif relation not in self.reference.guardian_relations:
                errors.add("guardian.relation", "Quan hệ với học sinh không có trong danh mục")
            details = None
        else:
            details = validate_guardian(errors, raw, reference=self.reference, today=today, prefix="guardian.")
            relation = details.relation if details else ""
        errors.raise_if_any("Thông tin người giám hộ không hợp lệ")

        def run(uow: UnitOfWork) -> Guardian:
            student = self._student(uow, school_id, student_id)
            if guardian_id:
                guardian = uow.guardians.get(school_id, guardian_id)
                if guardian is None:
                    raise _guardian_not_found()
                children = uow.guardians.student_ids(school_id, guardian.id)
                known = [uow.students.get(school_id, sid) for sid in children]
                # Someone else's family is answered like a guardian that does not exist.
                if not any(child is not None and edits_student(child) for child in known):
                    raise _guardian_not_found()
                if guardian.parent_account_id and not may_link_accounts:
                    message = (
                        "Người giám hộ này đã có tài khoản phụ huynh; cần quyền liên kết tài khoản để thêm vào hồ sơ"
                    )
                    raise ValidationError(message, {"guardian_id": message})
                if student.id in children:
                    raise DuplicateError(
                        "Người giám hộ đã có trong hồ sơ", {"guardian_id": "Người này đã là người giám hộ của học sinh"}
                    )
            else:
                assert details is not None  # reported above when invalid
                guardian = uow.guardians.add(school_id, details)
            account = guardian.parent_account_id
            already = set(uow.guardians.children_of_account(school_id, account)) if account else set()
            uow.guardians.link(school_id, student.id, guardian.id, relation)
            uow.emit(school_id, events.StudentRecordChanged(student, ("guardians",)))
            if account and student.id not in already:
                uow.emit(school_id, events.GuardianLinked(student, account))
            return _with_relation(guardian, relation)

        return self._write(run, duplicate=_guardian_not_found)

    def update_guardian(
        self, school_id: str, student_id: str, guardian_id: str, expected_version: int, raw: GuardianInput
    ) -> Guardian:
        today = school_day(self._clock())
        errors = FieldErrors()
        details = validate_guardian(errors, raw, reference=self.reference, today=today, prefix="guardian.")
        if expected_version <= 0:
            errors.add("expected_version", "Thiếu phiên bản: hãy tải lại hồ sơ trước khi sửa")
        errors.raise_if_any("Thông tin người giám hộ không hợp lệ")
        assert details is not None

        def run(uow: UnitOfWork) -> Guardian:
            student = self._student(uow, school_id, student_id)
            guardian = self._guardian_of(uow, school_id, student.id, guardian_id)
            if guardian.version != expected_version:
                raise _stale(guardian.version)
            updated = uow.guardians.update(guardian, details, expected_version)
            if updated is None:
                raise _stale(guardian.version)
            uow.guardians.set_relation(school_id, student.id, guardian.id, details.relation)
            uow.emit(school_id, events.StudentRecordChanged(student, ("guardians",)))
            return updated

        return self._write(run, duplicate=_guardian_not_found)

    def remove_guardian(self, school_id: str, student_id: str, guardian_id: str) -> None:
        """Remove the link; removing a guardian the student does not have changes nothing (idempotent)."""

        def run(uow: UnitOfWork) -> None:
            student = self._student(uow, school_id, student_id)
            guardian = self._linked(uow, school_id, student.id, guardian_id)
            if guardian is None:
                return
            uow.guardians.unlink(school_id, student.id, guardian.id)
            uow.emit(school_id, events.StudentRecordChanged(student, ("guardians",)))
            account = guardian.parent_account_id
            if account and student.id not in uow.guardians.children_of_account(school_id, account):
                uow.emit(school_id, events.GuardianUnlinked(student, account))

        self._write(run, duplicate=_guardian_not_found)

    def link_account(self, school_id: str, student_id: str, guardian_id: str, account_id: str) -> Guardian:
        account_id = account_id.strip()
        if not account_id or len(account_id) > ACCOUNT_ID_MAX_LENGTH:
            raise ValidationError(
                "Thiếu tài khoản phụ huynh", {"parent_account_id": "Vui lòng chọn tài khoản phụ huynh (CMHS)"}
            )

        def run(uow: UnitOfWork) -> Guardian:
            student = self._student(uow, school_id, student_id)
            guardian = self._guardian_of(uow, school_id, student.id, guardian_id)
            if guardian.parent_account_id == account_id:
                return guardian
            if guardian.parent_account_id:
                self._set_account(uow, school_id, guardian, None)
            self._set_account(uow, school_id, guardian, account_id)
            return Guardian(guardian.id, school_id, guardian.details, guardian.version, account_id)

        return self._write(run, duplicate=_guardian_not_found)

    def unlink_account(self, school_id: str, student_id: str, guardian_id: str) -> None:
        """End the guardian's account link; nothing to do when the student has no such guardian."""

        def run(uow: UnitOfWork) -> None:
            student = self._student(uow, school_id, student_id)
            guardian = self._linked(uow, school_id, student.id, guardian_id)
            if guardian is not None and guardian.parent_account_id:
                self._set_account(uow, school_id, guardian, None)

        self._write(run, duplicate=_guardian_not_found)

    def _set_account(self, uow: UnitOfWork, school_id: str, guardian: Guardian, account_id: str | None) -> None:
        """Change the guardian's account; tell identity which children the accounts gain or lose."""
        old = guardian.parent_account_id
        account = account_id or old
        before = set(uow.guardians.children_of_account(school_id, account))
        uow.guardians.set_account(school_id, guardian.id, account_id)
        after = set(uow.guardians.children_of_account(school_id, account))
        for sid in sorted(after - before):
            child = uow.students.get(school_id, sid)
            if child is not None:
                uow.emit(school_id, events.GuardianLinked(child, account))
        for sid in sorted(before - after):
            child = uow.students.get(school_id, sid)
            if child is not None:
                uow.emit(school_id, events.GuardianUnlinked(child, account))

    def _student(self, uow: UnitOfWork, school_id: str, student_id: str) -> Student:
        student = uow.students.get(school_id, student_id.strip()) if student_id.strip() else None
        if student is None:
            raise _student_not_found()
        return student

    def _linked(self, uow: UnitOfWork, school_id: str, student_id: str, guardian_id: str) -> Guardian | None:
        for guardian in uow.guardians.of_student(school_id, student_id):
            if guardian.id == guardian_id.strip():
                return guardian
        return None

    def _guardian_of(self, uow: UnitOfWork, school_id: str, student_id: str, guardian_id: str) -> Guardian:
        guardian = self._linked(uow, school_id, student_id, guardian_id)
        if guardian is None:
            raise _guardian_not_found()
        return guardian

    # -- completeness ---------------------------------------------------------------------------

    def class_completeness(self, school_id: str, class_id: str) -> ClassCompleteness:
        with self._uow(True) as uow:
            school_class = uow.classes.get(school_id, class_id.strip()) if class_id.strip() else None
            if school_class is None:
                raise NotFoundError("Không tìm thấy lớp", {"class_id": "Không tìm thấy lớp"})
            gaps = self._gaps(uow, school_id, school_class.id)
        complete = sum(1 for g in gaps if not g.missing)
        return ClassCompleteness(school_class, gaps, Completeness(total=len(gaps), complete=complete))

    def _gaps(self, uow: UnitOfWork, school_id: str, class_id: str) -> list[StudentGap]:
        members = uow.records.in_class(school_id, class_id)
        family = uow.guardians.of_class(school_id, class_id)
        return [
            StudentGap(student, missing_fields(record, family.get(student.id, []), self.required_fields))
            for student, record in members
        ]

    def school_completeness(self, school_id: str, school_year_id: str) -> list[ClassSummaryCompleteness]:
        year_id = school_year_id.strip()
        with self._uow(True) as uow:
            if not year_id or uow.school_years.get(school_id, year_id) is None:
                raise NotFoundError("Không tìm thấy năm học", {"school_year_id": "Không tìm thấy năm học"})
            result = []
            for summary in uow.records.classes_of_year(school_id, year_id):
                gaps = self._gaps(uow, school_id, summary.class_id)
                complete = sum(1 for g in gaps if not g.missing)
                result.append(ClassSummaryCompleteness(summary, Completeness(total=len(gaps), complete=complete)))
        return result

    # -- plumbing -------------------------------------------------------------------------------

    def _write(self, run: Callable[[UnitOfWork], T], *, duplicate: Callable[[], Exception]) -> T:
        try:
            with self._uow(False) as uow:
                return run(uow)
        except DuplicateKeyError:
            raise duplicate() from None


def _details(record: StudentRecord) -> StudentDetailsType:
    return StudentDetailsType(record.full_name, record.date_of_birth, record.gender)


def _with_relation(guardian: Guardian, relation: str) -> Guardian:
    return replace(guardian, details=replace(guardian.details, relation=relation))
