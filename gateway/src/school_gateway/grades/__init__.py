"""The grades plugin: the class roster as the grade book sees it (pages and JSON); upstream grades."""

from __future__ import annotations

from school.grades.v1 import grades_pb2, grades_pb2_grpc, records_pb2, records_pb2_grpc
from school_gateway.errors import N_
from school_gateway.grades import api, records_api, records_views, views
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

# The roster and a class's records are opened from that class's page; the school's archive has a menu entry.
plugin = Plugin(
    name="grades",
    blueprints=[views.bp, records_views.bp],
    api_blueprints=[api.blp, records_api.blp],
    upstreams=[GRADES, GRADES_RECORDS],
    menu=[
        MenuEntry(N_("Records archive"), "grades_records.school_archive", "grades:record:sign", "nav-records-archive")
    ],
)
