"""RecordsService servicer: permission first, then the class in the caller's reach, then the use case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from school.grades.v1 import records_pb2, records_pb2_grpc
from school_grades.api import permissions as perm
from school_grades.app import records as app
from school_grades.app.records import ArchivedRecord, RecordsUseCases
from school_grades.domain.errors import DomainError, NotFoundError, ValidationError
from schoolkit import grpc_errors
from schoolkit.grpc_server import current_caller, require
from schoolkit.logging import get_logger

log = get_logger(__name__)

SERVICE_NAME = records_pb2.DESCRIPTOR.services_by_name["RecordsService"].full_name
MAX_PAGE = 200
DEFAULT_PAGE = 50


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
        with domain_errors():
            doc = self._uc.print_hoc_ba(current_caller(), request.class_id, request.student_id)
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
        with domain_errors():
            records = self._uc.archive_class(current_caller(), request.class_id, request.period)
        # Ids and hashes only: the files hold pupils' names and results.
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
            if not request.page_token.isdigit():
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
