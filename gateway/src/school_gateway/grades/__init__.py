"""The grades plugin: the class roster as the grade book sees it (pages and JSON); upstream grades."""

from __future__ import annotations

from school.grades.v1 import grades_pb2, grades_pb2_grpc
from school_gateway.grades import api, views
from school_gateway.plugins import Plugin, Upstream

GRADES = Upstream.from_descriptor(
    "grades", "GRADES_GRPC_ADDR", grades_pb2.DESCRIPTOR, "GradesService", grades_pb2_grpc.GradesServiceStub
)

# No menu entry: a roster belongs to one class and is opened from that class's page.
plugin = Plugin(name="grades", blueprints=[views.bp], api_blueprints=[api.blp], upstreams=[GRADES])
