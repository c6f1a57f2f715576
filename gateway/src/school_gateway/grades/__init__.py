"""The grades plugin: the class roster as the grade book sees it and the grade book itself (pages
and JSON); upstream grades (GradesService, and GradebookService on the same server)."""

from __future__ import annotations

from school.grades.v1 import (
    checks_pb2,
    checks_pb2_grpc,
    gradebook_pb2,
    gradebook_pb2_grpc,
    grades_pb2,
    grades_pb2_grpc,
    records_pb2,
    records_pb2_grpc,
    results_pb2,
    results_pb2_grpc,
)
from school_gateway.errors import N_
from school_gateway.grades import (
    api,
    checks_api,
    checks_views,
    gradebook_api,
    gradebook_convert,
    gradebook_views,
    records_api,
    records_views,
    results_api,
    results_convert,
    results_views,
    views,
)
from school_gateway.plugins import MenuEntry, Plugin, Upstream

GRADES = Upstream.from_descriptor(
    "grades", "GRADES_GRPC_ADDR", grades_pb2.DESCRIPTOR, "GradesService", grades_pb2_grpc.GradesServiceStub
)
# Issue 5, records (học bạ, class summaries, archive): RecordsService in the grades server.
GRADES_RECORDS = Upstream.from_descriptor(
    records_api.UPSTREAM,
    "GRADES_GRPC_ADDR",
    records_pb2.DESCRIPTOR,
    "RecordsService",
    records_pb2_grpc.RecordsServiceStub,
    audience="grades",
)
# Issue 5, the grade book: GradebookService runs in the grades server (same address and audience).
GRADEBOOK = Upstream.from_descriptor(
    gradebook_convert.UPSTREAM,
    "GRADES_GRPC_ADDR",
    gradebook_pb2.DESCRIPTOR,
    "GradebookService",
    gradebook_pb2_grpc.GradebookServiceStub,
    audience="grades",
)
STAFF_SCOPES = ("school", "class", "class_subject", "department")

# Checks and locking (issue 5 points 5–6): two more services of the grades server, same audience.
CHECKS = Upstream.from_descriptor(
    checks_api.CHECKS_UPSTREAM,
    "GRADES_GRPC_ADDR",
    checks_pb2.DESCRIPTOR,
    "CheckService",
    checks_pb2_grpc.CheckServiceStub,
    audience="grades",
)
LOCKS = Upstream.from_descriptor(
    checks_api.LOCKS_UPSTREAM,
    "GRADES_GRPC_ADDR",
    checks_pb2.DESCRIPTOR,
    "LockService",
    checks_pb2_grpc.LockServiceStub,
    audience="grades",
)
# Issue 5, results: ResultsService runs in the grades server (same address and audience).
RESULTS = Upstream.from_descriptor(
    results_convert.UPSTREAM,
    "GRADES_GRPC_ADDR",
    results_pb2.DESCRIPTOR,
    "ResultsService",
    results_pb2_grpc.ResultsServiceStub,
    audience="grades",
)

# The roster has no menu entry: it belongs to one class and is opened from that class's page
# (so are the class summary and the year results).
plugin = Plugin(
    name="grades",
    blueprints=[views.bp, checks_views.bp, results_views.bp, records_views.bp, gradebook_views.bp],
    api_blueprints=[api.blp, checks_api.blp, results_api.blp, records_api.blp, gradebook_api.blp],
    menu=[
        # The regulatory name (TT 27/2020); schools also say "sổ điểm".
        MenuEntry(
            N_("Education quality record book"), "gradebook.index", "grades:score:read", "nav-gradebook", STAFF_SCOPES
        ),
        MenuEntry(N_("Grade-book checks"), "grades_checks.checks_page", checks_api.CHECK_READ, "nav-grade-checks"),
        MenuEntry(N_("Lock the grade book"), "grades_checks.locks_page", checks_api.PERIOD_LOCK, "nav-grade-locks"),
        MenuEntry(N_("Records archive"), "grades_records.school_archive", "grades:record:sign", "nav-records-archive"),
    ],
    upstreams=[GRADES, CHECKS, LOCKS, RESULTS, GRADES_RECORDS, GRADEBOOK],
)
