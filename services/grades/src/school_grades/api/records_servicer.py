"""RecordsService servicer: permission first, then the class in the caller's reach, then the use case."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from school.grades.v1 import records_pb2, records_pb2_grpc
from school_grades.api import permissions as perm
from school_grades.app import records as app
from school_grades.app.records import ArchivedRecord, RecordsUseCases
from school_grades.domain.errors import DomainError, NotFoundError, ValidationError
from school_grades.domain.records import IDENTITY_NAME_FIELDS, IDENTITY_TEXT_FIELDS, Identity, identity_problems
from schoolkit import grpc_errors
from schoolkit.grpc_server import current_caller, require
from schoolkit.logging import get_logger

log = get_logger(__name__)

SERVICE_NAME = records_pb2.DESCRIPTOR.services_by_name["RecordsService"].full_name
MAX_PAGE = 200
DEFAULT_PAGE = 50
# More identities than any class holds (classes are capped far below) means a broken client.
MAX_IDENTITIES = 200
MAX_ID_LENGTH = 64
_IDENTITY_FIELDS = ("gender", *IDENTITY_TEXT_FIELDS, *IDENTITY_NAME_FIELDS)


@contextmanager
def domain_errors() -> Iterator[None]:
    """Each domain refusal as its gRPC status, keeping the Vietnamese field messages."""
    try:
        yield
    except ValidationError as err:
        raise grpc_errors.InvalidInputError(err.message, err.fields) from None
    except NotFoundError as err:
        raise grpc_errors.NotFoundError(err.message, err.fields) from None
    except app.ForbiddenError as err:
        raise grpc_errors.ForbiddenError(err.message, err.fields) from None
    except app.ConflictError as err:
        raise grpc_errors.ConflictError(err.message, err.fields) from None
    except DomainError as err:  # UnavailableError and anything else the rules refuse
        raise grpc_errors.PreconditionFailedError(err.message, err.fields) from None


def entry_message(record: ArchivedRecord) -> records_pb2.ArchiveEntry:
    entry = record.entry
    at = Timestamp()
    at.FromDatetime(record.archived_at)
    return records_pb2.ArchiveEntry(
        sequence=entry.sequence,
        school_year_id=record.school_year_id,
        school_year=entry.school_year,
        period=entry.period,
        kind=entry.kind,
        class_id=record.class_id,
        student_id=record.student_id,
        version=record.version,
        name=entry.name,
        file_sha256=entry.file_sha256,
        previous_link=entry.previous_link,
        link=entry.link,
        size_bytes=record.size_bytes,
        signer=record.signer,
        archived_at=at,
        archived_by_name=record.archived_by_name,
    )


def identities_of(messages: Sequence[records_pb2.PupilIdentity]) -> dict[str, Identity]:
    """The request's identity pages by student id, or INVALID_ARGUMENT naming every bad field.

    Only field names and positions go into the refusal, never the values (family data)."""
    if len(messages) > MAX_IDENTITIES:
        message = f"Tối đa {MAX_IDENTITIES} học sinh mỗi lần"
        raise grpc_errors.InvalidInputError(message, {"identities": message})
    problems: dict[str, str] = {}
    found: dict[str, Identity] = {}
    for index, item in enumerate(messages):
        where = f"identities[{index}]"
        if not item.student_id or len(item.student_id) > MAX_ID_LENGTH:
            problems[f"{where}.student_id"] = "Thiếu hoặc sai mã học sinh"
        elif item.student_id in found:
            problems[f"{where}.student_id"] = "Học sinh này có hai thông tin lí lịch"
        fields = {name: str(getattr(item, name)).strip() for name in _IDENTITY_FIELDS}
        problems |= {f"{where}.{name}": text for name, text in identity_problems(fields).items()}
        # The name and birth date are the roster's (build_hoc_ba keeps them); "" is a placeholder.
        found[item.student_id] = Identity(
            full_name="",
            gender=fields["gender"],
            ethnicity=fields["ethnicity"],
            nationality=fields["nationality"],
            place_of_birth=fields["place_of_birth"],
            hometown=fields["hometown"],
            address=fields["address"],
            father_name=fields["father_name"],
            mother_name=fields["mother_name"],
            guardian_name=fields["guardian_name"],
        )
    if problems:
        raise grpc_errors.InvalidInputError("Thông tin lí lịch học sinh không hợp lệ", problems)
    return found


def _reach(class_id: str) -> None:
    """The object check before any work: the caller's homeroom class or a school-wide role."""
    if class_id and not current_caller().is_homeroom_of(class_id):
        raise grpc_errors.ForbiddenError(
            "Bạn không phải giáo viên chủ nhiệm của lớp này", {"class_id": "Không thuộc lớp của bạn"}
        )


class RecordsServicer(records_pb2_grpc.RecordsServiceServicer):
    def __init__(self, use_cases: RecordsUseCases) -> None:
        self._uc = use_cases

    def register(self, server: grpc.Server) -> str:
        records_pb2_grpc.add_RecordsServiceServicer_to_server(self, server)
        return SERVICE_NAME

    def PrintHocBa(
        self, request: records_pb2.PrintHocBaRequest, context: grpc.ServicerContext
    ) -> records_pb2.PrintHocBaResponse:
        require(perm.RECORD_PRINT)
        _reach(request.class_id)
        identities = identities_of(request.identities)
        with domain_errors():
            doc = self._uc.print_hoc_ba(current_caller(), request.class_id, request.student_id, identities)
        return records_pb2.PrintHocBaResponse(file_name=doc.file_name, content=doc.content)

    def PrintClassSummary(
        self, request: records_pb2.PrintClassSummaryRequest, context: grpc.ServicerContext
    ) -> records_pb2.PrintClassSummaryResponse:
        require(perm.RECORD_PRINT)
        _reach(request.class_id)
        with domain_errors():
            doc = self._uc.print_class_summary(current_caller(), request.class_id, request.period)
        return records_pb2.PrintClassSummaryResponse(file_name=doc.file_name, content=doc.content)

    def ArchiveClass(
        self, request: records_pb2.ArchiveClassRequest, context: grpc.ServicerContext
    ) -> records_pb2.ArchiveClassResponse:
        require(perm.RECORD_SIGN)
        _reach(request.class_id)
        identities = identities_of(request.identities)
        with domain_errors():
            records = self._uc.archive_class(current_caller(), request.class_id, request.period, identities)
        # Ids and hashes only: the files hold pupils' names and results (and the family fields given).
        log.info(
            "records.archived",
            class_id=request.class_id,
            period=request.period,
            entries=len(records),
            last_sequence=records[-1].entry.sequence if records else 0,
        )
        return records_pb2.ArchiveClassResponse(entries=[entry_message(r) for r in records])

    def ListArchive(
        self, request: records_pb2.ListArchiveRequest, context: grpc.ServicerContext
    ) -> records_pb2.ListArchiveResponse:
        require(perm.RECORD_PRINT)
        _reach(request.class_id)
        size = request.page_size or DEFAULT_PAGE
        if not 1 <= size <= MAX_PAGE:
            message = f"Số mục mỗi trang từ 1 đến {MAX_PAGE}"
            raise grpc_errors.InvalidInputError(message, {"page_size": message})
        after = 0
        if request.page_token:
            # ASCII digits of a sequence that fits the column ("²" passes isdigit(), a 25-digit
            # number overflows the database integer).
            if not re.fullmatch(r"[0-9]{1,18}", request.page_token):
                raise grpc_errors.InvalidInputError("Mã trang không hợp lệ", {"page_token": "Mã trang không hợp lệ"})
            after = int(request.page_token)
        with domain_errors():
            records = self._uc.list_archive(
                current_caller(),
                school_year_id=request.school_year_id,
                class_id=request.class_id,
                after=after,
                limit=size + 1,
            )
        more = len(records) > size
        page = records[:size]
        token = str(page[-1].entry.sequence) if more and page else ""
        return records_pb2.ListArchiveResponse(entries=[entry_message(r) for r in page], next_page_token=token)

    def GetArchivedFile(
        self, request: records_pb2.GetArchivedFileRequest, context: grpc.ServicerContext
    ) -> records_pb2.GetArchivedFileResponse:
        require(perm.RECORD_PRINT)
        with domain_errors():
            record, data = self._uc.archived_file(current_caller(), request.sequence)
        file_name = record.entry.name.replace("/", "_")
        return records_pb2.GetArchivedFileResponse(entry=entry_message(record), file_name=file_name, content=data)

    def VerifyArchive(
        self, request: records_pb2.VerifyArchiveRequest, context: grpc.ServicerContext
    ) -> records_pb2.VerifyArchiveResponse:
        require(perm.RECORD_PRINT)
        with domain_errors():
            report = self._uc.verify_archive(current_caller())
        return records_pb2.VerifyArchiveResponse(
            ok=report.ok,
            checked=report.checked,
            total=report.total,
            broken_at=report.broken_at or 0,
            problem=report.problem,
            last_link=report.last_link,
        )
