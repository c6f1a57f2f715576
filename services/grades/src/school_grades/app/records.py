"""Use cases of the records (issue 5 point 7): print the học bạ and the class summary sheet, archive
them signed in the school's hash chain, list the archive and verify it.

Every source, renderer, signer and store is a port (Protocol) so tests run on fakes and a province
deployment can swap the file store for object storage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from school_grades.domain import archive
from school_grades.domain.errors import DomainError, NotFoundError, ValidationError
from school_grades.domain.programme import Period, parse_period
from school_grades.domain.records import (
    ARCHIVED_PERIODS,
    ClassInfo,
    ClassSummary,
    HocBaPage,
    Identity,
    YearOutcomeInfo,
    archive_name,
)
from schoolkit.context import Caller

HOC_BA = "HOC_BA"
BANG_TONG_HOP = "BANG_TONG_HOP"
KINDS = (HOC_BA, BANG_TONG_HOP)


class ForbiddenError(DomainError):
    """The caller's assignments do not reach the object."""


class ConflictError(DomainError):
    """Someone else archived into the same chain at the same moment; trying again is safe."""


class UnavailableError(DomainError):
    """A part the use case needs is not configured (e.g. no signing certificate)."""


# -- ports ------------------------------------------------------------------------------------------


class YearResultSource(Protocol):
    """Year result, awards and completion per pupil (helper B's results; the lead wires the adapter)."""

    def outcomes(self, school_id: str, school_year_id: str, class_id: str) -> Mapping[str, YearOutcomeInfo]: ...


class NoYearResults:
    """Until the results are wired: the học bạ prints those lines blank (dots), never guessed."""

    def outcomes(self, school_id: str, school_year_id: str, class_id: str) -> Mapping[str, YearOutcomeInfo]:
        return {}


class IdentitySource(Protocol):
    """The identity page's fields kept by the students service (ethnicity, parents, place of birth)."""

    def identities(self, school_id: str, student_ids: Sequence[str]) -> Mapping[str, Identity]: ...


class NoIdentities:
    """Nothing given: name and birth date only (from the roster), the rest prints as dots."""

    def identities(self, school_id: str, student_ids: Sequence[str]) -> Mapping[str, Identity]:
        return {}


class GivenIdentities:
    """The identities a client sent with one request (the gateway reads them from students with
    the user's own token, so students decided what this user may see). Lives for that request
    only: grades keeps no copy of family data."""

    def __init__(self, given: Mapping[str, Identity]) -> None:
        self._given = dict(given)

    def identities(self, school_id: str, student_ids: Sequence[str]) -> Mapping[str, Identity]:
        return {sid: self._given[sid] for sid in student_ids if sid in self._given}


def identity_source(given: Mapping[str, Identity] | None) -> IdentitySource | None:
    """The request's own identities, or None for the source's default (blank family fields)."""
    return GivenIdentities(given) if given else None


class RecordSource(Protocol):
    """The documents, built from what the grade book holds."""

    def class_info(self, school_id: str, class_id: str) -> ClassInfo | None: ...

    def period_locked(self, school_id: str, class_id: str, period: Period) -> bool:
        """Whether the HT or PHT has locked this period of the class (checks and locking)."""
        ...

    def hoc_ba(
        self,
        school_id: str,
        klass: ClassInfo,
        student_id: str = "",
        *,
        principal: str = "",
        homeroom: str = "",
        signed_on: date | None = None,
        identities: IdentitySource | None = None,
    ) -> list[HocBaPage]:
        """Every current pupil's học bạ in roster order, or only ``student_id``'s ([] when not in the class).

        ``identities`` replaces the source's own IdentitySource for this call."""
        ...

    def class_summary(
        self,
        school_id: str,
        klass: ClassInfo,
        period: Period,
        *,
        principal: str = "",
        homeroom: str = "",
        signed_on: date | None = None,
    ) -> ClassSummary: ...


class RecordRenderer(Protocol):
    def hoc_ba(self, pages: Sequence[HocBaPage], *, title: str = ...) -> bytes: ...

    def class_summary(self, summary: ClassSummary) -> bytes: ...


class Signer(Protocol):
    subject: str

    def sign(self, pdf: bytes) -> bytes: ...


class FileStore(Protocol):
    """Where archived files live, by key "<school id>/<name>"; a key is written once, never replaced."""

    def put(self, key: str, data: bytes) -> None:
        """Store ``data``; FileExistsError when the key holds a file already."""
        ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None:
        """Remove a file whose archive entry was never committed (compensation only)."""
        ...


@dataclass(frozen=True)
class ArchivedRecord:
    """One archive entry with what the school needs to find it again."""

    entry: archive.ArchiveEntry
    school_year_id: str
    class_id: str
    student_id: str  # "" for a class document
    version: int
    size_bytes: int
    signer: str
    archived_at: datetime
    archived_by: str
    archived_by_name: str

    @property
    def key(self) -> str:
        return file_key(self.entry.school_id, self.entry.name)


def file_key(school_id: str, name: str) -> str:
    return f"{school_id}/{name}"


class ArchiveRepository(Protocol):
    def chain(self, school_id: str) -> list[archive.ArchiveEntry]:
        """The school's whole chain in sequence order."""
        ...

    def records(
        self, school_id: str, *, school_year_id: str = "", class_id: str = "", after: int = 0, limit: int = 100
    ) -> list[ArchivedRecord]:
        """Entries with sequence > ``after``, oldest first."""
        ...

    def get(self, school_id: str, sequence: int) -> ArchivedRecord | None: ...

    def latest_version(
        self, school_id: str, school_year_id: str, period: str, kind: str, class_id: str, student_id: str
    ) -> int:
        """The highest version archived of that document (0 when none)."""
        ...

    def append(
        self, school_id: str, build: Callable[[Sequence[archive.ArchiveEntry]], list[ArchivedRecord]]
    ) -> list[ArchivedRecord]:
        """In one transaction: read the chain, call ``build`` with it, insert what it returns and one
        RecordArchived event per entry. ConflictError when another append won the race."""
        ...


# -- use cases ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A rendered document for download."""

    file_name: str
    content: bytes


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    total: int
    broken_at: int | None
    problem: str
    last_link: str


class RecordsUseCases:
    def __init__(
        self,
        source: RecordSource,
        renderer: RecordRenderer,
        repository: ArchiveRepository,
        store: FileStore,
        signer: Signer | None,
        clock: Callable[[], datetime],
        today: Callable[[], date],
    ) -> None:
        self._source = source
        self._renderer = renderer
        self._repo = repository
        self._store = store
        self._signer = signer
        self._clock = clock
        self._today = today

    # -- reading and printing ------------------------------------------------------------------------

    def _class(self, caller: Caller, class_id: str) -> ClassInfo:
        if not class_id:
            raise ValidationError("Hãy chọn lớp", {"class_id": "Hãy chọn lớp"})
        # The object check, again here so that every entry point (not only the servicer) is covered.
        if not caller.is_homeroom_of(class_id):
            raise ForbiddenError(
                "Bạn không phải giáo viên chủ nhiệm của lớp này", {"class_id": "Không thuộc lớp của bạn"}
            )
        klass = self._source.class_info(caller.school_id, class_id)
        if klass is None:
            raise NotFoundError("Không tìm thấy lớp", {"class_id": "Không tìm thấy lớp trong trường"})
        return klass

    @staticmethod
    def _homeroom(caller: Caller, class_id: str) -> str:
        """The GVCN's name when the GVCN prints their own class (grades keeps no teacher names)."""
        return caller.full_name if f"class:{class_id}" in caller.scopes else ""

    def print_hoc_ba(
        self, caller: Caller, class_id: str, student_id: str = "", identities: Mapping[str, Identity] | None = None
    ) -> Document:
        """The học bạ of one pupil, or of the whole class in one PDF (unsigned, for printing).

        ``identities`` (student id → identity page) fill the family fields of the pupils given."""
        klass = self._class(caller, class_id)
        pages = self._source.hoc_ba(
            caller.school_id,
            klass,
            student_id,
            homeroom=self._homeroom(caller, class_id),
            identities=identity_source(identities),
        )
        if student_id and not pages:
            raise NotFoundError("Không tìm thấy học sinh trong lớp", {"student_id": "Học sinh không thuộc lớp này"})
        if not pages:
            raise ValidationError("Lớp chưa có học sinh", {"class_id": "Lớp chưa có học sinh nào"})
        who = f"_{pages[0].student_code}" if student_id else ""
        name = f"HocBa_{klass.name}{who}_{klass.school_year}.pdf"
        return Document(_ascii(name), self._renderer.hoc_ba(pages, title=f"Học bạ lớp {klass.name}"))

    def print_class_summary(self, caller: Caller, class_id: str, period: str) -> Document:
        klass = self._class(caller, class_id)
        summary = self._source.class_summary(
            caller.school_id, klass, parse_period(period), homeroom=self._homeroom(caller, class_id)
        )
        name = f"BangTongHop_{klass.name}_{period}_{klass.school_year}.pdf"
        return Document(_ascii(name), self._renderer.class_summary(summary))

    # -- archiving -------------------------------------------------------------------------------------

    def archive_class(
        self, caller: Caller, class_id: str, period: str, identities: Mapping[str, Identity] | None = None
    ) -> list[ArchivedRecord]:
        """Render, sign and store the class's documents of ``period`` (CK1: the summary; CN: the
        summary and every pupil's học bạ), then chain them, all or nothing. An earlier archive of
        the same document stays; this one is its next version. ``identities`` fill the học bạ's
        identity pages as in print_hoc_ba."""
        # The class first: an object outside the caller's reach is refused before anything about the request.
        if not caller.school_wide:
            raise ForbiddenError("Chỉ hiệu trưởng ký và lưu trữ hồ sơ", {"class_id": "Cần quyền toàn trường"})
        klass = self._class(caller, class_id)
        when = parse_period(period)
        if when not in ARCHIVED_PERIODS:
            message = "Chỉ lưu trữ sau học kì I (CK1) và cuối năm (CN)"
            raise ValidationError(message, {"period": message})
        if self._signer is None:
            raise UnavailableError(
                "Chưa cấu hình chứng thư số của nhà trường nên chưa thể ký hồ sơ",
                {"signing": "Chưa cấu hình RECORDS_SIGNING_P12_FILE"},
            )
        school_id = caller.school_id
        # Signed records are made after the lock (domain-vn §2.3, §2.5): what is archived must be
        # what was checked and approved, and cannot change under the signature.
        if not self._source.period_locked(school_id, class_id, when):
            message = f"Cần khóa kỳ {when.value} của lớp (sau khi kiểm tra) trước khi ký và lưu trữ"
            raise ValidationError(message, {"period": message})
        today = self._today()
        summary = self._source.class_summary(school_id, klass, when, principal=caller.full_name, signed_on=today)
        if not summary.rows:
            raise ValidationError("Lớp chưa có học sinh", {"class_id": "Lớp chưa có học sinh nào"})
        # (kind, student id, student code, unsigned pdf)
        documents: list[tuple[str, str, str, bytes]] = [(BANG_TONG_HOP, "", "", self._renderer.class_summary(summary))]
        if when is Period.CN:
            pages = self._source.hoc_ba(
                school_id, klass, principal=caller.full_name, signed_on=today, identities=identity_source(identities)
            )
            waiting = [page.identity.full_name for page in pages if page.outcome is None]
            if waiting:
                shown = ", ".join(waiting[:10]) + (
                    f" và {len(waiting) - 10} học sinh khác" if len(waiting) > 10 else ""
                )
                message = f"Chưa có kết quả cuối năm của: {shown}. Hãy tổng hợp kết quả trước khi ký học bạ"
                raise ValidationError(message, {"period": message})
            for page in pages:
                documents.append((HOC_BA, page.student_id, page.student_code, self._renderer.hoc_ba([page])))
        # Rendering and signing take seconds for a class: done before the transaction, which only
        # chains and inserts. A version taken meanwhile by someone else makes the insert conflict.
        prepared: list[tuple[str, str, str, int, bytes]] = []
        for kind, student_id, code, pdf in documents:
            version = 1 + self._repo.latest_version(
                school_id, klass.school_year_id, when.value, kind, class_id, student_id
            )
            name = archive_name(
                school_year=klass.school_year,
                period=when,
                kind=kind,
                class_name=klass.name,
                version=version,
                student_code=code or student_id,
            )
            prepared.append((kind, student_id, name, version, self._signer.sign(pdf)))
        stored: list[str] = []
        now = self._clock()

        def build(chain: Sequence[archive.ArchiveEntry]) -> list[ArchivedRecord]:
            entries: list[archive.ArchiveEntry] = list(chain)
            out: list[ArchivedRecord] = []
            for kind, student_id, name, version, signed in prepared:
                entry = archive.append(
                    entries,
                    school_id=school_id,
                    school_year=klass.school_year,
                    period=when.value,
                    kind=kind,
                    name=name,
                    data=signed,
                )
                entries.append(entry)
                key = file_key(school_id, name)
                try:
                    self._store.put(key, signed)
                except FileExistsError:
                    if (
                        self._repo.latest_version(
                            school_id, klass.school_year_id, when.value, kind, class_id, student_id
                        )
                        >= version
                    ):
                        raise ConflictError(
                            "Hồ sơ này vừa được lưu trữ bởi người khác; hãy tải lại trang", {"class_id": "Đã lưu trữ"}
                        ) from None
                    # A file no entry names: left by a process that died between storing it and
                    # committing its entry. It was never part of the archive, so it is replaced.
                    self._store.delete(key)
                    self._store.put(key, signed)
                stored.append(key)
                out.append(
                    ArchivedRecord(
                        entry=entry,
                        school_year_id=klass.school_year_id,
                        class_id=class_id,
                        student_id=student_id,
                        version=version,
                        size_bytes=len(signed),
                        signer=self._signer.subject if self._signer else "",
                        archived_at=now,
                        archived_by=caller.subject,
                        archived_by_name=caller.full_name,
                    )
                )
            return out

        try:
            return self._repo.append(school_id, build)
        except BaseException:
            # The entries were not committed: their files must not stay behind as orphans, and a
            # retry must be able to write the same names.
            for key in stored:
                self._store.delete(key)
            raise

    # -- the archive -----------------------------------------------------------------------------------

    def list_archive(
        self, caller: Caller, *, school_year_id: str = "", class_id: str = "", after: int = 0, limit: int = 50
    ) -> list[ArchivedRecord]:
        if class_id:
            self._class(caller, class_id)  # in reach, and a class of the caller's school
        elif not caller.school_wide:
            raise ForbiddenError("Hãy chọn lớp của bạn", {"class_id": "Hãy chọn lớp"})
        return self._repo.records(
            caller.school_id, school_year_id=school_year_id, class_id=class_id, after=after, limit=limit
        )

    def archived_file(self, caller: Caller, sequence: int) -> tuple[ArchivedRecord, bytes]:
        record = self._repo.get(caller.school_id, sequence)
        if record is None or not caller.is_homeroom_of(record.class_id):
            raise NotFoundError("Không tìm thấy mục lưu trữ", {"sequence": "Không có mục lưu trữ này"})
        data = self._store.get(record.key)
        if data is None:
            raise NotFoundError("Tệp lưu trữ không còn", {"sequence": f"Không tìm thấy tệp {record.entry.name}"})
        return record, data

    def verify_archive(self, caller: Caller) -> ChainReport:
        """Walk the school's chain, re-read every file, report the first entry that does not hold."""
        if not caller.school_wide:
            raise ForbiddenError("Chỉ cán bộ quản lý kiểm tra chuỗi lưu trữ", {"school": "Cần quyền toàn trường"})
        chain = self._repo.chain(caller.school_id)
        result = archive.verify(chain, lambda entry: self._store.get(file_key(entry.school_id, entry.name)))
        last = chain[-1].link if chain else archive.GENESIS
        return ChainReport(result.ok, result.checked, len(chain), result.broken_at, result.problem, last)


def _ascii(name: str) -> str:
    # Download names go into a Content-Disposition header: keep them plain.
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in name)
