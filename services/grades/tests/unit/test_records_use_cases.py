"""Printing and archiving the records with in-memory ports: reach, versions, all-or-nothing, verification."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from school_grades.app.records import (
    ArchivedRecord,
    ConflictError,
    ForbiddenError,
    IdentitySource,
    RecordsUseCases,
    UnavailableError,
)
from school_grades.domain import archive
from school_grades.domain.errors import NotFoundError, ValidationError
from school_grades.domain.programme import Period, load_programme
from school_grades.domain.records import (
    Cell,
    ClassInfo,
    ClassSummary,
    HocBaPage,
    Identity,
    Pupil,
    SchoolInfo,
    YearOutcomeInfo,
    build_class_summary,
    build_hoc_ba,
)
from schoolkit.context import Caller

PROGRAMME = load_programme("2025-2026")
CLASS = ClassInfo("class-1", "3A", 3, "year-1", "2025-2026")
PUPILS = [Pupil("st-1", "HS000001", "Nguyễn Thị Ánh Tuyết"), Pupil("st-2", "HS000002", "Trần Văn Bình")]
HT = Caller(subject="u-ht", school_id="school-a", full_name="Trần Văn Hiệu", scopes=frozenset({"school"}))
GVCN = Caller(subject="u-cn", school_id="school-a", full_name="Lê Thị Hoa", scopes=frozenset({"class:class-1"}))
OTHER_GVCN = Caller(subject="u-x", school_id="school-a", scopes=frozenset({"class:class-2"}))


class FakeSource:
    def __init__(self) -> None:
        self.cells: dict[str, dict[str, Cell]] = {"st-1": {"TOAN": Cell("T", 9)}}
        # Both archived periods locked and every pupil's year result computed, unless a test says otherwise.
        self.locked: set[tuple[str, Period]] = {("class-1", Period.CK1), ("class-1", Period.CN)}
        self.outcomes: dict[str, YearOutcomeInfo] = {
            p.student_id: YearOutcomeInfo("HT", completed=True) for p in PUPILS
        }

    def class_info(self, school_id: str, class_id: str) -> ClassInfo | None:
        return CLASS if (school_id, class_id) == ("school-a", "class-1") else None

    def period_locked(self, school_id: str, class_id: str, period: Period) -> bool:
        return school_id == "school-a" and (class_id, period) in self.locked

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
        school = SchoolInfo(school_id, "Trường Tiểu học Nguyễn Du", principal)
        ids = [p.student_id for p in PUPILS]
        given = identities.identities(school_id, ids) if identities else {}
        return [
            build_hoc_ba(
                programme=PROGRAMME,
                school=school,
                klass=replace(klass, homeroom_teacher=homeroom),
                pupil=p,
                cells=self.cells.get(p.student_id, {}),
                identity=given.get(p.student_id),
                outcome=self.outcomes.get(p.student_id),
                signed_on=signed_on,
            )
            for p in PUPILS
            if not student_id or p.student_id == student_id
        ]

    def class_summary(
        self,
        school_id: str,
        klass: ClassInfo,
        period: Period,
        *,
        principal: str = "",
        homeroom: str = "",
        signed_on: date | None = None,
    ) -> ClassSummary:
        school = SchoolInfo(school_id, "Trường Tiểu học Nguyễn Du", principal)
        return build_class_summary(
            programme=PROGRAMME, school=school, klass=klass, period=period, pupils=PUPILS, cells=self.cells
        )


class FakeRenderer:
    """A "PDF" that spells out what it holds, so tests can see which data went in."""

    def hoc_ba(self, pages: Sequence[HocBaPage], *, title: str = "") -> bytes:
        # The father's name only when one was given, so the existing expectations stay readable.
        father = [f":{p.identity.father_name}" if p.identity.father_name else "" for p in pages]
        return "|".join(
            f"{p.student_id}:{p.subjects[1].level}:{p.principal}{f}" for p, f in zip(pages, father, strict=True)
        ).encode()

    def class_summary(self, summary: ClassSummary) -> bytes:
        return f"summary:{summary.period.value}:{len(summary.rows)}:{summary.rows[0].subjects}".encode()


class FakeSigner:
    subject = "CN=Trường Tiểu học Nguyễn Du"

    def sign(self, pdf: bytes) -> bytes:
        return pdf + b"#signed"


class MemoryStore:
    def __init__(self, fail_on: str = "") -> None:
        self.files: dict[str, bytes] = {}
        self.fail_on = fail_on

    def put(self, key: str, data: bytes) -> None:
        if self.fail_on and self.fail_on in key:
            raise OSError("disk full")
        if key in self.files:
            raise FileExistsError(key)
        self.files[key] = data

    def get(self, key: str) -> bytes | None:
        return self.files.get(key)

    def delete(self, key: str) -> None:
        self.files.pop(key, None)


class MemoryArchive:
    def __init__(self) -> None:
        self.rows: list[ArchivedRecord] = []

    def chain(self, school_id: str) -> list[archive.ArchiveEntry]:
        return [r.entry for r in self.rows if r.entry.school_id == school_id]

    def records(
        self, school_id: str, *, school_year_id: str = "", class_id: str = "", after: int = 0, limit: int = 100
    ) -> list[ArchivedRecord]:
        found = [
            r
            for r in self.rows
            if r.entry.school_id == school_id
            and r.entry.sequence > after
            and (not class_id or r.class_id == class_id)
            and (not school_year_id or r.school_year_id == school_year_id)
        ]
        return found[:limit]

    def get(self, school_id: str, sequence: int) -> ArchivedRecord | None:
        return next((r for r in self.rows if (r.entry.school_id, r.entry.sequence) == (school_id, sequence)), None)

    def latest_version(
        self, school_id: str, school_year_id: str, period: str, kind: str, class_id: str, student_id: str
    ) -> int:
        return max(
            (
                r.version
                for r in self.rows
                if (r.entry.school_id, r.school_year_id, r.entry.period, r.entry.kind, r.class_id, r.student_id)
                == (school_id, school_year_id, period, kind, class_id, student_id)
            ),
            default=0,
        )

    def append(
        self, school_id: str, build: Callable[[Sequence[archive.ArchiveEntry]], list[ArchivedRecord]]
    ) -> list[ArchivedRecord]:
        added = build(self.chain(school_id))
        self.rows.extend(added)  # only once build() returned: all or nothing
        return added


def use_cases(
    store: MemoryStore | None = None, *, signer: FakeSigner | None = None, signing: bool = True
) -> tuple[RecordsUseCases, MemoryArchive, MemoryStore, FakeSource]:
    repo, files, source = MemoryArchive(), store or MemoryStore(), FakeSource()
    uc = RecordsUseCases(
        source,
        FakeRenderer(),
        repo,
        files,
        (signer or FakeSigner()) if signing else None,
        clock=lambda: datetime(2026, 5, 29, 8, 0, tzinfo=UTC),
        today=lambda: date(2026, 5, 29),
    )
    return uc, repo, files, source


def test_homeroom_prints_own_class_but_not_another() -> None:
    uc, *_ = use_cases()
    doc = uc.print_hoc_ba(GVCN, "class-1")
    assert doc.content == b"st-1:T:|st-2::"
    assert doc.file_name == "HocBa_3A_2025-2026.pdf"
    one = uc.print_hoc_ba(GVCN, "class-1", "st-2")
    assert one.content == b"st-2::"
    assert one.file_name == "HocBa_3A_HS000002_2025-2026.pdf"
    with pytest.raises(ForbiddenError):
        uc.print_hoc_ba(OTHER_GVCN, "class-1")
    with pytest.raises(NotFoundError) as info:
        uc.print_hoc_ba(GVCN, "class-1", "st-9")
    assert "student_id" in info.value.fields
    with pytest.raises(NotFoundError):
        uc.print_hoc_ba(HT, "class-unknown")


def test_summary_period_is_checked() -> None:
    uc, *_ = use_cases()
    assert uc.print_class_summary(HT, "class-1", "GK1").content.startswith(b"summary:GK1:2")
    with pytest.raises(ValidationError) as info:
        uc.print_class_summary(HT, "class-1", "HK3")
    assert info.value.fields == {"period": "Kỳ đánh giá phải là GK1, CK1, GK2 hoặc CN"}


def test_year_end_archive_chains_the_summary_and_every_hoc_ba_signed() -> None:
    uc, _repo, files, _ = use_cases()
    added = uc.archive_class(HT, "class-1", "CN")
    assert [(r.entry.kind, r.student_id, r.version) for r in added] == [
        ("BANG_TONG_HOP", "", 1),
        ("HOC_BA", "st-1", 1),
        ("HOC_BA", "st-2", 1),
    ]
    assert [r.entry.sequence for r in added] == [1, 2, 3]
    assert added[1].entry.name == "2025-2026/CN/3A/HOC_BA_HS000001_v1.pdf"
    # What was stored is the signed file, and the principal's name went on the document.
    assert (
        files.files["school-a/2025-2026/CN/3A/HOC_BA_HS000001_v1.pdf"]
        == b"st-1:T:Tr\xe1\xba\xa7n V\xc4\x83n Hi\xe1\xbb\x87u#signed"
    )
    assert added[1].entry.file_sha256 == archive.sha256_hex(files.files[added[1].key])
    assert added[0].archived_by == "u-ht"
    assert added[0].signer.startswith("CN=")
    assert uc.verify_archive(HT).ok


def test_re_archive_after_a_correction_is_a_new_version_and_the_old_one_stays() -> None:
    uc, _repo, files, source = use_cases()
    first = uc.archive_class(HT, "class-1", "CK1")
    assert [(r.entry.kind, r.version) for r in first] == [("BANG_TONG_HOP", 1)]  # CK1: the summary only
    source.cells["st-1"]["TOAN"] = Cell("H", 9)  # corrected after an unlock
    second = uc.archive_class(HT, "class-1", "CK1")
    assert second[0].version == 2
    assert second[0].entry.sequence == 2
    assert second[0].entry.previous_link == first[0].entry.link
    assert files.files[first[0].key] != files.files[second[0].key]
    assert len(files.files) == 2
    report = uc.verify_archive(HT)
    assert (report.ok, report.checked, report.total, report.last_link) == (True, 2, 2, second[0].entry.link)


def test_only_semester_ends_are_archived_and_only_by_the_school_wide_signer() -> None:
    uc, repo, *_ = use_cases()
    with pytest.raises(ValidationError) as info:
        uc.archive_class(HT, "class-1", "GK2")
    assert "period" in info.value.fields
    with pytest.raises(ForbiddenError):
        uc.archive_class(GVCN, "class-1", "CN")
    assert repo.rows == []


def test_no_certificate_no_archive() -> None:
    uc, repo, files, _ = use_cases(signing=False)
    with pytest.raises(UnavailableError):
        uc.archive_class(HT, "class-1", "CN")
    assert repo.rows == []
    assert files.files == {}


def test_a_store_failure_midway_leaves_no_entry_and_no_orphan_file() -> None:
    uc, repo, files, _ = use_cases(MemoryStore(fail_on="HS000002"))
    with pytest.raises(OSError, match="disk full"):
        uc.archive_class(HT, "class-1", "CN")
    assert repo.rows == []
    assert files.files == {}


class RacedArchive(MemoryArchive):
    """Another archive of the same class commits version 1 while this one renders and signs: the
    first read of the latest version says 0, every later one says 1."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[tuple[str, ...]] = set()

    def latest_version(
        self, school_id: str, school_year_id: str, period: str, kind: str, class_id: str, student_id: str
    ) -> int:
        key = (school_id, school_year_id, period, kind, class_id, student_id)
        seen = key in self.asked
        self.asked.add(key)
        return 1 if seen else 0


def test_a_name_taken_meanwhile_is_a_conflict_and_nothing_is_kept() -> None:
    store = MemoryStore()
    store.files["school-a/2025-2026/CN/3A/HOC_BA_HS000002_v1.pdf"] = b"someone else's"
    uc, _, files, _ = use_cases(store)
    repo = RacedArchive()
    uc._repo = repo  # the same use cases over an archive another writer got to first
    with pytest.raises(ConflictError):
        uc.archive_class(HT, "class-1", "CN")
    assert repo.rows == []
    assert list(files.files) == ["school-a/2025-2026/CN/3A/HOC_BA_HS000002_v1.pdf"]


def test_verification_reports_the_altered_file_at_its_entry() -> None:
    uc, _repo, files, _ = use_cases()
    added = uc.archive_class(HT, "class-1", "CN")
    files.files[added[1].key] += b" "
    report = uc.verify_archive(HT)
    assert not report.ok
    assert report.broken_at == 2
    assert report.checked == 1
    assert report.problem == f"Tệp {added[1].entry.name} đã bị thay đổi sau khi lưu trữ"
    del files.files[added[1].key]
    assert uc.verify_archive(HT).problem == f"Không tìm thấy tệp {added[1].entry.name}"
    with pytest.raises(ForbiddenError):
        uc.verify_archive(GVCN)


def test_archive_listing_and_files_stay_within_reach() -> None:
    uc, *_ = use_cases()
    uc.archive_class(HT, "class-1", "CN")
    assert [r.entry.sequence for r in uc.list_archive(GVCN, class_id="class-1")] == [1, 2, 3]
    assert [r.entry.sequence for r in uc.list_archive(HT, after=1, limit=1)] == [2]
    with pytest.raises(ForbiddenError):
        uc.list_archive(GVCN)  # the whole school's list is for school-wide roles
    with pytest.raises(ForbiddenError):
        uc.list_archive(OTHER_GVCN, class_id="class-1")
    record, data = uc.archived_file(GVCN, 2)
    assert record.student_id == "st-1"
    assert data.endswith(b"#signed")
    with pytest.raises(NotFoundError):
        uc.archived_file(OTHER_GVCN, 2)  # another class's file is "not found", not "forbidden"


def test_listing_another_schools_class_is_not_found() -> None:
    uc, *_ = use_cases()
    with pytest.raises(NotFoundError):
        uc.list_archive(HT, class_id="class-of-another-school")


def test_identities_given_fill_the_pupils_they_name_for_that_request_only() -> None:
    uc, _repo, files, _ = use_cases()
    father = Identity(full_name="", father_name="Nguyễn Văn Đức")
    given = {"st-2": father, "st-9": Identity(full_name="", father_name="Người ngoài lớp")}
    assert uc.print_hoc_ba(GVCN, "class-1", identities=given).content == "st-1:T:|st-2:::Nguyễn Văn Đức".encode()
    # Nothing is remembered: the next print without identities is blank again.
    assert uc.print_hoc_ba(GVCN, "class-1").content == b"st-1:T:|st-2::"
    added = uc.archive_class(HT, "class-1", "CN", identities=given)
    assert files.files[added[2].key] == "st-2::Trần Văn Hiệu:Nguyễn Văn Đức#signed".encode()


def test_nothing_is_signed_before_the_period_is_locked() -> None:
    uc, repo, files, source = use_cases()
    source.locked.clear()
    for period in ("CK1", "CN"):
        with pytest.raises(ValidationError) as info:
            uc.archive_class(HT, "class-1", period)
        assert f"Cần khóa kỳ {period}" in info.value.fields["period"]
    assert repo.rows == []
    assert files.files == {}


def test_the_year_end_hoc_ba_waits_for_every_pupils_year_result() -> None:
    uc, repo, files, source = use_cases()
    del source.outcomes["st-2"]
    with pytest.raises(ValidationError) as info:
        uc.archive_class(HT, "class-1", "CN")
    assert "Trần Văn Bình" in info.value.fields["period"]
    assert "Nguyễn Thị Ánh Tuyết" not in info.value.fields["period"]
    assert repo.rows == []
    assert files.files == {}


def test_a_file_left_by_a_crash_before_its_entry_is_replaced() -> None:
    """A process killed after storing a file but before committing its entry leaves a file no
    entry names; the next archive replaces it instead of refusing forever."""
    store = MemoryStore()
    store.files["school-a/2025-2026/CN/3A/HOC_BA_HS000002_v1.pdf"] = b"half-finished"
    uc, _repo, files, _ = use_cases(store)
    added = uc.archive_class(HT, "class-1", "CN")
    assert [r.version for r in added] == [1, 1, 1]
    assert files.files["school-a/2025-2026/CN/3A/HOC_BA_HS000002_v1.pdf"] != b"half-finished"
    assert uc.verify_archive(HT).ok
