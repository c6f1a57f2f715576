"""The grades plugin: the class roster as the grade book sees it (pages and JSON); upstream grades."""

from __future__ import annotations

from school.grades.v1 import grades_pb2, grades_pb2_grpc, results_pb2, results_pb2_grpc
from school_gateway.grades import api, results_api, results_convert, results_views, views
from school_gateway.plugins import Plugin, Upstream

GRADES = Upstream.from_descriptor(
    "grades", "GRADES_GRPC_ADDR", grades_pb2.DESCRIPTOR, "GradesService", grades_pb2_grpc.GradesServiceStub
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

# No menu entry: a roster belongs to one class and is opened from that class's page.
plugin = Plugin(
    name="grades",
    blueprints=[views.bp, results_views.bp],
    api_blueprints=[api.blp, results_api.blp],
    upstreams=[GRADES, RESULTS],
)
